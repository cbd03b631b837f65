"""Involvements, the lead professional and closing a case."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from conftest import open_record
from isahub.accounts.models import Role
from isahub.audit.models import AuditEntry
from isahub.consent.tests.factories import share_all
from isahub.involvements.models import Involvement, LeadProfessional, SafeToClose
from isahub.involvements.services import (
    case_close,
    involvement_end,
    involvement_register,
    lead_professional_assign,
)
from isahub.messaging.models import Notification

pytestmark = pytest.mark.django_db
REASON = {"HTTP_X_ACCESS_REASON": "I am working with this child and need to know who else is involved"}


def involve(child, actor, **kwargs):
    return involvement_register(
        actor=actor, child=child, role="Class teacher", phone="01632 960111", started_on=dt.date(2026, 1, 5), **kwargs
    )


@pytest.fixture
def teacher(users):
    return users["school"][Role.PRACTITIONER]


@pytest.fixture
def health_visitor(users):
    return users["health"][Role.PRACTITIONER]


def test_practitioner_registers_through_the_page_and_colleagues_are_told(
    add_child, teacher, health_visitor, client_for, django_capture_on_commit_callbacks
):
    child = add_child()
    # Since consent (issue 6), colleagues are told only what they may see: here the family
    # agreed and the two agencies signed an agreement, so the health visitor is told in full.
    share_all(child, teacher.agency, health_visitor.agency, by=teacher)
    involve(child, health_visitor)
    client = client_for(teacher)
    open_record(client, child)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/children/{child.pk}/involvements/new/",
            {"role": "Class teacher", "phone": "01632 960123", "email": "", "started_on": "2026-02-02", "sharing": "existing"},
        )
    assert response.status_code == 302
    involvement = Involvement.objects.get(child=child, practitioner=teacher)
    assert involvement.recorded_by == teacher and involvement.agency == teacher.agency
    note = Notification.objects.get(recipient=health_visitor)
    assert teacher.display_name in note.text and "Amelia Hartley" in note.text
    assert len(mail.outbox) == 1 and "Amelia" not in mail.outbox[0].body  # e-mails never name the child
    assert AuditEntry.objects.filter(action="involvement.registered", child_id=str(child.pk)).exists()


def test_registration_refuses_bad_input_with_reasons(add_child, teacher):
    child = add_child()
    with pytest.raises(ValidationError) as raised:
        involvement_register(actor=teacher, child=child, role="", phone="", started_on=dt.date(2099, 1, 1))
    assert set(raised.value.message_dict) == {"role", "phone", "started_on"}
    involve(child, teacher)
    with pytest.raises(ValidationError, match="already recorded"):
        involve(child, teacher)
    assert Involvement.objects.count() == 1


def test_central_team_records_on_behalf_and_both_names_are_kept(add_child, users, teacher):
    child = add_child()
    coordinator = users["school"][Role.CENTRAL_TEAM]
    involvement = involve(child, coordinator, practitioner=teacher)
    assert involvement.practitioner == teacher and involvement.recorded_by == coordinator
    entry = AuditEntry.objects.get(action="involvement.registered")
    assert entry.actor_id == coordinator.pk and '"on_behalf":true' in entry.details


def test_practitioners_cannot_record_for_someone_else(add_child, teacher, health_visitor):
    from isahub.policy.errors import AccessRefused

    with pytest.raises(AccessRefused):
        involve(add_child(), teacher, practitioner=health_visitor)


def test_the_last_involvement_needs_a_safe_to_close_judgement(add_child, teacher, health_visitor):
    child = add_child()
    first, last = involve(child, teacher), involve(child, health_visitor)
    involvement_end(actor=teacher, involvement=first, reason="Moved school")
    with pytest.raises(ValidationError, match="last person working with this child"):
        involvement_end(actor=health_visitor, involvement=last, reason="Discharged")
    last.refresh_from_db()
    assert last.ended_on is None
    involvement_end(
        actor=health_visitor, involvement=last, reason="Discharged", safe_to_close="Needs met; family agree; GP aware"
    )
    assert SafeToClose.objects.get(child=child).judgement.startswith("Needs met")


def test_only_the_practitioner_or_central_team_ends_an_involvement(add_child, teacher, health_visitor, users):
    from isahub.policy.errors import AccessRefused

    child = add_child()
    mine = involve(child, teacher)
    involve(child, health_visitor)
    with pytest.raises(AccessRefused):
        involvement_end(actor=health_visitor, involvement=mine, reason="Not theirs to end")
    involvement_end(actor=users["school"][Role.CENTRAL_TEAM], involvement=mine, reason="Left the school")


class TestLeadProfessional:
    def test_at_most_one_current_with_history_and_deputy(self, add_child, teacher, health_visitor):
        child = add_child()
        involve(child, teacher)
        involve(child, health_visitor)
        lead_professional_assign(
            actor=teacher, child=child, practitioner=teacher, deputy=health_visitor, reason="The family chose the school"
        )
        lead_professional_assign(
            actor=health_visitor, child=child, practitioner=health_visitor, reason="Meeting on 3 May agreed health leads"
        )
        leads = list(LeadProfessional.objects.filter(child=child).order_by("created_at"))
        assert [lead.practitioner for lead in leads] == [teacher, health_visitor]
        assert leads[0].ended_on is not None and leads[1].ended_on is None
        assert leads[0].deputy == health_visitor and leads[0].decided_by == "family_choice"

    def test_the_database_refuses_two_current_leads(self, add_child, teacher):
        child = add_child()
        involve(child, teacher)
        lead_professional_assign(actor=teacher, child=child, practitioner=teacher, reason="Chosen")
        with pytest.raises(IntegrityError), transaction.atomic():
            LeadProfessional.objects.create(
                child=child,
                practitioner=teacher,
                agency=teacher.agency,
                started_on=dt.date(2026, 1, 1),
                decided_by="panel",
                reason="x",
                recorded_by=teacher,
            )

    def test_lead_must_be_involved(self, add_child, teacher, health_visitor):
        child = add_child()
        involve(child, teacher)
        with pytest.raises(ValidationError, match="recorded as working with the child"):
            lead_professional_assign(actor=teacher, child=child, practitioner=health_visitor, reason="x")

    def test_record_page_shows_the_lead_prominently(self, add_child, teacher, client_for):
        child = add_child()
        involve(child, teacher)
        lead_professional_assign(actor=teacher, child=child, practitioner=teacher, reason="Chosen by the family")
        client = client_for(teacher)
        open_record(client, child)
        page = client.get(f"/children/{child.pk}/").content.decode()
        lead_block = page.split('data-testid="lead"')[1].split("</div>\n</div>")[0]
        assert teacher.display_name in lead_block and "01632 960111" in lead_block


def test_closing_a_case_ends_involvements_and_lead_together(add_child, teacher, health_visitor, users):
    child = add_child()
    involve(child, teacher)
    involve(child, health_visitor)
    lead_professional_assign(actor=teacher, child=child, practitioner=teacher, reason="Chosen")
    assert case_close(actor=teacher, child=child, judgement="Plan complete; family agree") == 2
    assert not Involvement.objects.filter(child=child, ended_on__isnull=True).exists()
    assert not LeadProfessional.objects.filter(child=child, ended_on__isnull=True).exists()
    assert AuditEntry.objects.filter(action="case.closed").exists()


def test_api_registers_and_ends_an_involvement(add_child, teacher, token_for):
    child = add_child()
    headers = token_for(teacher)
    no_reason = Client().post(
        f"/api/v1/children/{child.pk}/involvements", {"role": "Teacher", "phone": "1"}, content_type="application/json", **headers
    )
    assert no_reason.status_code == 403
    created = Client().post(
        f"/api/v1/children/{child.pk}/involvements",
        {"role": "Teacher", "phone": "01632 960123"},
        content_type="application/json",
        **headers,
        **REASON,
    )
    assert created.status_code == 201
    involvement_id = created.json()["id"]
    refused = Client().post(
        f"/api/v1/children/{child.pk}/involvements/{involvement_id}/end",
        {"reason": "Left"},
        content_type="application/json",
        **headers,
        **REASON,
    )
    assert refused.status_code == 400 and "safe_to_close" in refused.json()["detail"]
    ended = Client().post(
        f"/api/v1/children/{child.pk}/involvements/{involvement_id}/end",
        {"reason": "Left", "safe_to_close": "Needs met"},
        content_type="application/json",
        **headers,
        **REASON,
    )
    assert ended.status_code == 200


def test_notifications_page_lists_and_marks_read(add_child, teacher, health_visitor, client_for):
    child = add_child()
    share_all(child, teacher.agency, health_visitor.agency, by=teacher)  # consent and agreement (issue 6)
    involve(child, health_visitor)
    involve(child, teacher)
    client = client_for(health_visitor)
    page = client.get("/notifications/").content.decode()
    assert "is now working with Amelia Hartley" in page and 'data-testid="unread">1' in page
    note = Notification.objects.get(recipient=health_visitor)
    client.post(f"/notifications/{note.pk}/read/")
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'data-testid="unread"' not in client.get("/notifications/").content.decode()
    # Nobody reads anyone else's notifications.
    assert "Amelia" not in client_for(teacher).get("/notifications/").content.decode()


def test_lead_form_never_reveals_who_a_sensitive_service_is(add_child, teacher, client_for):
    import re

    from isahub.accounts.tests.factories import AgencyFactory, UserFactory

    camhs = AgencyFactory(name="Northbrook CAMHS", kind="camhs", is_sensitive_service=True)
    worker = UserFactory(username="camhs-worker", agency=camhs)
    child = add_child()
    share_all(child, camhs, teacher.agency, by=teacher)  # consent and agreement given: this tests the masking
    mine = involve(child, teacher)
    involve(child, worker)
    client = client_for(teacher)
    open_record(client, child)
    page = client.get(f"/children/{child.pk}/lead-professional/").content.decode()
    values = set(re.findall(r'<option value="([^"]*)"', page))
    assert str(worker.pk) not in values and "CAMHS" not in page and "A service is involved" in page
    response = client.post(
        f"/children/{child.pk}/lead-professional/", {"practitioner": str(mine.pk), "deputy": "", "reason": "Family chose"}
    )
    assert response.status_code == 302
    assert LeadProfessional.objects.get(child=child, ended_on__isnull=True).practitioner == teacher


def test_record_page_shows_who_recorded_on_someones_behalf(add_child, users, teacher, client_for):
    child = add_child()
    coordinator = users["school"][Role.CENTRAL_TEAM]
    involve(child, coordinator, practitioner=teacher)
    client = client_for(teacher)
    open_record(client, child)
    assert f"(recorded by {coordinator.display_name})" in client.get(f"/children/{child.pk}/").content.decode()
