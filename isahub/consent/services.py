"""Recording consent, refusal, withdrawal, lawful basis, agreements, notices and the toolkit.

Every function checks policy, validates, writes, audits in the same transaction and tells
people after commit. Nothing is updated in place except a lawful-basis review and the end
of a parent-confidentiality request; every other decision is a new row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isahub.accounts.models import Agency, Role, User
from isahub.audit.services import audit_record
from isahub.children.models import Child
from isahub.messaging.services import notify
from isahub.policy.engine import require
from isahub.policy.sharing import consent_state

from .models import (
    KIND_FIELDS,
    AccessLevel,
    AgreementKind,
    ConsentDecision,
    ConsentMethod,
    ConsentRecord,
    FairProcessingNotice,
    GivenBy,
    InclusionDecision,
    InclusionRecord,
    InformationKind,
    LawfulBasis,
    LawfulBasisRecord,
    NoticeChannel,
    NoticeIssue,
    ParentConfidentiality,
    ReviewStatus,
    SharingAgreement,
    ToolkitKind,
    ToolkitPage,
    ToolkitRevision,
)

MIN_JUSTIFICATION = 20
SIGNED_COPY_TYPES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _kinds_fields(kinds: Iterable[str]) -> dict[str, bool]:
    chosen = {InformationKind(k) for k in kinds}
    return {name: kind in chosen for kind, name in KIND_FIELDS.items()}


@dataclass
class ConsentDetails:
    decision: str
    given_by: str
    method: str
    evidence_location: str
    given_on: dt.date
    giver_name: str = ""
    sufficient_understanding: bool = False
    all_agencies: bool = False
    agencies: list[Agency] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    review_on: dt.date | None = None
    expires_on: dt.date | None = None
    note: str = ""


def consent_validate(details: ConsentDetails) -> dict[str, str]:
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if details.decision not in ConsentDecision.values:
        errors["decision"] = "Say whether consent was given, refused or withdrawn."
    if details.given_by not in GivenBy.values:
        errors["given_by"] = "Say who made the decision: the child, a parent or a carer."
    if details.given_by == GivenBy.CHILD and not details.sufficient_understanding:
        errors["sufficient_understanding"] = (
            "A child decides for themselves only when you judge they have sufficient understanding. "
            "Otherwise record the decision of a parent or carer."
        )
    if details.method not in ConsentMethod.values:
        errors["method"] = "Say whether it was given in writing or verbally."
    if not details.evidence_location.strip():
        errors["evidence_location"] = "Say where the evidence is kept, for example 'School safeguarding file'."
    if details.given_on > today:
        errors["given_on"] = "The date cannot be in the future."
    if details.decision == ConsentDecision.GIVEN:
        if not details.kinds:
            errors["kinds"] = "Choose at least one kind of information the consent covers."
        if not details.all_agencies and not details.agencies:
            errors["agencies"] = "Choose the agencies it may be shared with, or all agencies taking part."
        if details.review_on is None:
            errors["review_on"] = "Enter the date by which this consent must be reviewed."
        elif details.review_on <= details.given_on:
            errors["review_on"] = "The review date must be after the date consent was given."
        if details.expires_on is not None and details.expires_on < details.given_on:
            errors["expires_on"] = "The expiry date cannot be before the date consent was given."
    return errors


def consent_record(*, actor: User, child: Child, details: ConsentDetails) -> ConsentRecord:
    """Record a decision about sharing: consent, refusal or withdrawal. A new row each time."""
    require(actor, "child.view", child)
    require(actor, "consent.record", child)
    errors = consent_validate(details)
    if actor.agency_id is None:
        errors["taken_by"] = "You must belong to an agency to record consent."
    if errors:
        raise ValidationError(errors)
    assert actor.agency is not None
    given = details.decision == ConsentDecision.GIVEN
    with transaction.atomic():
        previous = consent_state(child).record
        record = ConsentRecord.objects.create(
            child=child,
            decision=details.decision,
            given_by=details.given_by,
            giver_name=details.giver_name.strip(),
            sufficient_understanding=details.sufficient_understanding,
            all_agencies=details.all_agencies if given else False,
            method=details.method,
            evidence_location=details.evidence_location.strip(),
            taken_by=actor,
            taken_for=actor.agency,
            given_on=details.given_on,
            review_on=details.review_on if given else None,
            expires_on=details.expires_on if given else None,
            supersedes=previous,
            note=details.note.strip()[:500],
            recorded_at=timezone.now(),
            **_kinds_fields(details.kinds if given else []),
        )
        if given and not details.all_agencies:
            record.agencies.set(details.agencies)
        audit_record(
            action=f"consent.{details.decision}",
            actor=actor,
            target=record,
            child_id=str(child.pk),
            details={
                "given_by": details.given_by,
                "method": details.method,
                "kinds": record.kinds,
                "all_agencies": record.all_agencies,
                "agencies": sorted(a.pk for a in details.agencies) if given and not details.all_agencies else [],
            },
        )
    return record


def lawful_basis_record(
    *,
    actor: User,
    child: Child,
    basis: str,
    justification: str,
    kinds: Iterable[str],
    all_agencies: bool = False,
    agencies: Iterable[Agency] = (),
    ends_on: dt.date | None = None,
) -> LawfulBasisRecord:
    """Share without consent on a lawful basis. The justification is mandatory, and every
    record is flagged to the central team for review (a notification to each member, and
    the consent dashboard)."""
    require(actor, "child.view", child)
    require(actor, "lawful_basis.record", child)
    kinds, agencies = list(kinds), list(agencies)
    errors = {}
    if basis not in LawfulBasis.values:
        errors["basis"] = "Choose the lawful basis for sharing without consent."
    if len(justification.strip()) < MIN_JUSTIFICATION:
        errors["justification"] = (
            "Explain why sharing without consent is justified (at least a sentence): the central team reviews it."
        )
    if not kinds:
        errors["kinds"] = "Choose at least one kind of information to share."
    if not all_agencies and not agencies:
        errors["agencies"] = "Choose who it may be shared with, or all agencies taking part."
    if ends_on is not None and ends_on < timezone.localdate():
        errors["ends_on"] = "The end date cannot be in the past."
    if actor.agency_id is None:
        errors["basis"] = "You must belong to an agency to record a lawful basis."
    if errors:
        raise ValidationError(errors)
    assert actor.agency is not None
    with transaction.atomic():
        record = LawfulBasisRecord.objects.create(
            child=child,
            basis=basis,
            justification=justification.strip(),
            all_agencies=all_agencies,
            recorded_by=actor,
            recorded_for=actor.agency,
            recorded_at=timezone.now(),
            ends_on=ends_on,
            **_kinds_fields(kinds),
        )
        if not all_agencies:
            record.agencies.set(agencies)
        audit_record(
            action="lawful_basis.recorded",
            actor=actor,
            target=record,
            child_id=str(child.pk),
            details={"basis": basis, "kinds": record.kinds, "all_agencies": all_agencies},
        )
        for member in User.objects.filter(role=Role.CENTRAL_TEAM, is_active=True):
            notify(
                recipient=member,
                kind="lawful_basis_review",
                child=child,
                text=(
                    f"{actor.display_name} ({actor.agency.name}) recorded a lawful basis for sharing without consent "
                    f"({record.get_basis_display()}). Review it on the consent dashboard."
                ),
                email_subject="isahub: a lawful basis for sharing without consent needs review",
            )
    return record


def lawful_basis_review(*, actor: User, record: LawfulBasisRecord, upheld: bool, note: str) -> LawfulBasisRecord:
    """The central team upholds a lawful basis, or finds it wanting (it then stops applying)."""
    require(actor, "lawful_basis.review", record)
    if record.review_status != ReviewStatus.AWAITING:
        raise ValidationError("This lawful basis has already been reviewed.")
    if not upheld and not note.strip():
        raise ValidationError({"note": "Say why the lawful basis is not upheld; the practitioner is told."})
    with transaction.atomic():
        record.review_status = ReviewStatus.UPHELD if upheld else ReviewStatus.REJECTED
        record.reviewed_by, record.reviewed_at, record.review_note = actor, timezone.now(), note.strip()[:500]
        record.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "review_note", "updated_at"])
        audit_record(
            action="lawful_basis.reviewed",
            actor=actor,
            target=record,
            child_id=str(record.child_id),
            details={"outcome": record.review_status},
        )
        notify(
            recipient=record.recorded_by,
            kind="lawful_basis_reviewed",
            child=record.child,
            text=f"The central team reviewed the lawful basis you recorded: {record.get_review_status_display().lower()}.",
        )
    return record


def parent_confidentiality_record(
    *,
    actor: User,
    child: Child,
    request: str,
    kinds: Iterable[str],
    sufficient_understanding: bool,
    agency: Agency | None = None,
) -> ParentConfidentiality:
    """A child asks that something is not shared with their parents or carers."""
    require(actor, "child.view", child)
    require(actor, "consent.record", child)
    kinds = list(kinds)
    errors = {}
    if not sufficient_understanding:
        errors["sufficient_understanding"] = (
            "Only a child you judge to have sufficient understanding can ask this for themselves."
        )
    if not request.strip():
        errors["request"] = "Write down what the child asked, in their words."
    if not kinds:
        errors["kinds"] = "Choose the kinds of information the request covers."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record = ParentConfidentiality.objects.create(
            child=child,
            agency=agency,
            request=request.strip()[:500],
            sufficient_understanding=True,
            recorded_by=actor,
            recorded_at=timezone.now(),
            **_kinds_fields(kinds),
        )
        audit_record(
            action="consent.parent_confidentiality",
            actor=actor,
            target=record,
            child_id=str(child.pk),
            details={"kinds": record.kinds, "agency": agency.pk if agency else None},
        )
    return record


def inclusion_record(
    *, actor: User, child: Child, decision: str, given_by: str, method: str, evidence_location: str, note: str = ""
) -> InclusionRecord:
    """A family's decision about the index itself; its effect depends on the consent model."""
    require(actor, "consent.inclusion", child)
    errors = {}
    if decision not in InclusionDecision.values:
        errors["decision"] = "Choose the family's decision."
    if given_by not in GivenBy.values:
        errors["given_by"] = "Say who made the decision."
    if method not in ConsentMethod.values:
        errors["method"] = "Say whether it was given in writing or verbally."
    if not evidence_location.strip():
        errors["evidence_location"] = "Say where the evidence is kept."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        record = InclusionRecord.objects.create(
            child=child,
            decision=decision,
            given_by=given_by,
            method=method,
            evidence_location=evidence_location.strip(),
            note=note.strip()[:500],
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        audit_record(
            action="consent.inclusion_recorded",
            actor=actor,
            target=record,
            child_id=str(child.pk),
            details={"decision": decision},
        )
    return record


# --- Agreements ----------------------------------------------------------------------------


def signed_copy_validate(upload: Any) -> None:
    """A PDF or image, by name and by its first bytes, no larger than the setting."""
    name = getattr(upload, "name", "") or ""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in SIGNED_COPY_TYPES:
        raise ValidationError({"signed_copy": "The signed copy must be a PDF, PNG or JPEG file."})
    if upload.size > settings.ISAHUB_AGREEMENT_MAX_BYTES:
        megabytes = settings.ISAHUB_AGREEMENT_MAX_BYTES // (1024 * 1024)
        raise ValidationError({"signed_copy": f"The signed copy must be smaller than {megabytes} MB."})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in SIGNED_COPY_TYPES[suffix]):
        raise ValidationError({"signed_copy": "The file's contents do not match its type: upload the signed PDF or scan."})


