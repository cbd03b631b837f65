"""Fail closed: when the policy decision, a consent lookup or the audit insert raises, the
answer carries none of the child's data (record page, search page and their API twins)."""

import datetime as dt
import logging

import pytest
from django.db import DatabaseError
from django.test import Client

from conftest import open_record
from isahub.accounts.models import Role
from isahub.accounts.tests.factories import AgencyFactory, UserFactory
from isahub.audit.models import AuditEntry
from isahub.involvements.services import involvement_register
from isahub.policy import consent
from isahub.policy.decisions import Decision
from isahub.policy.rules import RULES

pytestmark = pytest.mark.django_db
REASON = "A concern has been raised about this child"
CHILD = {
    "given_names": "Quillon",
    "family_name": "Zephyrine-Abbott",
    "date_of_birth": dt.date(2016, 11, 23),
    "postcode": "NB7 3QZ",
    "nhs_number": "9434765919",
    "address_line_1": "41 Kestrel Parade",
}
# Everything that would identify the child, in every form a page or the API shows it.
FIELDS = (
    *("Quillon", "Zephyrine", "23 November 2016", "2016-11-23", "23/11/2016"),
    *("943 476 5919", "9434765919", "NB7 3QZ", "Kestrel"),
)
SEARCH = {"surname": "Zephyrine-Abbott", "forename": "Quillon", "postcode": "NB7 3QZ"}
PAGE_SEARCH = {**SEARCH, "date_of_birth_day": "23", "date_of_birth_month": "11", "date_of_birth_year": "2016"}


@pytest.fixture
def child(add_child):
    return add_child(**CHILD)


@pytest.fixture
def practitioner(make_user):
    return make_user(role=Role.PRACTITIONER, username="pat")


def _paths(child, practitioner, client_for, token_for):
    page = client_for(practitioner)
    open_record(page, child, reason=REASON)
    page.raise_request_exception = False
    api = Client(raise_request_exception=False)
    headers = token_for(practitioner)
    return {
        "record page": lambda: page.get(f"/children/{child.pk}/"),
        "search page": lambda: page.post("/children/search/", PAGE_SEARCH),
        "record API": lambda: api.get(f"/api/v1/children/{child.pk}", HTTP_X_ACCESS_REASON=REASON, **headers),
        "search API": lambda: api.post(
            "/api/v1/children/search", {**SEARCH, "date_of_birth": "2016-11-23"}, content_type="application/json", **headers
        ),
    }


def _leaks(response) -> list[str]:
    body = response.content.decode()
    return [value for value in FIELDS if value.lower() in body.lower()]


def _break_the_rules(monkeypatch):
    def broken(actor, target):
        raise RuntimeError("a bug while deciding about " + CHILD["family_name"])

    for action in ("child.search", "child.view"):
        monkeypatch.setitem(RULES, action, broken)


def _break_consent(monkeypatch):
    def broken(actor, action, target):
        raise DatabaseError("the consent table cannot be read")

    monkeypatch.setattr(consent, "_lookup", broken)


def _break_the_audit(monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("the audit table cannot be written")

    monkeypatch.setattr("isahub.audit.services.insert_entry", broken)


FAILURES = {"policy decision": _break_the_rules, "consent lookup": _break_consent, "audit insert": _break_the_audit}


def test_the_paths_show_the_child_when_nothing_fails(child, practitioner, client_for, token_for):
    """The control: without a failure each path does carry the fields the scan looks for."""
    for name, call in _paths(child, practitioner, client_for, token_for).items():
        response = call()
        assert response.status_code == 200, name
        assert "Quillon" in response.content.decode() and "Zephyrine" in response.content.decode(), name


@pytest.mark.parametrize("failure", FAILURES)
@pytest.mark.parametrize("path", ["record page", "search page", "record API", "search API"])
def test_a_failure_answers_an_error_without_the_childs_data(
    failure, path, child, practitioner, client_for, token_for, monkeypatch, caplog
):
    call = _paths(child, practitioner, client_for, token_for)[path]
    viewed_before = AuditEntry.objects.filter(action__in=("child.viewed", "child.searched")).count()
    FAILURES[failure](monkeypatch)
    caplog.set_level(logging.INFO)
    response = call()
    assert response.status_code in (403, 500, 503), (failure, path, response.status_code)
    assert _leaks(response) == [], (failure, path)
    body = response.content.decode()
    if path.endswith("API"):
        assert response["Content-Type"] == "application/json"
        assert response.json()["request_id"] == response["X-Request-ID"] and "Sorry" in response.json()["detail"]
    else:
        assert "Sorry, there is a problem with the service" in body and response["X-Request-ID"] in body
    assert "Traceback" not in body and "Error" not in body
    failed = [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "request.failed"]
    assert [entry["request_id"] for entry in failed] == [response["X-Request-ID"]]
    # Nothing was disclosed, so nothing was recorded as disclosed either.
    assert AuditEntry.objects.filter(action__in=("child.viewed", "child.searched")).count() == viewed_before


def test_a_policy_failure_is_logged_with_the_action_and_no_details(child, practitioner, client_for, monkeypatch, caplog, app_log):
    client = client_for(practitioner)
    open_record(client, child, reason=REASON)
    client.raise_request_exception = False
    _break_the_rules(monkeypatch)
    caplog.set_level(logging.INFO)
    response = client.get(f"/children/{child.pk}/")
    failed = [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "policy.decision_failed"]
    assert failed and failed[0]["action"] == "child.view" and failed[0]["error"] == "RuntimeError"
    assert failed[0].get("request_id") == response["X-Request-ID"]
    assert response["X-Request-ID"] in app_log.text and "DecisionFailed" in app_log.text
    assert "Zephyrine" not in app_log.text  # the exception message quoted the child: withheld


def test_consent_can_refuse_what_a_rule_allows(child, practitioner, token_for, monkeypatch):
    def no_consent(actor, action, target):
        return Decision.refuse("No consent to share.") if action == "child.view" else None

    monkeypatch.setattr(consent, "_lookup", no_consent)
    response = Client().get(f"/api/v1/children/{child.pk}", HTTP_X_ACCESS_REASON=REASON, **token_for(practitioner))
    assert response.status_code == 403 and response.json()["detail"] == "No consent to share."
    assert _leaks(response) == []


def test_a_refused_service_decision_hides_the_service_as_a_redaction_does(child, practitioner, token_for, monkeypatch):
    """Callers that ask "is this redacted?" must treat a refusal as hidden, not as shown."""
    clinic = AgencyFactory(name="Northbrook Sexual Health Clinic", phone="01632 960999")
    nurse = UserFactory(role=Role.PRACTITIONER, agency=clinic, username="nurse")
    involvement_register(actor=nurse, child=child, role="Nurse", phone="01632 960123", started_on=dt.date(2026, 1, 5))
    monkeypatch.setattr(
        consent,
        "_lookup",
        lambda actor, action, target: Decision.refuse("Not shared.") if action == "involvement.see_service" else None,
    )
    response = Client().get(f"/api/v1/children/{child.pk}", HTTP_X_ACCESS_REASON=REASON, **token_for(practitioner))
    assert response.status_code == 200
    assert "Sexual Health" not in response.content.decode() and "01632 960123" not in response.content.decode()
    assert all(item["redacted"] for item in response.json()["involvements"])
    assert not Decision.refuse("Not shared.").shows_in_full
