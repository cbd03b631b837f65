"""axe-core finds no WCAG 2.0, 2.1 or 2.2 level A or AA failure on any page the product has.

Each test reaches its page the way a person would (or with a session in the state the
previous step would have left), checks the page's h1 so that a redirect cannot make the
wrong page pass, and runs axe on it. Pages with form errors are checked as well, since
error summaries and error messages are where accessibility most often breaks.
"""

import re

import pytest
from django.db import transaction
from django.test import RequestFactory
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from isahub.accounts.models import Role
from isahub.accounts.services import api_token_create
from isahub.audit.models import AuditEntry
from isahub.core import views as core_views
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
