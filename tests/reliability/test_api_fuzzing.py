"""API fuzzing: schemathesis over /api/v1/openapi.json, through the product's WSGI app.

Every operation gets up to 100 generated requests (fixed seed; fewer only where hypothesis
runs out of distinct inputs, as for an operation without parameters), checked with all of
schemathesis's checks, as two users of different agencies (a WFC auth document with both
tokens, declared peers, so its object-level authorisation check runs on every response),
plus our own check: no body carries a traceback, SQL or a driver's error.

Schemathesis's object-level check only replays a read whose id it saw the owner obtain (from
a list or a create); generated ids rarely name real records, so on its own it seldom gets to
replay anything. `test_one_agencys_objects_are_not_served_to_another` makes that replay
deterministic for the objects the API scopes by agency.
"""

from __future__ import annotations

import json
import re

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from hypothesis import HealthCheck, settings

from isahub.accounts.models import Role
from isahub.accounts.services import api_token_create
from isahub.accounts.tests.factories import AgencyFactory, UserFactory
from isahub.children.tests.factories import add_child

SEED = 20261123
EXAMPLES = 100
LEAKS = re.compile(
    r"Traceback \(most recent call last\)|File \"/|django\.db\.|psycopg|sqlite3|"
    r"\bSELECT\b.+\bFROM\b|\bINSERT INTO\b|\bUPDATE\b.+\bSET\b|\bDELETE FROM\b|IntegrityError|OperationalError|ProgrammingError",
    re.IGNORECASE | re.DOTALL,
)


@schemathesis.check
def no_internals_in_the_body(ctx, response, case):
    """Neither a traceback nor SQL (or a driver's error) ever reaches a caller."""
    text = response.text or ""
    match = LEAKS.search(text)
    if match:
        raise AssertionError(f"the body shows internals: {match.group(0)[:80]!r}")


# Tokens known before the schema is loaded (schemathesis reads its auth document then); the
# fixture below gives them to the two users, per test, through the real service.
TOKENS = {"school": "isa_fuzzing-school-" + "s" * 32, "health": "isa_fuzzing-health-" + "h" * 32}


def _auth_document(tmp_dir) -> str:
    path = tmp_dir / "isahub-fuzzing-auth.json"
    entries = [
        {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}]} for name, token in TOKENS.items()
    ]
    path.write_text(json.dumps({"auth": entries}))
    return str(path)


def _load_schema():
    import tempfile
    from pathlib import Path

    from isahub.api.api import api

    config = schemathesis.config.SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "project": [
                {
                    "title": "isahub API",
                    "auth": {"wfc": {"path": _auth_document(Path(tempfile.mkdtemp())), "peers": list(TOKENS)}},
                    "generation": {"max-examples": EXAMPLES},
                    # A schema-valid request may still break a business rule no schema can say
                    # (the profile's search minimums, a real UK postcode, the index's age range):
                    # that is a 400 with the rule in words; 422 stays for schema-invalid input.
                    "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409"]}},
                    "headers": {"X-Access-Reason": "A concern has been raised about this child"},
                }
            ],
        }
    )
    schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"), config=config)
    schema.app = get_wsgi_application()
    return schema


schema = _load_schema()


@pytest.fixture
def keep_the_test_connection():
    """Schemathesis calls the real WSGI handler, whose request signals close "old" database
    connections: that would close the test's own transaction. Django's test client
    disconnects them for each request; here they stay disconnected for the test."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def two_agencies(db, monkeypatch, keep_the_test_connection):
    """A user of each of two agencies holding the known tokens, and children to read."""
    school = AgencyFactory(name="Riverside Primary School")
    health = AgencyFactory(name="Northbrook Health Visiting", kind="health_visiting")
    manager = UserFactory(role=Role.DATA_MANAGER, agency=school, username="manager")
    for n in range(3):
        add_child(manager, given_names=f"Fuzz{n}", family_name="Example", postcode=f"NB{n} 1AA")
    for name, agency in (("school", school), ("health", health)):
        user = UserFactory(role=Role.CENTRAL_TEAM, agency=agency, username=f"{name}-central")
        monkeypatch.setattr("isahub.accounts.services.new_token", lambda name=name: TOKENS[name])
        with transaction.atomic():
            api_token_create(user=user, name="fuzzing")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    database=None,
)
def test_the_api_survives_generated_requests(case, two_agencies):
    case.call_and_validate()


def test_one_agencys_objects_are_not_served_to_another(db):
    """Object-level authorisation across agencies: every user the school's administrator can
    list and read is answered 404 to the health agency's administrator, with none of its data."""
    from django.test import Client

    school = AgencyFactory(name="Riverside Primary School")
    health = AgencyFactory(name="Northbrook Health Visiting", kind="health_visiting")
    for n in range(3):
        UserFactory(agency=school, username=f"teacher{n}", last_name=f"Quenby{n}")
    admins = {
        name: UserFactory(role=Role.AGENCY_ADMINISTRATOR, agency=agency, username=f"{name}-admin")
        for name, agency in (("school", school), ("health", health))
    }
    headers = {}
    for name, user in admins.items():
        with transaction.atomic():
            _, token = api_token_create(user=user, name="peer")
        headers[name] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    listed = Client().get("/api/v1/users", **headers["school"]).json()
    ids = [u["id"] for u in listed if u["username"].startswith("teacher")]
    assert len(ids) == 3
    for user_id in ids:
        own = Client().get(f"/api/v1/users/{user_id}", **headers["school"])
        assert own.status_code == 200
        other = Client().get(f"/api/v1/users/{user_id}", **headers["health"])
        assert other.status_code == 404 and b"Quenby" not in other.content and b"teacher" not in other.content
    assert not [u for u in Client().get("/api/v1/users", **headers["health"]).json() if u["id"] in ids]
