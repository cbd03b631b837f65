"""axe-core finds no WCAG 2.0, 2.1 or 2.2 level A or AA failure on any page the product has.

Each test reaches its page the way a person would (or with a session in the state the
previous step would have left), checks the page's h1 so that a redirect cannot make the
wrong page pass, and runs axe on it. Pages with form errors are checked as well, since
error summaries and error messages are where accessibility most often breaks.
"""

import datetime as dt
import re
import time

import pytest
from django.db import transaction
from django.test import RequestFactory
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from isahub.accounts.models import AgencyKind, Role
from isahub.accounts.services import api_token_create
from isahub.accounts.tests.factories import AgencyFactory
from isahub.audit.models import AuditEntry
from isahub.children.access import SESSION_KEY as REASONS_SESSION_KEY
from isahub.consent.tests.factories import share_all
from isahub.core import views as core_views
from isahub.involvements.services import involvement_register, lead_professional_assign
from isahub.profiles.loader import current_profile

pytestmark = pytest.mark.browser

WRONG_PASSWORD = "not-the-right-password"


def goto(page, path: str, *, status: int = 200):
    response = page.goto(path)
    assert response is not None and response.status == status, f"{path}: HTTP {response and response.status}, not {status}"
    return response


def submit(page, selector: str = "#submit-id-submit") -> None:
    with page.expect_navigation():
        page.click(selector)


# --- Pages anyone can see -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "heading", "status"),
    [
        ("/sign-in/", "Sign in", 200),
        ("/accessibility/", "Accessibility statement", 200),
        ("/privacy/", "Privacy notice", 200),
        ("/no-such-page/", "Page not found", 404),
    ],
    ids=["sign-in", "accessibility-statement", "privacy-notice", "not-found-signed-out"],
)
def test_public_page(page, assert_accessible, db, path, heading, status):
    goto(page, path, status=status)
    assert_accessible(page, heading=heading)


def test_sign_in_with_a_wrong_password_shows_accessible_errors(page, make_user, sign_in_with_form, assert_accessible):
    make_user(username="wrong.password")
    sign_in_with_form(page, "wrong.password", WRONG_PASSWORD)

    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator("#sign-in-error")).to_contain_text("Enter a correct username and password")
    assert_accessible(page, heading="Sign in")


def test_locked_out_page(page, settings, make_user, sign_in_with_form, assert_accessible):
    make_user(username="forgetful")
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        sign_in_with_form(page, "forgetful", WRONG_PASSWORD)
    assert_accessible(page, heading="Your account is locked")
    # Locked means locked: the right password no longer works either.
    sign_in_with_form(page, "forgetful")
    expect(page.locator("h1")).to_have_text("Your account is locked")


@pytest.mark.parametrize(
    ("handler", "heading", "status"),
    [
        (core_views.bad_request, "Sorry, there is a problem with that request", 400),
        (core_views.server_error, "Sorry, there is a problem with the service", 500),
    ],
    ids=["400", "500"],
)
def test_error_pages_that_a_test_cannot_provoke(page, live_server, assert_accessible, handler, heading, status):
    """The 400 and 500 pages, exactly as their handlers render them, served from the live server's address."""
    response = handler(RequestFactory().get("/"))
    assert response.status_code == status
    page.route(
        f"{live_server.url}/broken/",
        lambda route: route.fulfill(status=status, body=response.content, content_type=response["Content-Type"]),
    )
    goto(page, "/broken/", status=status)
    assert_accessible(page, heading=heading)


# --- Signing in: the second factor and step-up ---------------------------------------------


def test_second_factor_page(page, live_server, make_user, sign_in_as, assert_accessible):
    user = make_user()
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    sign_in_as(user)

    goto(page, "/")
    expect(page).to_have_url(f"{live_server.url}/account/two-factor/")
    assert_accessible(page, heading="Enter your sign-in code")

    page.fill("#id_code", "99999999")
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator("#id_code")).to_have_attribute("aria-describedby", re.compile("error"))
    assert_accessible(page, heading="Enter your sign-in code")


