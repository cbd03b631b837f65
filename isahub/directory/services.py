"""Keeping the directory current: edits, proposals and approvals, verification, flags.

Each use case checks policy, changes the data, and writes its audit row in the same
transaction; notifications go out after commit (messaging.notify does that for e-mail).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from isahub.accounts.models import Role, User
from isahub.audit.services import audit_record
from isahub.messaging.services import notify
from isahub.policy.engine import decide, require

from .indexing import index_services
from .models import ChangeRequest, ChangeStatus, DirectoryOfficer, Service
from .selectors import stale_services

EDITABLE_FIELDS = (
    "name",
    "description",
    "status",
    "url",
    "email",
    "fees",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "referral_route",
    "how_to_refer",
    "referral_thresholds",
    "alert",
)


def _differences(service: Service, changes: dict[str, Any]) -> dict[str, list]:
    return {
        field: [getattr(service, field), value]
        for field, value in changes.items()
        if field in EDITABLE_FIELDS and getattr(service, field) != value
    }


def _apply(service: Service, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        if field in EDITABLE_FIELDS:
            setattr(service, field, value)
    service.full_clean(exclude=["organization"])
    service.save()
    index_services([service.pk])


@transaction.atomic
def service_change(*, actor: User, service: Service, changes: dict[str, Any]) -> ChangeRequest | None:
    """Change an entry. The owning agency's administrators and the directory officer change it
    at once (returns None); anyone else's change waits for the officer (returns the request)."""
    require(actor, "directory.propose_change", service)
    differences = _differences(service, changes)
    if not differences:
        return None
    if decide(actor, "directory.edit_directly", service).allowed:
        _apply(service, {f: new for f, (_old, new) in differences.items()})
        audit_record(action="directory.service_updated", actor=actor, target=service, details={"fields": sorted(differences)})
        return None
    proposal = ChangeRequest.objects.create(
        service=service,
        proposed={f: new for f, (_old, new) in differences.items()},
        requested_by=actor,
        requested_at=timezone.now(),
    )
    audit_record(action="directory.change_proposed", actor=actor, target=service, details={"fields": sorted(differences)})
    for officer in DirectoryOfficer.objects.select_related("user").filter(user__is_active=True):
        notify(
            recipient=officer.user,
            kind="directory.change_proposed",
            text=f"{actor.display_name} proposed a change to the directory entry “{service.name}”.",
            email_subject="A directory change is waiting for you",
            email_text="A change to a service directory entry is waiting for your approval.",
        )
    return proposal


@transaction.atomic
def change_approve(*, actor: User, change: ChangeRequest, note: str = "") -> None:
    require(actor, "directory.approve", change)
    service = Service.objects.select_for_update().get(pk=change.service_id)
    _apply(service, change.proposed)
    change.status = ChangeStatus.APPROVED
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save()
    audit_record(
        action="directory.change_approved",
        actor=actor,
        target=service,
        details={"change": str(change.pk), "fields": sorted(change.proposed)},
    )
    notify(recipient=change.requested_by, kind="directory.change_decided", text=f"Your change to “{service.name}” was approved.")


@transaction.atomic
def change_reject(*, actor: User, change: ChangeRequest, note: str) -> None:
    require(actor, "directory.approve", change)
    if not note.strip():
        raise ValueError("Say why the change is rejected.")
    change.status = ChangeStatus.REJECTED
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save()
    audit_record(
        action="directory.change_rejected", actor=actor, target=change.service, reason=note, details={"change": str(change.pk)}
    )
    notify(
        recipient=change.requested_by,
        kind="directory.change_decided",
        text=f"Your change to “{change.service.name}” was not made: {note}",
    )


@transaction.atomic
def service_verify(*, actor: User, service: Service, today: dt.date | None = None) -> None:
    """Confirm that an entry is still correct."""
    require(actor, "directory.verify", service)
    service.last_verified_on = today or timezone.localdate()
    service.last_verified_by = f"{actor.display_name}, {actor.agency.name if actor.agency else ''}".strip(", ")[:200]
    service.save(update_fields=["last_verified_on", "last_verified_by", "last_modified"])
    audit_record(action="directory.service_verified", actor=actor, target=service)


@transaction.atomic
def flag_unverified(*, today: dt.date | None = None) -> dict[str, int]:
    """Tell each owning agency's administrators, and the officers, which entries have not been
    verified within the period. A scheduled task (cron or the worker) runs it weekly."""
    stale = list(stale_services(today=today).select_related("organization"))
    by_agency: dict[int, list[Service]] = {}
    for service in stale:
        if service.organization.agency_id:
            by_agency.setdefault(service.organization.agency_id, []).append(service)
    told = 0
    for agency_id, services in by_agency.items():
        for admin in User.objects.filter(agency_id=agency_id, role=Role.AGENCY_ADMINISTRATOR, is_active=True):
            notify(
                recipient=admin,
                kind="directory.unverified",
                text=f"{len(services)} of your agency's directory entries have not been checked recently. Please confirm them.",
                email_subject="Directory entries to check",
                email_text="Some of your agency's service directory entries have not been checked recently.",
            )
            told += 1
    if stale:
        for officer in DirectoryOfficer.objects.select_related("user").filter(user__is_active=True):
            notify(
                recipient=officer.user,
                kind="directory.unverified",
                text=f"{len(stale)} directory entries have not been verified recently.",
                email_subject="Directory entries to check",
                email_text="Some service directory entries have not been checked recently.",
            )
            told += 1
    audit_record(action="directory.unverified_flagged", actor_username="system", details={"entries": len(stale), "told": told})
    return {"entries": len(stale), "told": told}


def links_check_all(
    *, timeout: float = 5.0, max_redirects: int = 5, allow_private: bool = False, emails: bool = True
) -> dict[str, int]:
    """Check every website link (and e-mail domain) in the directory, keeping the latest
    result for each. Each distinct address is fetched once however many entries share it."""
    from .linkcheck import check_email_domain, check_url
    from .models import LinkCheck, LinkCheckResult, Organization

    targets: list[tuple[str, str, Service | None, Organization | None]] = []
    for service in Service.objects.exclude(status="defunct").select_related("organization"):
        if service.url:
            targets.append(("url", service.url, service, None))
        if emails and service.email:
            targets.append(("email", service.email, service, None))
    for org in Organization.objects.all():
        if org.website:
            targets.append(("url", org.website, None, org))
        if emails and org.email:
            targets.append(("email", org.email, None, org))
    cache: dict[tuple[str, str], Any] = {}
    counts = {"checked": 0, "broken": 0}
    now = timezone.now()
    for kind, target, owner_service, owner_org in targets:
        key = (kind, target if kind == "url" else target.rsplit("@", 1)[-1].lower())
        if key not in cache:
            if kind == "url":
                cache[key] = check_url(target, timeout=timeout, max_redirects=max_redirects, allow_private=allow_private)
            else:
                cache[key] = check_email_domain(target, timeout=timeout)
        outcome = cache[key]
        with transaction.atomic():
            LinkCheck.objects.filter(kind=kind, service=owner_service, organization=owner_org).delete()
            LinkCheck.objects.create(
                kind=kind,
                target=target[:500],
                service=owner_service,
                organization=owner_org,
                result=outcome.result,
                detail=outcome.detail[:300],
                checked_at=now,
            )
        counts["checked"] += 1
        counts["broken"] += outcome.result != LinkCheckResult.OK
    with transaction.atomic():
        audit_record(action="directory.links_checked", actor_username="system", details=counts | {"distinct": len(cache)})
    return counts