@dataclass
class AgreementDetails:
    kind: str
    title: str
    parties: list[Agency]
    starts_on: dt.date
    access_level: str
    kinds: list[str]
    ends_on: dt.date | None = None
    reference: str = ""


def agreement_save(
    *, actor: User, details: AgreementDetails, agreement: SharingAgreement | None = None, signed_copy: Any = None
) -> SharingAgreement:
    require(actor, "agreement.manage", agreement)
    errors = {}
    if details.kind not in AgreementKind.values:
        errors["kind"] = "Choose the kind of agreement."
    if not details.title.strip():
        errors["title"] = "Enter the agreement's title."
    if len(set(details.parties)) < 2:
        errors["parties"] = "An agreement needs at least two agencies."
    if details.access_level not in AccessLevel.values:
        errors["access_level"] = "Choose the access level it allows."
    if details.ends_on is not None and details.ends_on < details.starts_on:
        errors["ends_on"] = "The end date cannot be before the start date."
    if errors:
        raise ValidationError(errors)
    if signed_copy is not None:
        signed_copy_validate(signed_copy)
    created = agreement is None
    with transaction.atomic():
        agreement = agreement or SharingAgreement(recorded_by=actor)
        agreement.kind, agreement.title, agreement.reference = details.kind, details.title.strip(), details.reference.strip()
        agreement.starts_on, agreement.ends_on, agreement.access_level = details.starts_on, details.ends_on, details.access_level
        for name, value in _kinds_fields(details.kinds).items():
            setattr(agreement, name, value)
        if signed_copy is not None:
            agreement.signed_copy_name = signed_copy.name[:200]
            agreement.signed_copy.save(signed_copy.name, signed_copy, save=False)
        agreement.save()
        agreement.parties.set(details.parties)
        audit_record(
            action="agreement.created" if created else "agreement.updated",
            actor=actor,
            target=agreement,
            details={
                "parties": sorted(p.pk for p in details.parties),
                "access_level": details.access_level,
                "kinds": agreement.kinds,
                "signed_copy": signed_copy is not None,
            },
        )
    return agreement