def test_second_factor_set_up_page(page, make_user, sign_in_as, assert_accessible):
    sign_in_as(make_user())

    goto(page, "/account/two-factor/set-up/")
    assert_accessible(page, heading="Set up an authenticator app")

    page.get_by_text("I cannot scan the QR code").click()
    expect(page.locator(".govuk-details__text")).to_be_visible()
    page.fill("#id_code", "99999999")
    submit(page, "form:has(#id_code) #submit-id-submit")
    expect(page.locator(".govuk-error-summary")).to_contain_text("That code is not right")
    assert_accessible(page, heading="Set up an authenticator app")


def test_recovery_codes_page(page, make_user, sign_in_as, assert_accessible):
    # The state that confirming a new authenticator app leaves (see test_journeys for the real path).
    codes = [StaticToken.random_token() for _ in range(10)]
    sign_in_as(make_user(), session={"isahub_new_recovery_codes": codes})

    goto(page, "/account/two-factor/recovery-codes/")
    expect(page.locator("[data-testid=recovery-codes] li")).to_have_count(10)
    assert_accessible(page, heading="Your recovery codes")


def test_confirm_identity_then_api_tokens(page, live_server, make_user, sign_in_as, assert_accessible):
    user = make_user()
    with transaction.atomic():
        api_token_create(user=user, name="Nightly report")
    sign_in_as(user)

    goto(page, "/account/api-tokens/")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/account/confirm-identity/") + r"\?next="))
    assert_accessible(page, heading="Confirm it is you")

    page.fill("#id_password", WRONG_PASSWORD)
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Your password or code was not right")
    assert_accessible(page, heading="Confirm it is you")

    page.fill("#id_password", "correct-horse-battery-staple")
    submit(page)
    expect(page).to_have_url(f"{live_server.url}/account/api-tokens/")
    expect(page.get_by_role("table")).to_contain_text("Nightly report")
    assert_accessible(page, heading="Personal API tokens")

    page.fill("#id_name", "Spreadsheet import")
    submit(page)
    expect(page.locator("[data-testid=new-token]")).not_to_be_empty()
    assert_accessible(page, heading="Personal API tokens")


# --- Home, for every role -------------------------------------------------------------------


@pytest.mark.parametrize("role", Role.values)
def test_home_page_for_each_role(page, make_user, sign_in_as, assert_accessible, role):
    sign_in_as(make_user(role=role))

    goto(page, "/")
    expect(page.locator(".govuk-caption-l")).to_contain_text(current_profile().role_name(role))
    assert_accessible(page, heading="Your work")


# --- Administration -------------------------------------------------------------------------


def test_user_pages(page, users, sign_in_as, assert_accessible):
    sign_in_as(users["school"][Role.SYSTEM_ADMINISTRATOR], stepped_up=True)

    goto(page, "/users/")
    expect(page.get_by_role("table")).to_contain_text("practitioner-health")
    assert_accessible(page, heading="Users")

    goto(page, "/users/new/")
    assert_accessible(page, heading="Add a user")
    page.fill("#id_username", "practitioner-school")
    page.select_option("#id_agency", label="Riverside Primary School")
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("That username is already taken.")
    assert_accessible(page, heading="Add a user")

    someone = users["health"][Role.PRACTITIONER]
    goto(page, f"/users/{someone.pk}/")
    assert_accessible(page, heading=f"Change {someone.display_name}")


def test_agency_pages(page, school, health, make_user, sign_in_as, assert_accessible):
    sign_in_as(make_user(role=Role.SYSTEM_ADMINISTRATOR))

    goto(page, "/agencies/")
    expect(page.get_by_role("table")).to_contain_text("Northbrook Health Visiting")
    assert_accessible(page, heading="Agencies")

    goto(page, "/agencies/new/")
    assert_accessible(page, heading="Add an agency")
    page.fill("#id_name", "Riverside Primary School")
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("already exists")
    assert_accessible(page, heading="Add an agency")

    goto(page, f"/agencies/{school.pk}/")
    assert_accessible(page, heading="Change Riverside Primary School")


