"""Sealing: hash-chaining committed audit rows in small ordered batches.

Requests never wait on the chain: they only insert rows. A single sealer (the worker's
`audit_seal --forever`, guarded by an advisory lock on PostgreSQL) reads committed rows
in id order, hashes each one into a leaf, and writes a seal holding the leaves and a
digest chained to the previous seal.

Ids are allocated before commit, so rows can commit out of order and a rolled-back
transaction leaves a hole. The sealer stops at a hole until the row after it is older
than ISAHUB_AUDIT_GAP_GRACE_SECONDS and, on PostgreSQL, until every transaction that was
writing audit rows when the hole was first seen has ended: each writer holds a shared
advisory lock (services.WRITER_LOCK) from before it draws an id until it commits or rolls
back, so a transaction still able to fill the hole is one of the holders seen then. Only
then is the hole sealed as "never committed"; a long transaction (a feed load of several
minutes) holds up sealing instead of being reported later as tampering. A row that does
appear in a sealed hole is reported by verification.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import structlog
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .canonical import CONTENT_COLUMNS, GENESIS_DIGEST, format_id_ranges, leaf, seal_digest
from .models import AuditEntry, AuditSeal
from .services import WRITER_LOCK

log = structlog.get_logger(__name__)
SEALER_LOCK_KEY = 7_356_214_001


def _take_sealer_lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite runs one writer at a time already.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SEALER_LOCK_KEY])
        return bool(cursor.fetchone()[0])


# The holders of the writers' lock when each waiting hole (by its first id) was first seen.
_writers_at_first_sight: dict[int, frozenset[str]] = {}


def _writers_now() -> frozenset[str]:
    """Transactions (other than ours) now holding the writers' lock, by virtual transaction id."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT virtualtransaction FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objid = %s "
            "AND objsubid = 2 AND granted AND pid <> pg_backend_pid()",
            list(WRITER_LOCK),
        )
        return frozenset(row[0] for row in cursor.fetchall())


def _hole_is_final(first_missing_id: int) -> bool:
    """Can no running transaction still commit a row in the hole starting here? The id was
    drawn before the row after the hole committed, so its transaction, if still running,
    held the writers' lock when the hole was first seen."""
    if connection.vendor != "postgresql":
        return True  # SQLite has one writer at a time: a hole there is a rollback.
    now = _writers_now()
    seen = _writers_at_first_sight.setdefault(first_missing_id, now)
    if seen & now:
        return False
    del _writers_at_first_sight[first_missing_id]
    return True


def _sealable_prefix(
    rows: list[tuple], start: int, now: dt.datetime, grace: dt.timedelta, hole_is_final: Callable[[int], bool] = _hole_is_final
):
    """The rows that can be sealed now, and the ids in between that never committed."""
    sealed: list[tuple] = []
    missing: list[int] = []
    expected = start
    for row in rows:
        row_id, created_at = row[0], row[1]
        if row_id > expected:
            if now - created_at < grace or not hole_is_final(expected):
                break  # the hole may still be an open transaction: wait for it
            missing.extend(range(expected, row_id))
        sealed.append(row)
        expected = row_id + 1
    return sealed, missing


def seal_batch(*, batch_size: int | None = None, grace_seconds: int | None = None) -> AuditSeal | None:
    """Seal the next batch of committed rows; None when there is nothing to seal yet."""
    batch_size = batch_size or settings.ISAHUB_AUDIT_SEAL_BATCH
    grace = dt.timedelta(seconds=settings.ISAHUB_AUDIT_GAP_GRACE_SECONDS if grace_seconds is None else grace_seconds)
    with transaction.atomic():
        if not _take_sealer_lock():
            return None
        previous = AuditSeal.objects.order_by("-id").first()
        start = previous.last_id + 1 if previous else 1
        rows = list(AuditEntry.objects.filter(id__gte=start).order_by("id").values_list("id", *CONTENT_COLUMNS)[:batch_size])
        sealed, missing = _sealable_prefix(rows, start, timezone.now(), grace)
        if not sealed:
            return None
        leaves = b"".join(leaf(row[1:]) for row in sealed)
        missing_text = format_id_ranges(missing)
        previous_digest = previous.digest if previous else GENESIS_DIGEST
        last_id = sealed[-1][0]
        seal = AuditSeal.objects.create(
            first_id=start,
            last_id=last_id,
            row_count=len(sealed),
            missing_ids=missing_text,
            leaves=leaves,
            previous_digest=previous_digest,
            digest=seal_digest(
                previous_digest=previous_digest,
                first_id=start,
                last_id=last_id,
                missing_ids=missing_text,
                leaves=leaves,
            ),
            sealed_at=timezone.now(),
        )
    # The digest in the logs is a witness outside the database (see docs/security.md).
    log.info("audit.sealed", seal=seal.id, first_id=seal.first_id, last_id=seal.last_id, digest=seal.digest)
    return seal


def seal_pending(**kwargs) -> int:
    """Seal everything sealable now; returns the number of rows sealed."""
    total = 0
    while (seal := seal_batch(**kwargs)) is not None:
        total += seal.row_count
    return total


def chain_head() -> dict:
    head = AuditSeal.objects.order_by("-id").values("id", "last_id", "digest").first()
    if head is None:
        return {"seal": None, "last_sealed_id": 0, "digest": GENESIS_DIGEST}
    return {"seal": head["id"], "last_sealed_id": head["last_id"], "digest": head["digest"]}
