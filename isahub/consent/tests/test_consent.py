"""Consent records, lawful basis, agreements and the question asked when an involvement is added."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from conftest import open_record
from isahub.accounts.models import Role
from isahub.accounts.tests.factories import AgencyFactory, UserFactory
from isahub.audit.models import AuditEntry
from isahub.consent import services
from isahub.consent.models import ConsentRecord, LawfulBasisRecord, ReviewStatus, SharingAgreement
from isahub.consent.tests.factories import agreement, consent
from isahub.involvements.models import Involvement
from isahub.involvements.services import involvement_register
from isahub.messaging.models import Notification
from isahub.policy.engine import decide
from isahub.policy.sharing import FamilyViewer, Item

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def police(db):
    return AgencyFactory(name="Northbrook Police", kind="police", phone="01632 960500")


@pytest.fixture
def teacher(users):
    return users["school"][Role.PRACTITIONER]


@pytest.fixture
def health_visitor(users):
    return users["health"][Role.PRACTITIONER]


def involve(child, who, role="Class teacher"):
    with transaction.atomic():
        return involvement_register(actor=who, child=child, role=role, phone="01632 960111", started_on=TODAY)


def details(**overrides):
    values = {
        "decision": "given",
        "given_by": "parent",
        "method": "verbal",
        "evidence_location": "School safeguarding file",
        "given_on": TODAY,
        "kinds": ["involvement"],
        "all_agencies": True,
        "review_on": TODAY + dt.timedelta(days=180),
    }
    values.update(overrides)
    return services.ConsentDetails(**values)


def record_page(user, child, client_for):
    client = client_for(user)
    open_record(client, child)
    return client.get(f"/children/{child.pk}/").content.decode()


class TestConsentRecords:
    def test_consent_is_structured_and_validated(self, add_child, teacher):
        child = add_child()
        with pytest.raises(ValidationError) as raised:
            services.consent_record(
                actor=teacher,
                child=child,
                details=details(given_by="child", evidence_location="", kinds=[], all_agencies=False, review_on=None),
            )
        assert {"sufficient_understanding", "evidence_location", "kinds", "agencies", "review_on"} <= set(
            raised.value.message_dict
        )
        with transaction.atomic():
            record = services.consent_record(actor=teacher, child=child, details=details())
        assert record.taken_by == teacher and record.taken_for == teacher.agency and record.covers("involvement")
        assert AuditEntry.objects.filter(action="consent.given", child_id=str(child.pk)).exists()

    def test_withdrawal_is_a_new_record_and_history_is_kept(self, add_child, teacher, health_visitor, client_for):
        child = add_child()
        involve(child, teacher)
        agreement(teacher.agency, health_visitor.agency, by=teacher)
        with transaction.atomic():
            first = services.consent_record(actor=teacher, child=child, details=details())
        assert "Class teacher" in record_page(health_visitor, child, client_for)
        with transaction.atomic():
            withdrawal = services.consent_record(
                actor=teacher, child=child, details=details(decision="withdrawn", kinds=[], all_agencies=False, review_on=None)
            )
        assert withdrawal.supersedes == first and ConsentRecord.objects.filter(child=child).count() == 2
        page = record_page(health_visitor, child, client_for)
        assert "Class teacher" not in page and teacher.last_name not in page
        assert "may be incomplete" in page and "withdrew consent" in page
        # The history keeps both, for those working with the child.
        client = client_for(teacher)
        open_record(client, child)
        history = client.get(f"/consent/children/{child.pk}/").content.decode()
        assert "Consent withdrawn" in history and "Consent given" in history

    def test_a_competent_childs_own_decision_outranks_a_parents(self, add_child, teacher, health_visitor, client_for):
        child = add_child()
        involve(child, teacher)
        agreement(teacher.agency, health_visitor.agency, by=teacher)
        consent(child, by=teacher, decision="refused", given_by="child", given_on=TODAY - dt.timedelta(days=5))
        consent(child, by=teacher, given_by="parent", given_on=TODAY - dt.timedelta(days=1))
        page = record_page(health_visitor, child, client_for)
        assert "Class teacher" not in page and "the child refused consent" in page

    def test_the_history_is_not_for_everyone(self, add_child, teacher, health_visitor, client_for):
        child = add_child()
        involve(child, teacher)
        client = client_for(health_visitor)
        open_record(client, child)
        assert client.get(f"/consent/children/{child.pk}/").status_code == 403


class TestLawfulBasis:
    def test_justification_is_mandatory_and_every_record_is_flagged(
        self, add_child, teacher, users, client_for, django_capture_on_commit_callbacks
    ):
        child = add_child()
        with pytest.raises(ValidationError) as raised:
            services.lawful_basis_record(
                actor=teacher, child=child, basis="child_protection", justification="", kinds=["involvement"]
            )
        assert "justification" in raised.value.message_dict
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            record = services.lawful_basis_record(
                actor=teacher,
                child=child,
                basis="significant_harm",
                justification="Bruising seen at school; the parent may be the cause of harm.",
                kinds=["involvement"],
                all_agencies=True,
            )
        central = users["school"][Role.CENTRAL_TEAM]
        assert Notification.objects.filter(recipient=central, kind="lawful_basis_review").exists()
        assert mail.outbox and all("Amelia" not in m.body and "Bruising" not in m.body for m in mail.outbox)
        dashboard = client_for(central).get("/consent/").content.decode()
        assert "Risk of significant harm" in dashboard and f"/consent/lawful-basis/{record.pk}/review/" in dashboard
        assert client_for(teacher).get("/consent/").status_code == 403

    def test_a_basis_not_upheld_stops_applying(self, add_child, teacher, health_visitor, users, client_for):
        child = add_child()
        involve(child, teacher)
        agreement(teacher.agency, health_visitor.agency, by=teacher)
        with transaction.atomic():
            record = services.lawful_basis_record(
                actor=teacher,
                child=child,
                basis="child_protection",
                justification="Section 47 enquiry after a disclosure in class.",
                kinds=["involvement"],
                all_agencies=True,
            )
        page = record_page(health_visitor, child, client_for)
        assert "Class teacher" in page
        central = users["school"][Role.CENTRAL_TEAM]
        response = client_for(central).post(f"/consent/lawful-basis/{record.pk}/review/", {"outcome": "rejected", "note": ""})
        assert response.status_code == 200  # a reason is required
        client_for(central).post(f"/consent/lawful-basis/{record.pk}/review/", {"outcome": "rejected", "note": "No grounds"})
        record.refresh_from_db()
        assert record.review_status == ReviewStatus.REJECTED
        assert "Class teacher" not in record_page(health_visitor, child, client_for)
        assert Notification.objects.filter(recipient=teacher, kind="lawful_basis_reviewed").exists()


class TestAgreements:
    @pytest.fixture(autouse=True)
    def media(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path

    def form(self, school, health, **extra):
        data = {
            "kind": "protocol",
            "title": "Northbrook protocol",
            "parties": [school.pk, health.pk],
            "starts_on": "2026-01-01",
            "access_level": "full",
            "kinds": ["involvement"],
        }
        data.update(extra)
        return data

    def test_central_team_records_an_agreement_with_its_signed_copy(self, users, school, health, client_for, teacher):
        central = users["school"][Role.CENTRAL_TEAM]
        pdf = SimpleUploadedFile("signed.pdf", b"%PDF-1.4 synthetic", content_type="application/pdf")
        response = client_for(central).post("/consent/agreements/new/", {**self.form(school, health), "signed_copy": pdf})
        assert response.status_code == 302
        made = SharingAgreement.objects.get()
        assert set(made.parties.all()) == {school, health} and made.signed_copy.name.endswith(".pdf")
        download = client_for(teacher).get(f"/consent/agreements/{made.pk}/signed-copy/")
        assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
        assert AuditEntry.objects.filter(action="agreement.downloaded").exists()
        # Practitioners see the agreements, but do not change them.
        assert "Northbrook protocol" in client_for(teacher).get("/consent/agreements/").content.decode()
        assert client_for(teacher).post("/consent/agreements/new/", self.form(school, health)).status_code == 403

    @pytest.mark.parametrize(
        ("name", "content", "problem"),
        [
            ("signed.exe", b"MZ", "must be a PDF"),
            ("signed.pdf", b"<html>not a pdf</html>", "do not match"),
            ("signed.png", b"\x89PNG\r\n\x1a\n" + b"0" * 2048, "smaller than"),
        ],
    )
    def test_signed_copies_are_checked(self, users, school, health, client_for, settings, name, content, problem):
        settings.ISAHUB_AGREEMENT_MAX_BYTES = 1024 * 1024 if problem != "smaller than" else 1024
        central = users["school"][Role.CENTRAL_TEAM]
        upload = SimpleUploadedFile(name, content)
        response = client_for(central).post("/consent/agreements/new/", {**self.form(school, health), "signed_copy": upload})
        assert response.status_code == 200 and problem in response.content.decode()
        assert not SharingAgreement.objects.exists()


class TestAskingAtTheRightMoment:
    def form(self, **extra):
        data = {"role": "Youth worker", "phone": "01632 960777", "email": "", "started_on": TODAY.isoformat()}
        data.update(extra)
        return data

    def test_the_page_shows_what_consent_covers_and_refuses_a_false_yes(self, add_child, teacher, client_for):
        child = add_child()
        client = client_for(teacher)
        open_record(client, child)
        page = client.get(f"/children/{child.pk}/involvements/new/").content.decode()
        assert "consent covers now" in page and "No consent has been recorded" in page
        response = client.post(f"/children/{child.pk}/involvements/new/", self.form(sharing="existing"))
        assert response.status_code == 200 and "No consent in force covers this" in response.content.decode()
        assert not Involvement.objects.exists()
        assert client.post(f"/children/{child.pk}/involvements/new/", self.form()).status_code == 200  # must answer

    def test_recording_consent_for_two_agencies_with_the_involvement(self, add_child, teacher, health, police, client_for):
        child = add_child()
        client = client_for(teacher)
        open_record(client, child)
        response = client.post(
            f"/children/{child.pk}/involvements/new/",
            self.form(
                sharing="new_consent",
                given_by="parent",
                method="verbal",
                evidence_location="My notebook",
                consent_agencies=[teacher.agency.pk, health.pk],
                consent_kinds=["involvement"],
                review_on=(TODAY + dt.timedelta(days=90)).isoformat(),
            ),
        )
        assert response.status_code == 302
        record = ConsentRecord.objects.get(child=child)
        assert set(record.agencies.all()) == {teacher.agency, health} and record.method == "verbal"
        assert Involvement.objects.filter(child=child, practitioner=teacher).exists()

    def test_incomplete_consent_leaves_nothing_behind(self, add_child, teacher, client_for):
        child = add_child()
        client = client_for(teacher)
        open_record(client, child)
        response = client.post(f"/children/{child.pk}/involvements/new/", self.form(sharing="new_consent"))
        assert response.status_code == 200 and "Say where the evidence is kept" in response.content.decode()
        assert not Involvement.objects.exists() and not ConsentRecord.objects.exists()

    def test_lawful_basis_without_consent_needs_a_justification(self, add_child, teacher, client_for):
        child = add_child()
        client = client_for(teacher)
        open_record(client, child)
        refused = client.post(
            f"/children/{child.pk}/involvements/new/", self.form(sharing="lawful_basis", basis="court_order", justification="")
        )
        assert refused.status_code == 200 and not Involvement.objects.exists()
        done = client.post(
            f"/children/{child.pk}/involvements/new/",
            self.form(
                sharing="lawful_basis",
                basis="court_order",
                justification="Care order made on 3 March; the court directed information sharing.",
                basis_all_agencies="on",
            ),
        )
        assert done.status_code == 302
        assert LawfulBasisRecord.objects.get(child=child).review_status == ReviewStatus.AWAITING


class TestChildAsksNotToTellParents:
    """No family view exists yet: the rule it must use is tested here, at the policy level."""

    def test_a_parent_never_sees_what_the_child_asked_to_keep(self, add_child, teacher):
        child = add_child()
        clinic = AgencyFactory(name="Northbrook Sexual Health", kind="sexual_health", is_sensitive_service=True)
        nurse = UserFactory(username="clinic-nurse", agency=clinic)
        with transaction.atomic():
            services.parent_confidentiality_record(
                actor=nurse,
                child=child,
                request="Please don't tell my mum I come to the clinic.",
                kinds=["involvement"],
                agency=clinic,
                sufficient_understanding=True,
            )
        parent = FamilyViewer(child_id=child.pk, relationship="parent")
        own_child = FamilyViewer(child_id=child.pk, relationship="child")
        clinic_item = Item(child, "involvement", clinic.pk)
        school_item = Item(child, "involvement", teacher.agency_id)
        refused = decide(parent, "family.see", clinic_item)
        assert not refused.allowed and "not shared with their parents" in refused.reason
        assert decide(parent, "family.see", school_item).allowed  # only what the child asked
        assert decide(own_child, "family.see", clinic_item).allowed
        assert not decide(parent, "information.see", clinic_item).allowed
        other = FamilyViewer(child_id="00000000-0000-0000-0000-000000000000", relationship="parent")
        assert not decide(other, "family.see", school_item).allowed
        # A practitioner is never a family viewer.
        assert not decide(teacher, "family.see", school_item).allowed

    def test_the_request_can_end_and_stays_in_the_history(self, add_child, teacher, client_for):
        child = add_child()
        involve(child, teacher)
        with transaction.atomic():
            request = services.parent_confidentiality_record(
                actor=teacher, child=child, request="Not my dad, for now.", kinds=["involvement"], sufficient_understanding=True
            )
        parent = FamilyViewer(child_id=child.pk, relationship="parent")
        item = Item(child, "involvement", teacher.agency_id)
        assert not decide(parent, "family.see", item).allowed
        client = client_for(teacher)
        open_record(client, child)
        page = client.get(f"/consent/children/{child.pk}/").content.decode()
        assert f"/consent/children/{child.pk}/not-for-parents/{request.pk}/end/" in page
        assert client.post(f"/consent/children/{child.pk}/not-for-parents/{request.pk}/end/").status_code == 302
        assert decide(parent, "family.see", item).allowed
        assert "Not my dad, for now." in client.get(f"/consent/children/{child.pk}/").content.decode()
        assert AuditEntry.objects.filter(action="consent.parent_confidentiality_ended").exists()

    def test_only_a_child_of_sufficient_understanding_can_ask(self, add_child, teacher):
        with pytest.raises(ValidationError):
            services.parent_confidentiality_record(
                actor=teacher, child=add_child(), request="x", kinds=["involvement"], sufficient_understanding=False
            )


class TestNoticesAndToolkit:
    def test_notice_versions_issues_and_cohorts_due(self, users, client_for, teacher):
        central = users["school"][Role.CENTRAL_TEAM]
        client = client_for(central)
        client.post(
            "/consent/notices/new/",
            {
                "version": "2025-1",
                "title": "Your child on the index",
                "text": "We hold basic details.",
                "published_on": "2025-01-01",
                "reissue_after_months": "12",
            },
        )
        from isahub.consent.models import FairProcessingNotice

        notice = FairProcessingNotice.objects.get()
        old = (TODAY - dt.timedelta(days=360)).isoformat()
        client.post(
            f"/consent/notices/{notice.pk}/issue/", {"cohort": "Reception 2025, Riverside", "channel": "school", "issued_on": old}
        )
        client.post(
            f"/consent/notices/{notice.pk}/issue/", {"cohort": "Year 7 2026", "channel": "post", "issued_on": TODAY.isoformat()}
        )
        page = client.get("/consent/notices/").content.decode()
        due = page.split('data-testid="due"')[1].split("</ul>")[0]
        assert "Reception 2025, Riverside" in due and "Year 7 2026" not in due
        assert client_for(teacher).get("/consent/notices/").status_code == 403

    def test_toolkit_is_read_by_all_and_edited_by_the_central_team(self, users, client_for, teacher):
        central = users["school"][Role.CENTRAL_TEAM]
        client_for(central).post(
            "/consent/toolkit/new/",
            {
                "title": "Seven questions before you share",
                "kind": "framework",
                "body": "- Is there a clear and legitimate purpose?",
            },
        )
        page = client_for(teacher).get("/consent/toolkit/seven-questions-before-you-share/").content.decode()
        assert "<li>Is there a clear and legitimate purpose?</li>" in page
        assert client_for(teacher).get("/consent/toolkit/seven-questions-before-you-share/edit/").status_code == 403
        assert client_for(teacher).get("/consent/toolkit/new/").status_code == 403


class TestApi:
    def test_consent_over_the_api_follows_the_same_rules(self, add_child, teacher, health_visitor, users, token_for):
        from django.test import Client

        child = add_child()
        involve(child, teacher)
        body = {
            "decision": "given",
            "given_by": "parent",
            "method": "verbal",
            "evidence_location": "Phone note",
            "given_on": TODAY.isoformat(),
            "agency_ids": [teacher.agency_id, health_visitor.agency_id],
            "kinds": ["involvement"],
            "review_on": (TODAY + dt.timedelta(days=90)).isoformat(),
        }
        reason = {"HTTP_X_ACCESS_REASON": "Recording what the family agreed"}
        url = f"/api/v1/consent/children/{child.pk}"
        made = Client().post(url, body, content_type="application/json", **reason, **token_for(teacher))
        assert made.status_code == 201
        refused = Client().post(
            url, body, content_type="application/json", **reason, **token_for(users["school"][Role.DATA_MANAGER])
        )
        assert refused.status_code == 403
        assert (
            Client()
            .post(url, {**body, "evidence_location": ""}, content_type="application/json", **reason, **token_for(teacher))
            .status_code
            == 400
        )
        history = Client().get(url, **reason, **token_for(teacher)).json()
        scope = history["consents"][0]["scope"]
        assert history["status"] == "given" and teacher.agency.name in scope and health_visitor.agency.name in scope
        assert history["consents"][0]["taken"] == f"{teacher.display_name} ({teacher.agency.name})"
        assert Client().get(url, **reason, **token_for(health_visitor)).status_code == 403  # not working with the child
        assert Client().get(url, **token_for(teacher)).status_code == 403  # no reason given
        agreement(teacher.agency, health_visitor.agency, by=teacher)
        listed = Client().get("/api/v1/consent/agreements", **token_for(health_visitor)).json()
        assert listed[0]["access_level"] == "full"


class TestDashboard:
    def test_consents_due_for_review_or_expiring_are_listed(self, add_child, teacher, users, client_for):
        due = add_child()
        later = add_child(given_names="Oliver", family_name="Pryce")
        withdrawn = add_child(given_names="Ruby", family_name="Tanner")
        expiring = add_child(given_names="Zac", family_name="Moor")
        for child, review in ((due, 10), (later, 100), (withdrawn, 10)):
            record = consent(child, by=teacher)
            record.review_on = TODAY + dt.timedelta(days=review)
            record.save()
        consent(withdrawn, by=teacher, decision="withdrawn", given_on=TODAY)
        consent(expiring, by=teacher, expires_on=TODAY + dt.timedelta(days=5))
        page = client_for(users["school"][Role.CENTRAL_TEAM]).get("/consent/").content.decode()
        listed = page.split('data-testid="due-for-review"')[1].split("</ul>")[0]
        assert str(due.pk)[:8] in listed and str(expiring.pk)[:8] in listed
        assert str(later.pk)[:8] not in listed and str(withdrawn.pk)[:8] not in listed
        assert AuditEntry.objects.filter(action="consent.dashboard_viewed").exists()


def test_the_api_asks_the_same_question_when_an_involvement_is_added(add_child, teacher, token_for):
    from django.test import Client

    child = add_child()
    url = f"/api/v1/children/{child.pk}/involvements"
    reason = {"HTTP_X_ACCESS_REASON": "Recording my involvement"}
    body = {"role": "Class teacher", "phone": "01632 960111"}
    false_yes = Client().post(
        url, {**body, "sharing": "existing"}, content_type="application/json", **reason, **token_for(teacher)
    )
    assert false_yes.status_code == 400 and "No consent in force covers this" in false_yes.json()["detail"]
    no_reason = Client().post(
        url,
        {**body, "sharing": "lawful_basis", "basis": "court_order"},
        content_type="application/json",
        **reason,
        **token_for(teacher),
    )
    assert no_reason.status_code == 400 and "justification" in no_reason.json()["detail"]
    assert not Involvement.objects.exists()
    made = Client().post(
        url,
        {
            **body,
            "sharing": "lawful_basis",
            "basis": "court_order",
            "justification": "The court directed that the school shares its involvement.",
            "basis_all_agencies": True,
        },
        content_type="application/json",
        **reason,
        **token_for(teacher),
    )
    assert made.status_code == 201
    assert LawfulBasisRecord.objects.get(child=child).recorded_for == teacher.agency


def test_the_consent_history_tells_nothing_the_record_hides(add_child, teacher, users, client_for, token_for):
    """A sensitive service took the young person's consent and holds their request: a teacher
    working with the child sees the decisions, never that the service is involved."""
    from django.test import Client

    clinic = AgencyFactory(name="Northbrook Sexual Health", kind="sexual_health", is_sensitive_service=True)
    nurse = UserFactory(username="clinic-nurse", agency=clinic, last_name="Penrose")
    child = add_child()
    involve(child, teacher)
    agreement(clinic, teacher.agency, by=teacher)
    with transaction.atomic():
        involvement_register(actor=nurse, child=child, role="Sexual health nurse", phone="01632 969000", started_on=TODAY)
        services.consent_record(
            actor=nurse,
            child=child,
            details=details(
                given_by="child",
                sufficient_understanding=True,
                all_agencies=False,
                agencies=[clinic, teacher.agency],
                evidence_location="Clinic notes",
            ),
        )
        services.parent_confidentiality_record(
            actor=nurse,
            child=child,
            request="Not my parents.",
            kinds=["involvement"],
            agency=clinic,
            sufficient_understanding=True,
        )
        services.lawful_basis_record(
            actor=nurse,
            child=child,
            basis="significant_harm",
            justification="Disclosure in clinic of harm at home; the school must know to watch.",
            kinds=["involvement"],
            all_agencies=True,
        )
    client = client_for(teacher)
    open_record(client, child)
    for body in (
        client.get(f"/consent/children/{child.pk}/").content.decode(),
        Client()
        .get(f"/api/v1/consent/children/{child.pk}", HTTP_X_ACCESS_REASON="Checking", **token_for(teacher))
        .content.decode(),
        # The form's tick list names every agency taking part (as the agencies page does); the
        # summary of what consent covers must not single out the service.
        client.get(f"/children/{child.pk}/involvements/new/").content.decode().split('data-testid="consent-summary"')[1][:1500],
    ):
        assert "Sexual Health" not in body and "Penrose" not in body and "Clinic notes" not in body
        assert "Disclosure in clinic" not in body
    history = client.get(f"/consent/children/{child.pk}/").content.decode()
    assert "Not my parents." in history and "1 other service" in history and "another agency (not shared with you)" in history
    # The central team keeps the records and sees every source.
    central = users["school"][Role.CENTRAL_TEAM]
    central_client = client_for(central)
    open_record(central_client, child)
    full = central_client.get(f"/consent/children/{child.pk}/").content.decode()
    assert "Northbrook Sexual Health" in full and "Penrose" in full and "Disclosure in clinic" in full
