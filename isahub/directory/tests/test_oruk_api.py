"""The Open Referral UK API: every endpoint's responses validate against the standard's
compiled schemas (with formats checked), paging behaves at its edges, unknown ids are 404s
in one error shape, and the API is public, read-only, cacheable and rate-limited."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from jsonschema import Draft202012Validator, FormatChecker

from isahub.directory.models import Service, ServiceAtLocation, Taxonomy, TaxonomyTerm, Vocabulary

from .factories import make_org, make_service

SCHEMAS = Path(__file__).resolve().parents[1] / "oruk_schema"
FORMATS = FormatChecker()


@FORMATS.checks("uri", raises=ValueError)
def _uri(value) -> bool:
    parts = urlsplit(value)
    if not (parts.scheme and parts.netloc):
        raise ValueError(f"{value!r} is not an absolute URI")
    return True


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    dt.datetime.fromisoformat(value)
    return True


def _validator(relative: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / relative).read_text())
    schema.pop("$schema", None)
    return Draft202012Validator(schema, format_checker=FORMATS)


SERVICE = _validator("compiled/service.json")
SERVICE_LIST = _validator("compiled/service_list.json")
SAL = _validator("compiled/service_at_location.json")
SAL_LIST = _validator("compiled/service_at_location_list.json")
TAXONOMY = _validator("taxonomy.json")
TERM = _validator("taxonomy_term.json")
PAGE_SCHEMA = json.loads((SCHEMAS / "openapi.json").read_text())["components"]["schemas"]["Page"]
PAGE = Draft202012Validator(
    {
        **PAGE_SCHEMA,
        "required": [*PAGE_SCHEMA["properties"], "contents"],
        "properties": {**PAGE_SCHEMA["properties"], "contents": {"type": "array"}},
    }
)
ROOT_SCHEMA = Draft202012Validator(
    json.loads((SCHEMAS / "openapi.json").read_text())["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"
    ],
    format_checker=FORMATS,
)
ERROR = Draft202012Validator(
    {
        "type": "object",
        "required": ["status", "error", "message"],
        "properties": {"status": {"type": "integer"}, "error": {"type": "string"}, "message": {"type": "string"}},
        "additionalProperties": False,
    }
)


def valid(validator: Draft202012Validator, data) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]
    assert not errors, errors[:10]


def get(path: str, client: Client | None = None, **headers):
    return (client or Client()).get(path, **headers)


def page(path: str, item: Draft202012Validator) -> dict:
    response = get(path)
    assert response.status_code == 200, (path, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    valid(PAGE, body)
    for entry in body["contents"]:
        valid(item, entry)
    return body


pytestmark = pytest.mark.django_db


def test_root_gives_version_and_profile(directory):
    body = get("/api/oruk/").json()
    valid(ROOT_SCHEMA, body)
    assert body["version"] == "3.0" and body["openapi_url"].endswith("/api/oruk/openapi.json")
    assert get("/api/oruk/openapi.json").json()["info"]["title"] == "Open Referral UK Profile"


def test_services_list_validates_and_pages(directory):
    public = Service.objects.filter(
        organization__agreed_to_keep_current_on__isnull=False, status__in=["active", "temporarily closed"]
    )
    first = page("/api/oruk/services?per_page=10", SERVICE_LIST)
    assert first["total_items"] == public.count() > 10
    assert first["page_number"] == 1 and first["first_page"] and not first["last_page"] and first["size"] == 10
    assert first["total_pages"] == -(-first["total_items"] // 10)
    last = page(f"/api/oruk/services?per_page=10&page={first['total_pages']}", SERVICE_LIST)
    assert last["last_page"] and not last["first_page"] and last["size"] == first["total_items"] - 10 * (first["total_pages"] - 1)
    # Every service appears exactly once across the pages.
    seen = []
    for number in range(1, first["total_pages"] + 1):
        seen += [s["id"] for s in page(f"/api/oruk/services?per_page=10&page={number}", SERVICE_LIST)["contents"]]
    assert len(seen) == len(set(seen)) == first["total_items"]


def test_paging_edges(directory):
    total = page("/api/oruk/services", SERVICE_LIST)["total_items"]
    beyond = page("/api/oruk/services?page=999", SERVICE_LIST)
    assert beyond["contents"] == [] and beyond["empty"] and beyond["size"] == 0 and beyond["total_items"] == total
    assert beyond["last_page"] and not beyond["first_page"] and beyond["page_number"] == 999
    one = page("/api/oruk/services?per_page=1", SERVICE_LIST)
    assert one["size"] == 1 and one["total_pages"] == total
    capped = page("/api/oruk/services?per_page=100000", SERVICE_LIST)
    assert capped["size"] == min(total, 200)
    nothing = page("/api/oruk/services?text=zzzzqqqq", SERVICE_LIST)
    assert nothing["total_items"] == 0 and nothing["total_pages"] == 0 and nothing["empty"]
    assert nothing["first_page"] and nothing["last_page"]
    for bad in ("page=0", "page=-1", "page=two", "per_page=0", "minimum_age=old", "taxonomy_term_id=not-a-uuid", "proximity=500"):
        response = get(f"/api/oruk/services?{bad}")
        assert response.status_code == 400, bad
        valid(ERROR, response.json())


def test_every_full_service_validates(directory):
    for service in Service.objects.filter(organization__agreed_to_keep_current_on__isnull=False, status="active")[:40]:
        body = get(f"/api/oruk/services/{service.pk}").json()
        valid(SERVICE, body)
        assert body["id"] == str(service.pk)
        assert body["organization"]["id"] == str(service.organization_id)
        assert body["service_at_locations"] and body["service_at_locations"][0]["location"]["addresses"]
        assert body["languages"][0]["name"] == "English"
        assert any(a["taxonomy_term"]["taxonomy"] == "isahub needs" for a in body["attributes"])


def test_unknown_and_unlisted_ids_are_404_in_the_error_shape(directory):
    hidden = make_service(make_org("Not Agreed Yet", agreed=False), "Hidden service")
    for path in (
        f"/api/oruk/services/{uuid.uuid4()}",
        "/api/oruk/services/not-a-uuid",
        f"/api/oruk/services/{hidden.pk}",
        f"/api/oruk/taxonomies/{uuid.uuid4()}",
        f"/api/oruk/taxonomy_terms/{uuid.uuid4()}",
        f"/api/oruk/service_at_locations/{uuid.uuid4()}",
        "/api/oruk/service_at_locations/123",
    ):
        response = get(path)
        assert response.status_code == 404, path
        body = response.json()
        valid(ERROR, body)
        assert body["status"] == 404 and body["error"] == "Not Found"


def test_taxonomies_and_terms_validate(directory):
    taxonomies = page("/api/oruk/taxonomies", TAXONOMY)
    assert {t["name"] for t in taxonomies["contents"]} >= {"Assessment Framework", "isahub needs", "isahub service types"}
    terms = page("/api/oruk/taxonomy_terms?per_page=200", TERM)
    assert terms["total_items"] == TaxonomyTerm.objects.count()
    dimension = TaxonomyTerm.objects.get(taxonomy__vocabulary=Vocabulary.ASSESSMENT_FRAMEWORK, name="Housing")
    assert any(t["id"] == str(dimension.pk) and t["parent_id"] == str(dimension.parent_id) for t in terms["contents"])
    one = get(f"/api/oruk/taxonomy_terms/{dimension.pk}").json()
    valid(TERM, one)
    taxonomy = Taxonomy.objects.get(vocabulary=Vocabulary.NEED)
    valid(TAXONOMY, get(f"/api/oruk/taxonomies/{taxonomy.pk}").json())
    only_needs = page(f"/api/oruk/taxonomy_terms?taxonomy_id={taxonomy.pk}", TERM)
    assert only_needs["total_items"] == taxonomy.terms.count()


def test_service_at_locations_validate(directory):
    listing = page("/api/oruk/service_at_locations?per_page=25", SAL_LIST)
    assert listing["total_items"] >= 25
    for entry in listing["contents"][:10]:
        full = get(f"/api/oruk/service_at_locations/{entry['id']}").json()
        valid(SAL, full)
        assert full["location"]["id"] == entry["location_id"] and full["service"]["id"] == entry["service_id"]


def test_filters_text_taxonomy_age_and_postcode(directory):
    counselling = page("/api/oruk/services?text=counselling", SERVICE_LIST)
    assert counselling["total_items"] and all(
        "ounsel" in s["name"] or "ounsel" in s.get("description", "") for s in counselling["contents"]
    )
    assert page("/api/oruk/services?search=counselling", SERVICE_LIST)["total_items"] == counselling["total_items"]
    term = TaxonomyTerm.objects.get(taxonomy__vocabulary=Vocabulary.SERVICE_TYPE, name="Health visiting")
    typed = page(f"/api/oruk/services?taxonomy_term_id={term.pk}", SERVICE_LIST)
    assert typed["total_items"] == Service.objects.filter(attributes__taxonomy_term=term).count() > 0
    needs = Taxonomy.objects.get(vocabulary=Vocabulary.NEED)
    assert page(f"/api/oruk/services?taxonomy_id={needs.pk}", SERVICE_LIST)["total_items"] > 0
    teenagers = page("/api/oruk/services?minimum_age=15&maximum_age=16&per_page=200", SERVICE_LIST)
    for s in teenagers["contents"]:
        assert s.get("maximum_age", 99) >= 15 and s.get("minimum_age", 0) <= 16
    babies = page("/api/oruk/services?maximum_age=0&per_page=200", SERVICE_LIST)
    assert all(s.get("minimum_age", 0) == 0 for s in babies["contents"])
    near = page("/api/oruk/services?postcode=NB1%202LP&proximity=1500&per_page=200", SERVICE_LIST)
    everywhere = page("/api/oruk/services?postcode=NB1%202LP&per_page=200", SERVICE_LIST)
    assert 0 < near["total_items"] < everywhere["total_items"]
    # Nearest first: the first results of the unrestricted list are the restricted ones.
    assert [s["id"] for s in everywhere["contents"][: near["total_items"]]] == [s["id"] for s in near["contents"]]
    unknown = get("/api/oruk/services?postcode=ZZ99%209ZZ")
    assert unknown.status_code == 400 and "postcode" in unknown.json()["message"]
    sal_near = page("/api/oruk/service_at_locations?postcode=NB1%202LP&proximity=1500&per_page=200", SAL_LIST)
    assert {s["service_id"] for s in sal_near["contents"]} == {s["id"] for s in near["contents"]}


def test_read_only_cacheable_and_public(directory):
    client = Client()
    response = client.get("/api/oruk/services?per_page=5")
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    etag = response["ETag"]
    again = client.get("/api/oruk/services?per_page=5", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    for method in ("post", "put", "patch", "delete"):
        refused = getattr(client, method)("/api/oruk/services")
        assert refused.status_code == 405 and refused["Allow"] == "GET, HEAD"
        valid(ERROR, refused.json())
    assert client.head("/api/oruk/services").status_code == 200
    # The /api/v1 OpenAPI document is untouched: the ORUK API is not part of it.
    from isahub.api.api import api

    assert not any("oruk" in p for p in api.get_openapi_schema()["paths"])


def test_rate_limited_per_address(directory, settings):
    settings.ISAHUB_ORUK_RATE_LIMIT_PER_MINUTE = 3
    client = Client()
    statuses = [client.get("/api/oruk/", REMOTE_ADDR="192.0.2.10").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/oruk/", REMOTE_ADDR="192.0.2.10")
    valid(ERROR, limited.json())
    assert int(limited["Retry-After"]) <= 60 and limited["Cache-Control"] == "no-store"
    assert client.get("/api/oruk/", REMOTE_ADDR="192.0.2.11").status_code == 200


def test_unlisted_organisations_never_appear(directory):
    hidden = make_service(make_org("Unlisted Org", agreed=False), "Unlisted counselling", lat=52.6, lon=-1.9)
    body = page("/api/oruk/services?text=unlisted&per_page=200", SERVICE_LIST)
    assert str(hidden.pk) not in {s["id"] for s in body["contents"]}
    sal = ServiceAtLocation.objects.get(service=hidden)
    assert get(f"/api/oruk/service_at_locations/{sal.pk}").status_code == 404


def test_the_validators_would_catch_a_wrong_response():
    """The schema checks above are only worth something if they can fail."""
    assert list(SERVICE.iter_errors({"id": str(uuid.uuid4()), "name": "x", "status": "open"}))
    assert list(SERVICE.iter_errors({"id": "not-a-uuid", "name": "x", "status": "active"}))
    assert list(SERVICE.iter_errors({"id": str(uuid.uuid4()), "name": "x", "status": "active", "url": "not a url"}))
    assert list(
        SERVICE_LIST.iter_errors({"id": str(uuid.uuid4()), "name": "x", "status": "active", "last_modified": "yesterday"})
    )
    assert list(PAGE.iter_errors({"total_items": 1, "contents": []}))
