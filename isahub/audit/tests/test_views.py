"""The auditor's page and CSV export: filters, and reading the trail is itself audited."""

import csv
import datetime as dt
import io

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from isahub.accounts.models import Role
from isahub.audit.models import AuditEntry
from isahub.audit.services import audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def trail(users):
    practitioner = users["school"][Role.PRACTITIONER]
    other = users["health"][Role.PRACTITIONER]
    with transaction.atomic():
        audit_record(action="auth.login", actor=practitioner)
        audit_record(action="user.updated", actor=practitioner, child_id="child-42", reason="=HYPERLINK(evil)")
        audit_record(action="auth.login", actor=other)
    return practitioner, other


def test_auditor_filters_by_user_agency_child_action_and_period(users, client_for, trail):
    practitioner, other = trail
    client = client_for(users["school"][Role.AUDITOR])

    def rows(**params):
        return client.get(reverse("audit:entry-list"), params).context["page"].paginator.count

    assert rows(user=practitioner.pk, action="auth.login") == 1
    assert rows(agency=other.agency_id, action="auth.login") == 1
    assert rows(child="child-42") == 1
    today = timezone.localdate()
    assert rows(action="user.updated", date_from=today, date_to=today) == 1
    assert rows(action="user.updated", date_from=today + dt.timedelta(days=1)) == 0


def test_reading_the_trail_is_audited(users, client_for, trail):
    auditor = users["school"][Role.AUDITOR]
    client_for(auditor).get(reverse("audit:entry-list"), {"action": "auth.login"})
    entry = AuditEntry.objects.filter(action="audit.viewed", actor_id=auditor.pk).get()
    assert "auth.login" in entry.details


def test_impossible_period_is_explained(users, client_for):
    response = client_for(users["school"][Role.AUDITOR]).get(
        reverse("audit:entry-list"), {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    assert "The end date must be on or after the start date." in response.content.decode()


def test_csv_export_holds_the_filtered_rows_and_defuses_formulas(users, client_for, trail):
    practitioner, _ = trail
    auditor = users["school"][Role.AUDITOR]
    response = client_for(auditor, stepped_up=True).get(reverse("audit:entry-export"), {"user": practitioner.pk})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["action"] for row in rows} == {"auth.login", "user.updated"}
    assert all(row["actor_id"] == str(practitioner.pk) for row in rows)
    reasons = [row["reason"] for row in rows if row["action"] == "user.updated"]
    assert reasons == ["'=HYPERLINK(evil)"]
    assert AuditEntry.objects.filter(action="audit.exported", actor_id=auditor.pk).exists()


def test_export_needs_step_up(users, client_for):
    response = client_for(users["school"][Role.AUDITOR]).get(reverse("audit:entry-export"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:confirm-identity"))


def test_api_lists_and_filters_entries_for_auditors(users, token_for, trail):
    practitioner, _ = trail
    headers = token_for(users["school"][Role.AUDITOR])
    entries = Client().get("/api/v1/audit/entries", {"user_id": practitioner.pk}, **headers).json()
    assert {e["action"] for e in entries} == {"auth.login", "user.updated"}
    limited = Client().get("/api/v1/audit/entries", {"limit": 1}, **headers).json()
    assert len(limited) == 1
