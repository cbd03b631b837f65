"""Reading a child's record: through policy, behind a reason, audited, with redactions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.http import Http404

from isahub.audit.services import audit_record
from isahub.consent.models import InformationKind
from isahub.involvements.models import Involvement, LeadProfessional
from isahub.policy.decisions import Decision
from isahub.policy.engine import decide, require
from isahub.policy.sharing import BEYOND_BASIC_ROLES, Item, SharingFacts, sharing_facts

from .models import Child, ChildMerge, NameKind, RecordStatus

INCOMPLETE = "This picture may be incomplete: some information is not shown to you."


class ReasonRequired(Exception):
    """Opening a child's record needs a reason, every time."""

    message = "Give a reason for opening this child's record."


class RecordMoved(Exception):
    def __init__(self, survivor_id):
        super().__init__(str(survivor_id))
        self.survivor_id = survivor_id


@dataclass(frozen=True)
class InvolvementView:
    id: str
    service: str
    practitioner: str
    role: str
    phone: str
    email: str
    started_on: dt.date
    ended_on: dt.date | None
    redacted: bool
    practitioner_id: int | None
    recorded_by: str = ""  # set when someone recorded it on the practitioner's behalf


@dataclass(frozen=True)
class LeadView:
    practitioner: str
    agency: str
    phone: str
    email: str
    deputy: str
    started_on: dt.date
    decided_by: str
    redacted: bool


@dataclass
class ChildRecordView:
    id: str
    status: str
    legal_name: str
    preferred_name: str
    other_names: list[tuple[str, str]]
    date_of_birth: dt.date
    sex: str
    current_address: str
    previous_addresses: list[str]
    school_status: str
    school: str
    gp_practice: str
    identifiers: list[tuple[str, str]]
    agencies: list[str]
    involvements: list[InvolvementView]
    lead: LeadView | None
    withheld: list[str] = field(default_factory=list)

    @property
    def incomplete(self) -> bool:
        return bool(self.withheld)


def find_child(child_id) -> Child:
    try:
        return Child.objects.select_related("school", "gp_practice").get(pk=child_id)
    except (Child.DoesNotExist, ValueError, TypeError, ValidationError):
        # Not a UUID (Django's UUID field raises ValidationError): no such record either.
        raise Http404("No such record") from None


def access_child(*, actor, child_id, reason: str, purpose: str = "child.viewed") -> ChildRecordView:
    """The record as this user may see it. Refused without a reason or without access;
    a merged record answers with its survivor (RecordMoved)."""
    child = find_child(child_id)
    if child.status == RecordStatus.MERGED:
        raise RecordMoved(child.merged_into_id)
    require(actor, "child.view", child)
    if not (reason or "").strip():
        raise ReasonRequired
    view = record_view(actor=actor, child=child)
    audit_record(
        action=purpose,
        actor=actor,
        target=child,
        child_id=str(child.pk),
        reason=reason.strip(),
        details={"withheld": len(view.withheld)},
    )
    return view


SENSITIVE = "A sensitive service is involved; which one is shared only with that service."


def involvement_share(actor, involvement: Involvement, facts: SharingFacts | None = None, child: Child | None = None) -> Decision:
    """May this user see this involvement at all, in summary, or in full (consent, lawful
    basis, agreements, relationship: isahub/policy/sharing.py)?"""
    child = child or (facts.child if facts is not None else involvement.child)
    return decide(actor, "information.see", Item(child, InformationKind.INVOLVEMENT, involvement.agency_id, facts))


def involvement_view(actor, involvement: Involvement, share: Decision | None = None) -> InvolvementView | None:
    """The involvement as this user may see it, or None when it is withheld from them."""
    share = share or involvement_share(actor, involvement)
    if not share.allowed:
        return None
    decision = decide(actor, "involvement.see_service", involvement)
    agency = involvement.agency
    if not decision.allowed or decision.is_redacted:
        return InvolvementView(
            id=str(involvement.pk),
            service="A service is involved",
            practitioner="",
            role="",
            phone=agency.phone or involvement.phone,
            email="",
            started_on=involvement.started_on,
            ended_on=involvement.ended_on,
            redacted=True,
            practitioner_id=None,
        )
    if share.is_redacted:  # the agency and its phone number only
        return InvolvementView(
            id=str(involvement.pk),
            service=agency.name,
            practitioner="",
            role="",
            phone=agency.phone,
            email="",
            started_on=involvement.started_on,
            ended_on=involvement.ended_on,
            redacted=True,
            practitioner_id=None,
        )
    return InvolvementView(
        id=str(involvement.pk),
        service=agency.name,
        practitioner=involvement.practitioner.display_name,
        role=involvement.role,
        phone=involvement.phone,
        email=involvement.email,
        started_on=involvement.started_on,
        ended_on=involvement.ended_on,
        redacted=False,
        practitioner_id=involvement.practitioner_id,
        recorded_by=involvement.recorded_by.display_name if involvement.recorded_by_id != involvement.practitioner_id else "",
    )


