"""Every URL needs a signed-in, vetted user, except a short named allow-list (GOV.UK Notify's
habit: a test that fails when a route is added without authentication)."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# Pages anyone may see, by URL name. Adding to this list is a security decision.
PUBLIC_PAGES = {"sign-in", "accessibility", "privacy"}
# The public service directory (DOMAIN.md §13: the public use it without logging in; it holds
# no personal data). Its pages for keeping entries current are not on this list.
PUBLIC_PAGES |= {
    "directory-search",
    "directory-a-z",
    "directory-service",
    "directory-organisation",
    "directory-who-does-what",
    "directory-glossary",
    "directory-suggest",
}
# API operations without a token, by path.
PUBLIC_API = {"/api/v1/health", "/api/v1/openapi.json", "/api/v1/docs"}
# The Open Referral UK API is public and read-only by design (issue 7): GET answers without
# a token (404 for an unknown id), anything else is refused with 405.
PUBLIC_READ_ONLY_API_PREFIX = "/api/oruk/"

SAMPLE = {"int": "1", "str": "x", "slug": "x", "uuid": str(uuid.uuid4()), "path": "x"}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def _concrete(route: str) -> str:
    route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], route)
    return "/" + route.lstrip("^").rstrip("$").replace("\\Z", "")


ROUTES = [(_concrete(route), pattern) for route, pattern in _walk(get_resolver().url_patterns)]


def test_the_walk_finds_the_routes():
    paths = {path for path, _ in ROUTES}
    assert {"/", "/sign-in/", "/audit/", "/api/v1/me", "/api/v1/health"} <= paths
    assert len(ROUTES) >= 20


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "pattern"), ROUTES, ids=[path for path, _ in ROUTES])
def test_anonymous_visitors_are_stopped(path, pattern):
    client = Client()
    responses = [client.get(path), client.post(path)]
    if path.startswith(PUBLIC_READ_ONLY_API_PREFIX):
        assert responses[0].status_code in (200, 404), path
        assert responses[1].status_code == 405, f"{path} accepted a POST"
        return
    if path.startswith("/api/"):
        if path in PUBLIC_API:
            assert responses[0].status_code in (200, 503), path
            return
        from isahub.api.api import api

        operations = [re.sub(r"\{\w+\}", "[^/]+", p.rstrip("/")) for p in api.get_openapi_schema()["paths"]]
        if not any(re.fullmatch(op, path.rstrip("/")) for op in operations):
            assert all(r.status_code == 404 for r in responses), f"{path} is not an operation yet answered"
            return
        assert all(r.status_code in (401, 405) for r in responses), f"{path}: {[r.status_code for r in responses]}"
        assert any(r.status_code == 401 for r in responses), f"{path} answered without a token"
        return
    if pattern.name in PUBLIC_PAGES:
        # A public page about one record answers an unknown (sample) id with "not found".
        assert responses[0].status_code in ((200, 404) if "<uuid:" in str(pattern.pattern) else (200,)), path
        return
    for response in responses:
        assert response.status_code in (302, 403), f"{path} answered {response.status_code} to an anonymous visitor"
        if response.status_code == 302:
            assert response.url.startswith("/sign-in/"), f"{path} redirected elsewhere: {response.url}"


def test_only_the_allow_list_is_marked_public():
    public = set()
    for path, pattern in ROUTES:
        if getattr(pattern.callback, "login_required", True) is False and not path.startswith("/api/"):
            public.add(pattern.name)
    assert public <= PUBLIC_PAGES | {"sign-out"}, f"unexpected public pages: {public - PUBLIC_PAGES}"


def test_every_api_operation_needs_a_token_except_the_allow_list():
    from isahub.api.api import api

    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            full = path.rstrip("/")
            if full in PUBLIC_API:
                assert not operation.get("security"), f"{method} {full} is allow-listed but asks for a token"
            else:
                assert operation.get("security"), f"{method.upper()} {full} has no authentication"


@pytest.mark.django_db
def test_csrf_is_enforced_on_forms():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/sign-in/", {"username": "x", "password": "y"})
    assert response.status_code == 403
