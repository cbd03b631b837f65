"""Who may do what to the directory, for every role at the owning agency and at another,
through the pages: the allowed answers and every refusal (a 403 with an audit row)."""

import pytest

from isahub.accounts.models import Role
from isahub.audit.models import AuditEntry
from isahub.directory.models import ChangeRequest, Service

from .factories import make_org, make_service

pytestmark = pytest.mark.django_db

CASES = [(agency, role) for agency in ("school", "health") for role in Role.values]


def edit_form(service, **changes):
    base = {"name": service.name, "description": "", "status": "active", "referral_route": service.referral_route}
    return base | changes


@pytest.mark.parametrize(("agency", "role"), CASES, ids=[f"{a}-{r}" for a, r in CASES])
def test_directory_rules_through_the_pages(users, client_for, school, agency, role):
    entry = make_service(make_org("Riverside Primary School", agency=school), "Breakfast club")
    user = users[agency][role]
    client = client_for(user)
    owner_admin = agency == "school" and role == Role.AGENCY_ADMINISTRATOR

    manage = client.get("/directory/manage/")
    assert manage.status_code == (200 if role == Role.AGENCY_ADMINISTRATOR else 403)

    # Anyone signed in may suggest a change; only the owning agency's administrator changes it at once.
    response = client.post(f"/directory/manage/services/{entry.pk}/edit/", edit_form(entry, name="Breakfast club (renamed)"))
    assert response.status_code == 302
    renamed = Service.objects.get(pk=entry.pk).name == "Breakfast club (renamed)"
    assert renamed is owner_admin
    assert ChangeRequest.objects.filter(service=entry, requested_by=user).exists() is not owner_admin

    verify = client.post(f"/directory/manage/services/{entry.pk}/verify/")
    assert verify.status_code == (302 if owner_admin else 403)

    load = client.get("/directory/manage/import/")
    assert load.status_code == (200 if role == Role.DATA_MANAGER else 403)
    export = client.get("/directory/manage/export/?format=json")
    assert export.status_code == (200 if role == Role.DATA_MANAGER else 403)

    # Nobody here is the directory officer, so nobody approves.
    assert client.get("/directory/manage/changes/").status_code == 403

    refusals = AuditEntry.objects.filter(action="access.refused", actor_id=user.pk).count()
    expected = sum(
        [role != Role.AGENCY_ADMINISTRATOR, not owner_admin, role != Role.DATA_MANAGER, role != Role.DATA_MANAGER, True]
    )
    assert refusals == expected


def test_anonymous_visitors_cannot_change_anything(db, client, school):
    entry = make_service(make_org("Riverside Primary School", agency=school), "Breakfast club")
    for path in (f"/directory/manage/services/{entry.pk}/edit/", f"/directory/manage/services/{entry.pk}/verify/"):
        response = client.post(path, edit_form(entry, name="Hacked"))
        assert response.status_code == 302 and response.url.startswith("/sign-in/")
    assert Service.objects.get(pk=entry.pk).name == "Breakfast club"
    assert not ChangeRequest.objects.exists()