# --- Fair processing notices and the toolkit --------------------------------------------------


def notice_create(
    *, actor: User, version: str, title: str, text: str, published_on: dt.date, reissue_after_months: int
) -> FairProcessingNotice:
    require(actor, "notice.manage")
    errors = {}
    if not version.strip():
        errors["version"] = "Give the version a name, for example '2026-1'."
    elif FairProcessingNotice.objects.filter(version=version.strip()).exists():
        errors["version"] = "There is already a notice with this version."
    if not text.strip():
        errors["text"] = "Enter the text families receive."
    if not 1 <= reissue_after_months <= 60:
        errors["reissue_after_months"] = "Re-issue between 1 and 60 months."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        notice = FairProcessingNotice.objects.create(
            version=version.strip(),
            title=title.strip(),
            text=text.strip(),
            published_on=published_on,
            reissue_after_months=reissue_after_months,
            recorded_by=actor,
        )
        audit_record(action="notice.created", actor=actor, target=notice, details={"version": notice.version})
    return notice


def notice_issue_record(
    *, actor: User, notice: FairProcessingNotice, cohort: str, channel: str, issued_on: dt.date, families: int | None = None
) -> NoticeIssue:
    require(actor, "notice.manage")
    errors = {}
    if not cohort.strip():
        errors["cohort"] = "Name the cohort, for example 'Reception intake 2026, Riverside Primary'."
    if channel not in NoticeChannel.values:
        errors["channel"] = "Say how the notice was issued."
    if issued_on > timezone.localdate():
        errors["issued_on"] = "The date cannot be in the future."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        issue = NoticeIssue.objects.create(
            notice=notice,
            cohort=cohort.strip(),
            channel=channel,
            issued_on=issued_on,
            families=families,
            due_again_on=add_months(issued_on, notice.reissue_after_months),
            recorded_by=actor,
        )
        audit_record(action="notice.issued", actor=actor, target=issue, details={"version": notice.version, "channel": channel})
    return issue


