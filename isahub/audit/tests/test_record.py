"""Writing audit rows: in the transaction of the work, or the work does not happen."""

import pytest
from django.db import DatabaseError, transaction
from django.test import Client
from django.urls import reverse

from isahub.accounts.models import ApiToken
from isahub.accounts.tests.factories import PASSWORD
from isahub.audit.actions import ACTIONS
from isahub.audit.models import AuditEntry
from isahub.audit.services import AuditOutsideTransaction, audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_audit(monkeypatch):
    """Make every audit insert fail, as a full disk or a lost connection would."""

    def refuse(*args, **kwargs):
        raise DatabaseError("simulated: the audit table cannot be written")

    monkeypatch.setattr("isahub.audit.services.insert_entry", refuse)


def test_a_row_records_who_what_and_the_request(make_user):
    user = make_user(username="alex")
    with transaction.atomic():
        entry = audit_record(action="user.updated", actor=user, target=user, reason="checking", details={"b": 2, "a": 1})
    assert (entry.actor_id, entry.agency_id, entry.actor_username) == (user.pk, user.agency_id, "alex")
    assert (entry.target_type, entry.target_id) == ("accounts.user", str(user.pk))
    assert entry.details == '{"a":1,"b":2}'


def test_unregistered_actions_are_refused():
    with pytest.raises(ValueError, match="Unregistered audit action"), transaction.atomic():
        audit_record(action="made.up")


def test_auditing_outside_a_transaction_is_refused(monkeypatch):
    from django.db import connections

    monkeypatch.setattr(connections["default"], "in_atomic_block", False)  # as in autocommit mode
    with pytest.raises(AuditOutsideTransaction):
        audit_record(action="auth.login_failed")
    assert not AuditEntry.objects.exists()


def test_every_request_gets_an_id_that_lands_on_its_audit_row(make_user):
    make_user(username="alex")
    response = Client().post(reverse("accounts:sign-in"), {"username": "alex", "password": PASSWORD})
    entry = AuditEntry.objects.get(action="auth.login")
    assert len(response["X-Request-ID"]) == 32 and entry.request_id == response["X-Request-ID"]


def test_a_proxys_request_id_is_used_only_when_trusted(settings):
    assert Client().get("/api/v1/health", HTTP_X_REQUEST_ID="proxy-id-12345")["X-Request-ID"] != "proxy-id-12345"
    settings.ISAHUB_TRUST_REQUEST_ID_HEADER = True
    assert Client().get("/api/v1/health", HTTP_X_REQUEST_ID="proxy-id-12345")["X-Request-ID"] == "proxy-id-12345"
    # Never free text from outside into the logs, trusted or not.
    assert Client().get("/api/v1/health", HTTP_X_REQUEST_ID="Jane Smith 01/02/2015")["X-Request-ID"] != "Jane Smith 01/02/2015"


def test_sign_in_fails_when_its_audit_row_cannot_be_written(make_user, failing_audit):
    make_user(username="alex")
    client = Client(raise_request_exception=False)
    response = client.post(reverse("accounts:sign-in"), {"username": "alex", "password": PASSWORD})
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()
    assert client.get("/").status_code == 302  # not signed in


def test_a_change_is_rolled_back_when_its_audit_row_cannot_be_written(make_user, client_for, monkeypatch):
    client = client_for(make_user(username="alex"), stepped_up=True)
    client.raise_request_exception = False

    def refuse(*args, **kwargs):
        raise DatabaseError("simulated")

    monkeypatch.setattr("isahub.audit.services.insert_entry", refuse)
    response = client.post(reverse("accounts:api-tokens"), {"name": "never saved"})
    assert response.status_code == 500
    assert not ApiToken.objects.exists()


def test_an_api_answer_is_not_served_when_its_audit_row_cannot_be_written(make_user, token_for, monkeypatch):
    headers = token_for(make_user(username="alex"))

    def refuse(*args, **kwargs):
        raise DatabaseError("simulated")

    monkeypatch.setattr("isahub.audit.services.insert_entry", refuse)
    response = Client(raise_request_exception=False).get("/api/v1/me", **headers)
    assert response.status_code == 500
    assert b"alex" not in response.content


def test_every_action_has_a_description():
    assert all(isinstance(text, str) and text for text in ACTIONS.values())
