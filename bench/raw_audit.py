"""`audit_record` writing its row with the least work possible: one plain INSERT with the
values as they are, nothing returned. A reference for bench/audit.py (part D): how close the
product's own insert path comes to it.

Bench-only. The row is the same (same checks, same values, same transaction); only the way
it is written differs (the one caller on the benchmarked path, isahub/api/auth.py, ignores
the return value). Import it after Django is set up.
"""

from django.db import connection
from django.utils import timezone

from isahub.audit import services
from isahub.audit.actions import ACTIONS
from isahub.audit.canonical import canonical_details
from isahub.core.context import current_ip, current_request_id

INSERT = (
    "INSERT INTO audit_auditentry (created_at, request_id, actor_id, actor_username, agency_id, action, outcome,"
    " target_type, target_id, child_id, reason, details, ip_address) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def raw_audit_record(
    *,
    action,
    actor=None,
    outcome="success",
    target=None,
    target_type="",
    target_id="",
    child_id="",
    reason="",
    details=None,
    actor_username="",
):
    if action not in ACTIONS:
        raise ValueError(f"Unregistered audit action {action!r}")
    if not connection.in_atomic_block:
        raise services.AuditOutsideTransaction(f"audit_record({action!r}) called outside a transaction")
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    with connection.cursor() as cursor:
        cursor.execute(
            INSERT,
            [
                timezone.now(),
                current_request_id.get(),
                actor.pk if authenticated else None,
                services._clean(actor.get_username() if authenticated else actor_username)[:150],
                getattr(actor, "agency_id", None) if authenticated else None,
                action,
                outcome,
                target_type,
                str(target_id),
                str(child_id),
                services._clean(reason),
                services._clean(canonical_details(details)),
                services._normalised_ip(current_ip.get()),
            ],
        )
