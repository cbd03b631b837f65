"""Queryset halves of the rules: which rows a user may see. Each matches a rule in rules.py."""

from __future__ import annotations

from django.db.models import QuerySet

from isahub.accounts.models import Agency, Role, User
from isahub.audit.models import AuditEntry


def users_manageable_by(actor) -> QuerySet[User]:
    users = User.objects.select_related("agency")
    if actor.role == Role.SYSTEM_ADMINISTRATOR:
        return users
    if actor.role == Role.AGENCY_ADMINISTRATOR:
        return users.filter(agency_id=actor.agency_id)
    return users.none()


def agencies_visible_to(actor) -> QuerySet[Agency]:
    return Agency.objects.select_related("parent")


def audit_entries_visible_to(actor) -> QuerySet[AuditEntry]:
    if actor.role == Role.AUDITOR:
        return AuditEntry.objects.all()
    return AuditEntry.objects.none()
