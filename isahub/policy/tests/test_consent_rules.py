"""Hand-written cases for the tricky consent rules, through pages, API, notifications and exports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from conftest import open_record
from isahub.accounts.models import AgencyKind, Role
from isahub.accounts.tests.factories import AgencyFactory, UserFactory
from isahub.children.models import BreakGlassGrant
from isahub.consent.models import AccessLevel
from isahub.consent.tests.factories import agreement, consent
from isahub.involvements.services import involvement_register, lead_professional_assign

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
REASON = "A concern has been raised about this child"


@pytest.fixture
def yot(db):
    return AgencyFactory(name="Northbrook Youth Offending Team", kind=AgencyKind.YOUTH_OFFENDING, phone="01632 960400")


@pytest.fixture
def worker(yot):
    return UserFactory(username="yot-worker", agency=yot, last_name="Quennell")


@pytest.fixture
def teacher(users):
    return users["school"][Role.PRACTITIONER]


def involve(child, who, role="Youth justice worker", phone="01632 960444"):
    with transaction.atomic():
        return involvement_register(actor=who, child=child, role=role, phone=phone, started_on=TODAY)


def page(user, child, client_for) -> str:
    client = client_for(user)
    open_record(client, child, reason=REASON)
    return client.get(f"/children/{child.pk}/").content.decode().replace("&#x27;", "'")


def test_agreement_that_expired_yesterday_hides_and_says_when(add_child, yot, worker, teacher, client_for):
    child = add_child()
    consent(child, by=worker)
    agreement(yot, teacher.agency, by=worker, starts_on=TODAY - dt.timedelta(days=365), ends_on=TODAY - dt.timedelta(days=1))
    involve(child, worker)
    body = page(teacher, child, client_for)
    yesterday = TODAY - dt.timedelta(days=1)
    assert "Quennell" not in body and "Northbrook Youth Offending Team" not in body
    assert f"ended on {yesterday:%-d %B %Y}" in body and "This picture may be incomplete" in body


def test_an_agreement_ending_today_is_still_in_force(add_child, yot, worker, teacher, client_for):
    child = add_child()
    consent(child, by=worker)
    agreement(yot, teacher.agency, by=worker, ends_on=TODAY)
    involve(child, worker)
    assert "Quennell" in page(teacher, child, client_for)


def test_an_agreement_not_yet_started_does_not_count(add_child, yot, worker, teacher, client_for):
    child = add_child()
    consent(child, by=worker)
    agreement(yot, teacher.agency, by=worker, starts_on=TODAY + dt.timedelta(days=1))
    involve(child, worker)
    assert "Quennell" not in page(teacher, child, client_for)


def test_an_agreement_between_other_agencies_does_not_count(add_child, yot, worker, teacher, client_for):
    child = add_child()
    consent(child, by=worker)
    agreement(yot, AgencyFactory(name="Northbrook Housing"), by=worker)
    involve(child, worker)
    assert "Quennell" not in page(teacher, child, client_for)


def test_working_with_the_child_turns_a_summary_into_full_details(add_child, yot, worker, teacher, client_for):
    child = add_child()
    consent(child, by=worker)
    agreement(yot, teacher.agency, by=worker, level=AccessLevel.SUMMARY)
    involve(child, worker)
    before = page(teacher, child, client_for)
    assert "Northbrook Youth Offending Team" in before and "01632 960400" in before and "Quennell" not in before
    involve(child, teacher, role="Class teacher", phone="01632 960111")
    assert "Quennell" in page(teacher, child, client_for)


def test_break_glass_shows_what_consent_hides_and_says_so(add_child, worker, teacher, client_for):
    child = add_child()
    involve(child, worker)
    assert "Quennell" not in page(teacher, child, client_for)
    now = timezone.now()
    BreakGlassGrant.objects.create(
        child=child, user=teacher, justification="Child missing overnight", granted_at=now, expires_at=now + dt.timedelta(hours=1)
    )
    assert "Quennell" in page(teacher, child, client_for)


def test_lead_professional_is_withheld_with_the_involvement(add_child, yot, worker, teacher, users, client_for, token_for):
    child = add_child()
    involve(child, worker)
    with transaction.atomic():
        lead_professional_assign(
            actor=users["school"][Role.CENTRAL_TEAM], child=child, practitioner=worker, reason="Family chose"
        )
    body = page(teacher, child, client_for)
    assert "A lead professional has been agreed" in body and "Quennell" not in body
    api = Client().get(f"/api/v1/children/{child.pk}", HTTP_X_ACCESS_REASON=REASON, **token_for(teacher)).json()
    assert api["lead_professional"]["redacted"] and "Quennell" not in str(api) and api["incomplete"]
    # The lead form offers only people the user may see.
    client = client_for(users["school"][Role.CENTRAL_TEAM])
    open_record(client, child, reason=REASON)
    assert "Quennell" not in client.get(f"/children/{child.pk}/lead-professional/").content.decode()


def test_consent_scope_names_agencies_one_by_one(add_child, yot, worker, teacher, users, client_for):
    """Verbal consent limited to two agencies: the third sees the redacted record."""
    health_visitor = users["health"][Role.PRACTITIONER]
    police = UserFactory(username="police-officer", agency=AgencyFactory(name="Northbrook Police", kind="police"))
    child = add_child()
    consent(child, by=worker, agencies=[yot, teacher.agency])
    for agency in (teacher.agency, health_visitor.agency, police.agency):
        agreement(yot, agency, by=worker, title=f"Protocol {agency.pk}")
    involve(child, worker)
    assert "Quennell" in page(teacher, child, client_for)
    for outsider in (health_visitor, police):
        body = page(outsider, child, client_for)
        assert "Quennell" not in body and f"has not agreed to share involvement information with {outsider.agency.name}" in body


def test_no_export_carries_what_the_page_hides(add_child, worker, teacher, users, client_for):
    """The audit CSV (the product's export) never carries the involvement itself: auditors
    see who did what, for oversight, not the role, phone or service of a withheld involvement."""
    child = add_child()
    involve(child, worker, role="Substance misuse key worker", phone="01632 969999")
    assert "Substance misuse key worker" not in page(teacher, child, client_for)
    auditor = users["school"][Role.AUDITOR]
    response = client_for(auditor, stepped_up=True).get("/audit/export.csv")
    assert response.status_code == 200
    csv = b"".join(response.streaming_content).decode()
    assert "involvement.registered" in csv and "child.viewed" in csv
    assert "Substance misuse key worker" not in csv and "01632 969999" not in csv


def test_a_lawful_basis_covers_only_the_recording_agencys_information(add_child, yot, worker, teacher, users, client_for):
    """A youth offending worker may justify sharing their own involvement with the police,
    never the school's."""
    from isahub.consent.tests.factories import lawful_basis

    police = UserFactory(username="officer", agency=AgencyFactory(name="Northbrook Police", kind="police"))
    child = add_child()
    lawful_basis(child, by=worker, agencies=[police.agency])
    agreement(yot, teacher.agency, police.agency, by=worker)
    involve(child, worker)
    involve(child, teacher, role="Class teacher", phone="01632 960111")
    body = page(police, child, client_for)
    assert "Quennell" in body and "Youth justice worker" in body
    assert teacher.last_name not in body and "Class teacher" not in body


def test_the_record_page_asks_the_database_a_fixed_number_of_times(add_child, teacher, client_for):
    """The facts are read once per viewer and child, however many involvements there are."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(how_many: int) -> int:
        child = add_child(given_names=f"Child{how_many}")
        consent(child, by=teacher)
        for n in range(how_many):
            agency = AgencyFactory(name=f"Agency {how_many}-{n}")
            agreement(agency, teacher.agency, by=teacher, title=f"Agreement {how_many}-{n}")
            involve(child, UserFactory(username=f"worker-{how_many}-{n}", agency=agency), role=f"Role {n}")
        client = client_for(teacher)
        open_record(client, child, reason=REASON)
        with CaptureQueriesContext(connection) as captured:
            body = client.get(f"/children/{child.pk}/").content.decode()
        assert body.count("Role ") == how_many
        return len(captured.captured_queries)

    assert queries_for(6) == queries_for(2)
