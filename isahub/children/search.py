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
from isahub.policy.engine import require
from isahub.profiles.loader import current_profile

from . import matching
from .indexing import match_records_following_merges
from .models import Child, ChildAddress, ChildName, HiddenRecordProbe, NameKind, RecordStatus, SearchKey

CANDIDATE_CAP = 500
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


def candidate_ids(query: matching.Query, *, cap: int = CANDIDATE_CAP) -> list[UUID]:
    """Children sharing a key with the query: the specific keys first, the broad fall-backs
    only while under the cap. Each tier is one indexed `key IN (...)` lookup."""
    found: dict[UUID, None] = {}
    for tier in matching.query_key_tiers(query):
        if not tier or len(found) >= cap:
            continue
        for child_id in SearchKey.objects.filter(key__in=tier).values_list("child_id", flat=True)[: cap * 4]:
            found.setdefault(child_id, None)
    return list(found)[:cap]


def child_search(*, actor: User, criteria: SearchCriteria) -> SearchOutcome:
    require(actor, "child.search")
    check_minimum(criteria, actor=actor)
    profile = current_profile()
    query = _query(criteria)
    ids = candidate_ids(query)
    records = match_records_following_merges(ids)
    statuses = dict(Child.objects.filter(pk__in=ids).values_list("pk", "status"))
    scored = cast(list[tuple[float, UUID]], matching.rank(query, records.items()))
    matches = [(s, cid) for s, cid in scored if s >= profile.search_min_score]
    hidden = [cid for _, cid in matches if statuses.get(cid) == RecordStatus.HIDDEN]
    shown = [(s, cid) for s, cid in matches if statuses.get(cid) == RecordStatus.ACTIVE]
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