def test_audit_trail_page(page, live_server, make_user, sign_in_with_form, assert_accessible):
    make_user(role=Role.AUDITOR, username="audrey")
    # A failed and a successful sign-in, through the real form, give the trail rows to show.
    sign_in_with_form(page, "audrey", WRONG_PASSWORD)
    sign_in_with_form(page, "audrey")
    expect(page).to_have_url(f"{live_server.url}/account/two-factor/set-up/")
    submit(page, "text=Skip for now (demo only)")
    expect(page.locator("h1")).to_have_text("Your work")
    assert AuditEntry.objects.filter(action__in=["auth.login", "auth.login_failed"]).count() >= 2

    goto(page, "/audit/")
    expect(page.locator("table")).to_contain_text("Signed in")
    assert_accessible(page, heading="Audit trail")

    goto(page, "/audit/?date_from=2026-02-02&date_to=2026-02-01")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The end date must be on or after the start date")
    assert_accessible(page, heading="Audit trail")


# --- Refusals -------------------------------------------------------------------------------


def test_vetting_refusal_page(page, make_user, sign_in_as, assert_accessible):
    sign_in_as(make_user(training_completed_on=None))

    goto(page, "/", status=403)
    expect(page.locator("main")).to_contain_text("There is no record of your information-sharing training.")
    assert_accessible(page, heading="Your access is on hold")


def test_permission_denied_page(page, make_user, sign_in_as, assert_accessible):
    sign_in_as(make_user(role=Role.PRACTITIONER))

    goto(page, "/audit/", status=403)
    expect(page.locator("[data-testid=refusal-reason]")).to_have_text("Only auditors can read the audit trail.")
    assert_accessible(page, heading="You cannot see this page")


def test_not_found_page_signed_in(page, make_user, sign_in_as, assert_accessible):
    sign_in_as(make_user())

    goto(page, "/users/999999/no-such-page/", status=404)
    assert_accessible(page, heading="Page not found")


# --- The child index ------------------------------------------------------------------------

REASON = "Checking details before recording my involvement"


def reasons_given(*children) -> dict:
    """The session a reason given on the reason page leaves (see test_child_index for the real path)."""
    return {REASONS_SESSION_KEY: {str(child.pk): [REASON, time.time()] for child in children}}


def search_for(page, surname: str = "", day: str = "", month: str = "", year: str = "") -> None:
    page.fill("#id_surname", surname)
    page.fill("#date_of_birth_day", day)
    page.fill("#date_of_birth_month", month)
    page.fill("#date_of_birth_year", year)
    submit(page, "button:has-text('Search')")


def test_child_search_page(page, make_user, add_child, sign_in_as, assert_accessible):
    add_child()
    sign_in_as(make_user(role=Role.PRACTITIONER))

    goto(page, "/children/search/")
    assert_accessible(page, heading="Find a child")

    search_for(page, "Hartley", "31", "2", "2015")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The date of birth must be a real date")
    assert_accessible(page, heading="Find a child")

    search_for(page, "Hartley")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Missing: date of birth.")
    assert_accessible(page, heading="Find a child")

    search_for(page, "Quarrington", "27", "3", "2015")
    expect(page.locator("[data-testid=no-match]")).to_contain_text("No child matches.")
    assert_accessible(page, heading="Find a child")

    search_for(page, "Hartley", "27", "3", "2015")
    expect(page.get_by_role("table")).to_contain_text("Amelia Hartley")
    assert_accessible(page, heading="Find a child")


def test_child_search_page_asking_to_refine(page, make_user, add_child, sign_in_as, assert_accessible):
    # More close matches than the default profile's five: the search asks for more details.
    for given_names in ["Amelia", "Bella", "Chloe", "Daisy", "Evie", "Freya"]:
        add_child(given_names=given_names)
    sign_in_as(make_user(role=Role.PRACTITIONER))

    goto(page, "/children/search/")
    search_for(page, "Hartley", "27", "3", "2015")
    expect(page.locator("[data-testid=refine]")).to_contain_text("Too many children match.")
    expect(page.get_by_role("table")).to_have_count(0)
    assert_accessible(page, heading="Find a child")