def _facts_for(actor, child: Child) -> SharingFacts | None:
    return sharing_facts(actor, child) if actor.role in BEYOND_BASIC_ROLES else None


def record_view(*, actor, child: Child) -> ChildRecordView:
    names = list(child.names.all())
    legal = next((n for n in names if n.kind == NameKind.LEGAL and n.valid_to is None), None)
    preferred = next((n for n in names if n.kind == NameKind.PREFERRED and n.valid_to is None), None)
    addresses = list(child.addresses.all())
    current = [a for a in addresses if a.valid_to is None]
    involvements = list(
        Involvement.objects.filter(child=child, ended_on__isnull=True)
        .select_related("agency", "practitioner", "recorded_by")
        .order_by("started_on")
    )
    facts = _facts_for(actor, child)
    shown: list[InvolvementView] = []
    withheld: list[str] = []
    for involvement in involvements:
        share = involvement_share(actor, involvement, facts, child)
        item = involvement_view(actor, involvement, share)
        if item is None:
            _note(withheld, share.reason)
            continue
        shown.append(item)
        if item.service == "A service is involved":
            _note(withheld, SENSITIVE)
        elif item.redacted:
            _note(withheld, share.redactions[0].reason)
    lead = _lead_view(actor, child, facts, withheld)
    agencies = sorted({item.service for item in shown})
    return ChildRecordView(
        id=str(child.pk),
        status=child.status,
        legal_name=legal.full_name if legal else "",
        preferred_name=preferred.given_names if preferred else "",
        other_names=[(n.get_kind_display(), n.full_name) for n in names if n.kind in (NameKind.ALIAS, NameKind.PREVIOUS)],
        date_of_birth=child.date_of_birth,
        sex=child.get_sex_display(),
        current_address="; ".join(_address(a) for a in current),
        previous_addresses=[_address(a) for a in addresses if a.valid_to is not None],
        school_status=child.get_school_status_display(),
        school=child.school.name if child.school else "",
        gp_practice=child.gp_practice.name if child.gp_practice else "",
        identifiers=[(i.get_kind_display(), i.value) for i in child.identifiers.all()],
        agencies=agencies,
        involvements=shown,
        lead=lead,
        withheld=withheld,
    )


def _note(withheld: list[str], reason: str) -> None:
    if reason not in withheld:
        withheld.append(reason)


def _address(address) -> str:
    return ", ".join(part for part in (address.line_1, address.line_2, address.town, address.postcode) if part)


def _lead_view(actor, child: Child, facts: SharingFacts | None, withheld: list[str]) -> LeadView | None:
    current = (
        LeadProfessional.objects.filter(child=child, ended_on__isnull=True)
        .select_related("practitioner", "agency", "deputy")
        .first()
    )
    if current is None:
        return None
    share = decide(actor, "information.see", Item(child, InformationKind.INVOLVEMENT, current.agency_id, facts))
    if not share.allowed:
        _note(withheld, share.reason)
        return LeadView(
            "A lead professional has been agreed", "", "", "", "", current.started_on, current.get_decided_by_display(), True
        )
    involvement = (
        Involvement.objects.filter(child=child, practitioner=current.practitioner, ended_on__isnull=True)
        .select_related("agency")
        .first()
    )
    service = decide(actor, "involvement.see_service", involvement) if involvement is not None else None
    if service is not None and (not service.allowed or service.is_redacted):
        _note(withheld, SENSITIVE)
        return LeadView(
            "A service is leading", "", current.agency.phone, "", "", current.started_on, current.get_decided_by_display(), True
        )
    if share.is_redacted:
        _note(withheld, share.redactions[0].reason)
        return LeadView(
            "A practitioner from this agency leads",
            current.agency.name,
            current.agency.phone,
            "",
            "",
            current.started_on,
            current.get_decided_by_display(),
            True,
        )
    return LeadView(
        practitioner=current.practitioner.display_name,
        agency=current.agency.name,
        phone=involvement.phone if involvement else current.practitioner.phone,
        email=current.practitioner.email,
        deputy=current.deputy.display_name if current.deputy else "",
        started_on=current.started_on,
        decided_by=current.get_decided_by_display(),
        redacted=False,
    )


def open_merges(*, actor, survivor: Child):
    require(actor, "child.merge")
    return ChildMerge.objects.filter(survivor=survivor, unmerged_at__isnull=True).select_related("duplicate")


def access_merge(*, actor, merge_id: int) -> ChildMerge:
    require(actor, "child.merge")
    merge = ChildMerge.objects.select_related("survivor", "duplicate").filter(pk=merge_id).first()
    if merge is None:
        raise Http404("No such merge")
    return merge
