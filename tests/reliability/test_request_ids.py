"""Request ids: on every response, in the logs and on every audit row, unique per audited answer."""

import hashlib
import logging
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from conftest import open_record
from isahub.audit.canonical import CONTENT_COLUMNS, SEPARATOR, leaf
from isahub.audit.models import AuditEntry
from isahub.audit.sealing import seal_pending
from isahub.audit.services import audit_record
from isahub.audit.verification import verify_chain
from isahub.core.context import current_audit_sequence, current_request_id

pytestmark = pytest.mark.django_db
REASON = {"HTTP_X_ACCESS_REASON": "Checking who else is working with this child"}


@pytest.fixture
def practitioner(make_user):
    return make_user(role="practitioner", username="pat")


def test_every_kind_of_response_carries_its_request_id(practitioner, client_for, token_for, add_child):
    child = add_child()
    page = client_for(practitioner)
    api = token_for(practitioner)
    responses = {
        "page": page.get("/"),
        "redirect to sign in": Client().get("/children/search/"),
        "record page": (open_record(page, child), page.get(f"/children/{child.pk}/"))[1],
        "404 page": page.get("/no-such-page/"),
        "400 bad host": Client().get("/sign-in/", HTTP_HOST="bad host"),
        "405": page.put("/children/search/"),
        "static file": Client().get("/static/css/isahub.css"),
        "api": Client().get(f"/api/v1/children/{child.pk}", **api, **REASON),
        "api 401": Client().get("/api/v1/me"),
        "api 404": Client().get(f"/api/v1/children/{uuid.uuid4()}", **api, **REASON),
        "api 422": Client().post("/api/v1/children/search", "not json", content_type="application/json", **api),
        "health": Client().get("/api/v1/health"),
    }
    ids = {name: response.get("X-Request-ID", "") for name, response in responses.items()}
    assert all(len(value) == 32 for value in ids.values()), ids
    assert len(set(ids.values())) == len(ids), "each request has its own id"


def test_a_refused_page_carries_its_request_id_and_its_audit_row_has_it(make_user, client_for, add_child):
    teacher_admin = make_user(role="agency_administrator", username="admin")
    child = add_child()
    response = client_for(teacher_admin).get(f"/children/{child.pk}/reason/")
    assert response.status_code == 403
    refusal = AuditEntry.objects.get(action="access.refused")
    assert refusal.request_id == response["X-Request-ID"] and refusal.sequence == 1


def test_each_audit_row_of_a_request_has_its_own_position(practitioner, token_for, add_child):
    child = add_child()
    response = Client().get(f"/api/v1/children/{child.pk}", **token_for(practitioner), **REASON)
    assert response.status_code == 200
    rows = list(AuditEntry.objects.filter(request_id=response["X-Request-ID"]).order_by("id"))
    assert [(row.action, row.sequence) for row in rows] == [("token.used", 1), ("child.viewed", 2)]


def test_the_request_id_and_position_are_unique_in_the_table():
    token_id = current_request_id.set("a-reused-request-id")
    token_seq = current_audit_sequence.set(iter([1, 1]))
    try:
        with transaction.atomic():
            audit_record(action="auth.login_failed", actor_username="someone")
        with pytest.raises(IntegrityError), transaction.atomic():
            audit_record(action="auth.login_failed", actor_username="someone")
    finally:
        current_request_id.reset(token_id)
        current_audit_sequence.reset(token_seq)
    assert AuditEntry.objects.filter(request_id="a-reused-request-id").count() == 1


def test_a_reused_proxy_id_fails_closed_instead_of_sharing_an_audit_key(settings, practitioner, token_for, add_child):
    settings.ISAHUB_TRUST_REQUEST_ID_HEADER = True
    child = add_child()
    headers = {**token_for(practitioner), **REASON, "HTTP_X_REQUEST_ID": "proxy-request-0001"}
    first = Client().get(f"/api/v1/children/{child.pk}", **headers)
    assert first.status_code == 200 and first["X-Request-ID"] == "proxy-request-0001"
    again = Client(raise_request_exception=False).get(f"/api/v1/children/{child.pk}", **headers)
    assert again.status_code == 500 and b"Hartley" not in again.content
    assert AuditEntry.objects.filter(request_id="proxy-request-0001", action="child.viewed").count() == 1


def test_rows_outside_a_request_have_no_position(make_user):
    with transaction.atomic():
        entry = audit_record(action="auth.login_failed", actor_username="from a command")
    entry.refresh_from_db()
    assert entry.request_id == "" and entry.sequence is None


def test_rows_without_a_position_hash_exactly_as_before_the_column_existed():
    """Seals written before `sequence` existed must still verify."""
    values = ("2026-01-01 10:00:00.000000", "abc", 1, "alex", 2, "child.viewed", "success", "", "", "", "", "{}", "")
    before = hashlib.sha256(SEPARATOR.join(str(v) for v in values).encode()).digest()[:16]
    assert CONTENT_COLUMNS[-1] == "sequence"
    assert leaf((*values, None)) == before
    assert leaf((*values, 1)) != before


def test_rows_with_and_without_positions_seal_and_verify_on_this_engine(practitioner, client_for, add_child):
    child = add_child()  # outside a request: no position
    client = client_for(practitioner)
    open_record(client, child)
    client.get(f"/children/{child.pk}/")
    assert AuditEntry.objects.filter(sequence__isnull=True).exists()
    assert AuditEntry.objects.filter(sequence__isnull=False).exists()
    seal_pending(grace_seconds=0)
    assert verify_chain().ok  # on PostgreSQL the leaves are recomputed in SQL


def test_structured_logs_carry_the_request_id(practitioner, client_for, caplog):
    caplog.set_level(logging.INFO)
    response = client_for(practitioner).get("/")
    logged = [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == "request_finished"]
    assert logged and logged[-1]["request_id"] == response["X-Request-ID"]
