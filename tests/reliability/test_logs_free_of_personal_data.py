"""No log line carries a child's personal data.

Canary values (a name, an NHS number, a date of birth, a postcode and a free-text note) go
through the pages, the API, an import and the error paths; everything the application logs
(structlog and standard logging, as the configured handler writes it: DEBUG for isahub,
INFO for Django) is captured, and so, on the PostgreSQL pass, is what the server wrote to its
log at its default level. No canary may appear in either.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.db import DatabaseError, connection
from django.test import Client

from isahub.accounts.models import Role
from isahub.feeds.tests.factories import as_csv, load, nhs_number, pupil, upn
from isahub.policy.rules import RULES

pytestmark = pytest.mark.django_db

GIVEN, FAMILY = "Xanthippe", "Quillfeather-Oduya"
BORN = dt.date(2013, 7, 19)
POSTCODE = "NB9 7XQ"
NHS = nhs_number(918_273)
NOTE = "Peregrine-canary bruising seen at drop-off"
CANARIES = [
    GIVEN,
    "Quillfeather",
    NHS,
    f"{NHS[:3]} {NHS[3:6]} {NHS[6:]}",
    BORN.isoformat(),
    "19/07/2013",
    "19 July 2013",
    POSTCODE,
    POSTCODE.replace(" ", ""),
    "Peregrine-canary",
]
REASON = "A concern has been raised about this child"


def _pg_log() -> Path | None:
    if connection.vendor != "postgresql":
        return None
    directory = os.environ.get("ISAHUB_PG_DIR")
    assert directory, "the PostgreSQL pass must say where its server log is (ISAHUB_PG_DIR, set by bin/postgres)"
    path = Path(directory) / "server.log"
    assert path.exists(), f"no server log at {path}"
    return path


def _found(text: str) -> list[str]:
    return [canary for canary in CANARIES if canary.lower() in text.lower()]


def test_no_canary_reaches_a_log(make_user, client_for, token_for, data_manager, app_log, monkeypatch, settings, school):
    pg_log = _pg_log()
    pg_offset = pg_log.stat().st_size if pg_log else 0
    practitioner = make_user(role=Role.PRACTITIONER, username="pat")
    page = client_for(practitioner)
    api = token_for(practitioner)
    manager_page = client_for(data_manager)

    # A child added through the page, with every canary.
    response = manager_page.post(
        "/children/new/",
        {
            "given_names": GIVEN,
            "family_name": FAMILY,
            "date_of_birth_day": "19",
            "date_of_birth_month": "7",
            "date_of_birth_year": "2013",
            "sex": "female",
            "address_line_1": "7 Canary Wharf Row",
            "town": "Northbrook",
            "postcode": POSTCODE,
            "school_status": "not_of_school_age",
            "nhs_number": NHS,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    child_id = response["Location"].strip("/").split("/")[-1]

    # Pages: search, the reason (with a free-text note), the record.
    search = {"surname": FAMILY, "forename": GIVEN, "date_of_birth_day": "19", "date_of_birth_month": "7"}
    assert page.post("/children/search/", {**search, "date_of_birth_year": "2013", "postcode": POSTCODE}).status_code == 200
    assert page.post(f"/children/{child_id}/reason/", {"reason": "Something else", "details": NOTE}).status_code == 302
    record = page.get(f"/children/{child_id}/")
    assert record.status_code == 200 and GIVEN in record.content.decode()

    # API: search, record with a free-text reason, an involvement with a note as its role.
    client = Client()
    body = {"surname": FAMILY, "forename": GIVEN, "date_of_birth": BORN.isoformat(), "postcode": POSTCODE}
    assert client.post("/api/v1/children/search", body, content_type="application/json", **api).status_code == 200
    assert client.get(f"/api/v1/children/{child_id}", HTTP_X_ACCESS_REASON=NOTE, **api).status_code == 200
    client.post(
        f"/api/v1/children/{child_id}/involvements",
        {"role": NOTE, "phone": "01632 960555"},
        content_type="application/json",
        HTTP_X_ACCESS_REASON=NOTE,
        **api,
    )

    # Error paths: invalid input, a rule broken by business validation, an unknown record,
    # a failing access check, a failing audit insert.
    client.post(
        "/api/v1/children/search", {"surname": FAMILY, "date_of_birth": "19/07/2013"}, content_type="application/json", **api
    )
    client.post("/api/v1/children/search", {"surname": FAMILY}, content_type="application/json", **api)
    client.post(
        "/api/v1/children",
        {
            "given_names": GIVEN,
            "family_name": FAMILY,
            "date_of_birth": BORN.isoformat(),
            "address_line_1": NOTE,
            "town": "X",
            "postcode": POSTCODE,
            "nhs_number": NHS,
        },
        content_type="application/json",
        **token_for(data_manager),
    )  # the same NHS number again
    client.get(f"/api/v1/children/{FAMILY}", HTTP_X_ACCESS_REASON=NOTE, **api)
    page.post(
        "/children/search/",
        {"surname": FAMILY, "date_of_birth_day": "31", "date_of_birth_month": "2", "date_of_birth_year": "2013"},
    )

    def broken_rule(actor, target):
        raise RuntimeError(f"rule failed for {GIVEN} {FAMILY} {NHS} {POSTCODE} {NOTE}")

    with monkeypatch.context() as patch:
        patch.setitem(RULES, "child.view", broken_rule)
        page.raise_request_exception = False
        assert page.get(f"/children/{child_id}/").status_code == 500
        failing = Client(raise_request_exception=False)
        assert failing.get(f"/api/v1/children/{child_id}", HTTP_X_ACCESS_REASON=NOTE, **api).status_code == 500

    def broken_insert(*args, **kwargs):
        raise DatabaseError(f"could not write {GIVEN} {NHS} {POSTCODE}")

    with monkeypatch.context() as patch:
        patch.setattr("isahub.audit.services.insert_entry", broken_insert)
        assert page.get(f"/children/{child_id}/").status_code == 500

    # An import: a good row with the canaries and a bad one that quotes them.
    rows = [
        pupil(1, given_names=GIVEN, family_name=FAMILY, date_of_birth=BORN.isoformat(), postcode=POSTCODE, upn=upn(77)),
        pupil(2, given_names=GIVEN, family_name=FAMILY, date_of_birth="19/07/2013", postcode=NOTE, upn="not-a-upn"),
    ]
    load(data_manager, school, "school_roll", as_csv(rows))

    logged = app_log.text
    assert "request_finished" in logged and "request.failed" in logged, "the capture saw nothing: the test is broken"
    assert _found(logged) == [], [line for line in logged.splitlines() if _found(line)][:5]
    if pg_log:
        with pg_log.open(errors="replace") as server:
            server.seek(pg_offset)
            written = server.read()
        assert _found(written) == [], [line for line in written.splitlines() if _found(line)][:5]