def test_reason_page(page, live_server, make_user, add_child, sign_in_as, assert_accessible):
    child = add_child()
    sign_in_as(make_user(role=Role.PRACTITIONER))

    goto(page, f"/children/{child.pk}/")
    expect(page).to_have_url(f"{live_server.url}/children/{child.pk}/reason/")
    assert_accessible(page, heading="Why are you opening this record?")

    submit(page, "button:has-text('Open the record')")
    expect(page.locator(".govuk-error-summary")).to_contain_text("This field is required.")
    assert_accessible(page, heading="Why are you opening this record?")

    page.get_by_role("radio", name="Something else").check()
    submit(page, "button:has-text('Open the record')")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say why you are opening this record.")
    assert_accessible(page, heading="Why are you opening this record?")


def test_record_page_with_a_sensitive_service_withheld(page, school, make_user, add_child, sign_in_as, assert_accessible):
    child = add_child()
    teacher = make_user(role=Role.PRACTITIONER, username="teacher", first_name="Tess", last_name="Baker")
    young_minds = AgencyFactory(
        name="Northbrook Young Minds", kind=AgencyKind.CAMHS, is_sensitive_service=True, phone="01632 960777"
    )
    counsellor = make_user(role=Role.PRACTITIONER, agency=young_minds, first_name="Cora", last_name="Lyle")
    with transaction.atomic():
        for practitioner, role in [(teacher, "Class teacher"), (counsellor, "Counsellor")]:
            involvement_register(actor=practitioner, child=child, role=role, phone="01632 960123", started_on=dt.date(2025, 9, 1))
        lead_professional_assign(actor=teacher, child=child, practitioner=teacher, reason="The family chose her")
        # Since consent (issue 6): the family agreed and the agencies signed, so what is
        # withheld here is the sensitive service's name alone.
        share_all(child, school, young_minds, by=teacher)
    sign_in_as(teacher, session=reasons_given(child))

    goto(page, f"/children/{child.pk}/")
    expect(page.locator("[data-testid=incomplete]")).to_contain_text("This picture may be incomplete.")
    involvements = page.locator("[data-testid=involvements]")
    expect(involvements).to_contain_text("A service is involved")
    expect(involvements).to_contain_text("Call 01632 960777")
    expect(page.locator("main")).not_to_contain_text("Young Minds")
    expect(page.locator("main")).not_to_contain_text("Cora Lyle")
    expect(page.locator("[data-testid=lead]")).to_contain_text("Tess Baker")
    expect(page.get_by_role("link", name="Close the case")).to_be_visible()
    assert_accessible(page, heading="Amelia Hartley")


