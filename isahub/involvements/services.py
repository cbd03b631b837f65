"""Recording who works with a child, who leads, and closing a case."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isahub.accounts.models import User
from isahub.audit.services import audit_record
from isahub.children.models import Child, NameKind
from isahub.consent.models import InformationKind
from isahub.messaging.services import notify
from isahub.policy.engine import decide, require
from isahub.policy.sharing import Item
from isahub.profiles.loader import current_profile

from .models import Involvement, LeadProfessional, SafeToClose


class SafeToCloseRequired(ValidationError):
    """The last open involvement cannot end without a recorded "safe to close" judgement."""


def _child_name(child: Child) -> str:
    name = child.names.filter(kind=NameKind.LEGAL, valid_to__isnull=True).first()
    return name.full_name if name else "a child"


def involvement_register(
    *, actor: User, child: Child, role: str, phone: str, started_on: dt.date, email: str = "", practitioner: User | None = None
) -> Involvement:
    """A practitioner records their involvement, or the central team records it for them."""
    require(actor, "child.view", child)
    practitioner = practitioner or actor
    if practitioner.pk != actor.pk:
        require(actor, "involvement.register_on_behalf", child)
    else:
        require(actor, "involvement.register", child)
    errors = {}
    if not role.strip():
        errors["role"] = "Say what you do for the child, for example 'School nurse'."
    if not phone.strip():
        errors["phone"] = "Enter a phone number colleagues can reach you on."
    if started_on > timezone.localdate():
        errors["started_on"] = "The start date cannot be in the future."
    if practitioner.agency_id is None or not practitioner.is_active:
        errors["practitioner"] = "Choose an active practitioner who belongs to an agency."
    if Involvement.objects.filter(child=child, practitioner=practitioner, ended_on__isnull=True).exists():
        errors["practitioner"] = f"{practitioner.display_name} is already recorded as working with this child."
    if errors:
        raise ValidationError(errors)
    assert practitioner.agency is not None  # checked above
    with transaction.atomic():
        already = list(Involvement.objects.filter(child=child, ended_on__isnull=True).select_related("practitioner"))
        involvement = Involvement.objects.create(
            child=child,
            practitioner=practitioner,
            agency=practitioner.agency,
            role=role.strip(),
            phone=phone.strip(),
            email=email.strip() or practitioner.email,
            started_on=started_on,
            recorded_by=actor,
        )
        audit_record(
            action="involvement.registered",
            actor=actor,
            target=involvement,
            child_id=str(child.pk),
            details={"practitioner": practitioner.pk, "agency": practitioner.agency_id, "on_behalf": practitioner.pk != actor.pk},
        )
        _tell_those_involved(involvement, [other.practitioner for other in already if other.practitioner_id != practitioner.pk])
    return involvement


def _tell_those_involved(involvement: Involvement, recipients: list[User]) -> None:
    child_name = _child_name(involvement.child)
    for recipient in recipients:
        # What each recipient is told goes through policy: nothing at all when the involvement
        # is withheld from them (consent, agreements), and a sensitive service is not named.
        share = decide(recipient, "information.see", Item(involvement.child, InformationKind.INVOLVEMENT, involvement.agency_id))
        if not share.allowed:
            continue
        if not decide(recipient, "involvement.see_service", involvement).shows_in_full:
            text = f"A service is now involved with {child_name}."
        elif share.is_redacted:
            text = f"{involvement.agency.name} is now working with {child_name}."
        else:
            text = f"{involvement.practitioner.display_name} ({involvement.agency.name}) is now working with {child_name}."
        notify(
            recipient=recipient,
            kind="involvement_registered",
            child=involvement.child,
            text=text,
            email_subject="isahub: a colleague is now involved",
        )


def involvement_end(
    *, actor: User, involvement: Involvement, reason: str, safe_to_close: str = "", ended_on: dt.date | None = None
) -> None:
    require(actor, "involvement.end", involvement)
    if involvement.ended_on is not None:
        raise ValidationError("This involvement has already ended.")
    ended_on = ended_on or timezone.localdate()
    if ended_on < involvement.started_on:
        raise ValidationError({"ended_on": "The end date cannot be before the start date."})
    others_open = Involvement.objects.filter(child=involvement.child, ended_on__isnull=True).exclude(pk=involvement.pk).exists()
    if not others_open and not safe_to_close.strip():
        raise SafeToCloseRequired(
            {
                "safe_to_close": (
                    "You are the last person working with this child. "
                    "Record why it is safe to close before you end your involvement."
                )
            }
        )
    with transaction.atomic():
        if not others_open:
            SafeToClose.objects.create(child=involvement.child, judged_by=actor, judgement=safe_to_close.strip())
        involvement.ended_on, involvement.end_reason, involvement.ended_by = ended_on, reason.strip()[:200], actor
        involvement.save(update_fields=["ended_on", "end_reason", "ended_by", "updated_at"])
        LeadProfessional.objects.filter(
            child=involvement.child, practitioner=involvement.practitioner, ended_on__isnull=True
        ).update(ended_on=ended_on, end_reason="Their involvement ended")
        audit_record(
            action="involvement.ended",
            actor=actor,
            target=involvement,
            child_id=str(involvement.child_id),
            details={"last": not others_open},
        )


def lead_professional_assign(
    *, actor: User, child: Child, practitioner: User, reason: str, deputy: User | None = None, decided_by: str = ""
) -> LeadProfessional:
    """Record who leads. The previous lead's period ends the same day; history is kept."""
    require(actor, "lead.assign", child)
    decided_by = decided_by or current_profile().lead_professional_rule
    errors = {}
    if not Involvement.objects.filter(child=child, practitioner=practitioner, ended_on__isnull=True).exists():
        errors["practitioner"] = "The lead professional must be someone recorded as working with the child."
    if deputy is not None and deputy.pk == practitioner.pk:
        errors["deputy"] = "The deputy must be someone other than the lead professional."
    if not reason.strip():
        errors["reason"] = "Say why this person leads, for example 'The family chose her at the meeting on 3 May'."
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    assert practitioner.agency is not None  # an involved practitioner has an agency
    with transaction.atomic():
        LeadProfessional.objects.filter(child=child, ended_on__isnull=True).update(
            ended_on=today, end_reason="A new lead professional was recorded"
        )
        lead = LeadProfessional.objects.create(
            child=child,
            practitioner=practitioner,
            agency=practitioner.agency,
            deputy=deputy,
            started_on=today,
            decided_by=decided_by,
            reason=reason.strip(),
            recorded_by=actor,
        )
        audit_record(
            action="lead.assigned",
            actor=actor,
            target=lead,
            child_id=str(child.pk),
            details={"practitioner": practitioner.pk, "rule": decided_by},
        )
    return lead


def case_close(*, actor: User, child: Child, judgement: str) -> int:
    """Close the case: every open involvement and the lead professional end together."""
    require(actor, "child.close_case", child)
    if not judgement.strip():
        raise SafeToCloseRequired({"judgement": "Record why it is safe to close this case."})
    today = timezone.localdate()
    with transaction.atomic():
        SafeToClose.objects.create(child=child, judged_by=actor, judgement=judgement.strip())
        ended = Involvement.objects.filter(child=child, ended_on__isnull=True).update(
            ended_on=today, end_reason="The case was closed", ended_by=actor, updated_at=timezone.now()
        )
        LeadProfessional.objects.filter(child=child, ended_on__isnull=True).update(
            ended_on=today, end_reason="The case was closed"
        )
        audit_record(
            action="case.closed", actor=actor, target=child, child_id=str(child.pk), details={"involvements_ended": ended}
        )
    return ended
