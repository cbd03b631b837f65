"""Who may see information beyond basic details, and why (DOMAIN §6-7, docs/consent.md).

One function, `sharing_decision`, answers "may this user see this kind of information,
held by that agency, about this child?", in a fixed order (ADR 5):

  1. the viewer's role (data managers see basic details only);
  2. the agency's own information is always its own;
  3. emergency (break-glass) access shows everything, and the central team was told;
  4. the family's consent in force, or else a lawful basis recorded by the agency that
     holds the information, must cover the viewer's agency and the kind of information;
  5. an information-sharing agreement in force today, signed by the viewer's agency and
     the agency holding the information, must cover the kind, and sets the access level;
  6. the viewer's relationship to the child (involved, lead professional or deputy)
     raises a "summary" level to "full".

Sensitive-service masking (rule `involvement.see_service`) applies on top. Every answer
carries a reason a user can read, naming the viewer's agency and the kind of
information but never the agency that holds it.

The facts are read once per child and viewer (`SharingFacts`), so a record page with many
involvements asks the database a fixed number of times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from isahub.accounts.models import Role
from isahub.consent.models import (
    ACCESS_ORDER,
    KIND_FIELDS,
    AccessLevel,
    ConsentDecision,
    ConsentRecord,
    GivenBy,
    InformationKind,
    LawfulBasisRecord,
    ParentConfidentiality,
    ReviewStatus,
    SharingAgreement,
)

from . import relationships
from .decisions import Decision, Redaction

BEYOND_BASIC_ROLES = (Role.PRACTITIONER, Role.CENTRAL_TEAM, Role.PANEL_CHAIR)


def kind_label(kind: str) -> str:
    return InformationKind(kind).label.lower()


@dataclass(frozen=True)
class ConsentState:
    """The consent in force for a child, worked out from its history."""

    status: str  # "none" | "given" | "refused" | "withdrawn" | "expired"
    record: ConsentRecord | None = None
    agency_ids: frozenset[int] = frozenset()

    @property
    def who(self) -> str:
        if self.record is not None and self.record.given_by == GivenBy.CHILD:
            return "the child"
        return "the family"

    def covers(self, agency_id: int | None, kind: str) -> bool:
        if self.status != "given" or self.record is None or agency_id is None:
            return False
        return self.record.covers(kind) and (self.record.all_agencies or agency_id in self.agency_ids)

    def refusal(self, kind: str, agency_name: str) -> str:
        """Why this consent does not cover it, in plain words."""
        record = self.record
        label = kind_label(kind)
        if self.status == "none" or record is None:
            return f"Hidden because no consent to share {label} information with {agency_name} has been recorded."
        if self.status == "refused":
            return f"Hidden because {self.who} refused consent to share information (recorded {record.given_on:%-d %B %Y})."
        if self.status == "withdrawn":
            return f"Hidden because {self.who} withdrew consent to share information on {record.given_on:%-d %B %Y}."
        if self.status == "expired":
            assert record.expires_on is not None
            return f"Hidden because consent to share information expired on {record.expires_on:%-d %B %Y}."
        if not record.covers(kind):
            return f"Hidden because {self.who} has not agreed to share {label} information."
        return f"Hidden because {self.who} has not agreed to share {label} information with {agency_name}."


def current_of(records: list[ConsentRecord]) -> ConsentRecord | None:
    """The record in force among one child's records, oldest first."""
    if not records:
        return None
    own = [r for r in records if r.given_by == GivenBy.CHILD]
    return own[-1] if own else records[-1]


def consent_state(child: Any, *, today: dt.date | None = None) -> ConsentState:
    """The newest record decides. A child judged able to decide for themselves outranks
    a parent or carer: once the child has decided, only the child's own later records
    change it (docs/consent.md, "Whose decision counts")."""
    today = today or timezone.localdate()
    current = current_of(list(ConsentRecord.objects.filter(child=child).order_by("given_on", "recorded_at")))
    if current is None:
        return ConsentState("none")
    if current.decision == ConsentDecision.REFUSED:
        return ConsentState("refused", current)
    if current.decision == ConsentDecision.WITHDRAWN:
        return ConsentState("withdrawn", current)
    if current.expires_on is not None and current.expires_on < today:
        return ConsentState("expired", current)
    agencies = frozenset(current.agencies.values_list("pk", flat=True))
    return ConsentState("given", current, agencies)


