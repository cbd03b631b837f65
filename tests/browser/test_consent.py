"""Consent in a browser: asked at the moment of sharing, honoured for a third agency, and every
consent page clean under axe-core (WCAG 2.0-2.2 A and AA), error states included."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from isahub.accounts.models import AgencyKind, Role
from isahub.accounts.tests.factories import AgencyFactory
from isahub.children.access import SESSION_KEY as REASONS_SESSION_KEY
from isahub.consent import services
from isahub.consent.models import ConsentRecord
from isahub.consent.tests.factories import agreement, consent
from isahub.involvements.services import involvement_register

pytestmark = pytest.mark.browser

REASON = "A concern has been raised about this child"
TODAY = timezone.localdate()


def reasons_given(*children) -> dict:
    return {REASONS_SESSION_KEY: {str(child.pk): [REASON, time.time()] for child in children}}


def goto(page, path: str, *, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status, f"{path}: HTTP {response and response.status}"


def submit(page) -> None:
    with page.expect_navigation():
        page.click("#submit-id-submit")


def test_verbal_consent_for_two_agencies_and_a_third_sees_the_redacted_record(
    page, live_server, make_user, add_child, health, sign_in_as, assert_accessible
):
    child = add_child()
    teacher = make_user(role=Role.PRACTITIONER, username="pat.jones", first_name="Pat", last_name="Jones", phone="01632 960123")
    police = AgencyFactory(name="Northbrook Police", kind=AgencyKind.POLICE, phone="01632 960500")
    officer = make_user(role=Role.PRACTITIONER, agency=police, username="officer", first_name="Dev", last_name="Sandhu")
    visitor = make_user(role=Role.PRACTITIONER, agency=health, username="visitor", first_name="Hal", last_name="Moss")
    # All three agencies have signed: what the police officer sees is decided by consent alone.
    agreement(teacher.agency, health, police, by=teacher)

    # The practitioner records their involvement; the page asks whether consent covers it.
    sign_in_as(teacher, session=reasons_given(child))
    goto(page, f"/children/{child.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Record my involvement").click()
    expect(page.locator("[data-testid=consent-summary]")).to_contain_text("No consent has been recorded.")
    assert_accessible(page, heading="Record an involvement")
    page.fill("#id_role", "Class teacher")
    page.fill("#id_phone", "01632 960123")
    page.fill("#id_started_on", TODAY.isoformat())
    page.get_by_label("Yes: I am recording the family's consent now").check()
    submit(page)  # nothing about the consent yet: the page says what is missing
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Say where the evidence is kept")
    expect(summary).to_contain_text("Choose the agencies it may be shared with")
    assert_accessible(page, heading="Record an involvement")

    page.select_option("#id_given_by", "parent")
    page.fill("#id_giver_name", "Ms Hartley (mother)")
    page.check(f"input[name=consent_agencies][value='{teacher.agency_id}']")
    page.check(f"input[name=consent_agencies][value='{health.pk}']")
    page.select_option("#id_method", "verbal")
    page.fill("#id_evidence_location", "My notebook, then the school safeguarding file")
    page.fill("#id_review_on", (TODAY + dt.timedelta(days=180)).isoformat())
    submit(page)
    expect(page).to_have_url(f"{live_server.url}/children/{child.pk}/")
    expect(page.locator("[data-testid=involvements]")).to_contain_text("Pat Jones")

    record = ConsentRecord.objects.get(child=child)
    assert record.method == "verbal" and not record.all_agencies
    assert set(record.agencies.all()) == {teacher.agency, health} and record.kinds == ["involvement"]

    # A health visitor (covered) sees the teacher; a police officer (not covered) sees the redacted record.
    sign_in_as(visitor, session=reasons_given(child))
    goto(page, f"/children/{child.pk}/")
    expect(page.locator("[data-testid=involvements]")).to_contain_text("Pat Jones")

    sign_in_as(officer, session=reasons_given(child))
    goto(page, f"/children/{child.pk}/")
    banner = page.locator("[data-testid=incomplete]")
    expect(banner).to_contain_text("This picture may be incomplete.")
    expect(banner).to_contain_text("the family has not agreed to share involvement information with Northbrook Police")
    expect(page.locator("main")).not_to_contain_text("Pat Jones")
    expect(page.locator("main")).not_to_contain_text("Riverside Primary School")
    expect(page.locator("main")).not_to_contain_text("01632 960123")
    expect(page.locator("h1")).to_have_text("Amelia Hartley")  # basic details are still there
    assert_accessible(page, heading="Amelia Hartley")


def test_consent_pages_are_accessible(page, live_server, users, add_child, sign_in_as, assert_accessible, school, health):
    central = users["school"][Role.CENTRAL_TEAM]
    teacher = users["school"][Role.PRACTITIONER]
    child = add_child()
    with transaction.atomic():
        involvement_register(actor=teacher, child=child, role="Class teacher", phone="01632 960123", started_on=TODAY)
        consent(child, by=teacher, agencies=[school, health])
        agreement(school, health, by=teacher)
        agreement(school, health, by=teacher, title="Lapsed arrangement", ends_on=TODAY - dt.timedelta(days=1))
        basis = services.lawful_basis_record(
            actor=teacher,
            child=child,
            basis="significant_harm",
            justification="Bruising seen at school; a parent may be the cause.",
            kinds=["involvement"],
            all_agencies=True,
        )
        notice = services.notice_create(
            actor=central,
            version="2025-1",
            title="The index",
            text="We hold basic details.",
            published_on=TODAY,
            reissue_after_months=1,
        )
        services.notice_issue_record(
            actor=central, notice=notice, cohort="Year 7", channel="school", issued_on=TODAY - dt.timedelta(days=40)
        )
        services.toolkit_page_save(
            actor=central, slug="before-you-share", title="Before you share", kind="framework", body="Ask:\n\n- Why?\n- Who?"
        )
    sign_in_as(central, session=reasons_given(child))

    for path, heading in [
        ("/consent/", "Consent dashboard"),
        ("/consent/agreements/", "Information-sharing agreements"),
        ("/consent/agreements/new/", "Record an information-sharing agreement"),
        ("/consent/notices/", "Fair processing notices"),
        ("/consent/notices/new/", "Add a version of the fair processing notice"),
        ("/consent/toolkit/", "Information-sharing toolkit"),
        ("/consent/toolkit/before-you-share/", "Before you share"),
        ("/consent/toolkit/before-you-share/edit/", "Edit a toolkit page"),
        (f"/consent/children/{child.pk}/", "Consent and sharing"),
        (f"/consent/children/{child.pk}/new/", "Record consent, refusal or withdrawal"),
        (f"/consent/children/{child.pk}/lawful-basis/", "Share without consent on a lawful basis"),
        (f"/consent/children/{child.pk}/not-for-parents/", "The child asks that something is not shared with their parents"),
        (f"/consent/children/{child.pk}/index-decision/", "The family's decision about the index"),
        (f"/consent/lawful-basis/{basis.pk}/review/", "Review a lawful basis"),
    ]:
        goto(page, path)
        assert_accessible(page, heading=heading)

    # Error states: an empty agreement, consent and lawful basis.
    for path, heading in [
        ("/consent/agreements/new/", "Record an information-sharing agreement"),
        (f"/consent/children/{child.pk}/new/", "Record consent, refusal or withdrawal"),
        (f"/consent/children/{child.pk}/lawful-basis/", "Share without consent on a lawful basis"),
    ]:
        goto(page, path)
        submit(page)
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_accessible(page, heading=heading)
