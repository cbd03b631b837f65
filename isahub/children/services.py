"""Use cases for the child index: add a child, record changes (keeping history), emergency
access, merge and unmerge. Each checks policy, changes data and audits in one transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isahub.accounts.models import Role, User
from isahub.audit.services import audit_record
from isahub.messaging.services import notify
from isahub.policy.engine import require
from isahub.profiles.loader import current_profile

from . import matching
from .identifiers import IdentifierError, normalise_nhs_number, normalise_upn
from .indexing import rebuild_search_keys
from .models import (
    BreakGlassGrant,
    Child,
    ChildAddress,
    ChildFactChange,
    ChildIdentifier,
    ChildMerge,
    ChildName,
    IdentifierKind,
    NameKind,
    RecordStatus,
    SchoolStatus,
)


@dataclass(frozen=True)
class NewChild:
    given_names: str
    family_name: str
    date_of_birth: dt.date
    sex: str
    address_line_1: str
    town: str
    postcode: str
    address_line_2: str = ""
    preferred_name: str = ""
    aliases: tuple[tuple[str, str], ...] = ()
    school_status: str = SchoolStatus.NOT_OF_SCHOOL_AGE
    school_id: int | None = None
    gp_practice_id: int | None = None
    nhs_number: str = ""
    upn: str = ""
    errors: dict = field(default_factory=dict, compare=False)


def _provenance(actor: User | None, source: str) -> dict:
    return {
        "recorded_by": actor,
        "recorded_for": getattr(actor, "agency", None),
        "recorded_at": timezone.now(),
        "source": source,
    }


def validate_new_child(details: NewChild, *, today: dt.date) -> dict[str, str]:
    """Every problem with the details, by field, in words a practitioner can act on."""
    errors: dict[str, str] = {}
    if not details.family_name.strip():
        errors["family_name"] = "Enter the child's surname."
    if not details.given_names.strip():
        errors["given_names"] = "Enter the child's first name."
    if details.date_of_birth > today:
        errors["date_of_birth"] = "The date of birth must be in the past."
    elif (today - details.date_of_birth).days > 25 * 366:
        errors["date_of_birth"] = "The index holds children and young people up to 25."
    try:
        matching.normalise_postcode(details.postcode)
    except ValueError:
        errors["postcode"] = "Enter a real UK postcode, like NB1 4AA."
    if not details.address_line_1.strip() or not details.town.strip():
        errors["address_line_1"] = "Enter the first line of the address and the town."
    for name, normalise in (("nhs_number", normalise_nhs_number), ("upn", normalise_upn)):
        value = getattr(details, name)
        if value:
            try:
                normalise(value)
            except IdentifierError as error:
                errors[name] = str(error)
    if details.school_status == SchoolStatus.ATTENDING and not details.school_id:
        errors["school_id"] = "Choose the school the child attends."
    return errors


def child_create(*, actor: User, details: NewChild, source: str = "manual") -> Child:
    require(actor, "child.create")
    errors = validate_new_child(details, today=timezone.localdate())
    if not errors:
        errors = _identifiers_already_held(details)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        child = Child.objects.create(
            date_of_birth=details.date_of_birth,
            sex=details.sex,
            school_status=details.school_status,
            school_id=details.school_id,
            gp_practice_id=details.gp_practice_id,
            **_provenance(actor, source),
        )
        _add_names(child, details, actor, source)
        ChildAddress.objects.create(
            child=child,
            line_1=details.address_line_1.strip(),
            line_2=details.address_line_2.strip(),
            town=details.town.strip(),
            postcode=matching.normalise_postcode(details.postcode),
            **_provenance(actor, source),
        )
        for kind, value, normalise in (
            (IdentifierKind.NHS, details.nhs_number, normalise_nhs_number),
            (IdentifierKind.UPN, details.upn, normalise_upn),
        ):
            if value:
                ChildIdentifier.objects.create(child=child, kind=kind, value=normalise(value), **_provenance(actor, source))
        rebuild_search_keys(child)
        audit_record(action="child.created", actor=actor, target=child, child_id=str(child.pk), details={"source": source})
    return child


def _identifiers_already_held(details: NewChild) -> dict[str, str]:
    """A national identifier belongs to one child: say so before the database has to (its
    unique-constraint error would be a 500, and PostgreSQL would log the number)."""
    errors = {}
    for name, kind, normalise, label in (
        ("nhs_number", IdentifierKind.NHS, normalise_nhs_number, "NHS number"),
        ("upn", IdentifierKind.UPN, normalise_upn, "unique pupil number"),
    ):
        value = getattr(details, name)
        if value and ChildIdentifier.objects.filter(kind=kind, value=normalise(value)).exists():
            errors[name] = f"A child with this {label} is already on the index. Search for them instead of adding them again."
    return errors


def _add_names(child: Child, details: NewChild, actor, source: str) -> None:
    ChildName.objects.create(
        child=child,
        kind=NameKind.LEGAL,
        given_names=details.given_names.strip(),
        family_name=details.family_name.strip(),
        **_provenance(actor, source),
    )
    if details.preferred_name.strip():
        ChildName.objects.create(
            child=child,
            kind=NameKind.PREFERRED,
            given_names=details.preferred_name.strip(),
            family_name=details.family_name.strip(),
            **_provenance(actor, source),
        )
    for given, family in details.aliases:
        ChildName.objects.create(
            child=child, kind=NameKind.ALIAS, given_names=given, family_name=family, **_provenance(actor, source)
        )


def child_change_legal_name(
    *, actor: User, child: Child, given_names: str, family_name: str, changed_on: dt.date, source: str = "manual"
) -> ChildName:
    """A new legal name; the old one stays, dated, as the child's previous name."""
    require(actor, "child.create")
    if not family_name.strip():
        raise ValidationError({"family_name": "Enter the child's surname."})
    with transaction.atomic():
        ChildName.objects.filter(child=child, kind=NameKind.LEGAL, valid_to__isnull=True).update(
            kind=NameKind.PREVIOUS, valid_to=changed_on
        )
        name = ChildName.objects.create(
            child=child,
            kind=NameKind.LEGAL,
            given_names=given_names.strip(),
            family_name=family_name.strip(),
            valid_from=changed_on,
            **_provenance(actor, source),
        )
        rebuild_search_keys(child)
        audit_record(action="child.updated", actor=actor, target=child, child_id=str(child.pk), details={"changed": "legal name"})
    return name