@dataclass(frozen=True)
class BasisInForce:
    record: LawfulBasisRecord
    agency_ids: frozenset[int]

    def covers(self, agency_id: int | None, kind: str, holder_id: int) -> bool:
        """A lawful basis lets the agency that recorded it share *its own* information: a
        practitioner cannot claim one for what another agency holds."""
        return (
            agency_id is not None
            and holder_id == self.record.recorded_for_id
            and self.record.covers(kind)
            and (self.record.all_agencies or agency_id in self.agency_ids)
        )


def lawful_bases_in_force(child: Any, *, today: dt.date | None = None) -> list[BasisInForce]:
    """Lawful bases that still apply: not ended, and not found wanting on review."""
    today = today or timezone.localdate()
    records = (
        LawfulBasisRecord.objects.filter(child=child)
        .exclude(review_status=ReviewStatus.REJECTED)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .prefetch_related("agencies")
    )
    return [BasisInForce(r, frozenset(a.pk for a in r.agencies.all())) for r in records]


@dataclass(frozen=True)
class AgreementFacts:
    """The agreements the viewer's agency has signed: in force today, and ended ones."""

    in_force: tuple[tuple[SharingAgreement, frozenset[int]], ...]
    ended: tuple[tuple[SharingAgreement, frozenset[int]], ...]

    def best(self, holder_id: int, kind: str) -> SharingAgreement | None:
        found = [a for a, parties in self.in_force if holder_id in parties and a.covers(kind)]
        return max(found, key=lambda a: ACCESS_ORDER[AccessLevel(a.access_level)], default=None)

    def refusal(self, holder_id: int, kind: str, agency_name: str) -> str:
        label = kind_label(kind)
        with_holder = [a for a, parties in self.in_force if holder_id in parties]
        if with_holder:
            return (
                f"Hidden because the information-sharing agreement between {agency_name} and the agency that holds "
                f"this does not cover {label} information."
            )
        ended = [a for a, parties in self.ended if holder_id in parties and a.ends_on is not None]
        if ended:
            last = max(a.ends_on for a in ended if a.ends_on is not None)
            return (
                f"Hidden because the information-sharing agreement between {agency_name} and the agency that holds "
                f"this ended on {last:%-d %B %Y}."
            )
        return f"Hidden because {agency_name} has no information-sharing agreement in force with the agency that holds this."


def agreement_facts(agency_id: int | None, *, today: dt.date | None = None) -> AgreementFacts:
    today = today or timezone.localdate()
    if agency_id is None:
        return AgreementFacts((), ())
    signed = SharingAgreement.objects.filter(parties=agency_id).prefetch_related("parties")
    in_force, ended = [], []
    for agreement in signed:
        parties = frozenset(p.pk for p in agreement.parties.all())
        if agreement.starts_on <= today and (agreement.ends_on is None or agreement.ends_on >= today):
            in_force.append((agreement, parties))
        elif agreement.ends_on is not None and agreement.ends_on < today:
            ended.append((agreement, parties))
    return AgreementFacts(tuple(in_force), tuple(ended))


@dataclass
class SharingFacts:
    """Everything the decision weighs about one viewer and one child, read once."""

    child: Any
    consent: ConsentState
    bases: list[BasisInForce]
    agreements: AgreementFacts
    involved: bool
    lead_or_deputy: bool
    break_glass: bool
    agency_name: str
    _cache: dict[tuple[str, int], Decision] = field(default_factory=dict)


def sharing_facts(actor: Any, child: Any) -> SharingFacts:
    return SharingFacts(
        child=child,
        consent=consent_state(child),
        bases=lawful_bases_in_force(child),
        agreements=agreement_facts(actor.agency_id),
        involved=relationships.is_involved(actor, child),
        lead_or_deputy=relationships.is_lead_or_deputy(actor, child),
        break_glass=relationships.has_break_glass(actor, child),
        agency_name=actor.agency.name if actor.agency_id else "your agency",
    )


@dataclass(frozen=True)
class Item:
    """A piece of information beyond basic details: its kind and the agency that holds it."""

    child: Any
    kind: str
    holder_id: int
    facts: SharingFacts | None = None


SUMMARY_REDACTIONS = (
    Redaction("practitioner", "", "Your agency's agreement shares which agency is involved and its phone number only."),
    Redaction("contact", "", "Your agency's agreement shares which agency is involved and its phone number only."),
)


