"""Reads for the duplicate-proposal pages, always through policy. The pages use the rule the
decisions use (`child.merge`: data managers), so whoever may see a pair may also decide it.
Opening a proposal shows two children's details, so it is audited like opening a record."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, Prefetch, QuerySet
from django.http import Http404
from django.utils import formats

from isahub.accounts.models import User
from isahub.audit.services import audit_record
from isahub.children.models import Child, ChildAddress, ChildName, NameKind, RecordStatus
from isahub.policy.engine import decide, require

from .models import DuplicateProposal, ProposalStatus

ACTION = "child.merge"

# Splink's comparison names (spec.py output columns) in words, in the order the page shows them.
COMPARISON_LABELS = {
    "forename": "First name",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "postcode": "Postcode",
    "nhs_number": "NHS number",
    "upn": "Unique pupil number",
}


def _with_details(queryset: QuerySet[DuplicateProposal]) -> QuerySet[DuplicateProposal]:
    names = ChildName.objects.order_by(F("valid_to").desc(nulls_first=True), "pk")
    return queryset.select_related("child_a", "child_b", "model").prefetch_related(
        Prefetch("child_a__names", queryset=names), Prefetch("child_b__names", queryset=names)
    )


def open_proposals(*, actor: User) -> QuerySet[DuplicateProposal]:
    require(actor, ACTION)
    return _with_details(DuplicateProposal.objects.filter(status=ProposalStatus.OPEN))


@dataclass
class ProposalRow:
    proposal: DuplicateProposal
    name_a: str
    name_b: str


def open_proposal_page(*, actor: User, limit: int) -> tuple[list[ProposalRow], int]:
    """The `limit` most likely open proposals with each record's name, and how many are open."""
    proposals = open_proposals(actor=actor)
    rows = [ProposalRow(p, legal_name(p.child_a), legal_name(p.child_b)) for p in proposals[:limit]]
    return rows, proposals.count()


def open_proposal_count(*, actor: User) -> int:
    """Open proposals the actor may decide (0 when they may not)."""
    if not decide(actor, ACTION).allowed:
        return 0
    return DuplicateProposal.objects.filter(status=ProposalStatus.OPEN).count()


def proposal_for_decision(*, actor: User, proposal_id: int) -> DuplicateProposal:
    """The proposal a merge or dismiss acts on (the service checks the right again)."""
    proposal = DuplicateProposal.objects.select_related("child_a", "child_b").filter(pk=proposal_id).first()
    if proposal is None:
        raise Http404("No such proposal")
    require(actor, ACTION, proposal)
    return proposal


def legal_name(child: Child) -> str:
    names = list(child.names.all())
    current = [n for n in names if n.valid_to is None]
    legal = next((n for n in current if n.kind == NameKind.LEGAL), current[0] if current else names[0] if names else None)
    return legal.full_name if legal else "(no name recorded)"


# --------------------------------------------------------------------------------------------
# Side by side


@dataclass
class RecordView:
    child: Child
    name: str
    other_names: list[str]
    date_of_birth: str
    sex: str
    addresses: list[str]
    identifiers: list[tuple[str, str]]
    status: str
    merged: bool


@dataclass
class ComparisonView:
    label: str
    left: str
    right: str
    level: str
    weight: float | None
    most: float | None

    @property
    def tone(self) -> str:
        """agree | disagree | neutral (no evidence either way: a value missing on one side)."""
        if self.weight is None or self.weight == 0 or not (self.left and self.right):
            return "neutral"
        return "agree" if self.weight > 0 else "disagree"


@dataclass
class ProposalView:
    proposal: DuplicateProposal
    a: RecordView
    b: RecordView
    comparisons: list[ComparisonView] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.proposal.status == ProposalStatus.OPEN

    @property
    def stale(self) -> bool:
        return self.a.merged or self.b.merged


def _address(a: ChildAddress) -> str:
    text = ", ".join(p for p in (a.line_1, a.line_2, a.town, a.postcode) if p)
    return text if a.valid_to is None else f"{text} (until {formats.date_format(a.valid_to, 'j F Y')})"


def _record_view(child: Child) -> RecordView:
    names = list(child.names.order_by(F("valid_to").desc(nulls_first=True), "pk"))
    legal = legal_name(child)
    addresses = child.addresses.order_by(F("valid_to").desc(nulls_first=True), "-recorded_at")  # current first
    return RecordView(
        child=child,
        name=legal,
        other_names=[f"{n.full_name} ({n.get_kind_display().lower()})" for n in names if n.full_name != legal],
        date_of_birth=formats.date_format(child.date_of_birth, "j F Y"),
        sex=child.get_sex_display(),
        addresses=[_address(a) for a in addresses],
        identifiers=[(i.get_kind_display(), i.value) for i in child.identifiers.order_by("kind", "value")],
        status=child.get_status_display(),
        merged=child.status == RecordStatus.MERGED,
    )


def _comparisons(stored: dict) -> list[ComparisonView]:
    order = list(COMPARISON_LABELS)
    names = sorted(stored, key=lambda n: order.index(n) if n in order else len(order))
    return [
        ComparisonView(
            label=COMPARISON_LABELS.get(name, name.replace("_", " ").capitalize()),
            left=str(stored[name].get("left") or ""),
            right=str(stored[name].get("right") or ""),
            level=str(stored[name].get("level", "")),
            weight=stored[name].get("weight"),
            most=stored[name].get("max"),
        )
        for name in names
    ]


def access_proposal(*, actor: User, proposal_id: int) -> ProposalView:
    proposal = (
        DuplicateProposal.objects.select_related("child_a", "child_b", "model", "decided_by").filter(pk=proposal_id).first()
    )
    if proposal is None:
        raise Http404("No such proposal")
    require(actor, ACTION, proposal)
    audit_record(
        action="linkage.duplicate_viewed",
        actor=actor,
        target=proposal,
        details={"child_a": str(proposal.child_a_id), "child_b": str(proposal.child_b_id)},
    )
    return ProposalView(
        proposal=proposal,
        a=_record_view(proposal.child_a),
        b=_record_view(proposal.child_b),
        comparisons=_comparisons(proposal.comparisons or {}),
    )
