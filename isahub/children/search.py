"""Searching the index: find the child, never browse.

Candidates come from blocking keys (B-tree lookups), are capped, scored by the matcher and
ranked. Too many good matches means "refine your search"; hidden records never appear,
but a search that would have matched one is counted and, past a threshold, reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import cast
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from isahub.accounts.models import Role, User
from isahub.audit.services import audit_record
from isahub.messaging.services import notify
from isahub.policy import inclusion
from isahub.policy.engine import require
from isahub.profiles.loader import current_profile

from . import matching
from .indexing import match_records_following_merges
from .models import Child, ChildAddress, ChildName, HiddenRecordProbe, NameKind, SearchKey

CANDIDATE_CAP = 500
# Tier 1's broad keys are looked up only when tier 0's best visible match scores below this.
FALLBACK_BELOW = 0.8
FIELD_LABELS = {
    "surname": "surname",
    "forename": "first name",
    "date_of_birth": "date of birth",
    "sex": "sex",
    "postcode": "postcode",
}
PROBE_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class SearchCriteria:
    surname: str = ""
    forename: str = ""
    date_of_birth: dt.date | None = None
    sex: str = ""
    postcode: str = ""

    def given(self) -> set[str]:
        return {name for name, value in asdict(self).items() if value not in ("", None)}

    def for_audit(self) -> dict:
        return {name: str(value) for name, value in asdict(self).items() if value not in ("", None)}


@dataclass(frozen=True)
class SearchResult:
    child_id: str
    name: str
    date_of_birth: dt.date
    postcode_district: str
    town: str
    score: float


@dataclass(frozen=True)
class SearchOutcome:
    status: str  # "ok" | "refine"
    results: tuple[SearchResult, ...]
    message: str = ""


class BelowMinimum(ValidationError):
    pass


def describe_minimums(minimums: list[list[str]]) -> str:
    return ", or ".join(" and ".join(FIELD_LABELS[f] for f in option) for option in minimums)


def check_minimum(criteria: SearchCriteria, *, actor: User) -> None:
    profile = current_profile()
    minimums = profile.search_minimums(profile.access_level_for(actor.role))
    given = criteria.given()
    if not any(set(option) <= given for option in minimums):
        closest = min(minimums, key=lambda option: len(set(option) - given))
        missing = [FIELD_LABELS[f] for f in closest if f not in given]
        raise BelowMinimum(
            f"Enter at least the {describe_minimums(minimums)}. Missing: {', '.join(missing)}.",
            params={"missing": [f for f in closest if f not in given]},
        )


def _query(criteria: SearchCriteria) -> matching.Query:
    return matching.Query(
        surname=criteria.surname,
        forename=criteria.forename,
        date_of_birth=criteria.date_of_birth,
        sex=criteria.sex,
        postcode=criteria.postcode,
    )


def close_matches(scored: list[tuple[float, UUID]], *, min_score: float, close_to_best: float) -> list[tuple[float, UUID]]:
    """The matches a search answers with (best first): from `min_score` up, and no further below
    the best than `close_to_best`. A strong match is not lost in "refine" because weaker ones
    also cleared the threshold; more close matches than the profile allows still means refine."""
    above = [(s, cid) for s, cid in scored if s >= min_score]
    return [(s, cid) for s, cid in above if s >= above[0][0] - close_to_best] if above else []


def candidate_ids(keys: list[str], *, cap: int = CANDIDATE_CAP, exclude: frozenset = frozenset()) -> list[UUID]:
    """Children sharing one of these keys, at most `cap` of them: one indexed `key IN (...)` lookup."""
    found: dict[UUID, None] = {}
    for child_id in SearchKey.objects.filter(key__in=keys).values_list("child_id", flat=True)[: (cap + len(exclude)) * 4]:
        if child_id not in exclude:
            found.setdefault(child_id, None)
    return list(found)[:cap]


def _scored_candidates(query: matching.Query) -> tuple[list[UUID], list[tuple[float, UUID]], dict[UUID, str]]:
    """The candidates, ranked, with whether each is shown, hidden or absent (policy.inclusion).
    The specific keys (tier 0) first; the broad fall-backs (tier 1) only when tier 0 found no
    child the user may see scoring at least FALLBACK_BELOW, so the common search stays a single
    small lookup (docs/search.md)."""
    tier0, tier1 = matching.query_key_tiers(query)
    ids = candidate_ids(tier0)
    records = match_records_following_merges(ids)
    where = inclusion.presence_by_id(Child.objects.filter(pk__in=ids).values_list("pk", "status"))
    scored = cast(list[tuple[float, UUID]], matching.rank(query, records.items()))
    best_shown = next((s for s, cid in scored if where.get(cid) == inclusion.SHOWN), 0.0)
    if tier1 and len(ids) < CANDIDATE_CAP and best_shown < FALLBACK_BELOW:
        more = candidate_ids(tier1, cap=CANDIDATE_CAP - len(ids), exclude=frozenset(ids))
        if more:
            ids += more
            records.update(match_records_following_merges(more))
            where.update(inclusion.presence_by_id(Child.objects.filter(pk__in=more).values_list("pk", "status")))
            scored = cast(list[tuple[float, UUID]], matching.rank(query, records.items()))
    return ids, scored, where


def child_search(*, actor: User, criteria: SearchCriteria) -> SearchOutcome:
    require(actor, "child.search")
    check_minimum(criteria, actor=actor)
    profile = current_profile()
    query = _query(criteria)
    ids, scored, where = _scored_candidates(query)
    matches = [(s, cid) for s, cid in scored if s >= profile.search_min_score]
    hidden = [cid for _, cid in matches if where.get(cid) == inclusion.HIDDEN]
    # Closeness is judged among the records the user may see, so a hidden record's score never
    # changes which visible children are shown.
    shown = close_matches(
        [(s, cid) for s, cid in matches if where.get(cid) == inclusion.SHOWN],
        min_score=profile.search_min_score,
        close_to_best=profile.search_close_to_best,
    )
    with transaction.atomic():
        _count_probes(actor, hidden)
        if len(shown) > profile.search_max_results:
            outcome = SearchOutcome(
                "refine",
                (),
                "More than one child matches closely. Add more details, such as the first name or postcode."
                if profile.search_max_results == 1
                else "Too many children match. Add more details to narrow the search.",
            )
        else:
            outcome = SearchOutcome("ok", tuple(_results(shown)))
        audit_record(
            action="child.searched",
            actor=actor,
            details={
                "criteria": criteria.for_audit(),
                "status": outcome.status,
                "results": len(outcome.results),
                "candidates": len(ids),
            },
        )
    return outcome


def _results(shown: list[tuple[float, UUID]]) -> list[SearchResult]:
    """Only what identifies the child: name, date of birth and a partial address."""
    ids = [cid for _, cid in shown]
    names = {
        child_id: f"{given} {family}".strip()
        for child_id, given, family in ChildName.objects.filter(
            child_id__in=ids, kind=NameKind.LEGAL, valid_to__isnull=True
        ).values_list("child_id", "given_names", "family_name")
    }
    places = {
        child_id: (postcode, town)
        for child_id, postcode, town in ChildAddress.objects.filter(child_id__in=ids, valid_to__isnull=True)
        .order_by("-valid_from")
        .values_list("child_id", "postcode", "town")
    }
    births = dict(Child.objects.filter(pk__in=ids).values_list("pk", "date_of_birth"))
    return [
        SearchResult(
            child_id=str(cid),
            name=names.get(cid, ""),
            date_of_birth=births[cid],
            postcode_district=matching.postcode_district(places[cid][0]) if cid in places else "",
            town=places.get(cid, ("", ""))[1],
            score=round(score, 3),
        )
        for score, cid in shown
    ]


def _count_probes(actor: User, hidden_ids: list[UUID]) -> None:
    if not hidden_ids:
        return
    now = timezone.now()
    threshold = current_profile().alert_threshold("hidden_record_probe_threshold")
    for child_id in hidden_ids:
        HiddenRecordProbe.objects.create(child_id=child_id, searched_by=actor, searched_at=now)
        recent = HiddenRecordProbe.objects.filter(child_id=child_id, searched_at__gte=now - PROBE_WINDOW, reported=False)
        if recent.count() >= threshold:
            recent.update(reported=True)
            audit_record(
                action="child.hidden_probes_reported", actor=actor, child_id=str(child_id), details={"probes": threshold}
            )
            for member in User.objects.filter(role=Role.CENTRAL_TEAM, is_active=True):
                notify(
                    recipient=member,
                    kind="hidden_probes",
                    text=(
                        f"{threshold} searches in the last 30 days matched a hidden record "
                        f"(reference {str(child_id)[:8]}). Check the audit trail."
                    ),
                    email_subject="isahub: repeated searches for a hidden record",
                )
