"""Agency administrators manage their own agency's users only; system administrators all."""

import pytest
from django.urls import reverse

from isahub.accounts.models import Role, User
from isahub.accounts.services import user_create
from isahub.audit.models import AuditEntry
from isahub.policy.errors import AccessRefused

pytestmark = pytest.mark.django_db


def test_agency_administrator_sees_only_their_agency(users, client_for):
    admin = users["school"][Role.AGENCY_ADMINISTRATOR]
    page = client_for(admin).get(reverse("accounts:user-list")).content.decode()
    assert "practitioner-school" in page
    assert "practitioner-health" not in page


def test_agency_administrator_cannot_open_another_agencys_user(users, client_for):
    admin = users["school"][Role.AGENCY_ADMINISTRATOR]
    other = users["health"][Role.PRACTITIONER]
    response = client_for(admin, stepped_up=True).get(reverse("accounts:user-edit", args=[other.pk]))
    assert response.status_code == 404


def test_agency_administrator_changes_own_users_vetting_and_it_is_audited(users, client_for):
    admin = users["school"][Role.AGENCY_ADMINISTRATOR]
    colleague = users["school"][Role.PRACTITIONER]
    data = {
        "first_name": "New",
        "last_name": colleague.last_name,
        "email": colleague.email,
        "job_title": "Teacher",
        "phone": "",
        "role": Role.PRACTITIONER,
        "is_active": "on",
        "dbs_checked_on": "2026-01-05",
        "training_completed_on": str(colleague.training_completed_on),
        "user_agreement_signed_on": str(colleague.user_agreement_signed_on),
    }
    response = client_for(admin, stepped_up=True).post(reverse("accounts:user-edit", args=[colleague.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    colleague.refresh_from_db()
    assert colleague.first_name == "New" and str(colleague.dbs_checked_on) == "2026-01-05"
    entry = AuditEntry.objects.get(action="user.updated")
    assert entry.actor_id == admin.pk and entry.target_id == str(colleague.pk)
    assert "dbs_checked_on" in entry.details and "New" not in entry.details


def test_agency_administrator_cannot_grant_auditor_or_system_administrator(users, school):
    admin = users["school"][Role.AGENCY_ADMINISTRATOR]
    for role in (Role.AUDITOR, Role.SYSTEM_ADMINISTRATOR):
        with pytest.raises(AccessRefused, match="Only a system administrator"):
            user_create(actor=admin, username=f"new-{role}", agency=school, role=role)
    assert not User.objects.filter(username__startswith="new-").exists()


def test_agency_administrator_cannot_create_users_in_another_agency(users, health):
    admin = users["school"][Role.AGENCY_ADMINISTRATOR]
    with pytest.raises(AccessRefused, match="your own agency"):
        user_create(actor=admin, username="intruder", agency=health, role=Role.PRACTITIONER)


def test_agency_administrator_adds_a_user_through_the_page(users, client_for, school):
    admin = users["school"][Role.AGENCY_ADMINISTRATOR]
    data = {
        "username": "new.teacher",
        "agency": school.pk,
        "first_name": "Nia",
        "last_name": "Teacher",
        "email": "nia@example.invalid",
        "role": Role.PRACTITIONER,
        "is_active": "on",
    }
    response = client_for(admin, stepped_up=True).post(reverse("accounts:user-new"), data)
    assert response.status_code == 302
    created = User.objects.get(username="new.teacher")
    assert created.agency == school and not created.has_usable_password()
    assert AuditEntry.objects.filter(action="user.created", target_id=str(created.pk)).exists()


def test_new_user_form_rejects_bad_input_and_changes_nothing(users, client_for, school):
    admin = users["school"][Role.AGENCY_ADMINISTRATOR]
    response = client_for(admin, stepped_up=True).post(
        reverse("accounts:user-new"), {"username": "NO SPACES", "agency": school.pk, "role": Role.AUDITOR}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert User.objects.filter(username="NO SPACES").count() == 0


def test_system_administrator_manages_every_agency_and_grants_any_role(users, health):
    sysadmin = users["school"][Role.SYSTEM_ADMINISTRATOR]
    created = user_create(actor=sysadmin, username="new-auditor", agency=health, role=Role.AUDITOR)
    assert created.role == Role.AUDITOR


def test_user_management_needs_step_up(users, client_for):
    admin = users["school"][Role.AGENCY_ADMINISTRATOR]
    response = client_for(admin).get(reverse("accounts:user-new"))
    assert response.url.startswith(reverse("accounts:confirm-identity"))


def test_only_system_administrators_add_agencies(users, client_for):
    data = {"name": "Northbrook Food Bank", "kind": "voluntary", "phone": "", "email": ""}
    refused = client_for(users["school"][Role.AGENCY_ADMINISTRATOR]).post(reverse("accounts:agency-new"), data)
    assert refused.status_code == 403
    allowed = client_for(users["school"][Role.SYSTEM_ADMINISTRATOR]).post(reverse("accounts:agency-new"), data)
    assert allowed.status_code == 302
    assert AuditEntry.objects.filter(action="agency.created").count() == 1
    assert AuditEntry.objects.filter(action="access.refused", details__contains="agency.manage").count() == 1
