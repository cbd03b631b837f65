"""Verification of the audit chain: OK, or exactly which rows were altered, removed,
inserted or reordered, and which seals no longer chain."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.db import connection

from .canonical import CONTENT_COLUMNS, GENESIS_DIGEST, LEAF_BYTES, POSTGRES_LEAF_SQL, leaf, parse_id_ranges, seal_digest
from .models import AuditEntry, AuditSeal


@dataclass(frozen=True)
class Problem:
    kind: str  # altered | removed | inserted | reordered | seal | head
    message: str
    row_id: int | None = None
    seal_id: int | None = None


@dataclass
class VerifyReport:
    rows_checked: int = 0
    seals_checked: int = 0
    unsealed_rows: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    # Working state while checking: changed rows, and the sealed content they should hold.
    changed: list[tuple[int, int, bytes]] = field(default_factory=list, repr=False)
    sealed_leaf_of_changed: dict[bytes, int] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows_per_second(self) -> float:
        return self.rows_checked / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class _Seal:
    id: int
    first_id: int
    last_id: int
    row_count: int
    missing_ids: str
    leaves: bytes
    previous_digest: str
    digest: str

    def expected_ids(self) -> list[int]:
        missing = parse_id_ranges(self.missing_ids)
        return [i for i in range(self.first_id, self.last_id + 1) if i not in missing]

    def expected_ids_digest(self) -> str:
        return hashlib.md5(",".join(map(str, self.expected_ids())).encode(), usedforsecurity=False).hexdigest()

    def expected_leaves(self) -> list[bytes]:
        return [self.leaves[i : i + LEAF_BYTES] for i in range(0, len(self.leaves), LEAF_BYTES)]


def _seals() -> Iterator[_Seal]:
    fields = ("id", "first_id", "last_id", "row_count", "missing_ids", "leaves", "previous_digest", "digest")
    for values in AuditSeal.objects.order_by("id").values_list(*fields).iterator(chunk_size=2000):
        seal_id, first_id, last_id, row_count, missing_ids, leaves, previous_digest, digest = values
        yield _Seal(seal_id, first_id, last_id, row_count, missing_ids, bytes(leaves), previous_digest, digest)


def _check_chain(seals: list[_Seal], report: VerifyReport) -> None:
    previous_digest, next_first = GENESIS_DIGEST, 1
    for seal in seals:
        if seal.previous_digest != previous_digest:
            report.problems.append(
                Problem(
                    "seal",
                    f"Seal {seal.id} does not follow the seal before it: seals were removed, reordered or altered.",
                    seal_id=seal.id,
                )
            )
        if seal.first_id != next_first:
            report.problems.append(
                Problem(
                    "seal",
                    f"Seal {seal.id} starts at row {seal.first_id}, expected {next_first}: a sealed range is missing.",
                    seal_id=seal.id,
                )
            )
        recomputed = seal_digest(
            previous_digest=seal.previous_digest,
            first_id=seal.first_id,
            last_id=seal.last_id,
            missing_ids=seal.missing_ids,
            leaves=seal.leaves,
        )
        if recomputed != seal.digest or len(seal.leaves) != seal.row_count * LEAF_BYTES:
            report.problems.append(Problem("seal", f"Seal {seal.id} has been altered.", seal_id=seal.id))
        previous_digest, next_first = seal.digest, seal.last_id + 1


def _compare_rows(seal: _Seal, actual: list[tuple[int, bytes]], report: VerifyReport) -> None:
    """Name each difference between what was sealed and what is in the table now.

    Changed rows are only collected here; `_classify_changes` decides, across all seals,
    whether a changed row holds content sealed elsewhere (reordered) or new content (altered).
    """
    expected = dict(zip(seal.expected_ids(), seal.expected_leaves(), strict=False))
    actual_ids = set()
    for row_id, row_leaf in actual:
        actual_ids.add(row_id)
        if row_id not in expected:
            report.problems.append(
                Problem(
                    "inserted",
                    f"Row {row_id} is inside seal {seal.id} but was not sealed: "
                    "inserted, or committed after its id was sealed as never used.",
                    row_id,
                    seal.id,
                )
            )
        elif row_leaf != expected[row_id]:
            report.changed.append((row_id, seal.id, row_leaf))
            report.sealed_leaf_of_changed[expected[row_id]] = row_id
    for row_id in expected:
        if row_id not in actual_ids:
            report.problems.append(Problem("removed", f"Row {row_id} has been removed since it was sealed.", row_id, seal.id))
            report.sealed_leaf_of_changed[expected[row_id]] = row_id


def _classify_changes(report: VerifyReport) -> None:
    for row_id, seal_id, row_leaf in report.changed:
        moved_from = report.sealed_leaf_of_changed.get(row_leaf)
        if moved_from is not None and moved_from != row_id:
            message = f"Row {row_id} holds the content sealed as row {moved_from}: rows were reordered."
            report.problems.append(Problem("reordered", message, row_id, seal_id))
        else:
            report.problems.append(Problem("altered", f"Row {row_id} has been altered since it was sealed.", row_id, seal_id))


def _rows_in(seal: _Seal) -> list[tuple[int, bytes]]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.id, {POSTGRES_LEAF_SQL} FROM audit_auditentry e WHERE e.id BETWEEN %s AND %s ORDER BY e.id",  # nosec B608 # SQL from constants only
                [seal.first_id, seal.last_id],
            )
            return [(row_id, bytes(value)) for row_id, value in cursor.fetchall()]
    rows = AuditEntry.objects.filter(id__range=(seal.first_id, seal.last_id)).order_by("id")
    return [(row[0], leaf(row[1:])) for row in rows.values_list("id", *CONTENT_COLUMNS)]


def _postgres_batch_digests(first_id: int, last_id: int) -> dict[int, tuple[int, str, bytes]]:
    """Per seal, the number of rows now in its range, a digest of their ids and their
    leaves concatenated: hashing runs inside PostgreSQL, and little reaches Python."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT s.id, count(e.id),
                   md5(coalesce(string_agg(e.id::text, ',' ORDER BY e.id), '')),
                   coalesce(string_agg({POSTGRES_LEAF_SQL}, ''::bytea ORDER BY e.id), ''::bytea)
            FROM audit_auditseal s
            LEFT JOIN audit_auditentry e ON e.id BETWEEN s.first_id AND s.last_id
            WHERE s.id BETWEEN %s AND %s
            GROUP BY s.id
            """,  # nosec B608 # SQL from constants only
            [first_id, last_id],
        )
        return {seal_id: (count, ids, bytes(leaves)) for seal_id, count, ids, leaves in cursor.fetchall()}


def _sqlite_rows(first_id: int) -> Iterator[tuple[int, bytes]]:
    rows = AuditEntry.objects.filter(id__gte=first_id).order_by("id").values_list("id", *CONTENT_COLUMNS)
    for row in rows.iterator(chunk_size=5000):
        yield row[0], leaf(row[1:])


SEALS_PER_QUERY = 200
VERIFY_CONNECTIONS = 2  # the hashing runs in PostgreSQL: one backend per core


def _digests_on_own_connection(part: list[_Seal]) -> dict[int, tuple[int, str, bytes]]:
    try:
        return _postgres_batch_digests(part[0].id, part[-1].id)
    finally:
        connection.close()  # this thread's own connection


def _postgres_digests(parts: list[list[_Seal]]):
    """Seal digests from PostgreSQL, on two connections at once when nothing uncommitted
    needs to be seen (inside a transaction other connections could not see its rows)."""
    if connection.in_atomic_block or len(parts) < 2:
        for part in parts:
            yield part, _postgres_batch_digests(part[0].id, part[-1].id)
        return
    with ThreadPoolExecutor(max_workers=VERIFY_CONNECTIONS) as pool:
        yield from zip(parts, pool.map(_digests_on_own_connection, parts), strict=True)


def _check_rows(seals: list[_Seal], report: VerifyReport) -> None:
    if not seals:
        return
    if connection.vendor == "postgresql":
        parts = [seals[start : start + SEALS_PER_QUERY] for start in range(0, len(seals), SEALS_PER_QUERY)]
        for part, found in _postgres_digests(parts):
            for seal in part:
                count, ids_digest, leaves = found.get(seal.id, (0, "", b""))
                report.rows_checked += count
                if count != seal.row_count or leaves != seal.leaves or ids_digest != seal.expected_ids_digest():
                    _compare_rows(seal, _rows_in(seal), report)
        return
    # SQLite: one ordered pass over the table, hashing in Python.
    rows = _sqlite_rows(seals[0].first_id)
    pending: tuple[int, bytes] | None = next(rows, None)
    for seal in seals:
        actual = []
        while pending is not None and pending[0] <= seal.last_id:
            if pending[0] >= seal.first_id:
                actual.append(pending)
            pending = next(rows, None)
        report.rows_checked += len(actual)
        if [i for i, _ in actual] != seal.expected_ids() or [v for _, v in actual] != seal.expected_leaves():
            _compare_rows(seal, actual, report)


def verify_chain(*, expect_head: str | None = None) -> VerifyReport:
    """Check every seal and every sealed row. `expect_head` is "SEAL:DIGEST" as published
    earlier (health endpoint, logs); it catches the removal of whole seals at the end."""
    started = time.perf_counter()
    report = VerifyReport()
    seals = list(_seals())
    report.seals_checked = len(seals)
    _check_chain(seals, report)
    _check_rows(seals, report)
    _classify_changes(report)
    last_sealed = seals[-1].last_id if seals else 0
    report.unsealed_rows = AuditEntry.objects.filter(id__gt=last_sealed).count()
    if expect_head:
        seal_id, _, digest = expect_head.partition(":")
        match = next((s for s in seals if str(s.id) == seal_id), None)
        if match is None or match.digest != digest:
            report.problems.append(
                Problem(
                    "head",
                    f"The published chain head {expect_head} is not in the chain: "
                    "sealed rows were truncated or the chain rewritten.",
                )
            )
    report.seconds = time.perf_counter() - started
    return report