def child_move(
    *,
    actor: User,
    child: Child,
    line_1: str,
    town: str,
    postcode: str,
    moved_on: dt.date,
    line_2: str = "",
    source: str = "manual",
) -> ChildAddress:
    """A new current address; the old one stays, ended on the day of the move."""
    require(actor, "child.create")
    try:
        postcode = matching.normalise_postcode(postcode)
    except ValueError:
        raise ValidationError({"postcode": "Enter a real UK postcode, like NB1 4AA."}) from None
    with transaction.atomic():
        ChildAddress.objects.filter(child=child, valid_to__isnull=True).update(valid_to=moved_on)
        address = ChildAddress.objects.create(
            child=child,
            line_1=line_1,
            line_2=line_2,
            town=town,
            postcode=postcode,
            valid_from=moved_on,
            **_provenance(actor, source),
        )
        rebuild_search_keys(child)
        audit_record(action="child.updated", actor=actor, target=child, child_id=str(child.pk), details={"changed": "address"})
    return address


CHANGEABLE_FACTS = {"date_of_birth", "sex", "school_status", "school_id", "gp_practice_id", "status"}


def child_change_fact(*, actor: User, child: Child, field_name: str, value, source: str = "manual") -> None:
    """Change one fact; the old value is kept in the child's history."""
    require(actor, "child.create")
    if field_name not in CHANGEABLE_FACTS:
        raise ValueError(f"{field_name} is not a fact that can be changed here")
    old = getattr(child, field_name)
    if old == value:
        return
    with transaction.atomic():
        setattr(child, field_name, value)
        child.full_clean(exclude=["merged_into"])
        child.save()
        ChildFactChange.objects.create(
            child=child, field=field_name, old_value=str(old or ""), new_value=str(value or ""), **_provenance(actor, source)
        )
        if field_name == "date_of_birth":
            rebuild_search_keys(child)
        audit_record(action="child.updated", actor=actor, target=child, child_id=str(child.pk), details={"changed": field_name})


def child_add_identifier(*, actor: User, child: Child, kind: str, value: str, source: str = "manual") -> ChildIdentifier:
    """Record a national identifier the child did not have. A different one already held is
    not replaced here: that is a conflict for a data manager (isahub/feeds)."""
    require(actor, "child.create")
    normalise = {IdentifierKind.NHS: normalise_nhs_number, IdentifierKind.UPN: normalise_upn}[IdentifierKind(kind)]
    value = normalise(value)
    if ChildIdentifier.objects.filter(child=child, kind=kind).exists():
        raise ValidationError({kind: "This child already has one; a different one is a conflict to resolve."})
    if ChildIdentifier.objects.filter(kind=kind, value=value).exists():
        raise ValidationError({kind: "Another record holds this identifier."})
    with transaction.atomic():
        identifier = ChildIdentifier.objects.create(child=child, kind=kind, value=value, **_provenance(actor, source))
        audit_record(action="child.updated", actor=actor, target=child, child_id=str(child.pk), details={"changed": kind})
    return identifier