def sharing_decision(actor: Any, item: Item) -> Decision:
    """Allowed (full), allowed with redactions (summary), or refused, with the reason."""
    kind = InformationKind(item.kind)
    if actor.agency_id is not None and actor.agency_id == item.holder_id:
        return Decision.allow("This is your own agency's information.")
    if actor.role not in BEYOND_BASIC_ROLES:
        return Decision.refuse("Hidden because your role sees basic details only.")
    facts = item.facts or sharing_facts(actor, item.child)
    cached = facts._cache.get((kind.value, item.holder_id))
    if cached is not None:
        return cached
    decision = _decide(actor, kind, item.holder_id, facts)
    facts._cache[(kind.value, item.holder_id)] = decision
    return decision


def _decide(actor: Any, kind: InformationKind, holder_id: int, facts: SharingFacts) -> Decision:
    if facts.break_glass:
        return Decision.allow("Shown under emergency access; the central team has been told.")
    basis = None
    if facts.consent.covers(actor.agency_id, kind):
        because = f"{facts.consent.who.capitalize()} agreed to share {kind_label(kind)} information with {facts.agency_name}."
    else:
        basis = next((b for b in facts.bases if b.covers(actor.agency_id, kind, holder_id)), None)
        if basis is None:
            return Decision.refuse(facts.consent.refusal(kind, facts.agency_name))
        because = f"Shared without consent on a recorded lawful basis: {basis.record.get_basis_display()}."
    agreement = facts.agreements.best(holder_id, kind)
    if agreement is None or agreement.access_level == AccessLevel.BASIC:
        if agreement is not None:
            return Decision.refuse(
                f"Hidden because the information-sharing agreement between {facts.agency_name} and the agency that "
                "holds this allows basic details only."
            )
        return Decision.refuse(facts.agreements.refusal(holder_id, kind, facts.agency_name))
    if agreement.access_level == AccessLevel.FULL:
        return Decision.allow(because)
    if facts.involved or facts.lead_or_deputy:
        return Decision.allow(because + " You work with the child, so you see your colleagues' contact details.")
    return Decision.allow_with_redactions(
        because + " Your agency's agreement shares the agency and its phone number.", SUMMARY_REDACTIONS
    )


# --- The family view ---------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyViewer:
    """A child, parent or carer looking at the child's own record (the family view, when it
    is built, must ask policy with one of these: rule `family.see`)."""

    child_id: Any
    relationship: str  # GivenBy value: "child" | "parent" | "carer"
    is_authenticated: bool = True
    is_active: bool = True
    role: str = "family"
    agency_id: None = None
    pk: None = None


def family_decision(viewer: FamilyViewer, item: Item) -> Decision:
    if str(viewer.child_id) != str(item.child.pk):
        return Decision.refuse("A family sees only its own child's record.")
    if viewer.relationship == GivenBy.CHILD:
        return Decision.allow("This is your own record.")
    field_name = KIND_FIELDS[InformationKind(item.kind)]
    asked = (
        ParentConfidentiality.objects.filter(child=item.child, ended_at__isnull=True, **{field_name: True})
        .filter(Q(agency__isnull=True) | Q(agency_id=item.holder_id))
        .exists()
    )
    if asked:
        return Decision.refuse("Hidden because the child asked that this is not shared with their parents or carers.")
    return Decision.allow("Shown to the child's parents and carers.")


# --- Naming agencies on consent pages -----------------------------------------------------


def agency_named_in_scope(actor: Any, agency: Any) -> bool:
    """May a consent's tick list name this agency to this user? Not a sensitive service,
    unless it is the user's own or the user keeps consent records (the central team):
    "the family agreed to share with the sexual health clinic" tells as much as its
    involvement would."""
    return not agency.is_sensitive_service or agency.pk == actor.agency_id or actor.role == Role.CENTRAL_TEAM


def agency_named_as_source(actor: Any, child: Any, agency: Any, facts: SharingFacts | None = None) -> bool:
    """May this user be told that this agency took a consent, recorded a lawful basis or
    holds a request? Only if they may see that agency's involvement with the child, in
    full, and it is not a sensitive service: otherwise the consent history would tell what
    the record page hides. The central team keeps the records and sees every source."""
    if actor.role == Role.CENTRAL_TEAM or agency.pk == actor.agency_id:
        return True
    if agency.is_sensitive_service:
        return False
    decision = sharing_decision(actor, Item(child, InformationKind.INVOLVEMENT, agency.pk, facts))
    return decision.allowed and not decision.is_redacted
