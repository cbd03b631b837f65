"""The Open Referral UK 3.0 API at /api/oruk/: read-only, public, cacheable, rate-limited.

Plain Django views (not the /api/v1 Ninja instance, whose every operation needs a token):
each parses its query, asks the directory's selectors, and writes the standard's JSON.
Errors have one shape: {"status": 404, "error": "Not Found", "message": "..."}.
Directory entries hold no personal data, so reads are not audited (docs/directory.md).
"""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control, patch_vary_headers

from . import oruk, selectors
from .search import ServiceQuery

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
CACHE_SECONDS = 300
REASONS = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests"}


class BadQuery(ValueError):
    pass


def error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"status": status, "error": REASONS.get(status, "Error"), "message": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def oruk_endpoint(view: Callable) -> Callable:
    """Public, GET/HEAD only, rate-limited per address, cacheable with an ETag."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = error(405, "This API is read-only.")
            response["Allow"] = "GET, HEAD"
            return response
        limit = settings.ISAHUB_ORUK_RATE_LIMIT_PER_MINUTE
        window = int(time.time() // 60)
        key = f"oruk-rate:{_client_address(request)}:{window}"
        cache.add(key, 0, timeout=61)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=61)
            count = 1
        if count > limit:
            response = error(429, f"More than {limit} requests a minute from one address: please slow down.")
            response["Retry-After"] = str(60 - int(time.time()) % 60)
            return response
        try:
            response = view(request, *args, **kwargs)
        except BadQuery as problem:
            return error(400, str(problem))
        if response.status_code == 200:
            etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
            response["ETag"] = etag
            patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
            patch_vary_headers(response, ["Accept"])
            if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
                not_modified = HttpResponse(status=304)
                for header in ("ETag", "Cache-Control", "Vary"):
                    not_modified[header] = response[header]
                return not_modified
        response["X-RateLimit-Limit"] = str(limit)
        response["X-RateLimit-Remaining"] = str(max(0, limit - count))
        return response

    return login_not_required(wrapper)


def _json(data) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _int(request: HttpRequest, name: str, *, default: int | None = None, minimum: int | None = None) -> int | None:
    raw = request.GET.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadQuery(f"{name} must be a whole number.") from None
    if minimum is not None and value < minimum:
        raise BadQuery(f"{name} must be at least {minimum}.")
    return value


def _paging(request: HttpRequest) -> tuple[int, int]:
    page = _int(request, "page", default=1, minimum=1)
    per_page = _int(request, "per_page", default=DEFAULT_PER_PAGE, minimum=1)
    assert page is not None and per_page is not None
    return page, min(per_page, MAX_PER_PAGE)


def page_of(items: list, total: int, page: int, per_page: int) -> dict:
    total_pages = math.ceil(total / per_page) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": len(items),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": len(items) == 0,
        "contents": items,
    }


def _uuid_or_404(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _service_query(request: HttpRequest) -> ServiceQuery:
    terms = [t for t in request.GET.getlist("taxonomy_term_id") if t]
    taxonomy_id = request.GET.get("taxonomy_id", "").strip()
    query = ServiceQuery(
        keywords=(request.GET.get("text") or request.GET.get("search") or "").strip(),
        terms=terms,
        minimum_age=_int(request, "minimum_age", minimum=0),
        maximum_age=_int(request, "maximum_age", minimum=0),
        postcode=request.GET.get("postcode", "").strip(),
        taxonomy_id=taxonomy_id,
    )
    for term in terms:
        if _uuid_or_404(term) is None:
            raise BadQuery("taxonomy_term_id must be a UUID.")
    if taxonomy_id and _uuid_or_404(taxonomy_id) is None:
        raise BadQuery("taxonomy_id must be a UUID.")
    proximity = _int(request, "proximity", minimum=1)
    if proximity is not None:
        if not query.postcode:
            raise BadQuery("proximity needs a postcode.")
        query.within_km = proximity / 1000
    return query


def _searched_ids(request: HttpRequest) -> list:
    query = _service_query(request)
    outcome = selectors.directory_search(query=query)
    if outcome.postcode_found is False:
        raise BadQuery("That postcode is not known to this directory.")
    return outcome.ids


@oruk_endpoint
def root(request: HttpRequest) -> HttpResponse:
    return _json(
        {"version": oruk.VERSION, "profile": oruk.PROFILE, "openapi_url": request.build_absolute_uri("/api/oruk/openapi.json")}
    )


@oruk_endpoint
def openapi(request: HttpRequest) -> HttpResponse:
    return _json(selectors.oruk_openapi_document())


@oruk_endpoint
def services(request: HttpRequest) -> HttpResponse:
    page, per_page = _paging(request)
    ids = _searched_ids(request)
    chosen = ids[(page - 1) * per_page : page * per_page]
    items = selectors.services_in_order(chosen, full=False)
    return _json(page_of([oruk.service_list_item(s) for s in items], len(ids), page, per_page))


@oruk_endpoint
def service(request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002 - the standard's name
    found = selectors.public_service_full(_uuid_or_404(id))
    if found is None:
        return error(404, "No service has that id.")
    return _json(oruk.service_full(found))


@oruk_endpoint
def taxonomies(request: HttpRequest) -> HttpResponse:
    page, per_page = _paging(request)
    everything = selectors.taxonomies()
    chosen = everything[(page - 1) * per_page : page * per_page]
    return _json(page_of([oruk.taxonomy(t) for t in chosen], everything.count(), page, per_page))


@oruk_endpoint
def taxonomy(request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002
    found = selectors.taxonomy(_uuid_or_404(id))
    if found is None:
        return error(404, "No taxonomy has that id.")
    return _json(oruk.taxonomy(found))


@oruk_endpoint
def taxonomy_terms(request: HttpRequest) -> HttpResponse:
    page, per_page = _paging(request)
    taxonomy_id = request.GET.get("taxonomy_id", "").strip()
    if taxonomy_id and _uuid_or_404(taxonomy_id) is None:
        raise BadQuery("taxonomy_id must be a UUID.")
    everything = selectors.taxonomy_terms(taxonomy_id=taxonomy_id or None)
    chosen = everything[(page - 1) * per_page : page * per_page]
    return _json(page_of([oruk.taxonomy_term(t) for t in chosen], everything.count(), page, per_page))


@oruk_endpoint
def taxonomy_term(request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002
    found = selectors.taxonomy_term(_uuid_or_404(id))
    if found is None:
        return error(404, "No taxonomy term has that id.")
    return _json(oruk.taxonomy_term(found))


@oruk_endpoint
def service_at_locations(request: HttpRequest) -> HttpResponse:
    page, per_page = _paging(request)
    ids = _searched_ids(request)
    sal_ids = selectors.service_at_location_ids(ids)
    chosen = sal_ids[(page - 1) * per_page : page * per_page]
    items = selectors.service_at_locations_in_order(chosen)
    return _json(page_of([oruk.sal_list_item(s) for s in items], len(sal_ids), page, per_page))


@oruk_endpoint
def service_at_location(request: HttpRequest, id: str) -> HttpResponse:  # noqa: A002
    found = selectors.public_service_at_location(_uuid_or_404(id))
    if found is None:
        return error(404, "No service at a location has that id.")
    return _json(oruk.sal_full(found))
