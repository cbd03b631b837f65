"""Reads of the directory.

Public reads (search, service pages, the ORUK API, the toolkit) need no actor: directory
entries describe services, not people, and the only rule is the inclusion gate in
`search.public_services()` (an organisation is listed once it has agreed to keep its
entries current). Reads for keeping the directory current go through policy.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from isahub.policy.engine import require

from . import oruk
from .models import (
    ChangeRequest,
    ChangeStatus,
    DirectoryOfficer,
    GlossaryAlias,
    GlossaryTerm,
    LinkCheck,
    LinkCheckResult,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceAttribute,
    Taxonomy,
    TaxonomyTerm,
    Vocabulary,
)
from .search import SearchOutcome, ServiceQuery, is_stale, public_services, search

SCHEMA_DIR = Path(__file__).parent / "oruk_schema"


# --- Public -----------------------------------------------------------------------------------


def directory_search(*, query: ServiceQuery) -> SearchOutcome:
    return search(query)


def services_in_order(ids: list, *, full: bool = False) -> list[Service]:
    services = public_services().filter(pk__in=ids)
    services = oruk.services_for_full(services) if full else oruk.services_for_list(services)
    found = {s.pk: s for s in services}
    return [found[pk] for pk in ids if pk in found]


def services_for_results(ids: list) -> list[Service]:
    """A page of search results, with what the results list shows."""
    services = (
        public_services()
        .filter(pk__in=ids)
        .select_related("organization")
        .prefetch_related(
            Prefetch("service_at_locations", queryset=ServiceAtLocation.objects.select_related("location")),
            "service_at_locations__location__addresses",
        )
    )
    found = {s.pk: s for s in services}
    return [found[pk] for pk in ids if pk in found]


def public_service_full(service_id: uuid.UUID | None) -> Service | None:
    if service_id is None:
        return None
    return oruk.services_for_full(public_services().filter(pk=service_id)).first()


def public_service_at_location(sal_id: uuid.UUID | None) -> ServiceAtLocation | None:
    if sal_id is None:
        return None
    return oruk.sals_for_full(ServiceAtLocation.objects.filter(pk=sal_id, service__in=public_services())).first()


def service_at_location_ids(service_ids: list) -> list:
    rank = {pk: i for i, pk in enumerate(service_ids)}
    rows = []
    for start in range(0, len(service_ids), 5000):  # SQLite allows 32,766 parameters a statement
        chunk = service_ids[start : start + 5000]
        rows += list(ServiceAtLocation.objects.filter(service_id__in=chunk).values_list("pk", "service_id"))
    return [pk for pk, service_id in sorted(rows, key=lambda r: (rank[r[1]], str(r[0])))]


def service_at_locations_in_order(ids: list) -> list[ServiceAtLocation]:
    found = {s.pk: s for s in ServiceAtLocation.objects.filter(pk__in=ids).select_related("location", "service__organization")}
    return [found[pk] for pk in ids if pk in found]


def taxonomies() -> QuerySet[Taxonomy]:
    return Taxonomy.objects.order_by("name", "id")


def taxonomy(taxonomy_id: uuid.UUID | None) -> Taxonomy | None:
    return Taxonomy.objects.filter(pk=taxonomy_id).first() if taxonomy_id else None


def taxonomy_terms(*, taxonomy_id: str | None = None) -> QuerySet[TaxonomyTerm]:
    terms = TaxonomyTerm.objects.select_related("taxonomy").order_by("taxonomy__name", "name", "id")
    return terms.filter(taxonomy_id=taxonomy_id) if taxonomy_id else terms


def taxonomy_term(term_id: uuid.UUID | None) -> TaxonomyTerm | None:
    return TaxonomyTerm.objects.select_related("taxonomy").filter(pk=term_id).first() if term_id else None


@lru_cache(maxsize=1)
def _openapi_text() -> str:
    return (SCHEMA_DIR / "openapi.json").read_text()


def oruk_openapi_document() -> dict[str, Any]:
    return json.loads(_openapi_text())


def vocabulary_terms(vocabulary: str) -> list[TaxonomyTerm]:
    return list(TaxonomyTerm.objects.filter(taxonomy__vocabulary=vocabulary).select_related("parent").order_by("name"))


def assessment_framework() -> list[tuple[TaxonomyTerm, list[TaxonomyTerm]]]:
    terms = list(TaxonomyTerm.objects.filter(taxonomy__vocabulary=Vocabulary.ASSESSMENT_FRAMEWORK).order_by("name"))
    domains = [t for t in terms if t.parent_id is None]
    return [(d, [t for t in terms if t.parent_id == d.pk]) for d in domains]


def letters_in_use() -> set[str]:
    return {name[:1].upper() for name in public_services().values_list("name", flat=True) if name}


def verify_after_days() -> int:
    return settings.ISAHUB_DIRECTORY_VERIFY_AFTER_DAYS


def service_is_stale(service: Service, *, today: dt.date | None = None) -> bool:
    return is_stale(service.last_verified_on, today=today or timezone.localdate(), after_days=verify_after_days())


@dataclass
class ServicePage:
    service: Service
    stale: bool
    types: list[TaxonomyTerm]
    needs: list[TaxonomyTerm]
    dimensions: list[TaxonomyTerm]
    same_kind: list[Service]  # other providers of the same kind of service (overlap, research DIR-9)


def service_page(service_id: uuid.UUID) -> ServicePage | None:
    service = public_service_full(service_id)
    if service is None:
        return None
    terms = [a.taxonomy_term for a in service.attributes.all()]
    types = [t for t in terms if t.taxonomy.vocabulary == Vocabulary.SERVICE_TYPE]
    same_kind = list(
        public_services()
        .filter(attributes__taxonomy_term__in=types)
        .exclude(organization_id=service.organization_id)
        .select_related("organization")
        .order_by("organization__name", "name")
        .distinct()[:20]
    )
    return ServicePage(
        service=service,
        stale=service_is_stale(service),
        types=types,
        needs=sorted((t for t in terms if t.taxonomy.vocabulary == Vocabulary.NEED), key=lambda t: t.name),
        dimensions=sorted((t for t in terms if t.taxonomy.vocabulary == Vocabulary.ASSESSMENT_FRAMEWORK), key=lambda t: t.name),
        same_kind=same_kind,
    )


def listed_organizations() -> QuerySet[Organization]:
    return (
        Organization.objects.filter(agreed_to_keep_current_on__isnull=False)
        .annotate(service_count=Count("services", filter=Q(services__in=public_services())))
        .order_by("name")
    )


def organization_page(organization_id: uuid.UUID) -> Organization | None:
    return (
        listed_organizations()
        .prefetch_related("roles", Prefetch("services", queryset=public_services().order_by("name")))
        .filter(pk=organization_id)
        .first()
    )


def glossary() -> list[GlossaryTerm]:
    return list(GlossaryTerm.objects.prefetch_related("aliases").order_by("term"))


def glossary_words() -> dict[str, GlossaryTerm]:
    """Every word the glossary explains (terms and other agencies' words), lower case."""
    words: dict[str, GlossaryTerm] = {}
    for term in GlossaryTerm.objects.all():
        words[term.term.lower()] = term
    for alias in GlossaryAlias.objects.select_related("term"):
        words[alias.word.lower()] = alias.term
    return words


# --- Needs to services ------------------------------------------------------------------------


@dataclass
class Suggestion:
    service: Service
    score: float
    why: list[str]
    distance_km: float | None


def suggest_services(*, need_id: str = "", dimension_id: str = "", postcode: str = "", age: int | None = None, limit: int = 10):
    """Services that could meet a need (or serve an Assessment Framework dimension) near an
    area, ranked. It suggests; it never refers: a practitioner chooses and refers."""
    from . import geo
    from .search import distances_from, filtered

    chosen = [t for t in (need_id, dimension_id) if t]
    terms = {t.pk: t for t in TaxonomyTerm.objects.filter(pk__in=[t for t in chosen if _uuid(t)]).select_related("taxonomy")}
    if not terms:
        return []
    wanted: dict = {}
    for term in terms.values():
        wanted[term.pk] = 3.0
        if term.taxonomy.vocabulary == Vocabulary.NEED:
            from .vocabularies import dimensions_of_need

            for dim in TaxonomyTerm.objects.filter(
                taxonomy__vocabulary=Vocabulary.ASSESSMENT_FRAMEWORK, name__in=dimensions_of_need(term.name)
            ):
                wanted.setdefault(dim.pk, 1.0)
        for child in term.children.all():
            wanted.setdefault(child.pk, 2.0)
    base = filtered(ServiceQuery(age=age))
    rows = ServiceAttribute.objects.filter(service__in=base, taxonomy_term_id__in=list(wanted)).values_list(
        "service_id", "taxonomy_term_id", "taxonomy_term__name"
    )
    scores: dict = {}
    why: dict = {}
    for service_id, term_id, name in rows:
        scores[service_id] = scores.get(service_id, 0.0) + wanted[term_id]
        why.setdefault(service_id, []).append(name)
    distances: dict = {}
    point = geo.postcode_point(postcode) if postcode else None
    if point:
        distances = distances_from(point, list(scores))
    for service_id in scores:
        km = distances.get(service_id)
        if km is not None:
            # Nearer is better: up to two points for being on the doorstep, none beyond 10 km.
            scores[service_id] += max(0.0, 2.0 * (1 - km / 10))
    services = {s.pk: s for s in public_services().filter(pk__in=list(scores)).select_related("organization")}
    ranked = sorted(services, key=lambda pk: (-scores[pk], distances.get(pk, float("inf")), services[pk].name))
    return [Suggestion(services[pk], round(scores[pk], 2), sorted(set(why[pk])), distances.get(pk)) for pk in ranked[:limit]]


def _uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# --- Keeping the directory current (signed in, through policy) ------------------------------------


def is_directory_officer(user) -> bool:
    return bool(user and user.is_authenticated and DirectoryOfficer.objects.filter(user=user).exists())


def services_managed_by(*, actor) -> QuerySet[Service]:
    from isahub.policy.rules.directory import directory_services_editable_by

    require(actor, "directory.manage")
    return directory_services_editable_by(actor).select_related("organization").order_by("organization__name", "name")


def service_for_editing(*, actor, service_id: uuid.UUID) -> Service:
    service = Service.objects.select_related("organization").filter(pk=service_id).first()
    require(actor, "directory.propose_change", service)
    assert service is not None  # the rule refuses a missing service
    return service


def pending_changes(*, actor) -> QuerySet[ChangeRequest]:
    require(actor, "directory.approve")
    return ChangeRequest.objects.filter(status=ChangeStatus.PENDING).select_related("service__organization", "requested_by")


def change_for_decision(*, actor, change_id: uuid.UUID) -> ChangeRequest:
    change = ChangeRequest.objects.select_related("service__organization", "requested_by").filter(pk=change_id).first()
    require(actor, "directory.approve", change)
    assert change is not None
    return change


def stale_services(*, today: dt.date | None = None) -> QuerySet[Service]:
    today = today or timezone.localdate()
    cutoff = today - dt.timedelta(days=verify_after_days())
    return Service.objects.filter(Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=cutoff)).exclude(status="defunct")


def broken_links() -> QuerySet[LinkCheck]:
    return LinkCheck.objects.exclude(result=LinkCheckResult.OK).select_related("service", "organization")
