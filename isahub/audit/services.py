"""Writing the audit trail. `audit_record` is the one call every other app makes."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from isahub.core.context import current_audit_sequence, current_ip, current_request_id

from .actions import ACTIONS
from .canonical import canonical_details
from .models import AuditEntry, Outcome


class AuditOutsideTransaction(RuntimeError):
    """Raised when a caller tries to audit outside the transaction of the work itself."""


def _normalised_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        return None


def _clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL; dropping it keeps the hash identical on both engines.
    return text.replace("\x00", "")


def audit_record(
    *,
    action: str,
    actor: Any = None,
    outcome: str = Outcome.SUCCESS,
    target: Any = None,
    target_type: str = "",
    target_id: str = "",
    child_id: str = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    actor_username: str = "",
) -> AuditEntry:
    """Write one audit row in the caller's transaction.

    It must be called inside `transaction.atomic` (every request is), so the row commits
    with the work it records or not at all; if the insert fails, the exception propagates
    and the work is rolled back and not served.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unregistered audit action {action!r}: add it to isahub/audit/actions.py")
    if not connection.in_atomic_block:
        raise AuditOutsideTransaction(f"audit_record({action!r}) called outside a transaction")
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    request_id = current_request_id.get()
    counter = current_audit_sequence.get()
    return insert_entry(
        AuditEntry(
            created_at=timezone.now(),
            request_id=request_id,
            sequence=next(counter) if request_id and counter is not None else None,
            actor_id=actor.pk if authenticated else None,
            actor_username=_clean(actor.get_username() if authenticated else actor_username)[:150],
            agency_id=getattr(actor, "agency_id", None) if authenticated else None,
            action=action,
            outcome=outcome,
            target_type=target_type,
            target_id=str(target_id),
            child_id=str(child_id),
            reason=_clean(reason),
            details=_clean(canonical_details(details)),
            ip_address=_normalised_ip(current_ip.get()),
        )
    )


_INSERT_COLUMNS = [str(f.column) for f in AuditEntry._meta.concrete_fields if f.column != "id"]
# Table and column names come from the model; every value is a query parameter.
_INSERT_SQL = "INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING id".format(  # noqa: S608 # nosec B608 # names from the model, values as parameters
    table=AuditEntry._meta.db_table, columns=", ".join(_INSERT_COLUMNS), values=", ".join(["%s"] * len(_INSERT_COLUMNS))
)
# On PostgreSQL the same INSERT first takes the writers' shared advisory lock, held until the
# transaction ends, before the row's id is drawn: the sealer reads the lock's holders to know
# when a hole in the ids can no longer be filled (sealing.py). One statement, no extra round trip.
WRITER_LOCK = (7356, 214002)
_LOCKED_INSERT = "INSERT INTO {table} ({columns}) SELECT {values} FROM (SELECT pg_advisory_xact_lock_shared({lock})) AS w"
_INSERT_SQL_POSTGRES = (_LOCKED_INSERT + " RETURNING id").format(  # noqa: S608 # nosec B608 # names from the model and constants, values as parameters
    table=AuditEntry._meta.db_table,
    columns=", ".join(_INSERT_COLUMNS),
    values=", ".join(["%s"] * len(_INSERT_COLUMNS)),
    lock=", ".join(str(part) for part in WRITER_LOCK),
)


def insert_entry(entry: AuditEntry) -> AuditEntry:
    """One prepared INSERT for the hottest write in the product: every audited request makes
    it, and going through the ORM's save() (signals, SQL compilation) costs more than the
    insert itself. Values are converted by the same fields the ORM would use."""
    values = [
        field.get_db_prep_save(getattr(entry, field.attname), connection)
        for field in AuditEntry._meta.concrete_fields
        if field.column != "id"
    ]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL_POSTGRES if connection.vendor == "postgresql" else _INSERT_SQL, values)
        entry.pk = cursor.fetchone()[0]
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


def audit_record_now(**kwargs: Any) -> AuditEntry:
    """Audit something that has no other work to share a transaction with (a refusal)."""
    with transaction.atomic():
        return audit_record(**kwargs)