def toolkit_page_save(*, actor: User, slug: str, title: str, kind: str, body: str, agency: Agency | None = None) -> ToolkitPage:
    require(actor, "toolkit.edit")
    errors = {}
    if not title.strip():
        errors["title"] = "Enter a title."
    if not body.strip():
        errors["body"] = "Enter the guidance."
    if kind not in ToolkitKind.values:
        errors["kind"] = "Choose what kind of page this is."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        page, created = ToolkitPage.objects.get_or_create(slug=slug, defaults={"title": title, "kind": kind, "agency": agency})
        page.title, page.kind, page.agency = title.strip(), kind, agency
        page.save()
        ToolkitRevision.objects.create(page=page, body=body.strip(), saved_by=actor, saved_at=timezone.now())
        audit_record(action="toolkit.saved", actor=actor, target=page, details={"slug": slug, "created": created})
    return page


# --- Asking at the right moment ---------------------------------------------------------------

EXISTING, NEW_CONSENT, LAWFUL_BASIS, NOT_SHARED = "existing", "new_consent", "lawful_basis", "not_shared"


@dataclass
class SharingAnswer:
    """The practitioner's answer to "does consent cover sharing this?"."""

    choice: str
    consent: ConsentDetails | None = None
    basis: str = ""
    justification: str = ""
    basis_all_agencies: bool = False
    basis_agencies: list[Agency] = field(default_factory=list)