def child_break_glass(*, actor: User, child: Child, justification: str) -> BreakGlassGrant:
    """Emergency access for a limited time. The central team is told at once."""
    require(actor, "child.break_glass", child)
    justification = justification.strip()
    if len(justification) < 20:
        raise ValidationError({"justification": "Explain the emergency in at least 20 characters: it is reviewed."})
    now = timezone.now()
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            child=child,
            user=actor,
            justification=justification,
            granted_at=now,
            expires_at=now + dt.timedelta(minutes=current_profile().break_glass_minutes),
        )
        audit_record(
            action="child.break_glass", actor=actor, target=child, child_id=str(child.pk), reason=justification, outcome="success"
        )
        for member in User.objects.filter(role=Role.CENTRAL_TEAM, is_active=True):
            notify(
                recipient=member,
                kind="break_glass",
                child=child,
                text=(
                    f"{actor.display_name} ({actor.agency}) used emergency access to a child's record. "
                    "Review the justification in the audit trail."
                ),
                email_subject="isahub: emergency access used",
            )
    return grant


def child_merge(*, actor: User, survivor: Child, duplicate: Child, reason: str) -> ChildMerge:
    """Merge a duplicate into the survivor. Both histories are kept; involvements move
    to the survivor and are remembered, so `child_unmerge` can put everything back."""
    from isahub.involvements.models import Involvement

    require(actor, "child.merge")
    if survivor.pk == duplicate.pk:
        raise ValidationError("Choose two different records to merge.")
    if survivor.status == RecordStatus.MERGED or duplicate.status == RecordStatus.MERGED:
        raise ValidationError("One of these records has already been merged into another.")
    if not reason.strip():
        raise ValidationError({"reason": "Say why these records are the same child."})
    both = set(Involvement.objects.filter(child=survivor, ended_on__isnull=True).values_list("practitioner_id", flat=True))
    clash = Involvement.objects.filter(child=duplicate, ended_on__isnull=True, practitioner_id__in=both).first()
    if clash is not None:
        raise ValidationError(
            f"{clash.practitioner.display_name} is involved on both records: end one of those involvements first."
        )
    with transaction.atomic():
        merge = ChildMerge.objects.create(
            survivor=survivor, duplicate=duplicate, merged_by=actor, merged_at=timezone.now(), reason=reason
        )
        moved = Involvement.objects.filter(child=duplicate)
        merge.moved_involvements.set(moved)
        moved.update(child=survivor)
        ChildFactChange.objects.create(
            child=duplicate,
            field="status",
            old_value=duplicate.status,
            new_value=RecordStatus.MERGED,
            **_provenance(actor, "merge"),
        )
        Child.objects.filter(pk=duplicate.pk).update(status=RecordStatus.MERGED, merged_into=survivor)
        duplicate.refresh_from_db()
        rebuild_search_keys(duplicate)
        rebuild_search_keys(survivor)
        audit_record(
            action="child.merged",
            actor=actor,
            target=survivor,
            child_id=str(survivor.pk),
            reason=reason,
            details={"duplicate": str(duplicate.pk)},
        )
    return merge


def child_unmerge(*, actor: User, merge: ChildMerge) -> None:
    from isahub.involvements.models import Involvement

    require(actor, "child.merge")
    if merge.unmerged_at is not None:
        raise ValidationError("This merge has already been undone.")
    duplicate, survivor = merge.duplicate, merge.survivor
    previous = (
        ChildFactChange.objects.filter(child=duplicate, field="status", new_value=RecordStatus.MERGED)
        .order_by("-recorded_at")
        .first()
    )
    with transaction.atomic():
        Involvement.objects.filter(pk__in=merge.moved_involvements.values("pk")).update(child=duplicate)
        restored = previous.old_value if previous else RecordStatus.ACTIVE
        Child.objects.filter(pk=duplicate.pk).update(status=restored, merged_into=None)
        ChildFactChange.objects.create(
            child=duplicate, field="status", old_value=RecordStatus.MERGED, new_value=restored, **_provenance(actor, "unmerge")
        )
        merge.unmerged_by, merge.unmerged_at = actor, timezone.now()
        merge.save(update_fields=["unmerged_by", "unmerged_at"])
        duplicate.refresh_from_db()
        rebuild_search_keys(duplicate)
        rebuild_search_keys(survivor)
        audit_record(
            action="child.unmerged",
            actor=actor,
            target=survivor,
            child_id=str(survivor.pk),
            details={"duplicate": str(duplicate.pk)},
        )
