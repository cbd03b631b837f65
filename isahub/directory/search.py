"""Public directory search: keywords (stemmed, typo tolerant), filters that combine, and
nearest-first ordering by postcode. Portable: plain indexed tables on SQLite and PostgreSQL.

How a keyword search works:
1. the query is split into stems (text.py), as the services' words were when indexed;
2. a stem nobody's entry contains is looked up in the vocabulary of indexed stems with
   rapidfuzz (similarity >= TYPO_SCORE) and replaced by its nearest few ("conselling" ->
   "counsel"); a stem with no near neighbour is kept, so it finds nothing and says so;
3. a service matches when every query word (or one of its replacements) is among its
   tokens; it scores the sum of the matched tokens' weights (name 5, type/need 3,
   organisation 2, description 1), exact words scoring above typo replacements.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Q, QuerySet
from rapidfuzz import fuzz, process

from . import geo, text
from .models import PUBLIC_STATUSES, Service, ServiceAtLocation, ServiceToken, TaxonomyTerm

TYPO_SCORE = 80
TYPO_ALTERNATIVES = 3
VOCABULARY_CACHE_KEY = "directory:vocabulary"
VOCABULARY_CACHE_SECONDS = 300


def public_services() -> QuerySet[Service]:
    """What the public may see: services of organisations that agreed to keep their entries
    current, and not closed for good. Directory entries hold no personal data."""
    return Service.objects.filter(organization__agreed_to_keep_current_on__isnull=False, status__in=PUBLIC_STATUSES)


@dataclass
class ServiceQuery:
    keywords: str = ""
    terms: list[str] = field(default_factory=list)  # taxonomy term ids: service types, needs, AF domains/dimensions
    age: int | None = None
    minimum_age: int | None = None
    maximum_age: int | None = None
    postcode: str = ""
    within_km: float | None = None
    letter: str = ""
    organization_id: str = ""
    taxonomy_id: str = ""  # any term of this taxonomy


@dataclass
class SearchOutcome:
    ids: list  # service ids, in result order
    distances_km: dict = field(default_factory=dict)  # service id -> km to its nearest location
    postcode_found: bool | None = None  # None when no postcode was asked for
    corrected: dict = field(default_factory=dict)  # a query stem -> the stems it was read as


def vocabulary() -> list[str]:
    words = cache.get(VOCABULARY_CACHE_KEY)
    if words is None:
        words = sorted(set(ServiceToken.objects.values_list("token", flat=True).distinct()))
        cache.set(VOCABULARY_CACHE_KEY, words, VOCABULARY_CACHE_SECONDS)
    return words


def forget_vocabulary() -> None:
    cache.delete(VOCABULARY_CACHE_KEY)


def expand(stems: list[str]) -> tuple[list[dict[str, float]], dict[str, list[str]]]:
    """Each query stem -> {indexed stem: how much it counts}; plus what was corrected."""
    known = vocabulary()
    known_set = set(known)
    groups: list[dict[str, float]] = []
    corrected: dict[str, list[str]] = {}
    for word in stems:
        alternatives: dict[str, float] = {}
        if word in known_set:
            alternatives[word] = 1.0
        # A prefix of a longer stem ("counsel" for "counselling" typed as "counsel") counts too.
        if len(word) >= 4:
            for candidate in known:
                if candidate != word and candidate.startswith(word):
                    alternatives.setdefault(candidate, 0.8)
        if not alternatives and len(word) >= 4:
            for candidate, score, _ in process.extract(
                word, known, scorer=fuzz.ratio, score_cutoff=TYPO_SCORE, limit=TYPO_ALTERNATIVES
            ):
                alternatives[candidate] = score / 100 * 0.7
            if alternatives:
                corrected[word] = list(alternatives)
        groups.append(alternatives or {word: 1.0})
    return groups, corrected


def _term_and_descendants(term_ids: list[str]) -> dict[str, set]:
    """Selected terms grouped by taxonomy: within a taxonomy any selected term will do (OR),
    across taxonomies all must hold (AND). A domain stands for its dimensions."""
    chosen = list(TaxonomyTerm.objects.filter(pk__in=term_ids).values_list("pk", "taxonomy_id"))
    groups: dict[str, set] = defaultdict(set)
    for pk, taxonomy_id in chosen:
        groups[str(taxonomy_id)].add(pk)
        frontier = [pk]
        while frontier:
            children = list(TaxonomyTerm.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            groups[str(taxonomy_id)].update(children)
            frontier = children
    return groups


def filtered(query: ServiceQuery, base: QuerySet[Service] | None = None) -> QuerySet[Service]:
    services = public_services() if base is None else base
    if query.terms:
        valid = [t for t in query.terms if _is_uuid(t)]
        groups = _term_and_descendants(valid)
        if not groups:
            return services.none()
        for term_ids in groups.values():
            services = services.filter(pk__in=_attribute_service_ids(term_ids))
    if query.taxonomy_id:
        if not _is_uuid(query.taxonomy_id):
            return services.none()
        from .models import ServiceAttribute

        services = services.filter(
            pk__in=ServiceAttribute.objects.filter(taxonomy_term__taxonomy_id=query.taxonomy_id).values("service_id")
        )
    if query.age is not None:
        services = services.filter(Q(minimum_age__isnull=True) | Q(minimum_age__lte=query.age))
        services = services.filter(Q(maximum_age__isnull=True) | Q(maximum_age__gte=query.age))
    # The standard's minimum_age / maximum_age: services open to someone of that age bound.
    if query.minimum_age is not None:
        services = services.filter(Q(maximum_age__isnull=True) | Q(maximum_age__gte=query.minimum_age))
    if query.maximum_age is not None:
        services = services.filter(Q(minimum_age__isnull=True) | Q(minimum_age__lte=query.maximum_age))
    if query.letter:
        services = services.filter(name__istartswith=query.letter)
    if query.organization_id and _is_uuid(query.organization_id):
        services = services.filter(organization_id=query.organization_id)
    return services


def _attribute_service_ids(term_ids: set) -> QuerySet:
    from .models import ServiceAttribute

    return ServiceAttribute.objects.filter(taxonomy_term_id__in=term_ids).values("service_id")


def search(query: ServiceQuery, base: QuerySet[Service] | None = None) -> SearchOutcome:
    services = filtered(query, base)
    outcome = SearchOutcome(ids=[])
    scores: dict = {}
    stems = text.stems(query.keywords)
    if stems:
        groups, outcome.corrected = expand(stems)
        for alternatives in groups:
            services = services.filter(pk__in=ServiceToken.objects.filter(token__in=list(alternatives)).values("service_id"))
        wanted: dict[str, float] = {}
        for alternatives in groups:
            for token, factor in alternatives.items():
                wanted[token] = max(wanted.get(token, 0), factor)
        # Subqueries, not lists of ids: the candidates may be thousands.
        names = dict(services.values_list("pk", "name"))
        scores = dict.fromkeys(names, 0.0)
        rows = ServiceToken.objects.filter(service_id__in=services.values("pk"), token__in=list(wanted)).values_list(
            "service_id", "token", "weight"
        )
        for service_id, token, weight in rows:
            scores[service_id] += weight * wanted[token]
        ordered = sorted(names, key=lambda pk: (-scores[pk], names[pk].lower()))
    else:
        ordered = list(services.order_by("name", "pk").values_list("pk", flat=True))

    if query.postcode.strip():
        point = geo.postcode_point(query.postcode)
        outcome.postcode_found = point is not None
        if point is None:
            return outcome
        district = geo.district_of(query.postcode)
        if district:
            not_covered = services_not_covering(district, services.values("pk"))
            ordered = [pk for pk in ordered if pk not in not_covered]
        outcome.distances_km = distances_from(point, services.values("pk"))
        if query.within_km is not None:
            ordered = [pk for pk in ordered if outcome.distances_km.get(pk, float("inf")) <= query.within_km]
        rank = {pk: i for i, pk in enumerate(ordered)}
        # Nearest first; equal distances keep relevance (or name) order; no location last.
        ordered.sort(key=lambda pk: (outcome.distances_km.get(pk, float("inf")), rank[pk]))
    outcome.ids = ordered
    return outcome


def services_not_covering(district: str, service_ids) -> set:
    """Services whose areas covered are all postcode districts, none of them this one (the
    standard's rule: with a postcode, only services whose service area holds it). A service
    with no area, or an area that is not a district (the borough), covers everywhere."""
    from .models import ServiceArea

    districts: dict = {}
    wide: set = set()
    for service_id, name in ServiceArea.objects.filter(service_id__in=service_ids).values_list("service_id", "name"):
        code = name.strip().upper()
        if geo.OUTWARD.match(code):
            districts.setdefault(service_id, set()).add(code)
        else:
            wide.add(service_id)
    return {pk for pk, codes in districts.items() if pk not in wide and district not in codes}


def distances_from(point: tuple[float, float], service_ids) -> dict:
    """km from the point to each service's nearest location; `service_ids` is a list or a subquery."""
    nearest: dict = {}
    rows = ServiceAtLocation.objects.filter(
        service_id__in=service_ids, location__latitude__isnull=False, location__longitude__isnull=False
    ).values_list("service_id", "location__latitude", "location__longitude")
    for service_id, lat, lon in rows:
        if lat is None or lon is None:
            continue
        km = geo.haversine_km(point[0], point[1], lat, lon)
        if km < nearest.get(service_id, float("inf")):
            nearest[service_id] = km
    return nearest


def is_stale(last_verified_on: dt.date | None, *, today: dt.date, after_days: int) -> bool:
    return last_verified_on is None or (today - last_verified_on).days > after_days


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
