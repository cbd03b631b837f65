"""Keeping entries current: owners edit directly, others' edits wait for the directory
officer, every change is audited, verification and the unverified flags, and refusals."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from isahub.accounts.models import Role
from isahub.audit.models import AuditEntry
from isahub.directory.models import ChangeRequest, ChangeStatus, DirectoryOfficer, Service
from isahub.messaging.models import Notification

from .factories import make_org, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(school):
    return make_service(make_org("Riverside Primary School", agency=school), "Breakfast club", description="Toast.")


@pytest.fixture
def officer(make_user, health):
    user = make_user(role=Role.CENTRAL_TEAM, agency=health, username="officer")
    DirectoryOfficer.objects.create(user=user, appointed_on=dt.date(2026, 1, 1))
    return user


def form(service, **changes):
    data = {
        "name": service.name,
        "description": service.description,
        "status": service.status,
        "url": service.url,
        "email": service.email,
        "fees": service.fees,
        "eligibility_description": service.eligibility_description,
        "minimum_age": "" if service.minimum_age is None else service.minimum_age,
        "maximum_age": "" if service.maximum_age is None else service.maximum_age,
        "referral_route": service.referral_route,
        "how_to_refer": service.how_to_refer,
        "referral_thresholds": service.referral_thresholds,
        "alert": service.alert,
    }
    return data | changes


def test_owning_agency_administrator_changes_the_entry_at_once(entry, make_user, client_for):
    admin = make_user(role=Role.AGENCY_ADMINISTRATOR, username="school-admin")
    client = client_for(admin)
    response = client.post(f"/directory/manage/services/{entry.pk}/edit/", form(entry, description="Toast and fruit, 8am."))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.description == "Toast and fruit, 8am."
    row = AuditEntry.objects.get(action="directory.service_updated")
    assert row.actor_id == admin.pk and row.target_id == str(entry.pk) and "description" in row.details
    assert not ChangeRequest.objects.exists()
    # The keyword index follows the change.
    from isahub.directory.search import ServiceQuery, search

    assert entry.pk in search(ServiceQuery(keywords="fruit")).ids


def test_another_agencys_change_waits_for_the_officer_and_is_audited(entry, make_user, client_for, health, officer):
    outsider = make_user(role=Role.AGENCY_ADMINISTRATOR, agency=health, username="health-admin")
    response = client_for(outsider).post(
        f"/directory/manage/services/{entry.pk}/edit/", form(entry, name="Breakfast club (new times)")
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.name == "Breakfast club"  # not yet
    change = ChangeRequest.objects.get()
    assert change.status == ChangeStatus.PENDING and change.proposed == {"name": "Breakfast club (new times)"}
    assert AuditEntry.objects.filter(action="directory.change_proposed", actor_id=outsider.pk).exists()
    assert Notification.objects.filter(recipient=officer, kind="directory.change_proposed").exists()
    # The officer sees it, and approves it.
    officer_client = client_for(officer)
    assert "Breakfast club" in officer_client.get("/directory/manage/changes/").content.decode()
    page = officer_client.get(f"/directory/manage/changes/{change.pk}/").content.decode()
    assert "Breakfast club (new times)" in page
    assert officer_client.post(f"/directory/manage/changes/{change.pk}/", {"decision": "approve"}).status_code == 302
    entry.refresh_from_db()
    change.refresh_from_db()
    assert entry.name == "Breakfast club (new times)" and change.status == ChangeStatus.APPROVED and change.decided_by == officer
    assert AuditEntry.objects.filter(action="directory.change_approved", actor_id=officer.pk, target_id=str(entry.pk)).exists()
    assert Notification.objects.filter(recipient=outsider, kind="directory.change_decided").exists()
    # Decided once only.
    assert officer_client.post(f"/directory/manage/changes/{change.pk}/", {"decision": "approve"}).status_code == 403


def test_rejection_needs_a_reason_and_changes_nothing(entry, make_user, client_for, health, officer):
    practitioner = make_user(role=Role.PRACTITIONER, agency=health, username="hv")
    client_for(practitioner).post(f"/directory/manage/services/{entry.pk}/edit/", form(entry, fees="£5"))
    change = ChangeRequest.objects.get()
    officer_client = client_for(officer)
    no_reason = officer_client.post(f"/directory/manage/changes/{change.pk}/", {"decision": "reject", "note": ""})
    assert no_reason.status_code == 200 and "Say why you are rejecting the change" in no_reason.content.decode()
    officer_client.post(f"/directory/manage/changes/{change.pk}/", {"decision": "reject", "note": "The club is free."})
    change.refresh_from_db()
    entry.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED and entry.fees == ""
    assert AuditEntry.objects.get(action="directory.change_rejected").reason == "The club is free."


def test_only_the_officer_approves_and_never_their_own_change(entry, make_user, client_for, officer, health):
    other = make_user(role=Role.AGENCY_ADMINISTRATOR, agency=health, username="hv-admin")
    client_for(other).post(f"/directory/manage/services/{entry.pk}/edit/", form(entry, fees="£1"))
    change = ChangeRequest.objects.get()
    assert client_for(other).get("/directory/manage/changes/").status_code == 403
    assert client_for(other).post(f"/directory/manage/changes/{change.pk}/", {"decision": "approve"}).status_code == 403
    assert AuditEntry.objects.filter(action="access.refused").exists()
    # The officer's own edits apply directly, so there is nothing of theirs to approve; a
    # proposal they made before being appointed is still not theirs to approve.
    mine = ChangeRequest.objects.create(service=entry, proposed={"fees": "£2"}, requested_by=officer, requested_at=timezone.now())
    assert client_for(officer).post(f"/directory/manage/changes/{mine.pk}/", {"decision": "approve"}).status_code == 403


def test_manage_page_needs_the_right_role(entry, make_user, client_for, users):
    assert client_for(users["school"][Role.PRACTITIONER]).get("/directory/manage/").status_code == 403
    admin_page = client_for(users["school"][Role.AGENCY_ADMINISTRATOR]).get("/directory/manage/").content.decode()
    assert "Breakfast club" in admin_page
    other_admin_page = client_for(users["health"][Role.AGENCY_ADMINISTRATOR]).get("/directory/manage/").content.decode()
    assert "Breakfast club" not in other_admin_page


def test_invalid_edit_is_explained(entry, users, client_for):
    client = client_for(users["school"][Role.AGENCY_ADMINISTRATOR])
    response = client.post(f"/directory/manage/services/{entry.pk}/edit/", form(entry, minimum_age=12, maximum_age=5, name=""))
    body = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in body and "oldest age must be" in body
    entry.refresh_from_db()
    assert entry.minimum_age is None


def test_verifying_marks_the_entry_checked(entry, users, client_for):
    admin = users["school"][Role.AGENCY_ADMINISTRATOR]
    assert client_for(admin).post(f"/directory/manage/services/{entry.pk}/verify/").status_code == 302
    entry.refresh_from_db()
    assert entry.last_verified_on == timezone.localdate() and admin.display_name in entry.last_verified_by
    assert AuditEntry.objects.filter(action="directory.service_verified", target_id=str(entry.pk)).exists()
    refused = client_for(users["health"][Role.AGENCY_ADMINISTRATOR]).post(f"/directory/manage/services/{entry.pk}/verify/")
    assert refused.status_code == 403


def test_unverified_entries_are_flagged_to_owners_and_the_officer(entry, users, officer, settings):
    settings.ISAHUB_DIRECTORY_VERIFY_AFTER_DAYS = 180
    Service.objects.filter(pk=entry.pk).update(
        last_verified_on=timezone.localdate() - dt.timedelta(days=200), last_verified_by="x"
    )
    fresh_org = make_org("Health Org", agency=users["health"][Role.AGENCY_ADMINISTRATOR].agency)
    make_service(fresh_org, "Fresh", verified=timezone.localdate())
    call_command("directory_flag_unverified")
    school_admin = users["school"][Role.AGENCY_ADMINISTRATOR]
    assert Notification.objects.filter(recipient=school_admin, kind="directory.unverified").exists()
    assert not Notification.objects.filter(recipient=users["health"][Role.AGENCY_ADMINISTRATOR]).exists()
    assert Notification.objects.filter(recipient=officer, kind="directory.unverified").exists()
    assert AuditEntry.objects.filter(action="directory.unverified_flagged").exists()


def test_an_organisation_is_listed_only_once_it_has_agreed(db, client):
    org = make_org("Joining Trust", agreed=False)
    service = make_service(org, "Joining service")
    assert client.get(f"/directory/services/{service.pk}/").status_code == 404
    org.agreed_to_keep_current_on, org.agreed_by = dt.date(2026, 2, 1), "Chair of trustees"
    org.save()
    assert client.get(f"/directory/services/{service.pk}/").status_code == 200
