"""A journey: an agency administrator restores a colleague whose training had lapsed."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from isahub.accounts.models import Role
from isahub.accounts.tests.factories import PASSWORD
from isahub.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_lapsed_colleague_is_refused_then_restored(make_user, client_for, school):
    admin = make_user(role=Role.AGENCY_ADMINISTRATOR, username="chris")
    colleague = make_user(username="casey", training_completed_on=timezone.localdate() - dt.timedelta(days=800))

    # Casey signs in and is told plainly why they cannot go on.
    casey = Client()
    casey.post(reverse("accounts:sign-in"), {"username": "casey", "password": PASSWORD})
    session = casey.session
    session["isahub_totp_skipped"] = True
    session.save()
    refused = casey.get("/")
    assert refused.status_code == 403 and "information-sharing training" in refused.content.decode()

    # Chris records the new training date, after confirming it is them.
    chris = client_for(admin)
    assert chris.get(reverse("accounts:user-edit", args=[colleague.pk])).url.startswith(reverse("accounts:confirm-identity"))
    chris.post(reverse("accounts:confirm-identity"), {"password": PASSWORD, "next": "/"})
    form = chris.get(reverse("accounts:user-edit", args=[colleague.pk])).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(training_completed_on=str(timezone.localdate()), is_active="on")
    assert chris.post(reverse("accounts:user-edit", args=[colleague.pk]), data).status_code == 302

    # Casey can now use the service; the whole story is in the audit trail.
    assert casey.get("/").status_code == 200
    story = list(AuditEntry.objects.order_by("id").values_list("actor_username", "action"))
    assert ("casey", "auth.vetting_refused") in story
    assert ("chris", "auth.step_up") in story
    assert ("chris", "user.updated") in story


@pytest.mark.parametrize(
    ("role", "promise"),
    [
        (Role.PRACTITIONER, "who else is working with them"),
        (Role.CENTRAL_TEAM, "children with no one involved"),
        (Role.PANEL_CHAIR, "allocation panel"),
        (Role.AGENCY_ADMINISTRATOR, "Manage your agency's users"),
        (Role.DATA_MANAGER, "uncertain record matches"),
        (Role.AUDITOR, "Read the audit trail"),
        (Role.SYSTEM_ADMINISTRATOR, "Manage agencies"),
    ],
)
def test_each_role_has_a_home_page_saying_what_it_is_for(make_user, client_for, role, promise):
    page = client_for(make_user(role=role)).get("/").content.decode()
    assert promise in page
    assert "Your work" in page and "Sign out" in page


def test_health_reports_the_database_and_the_audit_chain_head():
    body = Client().get("/api/v1/health").json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert set(body["audit"]) == {"seal", "last_sealed_id", "digest"}


def test_health_says_why_when_the_database_is_unreachable(monkeypatch):
    from django.db import OperationalError

    from isahub.api import health

    class Broken:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", Broken())
    response = Client().get("/api/v1/health")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable: it refused the connection", "audit": None}


def test_me_describes_the_caller(make_user, token_for):
    user = make_user(role=Role.CENTRAL_TEAM, username="jo")
    body = Client().get("/api/v1/me", **token_for(user)).json()
    assert body["username"] == "jo" and body["role"] == "central_team" and body["role_name"] == "Central team"
    assert body["agency"]["name"] == user.agency.name


def test_the_api_is_documented():
    schema = Client().get("/api/v1/openapi.json").json()
    assert "/api/v1/me" in schema["paths"] and schema["info"]["title"] == "isahub API"
    assert Client().get("/api/v1/docs").status_code == 200


def test_seed_demo_is_idempotent_and_prints_logins(capsys):
    from django.core.management import call_command

    from isahub.accounts.models import Agency, User

    call_command("seed_demo")
    first = (Agency.objects.count(), User.objects.count())
    call_command("seed_demo")
    assert (Agency.objects.count(), User.objects.count()) == first
    assert first[0] >= 8
    for role in Role.values:
        assert User.objects.filter(role=role, is_demo=True).count() >= 2
    out = capsys.readouterr().out
    assert "demo-borough-2026" in out and "practitioner1" in out