def sharing_answer_record(*, actor: User, child: Child, kind: str, answer: SharingAnswer) -> None:
    """Record what the answer needs before information of `kind` is added: new consent, a
    lawful basis (flagged for review), or nothing. "Existing" must really cover the kind."""
    if answer.choice == EXISTING:
        state = consent_state(child)
        if state.status != "given" or state.record is None or not state.record.covers(kind):
            raise ValidationError(
                {"sharing": "No consent in force covers this. Record new consent, a lawful basis, or keep it to your agency."}
            )
    elif answer.choice == NEW_CONSENT:
        if answer.consent is None:
            raise ValidationError({"sharing": "Record the consent."})
        consent_record(actor=actor, child=child, details=answer.consent)
    elif answer.choice == LAWFUL_BASIS:
        lawful_basis_record(
            actor=actor,
            child=child,
            basis=answer.basis,
            justification=answer.justification,
            kinds=[kind],
            all_agencies=answer.basis_all_agencies,
            agencies=answer.basis_agencies,
        )
    elif answer.choice != NOT_SHARED:
        raise ValidationError({"sharing": "Say whether consent covers sharing this."})


def involvement_register_with_sharing(*, actor: User, child: Child, answer: SharingAnswer, **involvement: Any):
    """Register an involvement after recording what makes sharing it lawful: one transaction,
    so a refused consent or an invalid involvement leaves nothing behind."""
    from isahub.involvements.services import involvement_register

    with transaction.atomic():
        sharing_answer_record(actor=actor, child=child, kind=InformationKind.INVOLVEMENT, answer=answer)
        return involvement_register(actor=actor, child=child, **involvement)


def parent_confidentiality_end(*, actor: User, record: ParentConfidentiality) -> ParentConfidentiality:
    """The child says their parents may now be told: the request ends, and stays in the history."""
    require(actor, "child.view", record.child)
    require(actor, "consent.record", record.child)
    if record.ended_at is not None:
        raise ValidationError("This request has already ended.")
    with transaction.atomic():
        record.ended_at, record.ended_by = timezone.now(), actor
        record.save(update_fields=["ended_at", "ended_by", "updated_at"])
        audit_record(action="consent.parent_confidentiality_ended", actor=actor, target=record, child_id=str(record.child_id))
    return record
