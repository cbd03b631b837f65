"""Reading the audit trail, always through policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from isahub.policy.engine import require
from isahub.policy.scopes import audit_entries_visible_to

from .models import AuditEntry


@dataclass(frozen=True)
class AuditFilters:
    actor_id: int | None = None
    agency_id: int | None = None
    child_id: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_entry_list(*, actor, filters: AuditFilters, purpose: str = "audit.view") -> QuerySet[AuditEntry]:
    require(actor, purpose)
    entries = audit_entries_visible_to(actor)
    if filters.actor_id:
        entries = entries.filter(actor_id=filters.actor_id)
    if filters.agency_id:
        entries = entries.filter(agency_id=filters.agency_id)
    if filters.child_id:
        entries = entries.filter(child_id=filters.child_id)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.date_from:
        entries = entries.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        entries = entries.filter(created_at__date__lte=filters.date_to)
    return entries.order_by("-id")
