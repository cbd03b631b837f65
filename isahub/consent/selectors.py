"""Reading consent, lawful basis, agreements, notices and the toolkit: always through policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from isahub.accounts.models import Agency, Role
from isahub.audit.services import audit_record
from isahub.children.models import Child, HiddenRecordProbe
from isahub.policy.engine import require
from isahub.policy.sharing import (
    BEYOND_BASIC_ROLES,
    ConsentState,
    agency_named_as_source,
    agency_named_in_scope,
    consent_state,
    current_of,
    lawful_bases_in_force,
    sharing_facts,
)

from .models import (
    ConsentDecision,
    ConsentRecord,
    FairProcessingNotice,
    InclusionRecord,
    LawfulBasisRecord,
    NoticeIssue,
    ParentConfidentiality,
    ReviewStatus,
    SharingAgreement,
    ToolkitPage,
)

DUE_WITHIN = dt.timedelta(days=30)


@dataclass(frozen=True)
class ConsentSummary:
    """What existing consent covers, in words, for the moment of sharing."""

    status: str
    headline: str
    kinds: str
    agencies: str
    review_on: dt.date | None
    bases: list[str]

    @property
    def covers_involvement(self) -> bool:
        return self.status == "given" and "involvement" in self.kinds


def _agency_names(actor, record) -> str:
    if record.all_agencies:
        return "all agencies taking part"
    agencies = list(record.agencies.order_by("name"))
    named = [a.name for a in agencies if agency_named_in_scope(actor, a)]
    others = len(agencies) - len(named)
    if others:
        named.append(f"{others} other service{'s' if others > 1 else ''}")
    return ", ".join(named) or "no agencies"


def describe_state(state: ConsentState) -> str:
    record = state.record
    if record is None:
        return "No consent has been recorded."
    when = f"{record.given_on:%-d %B %Y}"
    who = record.get_given_by_display().lower()
    how = record.get_method_display().lower()
    return {
        "given": f"Consent given by {who} on {when} ({how}).",
        "refused": f"Consent refused by {who} on {when}.",
        "withdrawn": f"Consent withdrawn by {who} on {when}.",
        "expired": f"Consent given by {who} on {when} expired on {record.expires_on:%-d %B %Y}." if record.expires_on else "",
    }[state.status]


def consent_summary(*, actor, child: Child) -> ConsentSummary:
    require(actor, "child.view", child)
    require(actor, "consent.record", child)
    state = consent_state(child)
    record = state.record
    given = state.status == "given" and record is not None
    return ConsentSummary(
        status=state.status,
        headline=describe_state(state),
        kinds=record.kinds_display if given and record else "nothing",
        agencies=_agency_names(actor, record) if given and record else "nobody",
        review_on=record.review_on if given and record else None,
        bases=[
            f"{b.record.get_basis_display()} ({b.record.kinds_display}), recorded {b.record.recorded_at:%-d %B %Y}"
            for b in lawful_bases_in_force(child)
        ],
    )


@dataclass(frozen=True)
class ConsentRow:
    given_on: dt.date
    decision: str
    decision_display: str
    given_by: str
    scope: str
    review_on: dt.date | None
    expires_on: dt.date | None
    method: str
    taken: str
    evidence: str


@dataclass(frozen=True)
class BasisRow:
    basis: str
    kinds: str
    recorded: str
    recorded_at: dt.datetime
    review_status: str
    justification: str


@dataclass(frozen=True)
class ConfidentialityRow:
    request: str
    kinds: str
    agency: str
    ended_at: dt.datetime | None
    pk: Any


@dataclass
class ConsentHistory:
    summary: ConsentSummary
    consents: list[ConsentRow]
    bases: list[BasisRow]
    confidentialities: list[ConfidentialityRow]
    inclusion: list[InclusionRecord]


SOURCE_WITHHELD = "another agency (not shared with you)"


def consent_history(*, actor, child: Child) -> ConsentHistory:
    """Every decision about sharing for one child, newest first; reading it is audited. Who
    took each decision is named only where the user may see that agency's involvement
    (policy: agency_named_as_source), so the history tells nothing the record hides."""
    require(actor, "consent.history", child)
    facts = sharing_facts(actor, child) if actor.role in BEYOND_BASIC_ROLES else None
    named: dict[int, bool] = {}

    def source(agency) -> bool:
        if agency.pk not in named:
            named[agency.pk] = agency_named_as_source(actor, child, agency, facts)
        return named[agency.pk]

    consents = []
    for c in (
        ConsentRecord.objects.filter(child=child)
        .select_related("taken_by", "taken_for")
        .prefetch_related("agencies")
        .order_by("-given_on", "-recorded_at")
    ):
        shown = source(c.taken_for)
        scope = (
            f"{c.kinds_display.capitalize()} with {_agency_names(actor, c)}"
            if c.decision == ConsentDecision.GIVEN
            else "Nothing shared"
        )
        consents.append(
            ConsentRow(
                given_on=c.given_on,
                decision=c.decision,
                decision_display=c.get_decision_display(),
                given_by=c.get_given_by_display() + (f" ({c.giver_name})" if c.giver_name else ""),
                scope=scope,
                review_on=c.review_on,
                expires_on=c.expires_on,
                method=c.get_method_display(),
                taken=f"{c.taken_by.display_name} ({c.taken_for.name})" if shown else SOURCE_WITHHELD,
                evidence=c.evidence_location if shown else "Kept by the agency that took it",
            )
        )
    bases = []
    for b in LawfulBasisRecord.objects.filter(child=child).select_related("recorded_by", "recorded_for"):
        shown = source(b.recorded_for)
        own_or_central = actor.role == Role.CENTRAL_TEAM or b.recorded_for_id == actor.agency_id
        bases.append(
            BasisRow(
                basis=b.get_basis_display(),
                kinds=b.kinds_display,
                recorded=f"{b.recorded_by.display_name} ({b.recorded_for.name})" if shown else SOURCE_WITHHELD,
                recorded_at=b.recorded_at,
                review_status=b.get_review_status_display(),
                justification=b.justification if own_or_central else "",
            )
        )
    confidentialities = [
        ConfidentialityRow(
            request=r.request,
            kinds=r.kinds_display,
            agency=(r.agency.name if source(r.agency) else "one agency") if r.agency else "",
            ended_at=r.ended_at,
            pk=r.pk,
        )
        for r in ParentConfidentiality.objects.filter(child=child).select_related("agency")
    ]
    history = ConsentHistory(
        summary=consent_summary(actor=actor, child=child),
        consents=consents,
        bases=bases,
        confidentialities=confidentialities,
        inclusion=list(InclusionRecord.objects.filter(child=child).order_by("-recorded_at")),
    )
    audit_record(action="consent.history_viewed", actor=actor, target=child, child_id=str(child.pk))
    return history


def access_parent_confidentiality(*, actor, child: Child, record_id) -> ParentConfidentiality:
    require(actor, "child.view", child)
    require(actor, "consent.record", child)
    record = ParentConfidentiality.objects.filter(child=child, pk=record_id).select_related("child").first()
    if record is None:
        raise Http404("No such request")
    return record


def access_lawful_basis(*, actor, record_id) -> LawfulBasisRecord:
    require(actor, "lawful_basis.review")
    record = LawfulBasisRecord.objects.select_related("child", "recorded_by", "recorded_for").filter(pk=record_id).first()
    if record is None:
        raise Http404("No such record")
    return record


@dataclass
class Dashboard:
    awaiting_review: list[LawfulBasisRecord]
    due_for_review: list[ConsentRecord]
    probes: list[Any]
    notices_due: list[NoticeIssue]


def consent_dashboard(*, actor) -> Dashboard:
    """The central team's worklist: lawful bases awaiting review, consents expiring or due
    for review within 30 days, hidden-record probes, and cohorts due a notice re-issue."""
    require(actor, "consent.dashboard")
    today = timezone.localdate()
    soon = today + DUE_WITHIN
    # Only children with a given consent due soon can appear; their whole history decides
    # which record is in force (a later withdrawal takes them off the list).
    due_soon = Q(review_on__lte=soon) | Q(expires_on__lte=soon)
    children = ConsentRecord.objects.filter(due_soon, decision="given").values_list("child_id", flat=True).distinct()[:500]
    by_child: dict = {}
    for record in (
        ConsentRecord.objects.filter(child_id__in=list(children)).select_related("taken_for").order_by("given_on", "recorded_at")
    ):
        by_child.setdefault(record.child_id, []).append(record)
    current = [current_of(records) for records in by_child.values()]
    due = sorted(
        (
            r
            for r in current
            if r is not None
            and r.decision == "given"
            and ((r.review_on is not None and r.review_on <= soon) or (r.expires_on is not None and r.expires_on <= soon))
        ),
        key=lambda r: min(d for d in (r.review_on, r.expires_on) if d is not None),
    )
    probes = list(
        HiddenRecordProbe.objects.filter(searched_at__gte=timezone.now() - dt.timedelta(days=30))
        .values("child_id")
        .annotate(count=Count("id"), reported=Count("id", filter=Q(reported=True)), last=Max("searched_at"))
        .order_by("-count")[:50]
    )
    dashboard = Dashboard(
        awaiting_review=list(
            LawfulBasisRecord.objects.filter(review_status=ReviewStatus.AWAITING)
            .select_related("child", "recorded_by", "recorded_for")
            .order_by("recorded_at")
        ),
        due_for_review=due,
        probes=probes,
        notices_due=notices_due(actor=actor),
    )
    audit_record(action="consent.dashboard_viewed", actor=actor)
    return dashboard


def agreements_list(*, actor) -> QuerySet[SharingAgreement]:
    require(actor, "agreement.view")
    return SharingAgreement.objects.prefetch_related("parties").order_by("-starts_on", "title")


def agreements_in_force(*, actor) -> list[SharingAgreement]:
    today = timezone.localdate()
    return [a for a in agreements_list(actor=actor) if a.starts_on <= today and (a.ends_on is None or a.ends_on >= today)]


def access_agreement(*, actor, agreement_id, purpose: str = "agreement.view") -> SharingAgreement:
    require(actor, purpose)
    agreement = SharingAgreement.objects.prefetch_related("parties").filter(pk=agreement_id).first()
    if agreement is None:
        raise Http404("No such agreement")
    return agreement


def agreement_signed_copy(*, actor, agreement_id) -> SharingAgreement:
    agreement = access_agreement(actor=actor, agreement_id=agreement_id)
    if not agreement.signed_copy:
        raise Http404("No signed copy")
    audit_record(action="agreement.downloaded", actor=actor, target=agreement)
    return agreement


def notices_list(*, actor) -> QuerySet[FairProcessingNotice]:
    require(actor, "notice.manage")
    return FairProcessingNotice.objects.prefetch_related("issues").order_by("-published_on")


def access_notice(*, actor, notice_id) -> FairProcessingNotice:
    require(actor, "notice.manage")
    notice = FairProcessingNotice.objects.filter(pk=notice_id).first()
    if notice is None:
        raise Http404("No such notice")
    return notice


def notices_due(*, actor) -> list[NoticeIssue]:
    """For each cohort, its latest issue, when that is due again within 30 days (or overdue)."""
    require(actor, "notice.manage")
    soon = timezone.localdate() + DUE_WITHIN
    latest: dict[str, NoticeIssue] = {}
    for issue in NoticeIssue.objects.select_related("notice").order_by("issued_on"):
        latest[issue.cohort] = issue
    return sorted((i for i in latest.values() if i.due_again_on <= soon), key=lambda i: i.due_again_on)


def toolkit_pages(*, actor) -> QuerySet[ToolkitPage]:
    require(actor, "toolkit.view")
    return ToolkitPage.objects.select_related("agency").order_by("kind", "title")


def access_toolkit_page(*, actor, slug: str, purpose: str = "toolkit.view") -> ToolkitPage:
    require(actor, purpose)
    page = ToolkitPage.objects.select_related("agency").filter(slug=slug).first()
    if page is None:
        raise Http404("No such page")
    return page


def agency_choices(*, actor) -> QuerySet[Agency]:
    require(actor, "agencies.list")
    return Agency.objects.order_by("name")
