"""Reads for the feed pages, always through policy: each list uses the rule's queryset twin
(`feed_agency_scope`) and each single record its rule. Opening a review item or a conflict
shows children's details, so it is audited like opening a record."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from isahub.accounts.models import Agency, User
from isahub.audit.services import audit_record
from isahub.children.models import Child, ChildAddress, ChildIdentifier, ChildName, NameKind
from isahub.policy.engine import require
from isahub.policy.rules.feeds import feed_agency_scope

from . import feedtypes as ft
from .models import Conflict, ConflictStatus, FeedLoad, ReviewItem, ReviewStatus


def _scoped(queryset: QuerySet, actor: User, action: str, agency_field: str) -> QuerySet:
    scope = feed_agency_scope(actor, action)
    return queryset if scope is None else queryset.filter(**{f"{agency_field}__in": scope})


def load_list(*, actor: User) -> QuerySet[FeedLoad]:
    require(actor, "feed.view_loads")
    return _scoped(FeedLoad.objects.select_related("agency", "loaded_by"), actor, "feed.view_loads", "agency_id")


def access_load(*, actor: User, load_id: int) -> FeedLoad:
    load = FeedLoad.objects.select_related("agency", "loaded_by").filter(pk=load_id).first()
    if load is None:
        raise Http404("No such load")
    require(actor, "feed.view_loads", load)
    return load


def agencies_for_loading(*, actor: User) -> QuerySet[Agency]:
    require(actor, "feed.load")
    scope = feed_agency_scope(actor, "feed.load")
    agencies = Agency.objects.order_by("name")
    return agencies if scope is None else agencies.filter(pk__in=scope)


def review_queue(*, actor: User) -> QuerySet[ReviewItem]:
    require(actor, "feed.review")
    items = ReviewItem.objects.filter(status=ReviewStatus.OPEN).select_related("load", "load__agency")
    return _scoped(items, actor, "feed.review", "load__agency_id")


def conflict_queue(*, actor: User) -> QuerySet[Conflict]:
    require(actor, "feed.conflict_resolve")
    conflicts = Conflict.objects.filter(status=ConflictStatus.OPEN).select_related("load", "load__agency")
    return _scoped(conflicts, actor, "feed.conflict_resolve", "load__agency_id")


def queue_sizes(*, actor: User) -> dict[str, int]:
    """Open review items and conflicts the actor may work on (0 where they may not)."""
    from isahub.policy.engine import decide

    sizes = {"review": 0, "conflicts": 0}
    if decide(actor, "feed.review").allowed:
        sizes["review"] = review_queue(actor=actor).count()
    if decide(actor, "feed.conflict_resolve").allowed:
        sizes["conflicts"] = conflict_queue(actor=actor).count()
    return sizes


# --------------------------------------------------------------------------------------------
# Side by side


@dataclass
class Comparison:
    label: str
    feed_value: str
    record_value: str
    agreement: str  # e.g. "exact", "sound", "disagree", "not compared"
    weight: float | None = None
    most: float | None = None

    @property
    def tone(self) -> str:
        """agree | disagree | neutral, for highlighting."""
        if self.weight is None:
            return "agree" if self.agreement == "same" else "disagree" if self.agreement == "different" else "neutral"
        return "agree" if self.weight > 0 else "disagree" if self.weight < 0 else "neutral"


@dataclass
class CandidateView:
    child_id: UUID
    score: float
    name: str
    other_names: list[str]
    date_of_birth: str
    sex: str
    address: str
    identifiers: dict[str, str]
    status: str
    comparisons: list[Comparison] = field(default_factory=list)
    identifier_clash: str = ""
    total_weight: float | None = None


FIELD_LABELS = {
    "surname": "Surname",
    "forename": "First name",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "postcode": "Postcode",
    "nhs_number": "NHS number (model weight)",
    "upn": "Unique pupil number (model weight)",
}


def _feed_value(row: dict, name: str) -> str:
    return str(row.get({"surname": "family_name", "forename": "given_names"}.get(name, name), "") or "")


def _candidate_view(candidate: dict, row: dict) -> CandidateView | None:
    child = Child.objects.filter(pk=candidate["child_id"]).first()
    if child is None:
        return None
    names = list(ChildName.objects.filter(child=child))
    legal = next((n for n in names if n.kind == NameKind.LEGAL and n.valid_to is None), names[0] if names else None)
    address = ChildAddress.objects.filter(child=child, valid_to__isnull=True).order_by("-recorded_at").first()
    identifiers = dict(ChildIdentifier.objects.filter(child=child, kind__in=["nhs", "upn"]).values_list("kind", "value"))
    explanation = candidate.get("explanation") or {}
    comparisons = []
    for name, detail in explanation.get("fields", {}).items():
        comparisons.append(
            Comparison(
                label=FIELD_LABELS.get(name, name),
                feed_value=_feed_value(row, name),
                record_value=str(detail.get("matched", "")),
                agreement=str(detail.get("agreement", "")),
                weight=detail.get("weight"),
                most=detail.get("max"),
            )
        )
    for kind, column, label in (("nhs", "nhs_number", "NHS number"), ("upn", "upn", "Unique pupil number")):
        feed_value, held = row.get(column, ""), identifiers.get(kind, "")
        if feed_value or held:
            agreement = "not compared" if not (feed_value and held) else "same" if feed_value == held else "different"
            comparisons.append(Comparison(label=label, feed_value=feed_value, record_value=held, agreement=agreement))
    return CandidateView(
        child_id=child.pk,
        score=candidate["score"],
        name=legal.full_name if legal else "",
        other_names=[n.full_name for n in names if n is not legal],
        date_of_birth=child.date_of_birth.isoformat(),
        sex=child.get_sex_display(),
        address=", ".join(p for p in (address.line_1, address.line_2, address.town, address.postcode) if p) if address else "",
        identifiers=identifiers,
        status=child.get_status_display(),
        comparisons=comparisons,
        identifier_clash=candidate.get("identifier_clash", ""),
        total_weight=explanation.get("total_weight"),
    )


@dataclass
class ReviewView:
    item: ReviewItem
    feed: ft.FeedType
    row: list[tuple[str, str]]
    candidates: list[CandidateView]


def access_review_item(*, actor: User, item_id: int) -> ReviewView:
    item = ReviewItem.objects.select_related("load", "load__agency", "decided_by").filter(pk=item_id).first()
    if item is None:
        raise Http404("No such row")
    require(actor, "feed.review", item)
    feed = ft.feed_type(item.load.feed_type)
    values = item.row["values"]
    candidates = [view for c in item.candidates if (view := _candidate_view(c, values)) is not None]
    audit_record(
        action="feed.review_viewed",
        actor=actor,
        target=item,
        details={"load": item.load_id, "line": item.line, "candidates": [str(c.child_id) for c in candidates]},
    )
    return ReviewView(
        item=item,
        feed=feed,
        row=[(c.name, str(values.get(c.name, ""))) for c in feed.columns if values.get(c.name)],
        candidates=candidates,
    )


def access_conflict(*, actor: User, conflict_id: int) -> tuple[Conflict, CandidateView | None]:
    conflict = Conflict.objects.select_related("load", "load__agency", "resolved_by").filter(pk=conflict_id).first()
    if conflict is None:
        raise Http404("No such conflict")
    require(actor, "feed.conflict_resolve", conflict)
    audit_record(action="feed.conflict_viewed", actor=actor, target=conflict, child_id=str(conflict.child_id))
    return conflict, _candidate_view({"child_id": str(conflict.child_id), "score": 1.0}, {})