def test_involvement_and_end_involvement_forms(page, live_server, make_user, add_child, sign_in_as, assert_accessible):
    child = add_child()
    sign_in_as(make_user(role=Role.PRACTITIONER), session=reasons_given(child))

    goto(page, f"/children/{child.pk}/involvements/new/")
    assert_accessible(page, heading="Record an involvement")
    page.fill("#id_started_on", "")
    submit(page)
    # Role, phone and start date, and (since consent, issue 6) whether consent covers sharing it.
    expect(page.locator(".govuk-error-summary li")).to_have_count(4)
    assert_accessible(page, heading="Record an involvement")

    page.fill("#id_role", "Class teacher")
    page.fill("#id_phone", "01632 960123")
    page.fill("#id_started_on", "2025-09-01")
    page.get_by_label("Not yet: keep it to my agency until consent is recorded").check()
    submit(page)
    expect(page).to_have_url(f"{live_server.url}/children/{child.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="End your involvement").click()
    assert_accessible(page, heading="End an involvement")

    # The last person involved must say why it is safe to close.
    page.fill("#id_reason", "Amelia has moved school")
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("You are the last person working with this child.")
    assert_accessible(page, heading="End an involvement")


def test_lead_professional_and_close_case_forms(page, live_server, make_user, add_child, sign_in_as, assert_accessible):
    child = add_child()
    teacher = make_user(role=Role.PRACTITIONER)
    with transaction.atomic():
        involvement_register(
            actor=teacher, child=child, role="Class teacher", phone="01632 960123", started_on=dt.date(2025, 9, 1)
        )
    sign_in_as(teacher, session=reasons_given(child))

    goto(page, f"/children/{child.pk}/lead-professional/")
    assert_accessible(page, heading="Record the lead professional")
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("This field is required.")
    assert_accessible(page, heading="Record the lead professional")

    page.fill("#id_reason", "The family chose her at the meeting on 3 May")
    submit(page)
    expect(page).to_have_url(f"{live_server.url}/children/{child.pk}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Close the case").click()
    assert_accessible(page, heading="Close the case")
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("This field is required.")
    assert_accessible(page, heading="Close the case")


def test_emergency_access_page(page, make_user, add_child, sign_in_as, assert_accessible):
    child = add_child()
    sign_in_as(make_user(role=Role.PRACTITIONER), stepped_up=True)

    goto(page, f"/children/{child.pk}/emergency-access/")
    assert_accessible(page, heading="Emergency access")

    page.fill("#id_justification", "Urgent")
    submit(page)
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, heading="Emergency access")


def test_add_a_child_page(page, data_manager, sign_in_as, assert_accessible):
    sign_in_as(data_manager)

    goto(page, "/children/new/")
    assert_accessible(page, heading="Add a child to the index")

    page.fill("#id_given_names", "Amelia")
    submit(page, "button:has-text('Add child')")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date of birth.")
    expect(page.locator("#id_given_names")).to_have_value("Amelia")
    assert_accessible(page, heading="Add a child to the index")


def test_merge_page(page, live_server, data_manager, add_child, sign_in_as, assert_accessible):
    survivor = add_child()
    duplicate = add_child(given_names="Amelia Rose")
    sign_in_as(data_manager, stepped_up=True, session=reasons_given(survivor))

    goto(page, f"/children/{survivor.pk}/merge/")
    assert_accessible(page, heading="Merge a duplicate into this record")

    page.fill("#id_duplicate", str(survivor.pk))
    page.fill("#id_reason", "Same child, added twice")
    submit(page)
    expect(page.locator(".govuk-error-summary").first).to_contain_text("Choose two different records to merge.")
    assert_accessible(page, heading="Merge a duplicate into this record")

    page.fill("#id_duplicate", str(duplicate.pk))
    submit(page)
    expect(page).to_have_url(f"{live_server.url}/children/{survivor.pk}/")
    goto(page, f"/children/{survivor.pk}/merge/")
    expect(page.get_by_role("button", name=re.compile(r"^Undo merge \d+$"))).to_be_visible()
    assert_accessible(page, heading="Merge a duplicate into this record")


def test_notifications_page(page, make_user, add_child, sign_in_as, assert_accessible):
    child = add_child()
    teacher = make_user(role=Role.PRACTITIONER)
    sign_in_as(teacher)

    goto(page, "/notifications/")
    expect(page.locator("main")).to_contain_text("You have no notifications.")
    assert_accessible(page, heading="Notifications")

    # Someone else starting work with a child the teacher works with tells the teacher.
    nurse = make_user(role=Role.PRACTITIONER, first_name="Nia", last_name="Hughes")
    with transaction.atomic():
        for practitioner in (teacher, nurse):
            involvement_register(
                actor=practitioner, child=child, role="Involved", phone="01632 960123", started_on=dt.date(2025, 9, 1)
            )
    goto(page, "/notifications/")
    expect(page.locator("main")).to_contain_text("Nia Hughes (Riverside Primary School) is now working with Amelia Hartley.")
    expect(page.get_by_role("button", name="Mark as read")).to_be_visible()
    assert_accessible(page, heading="Notifications")
