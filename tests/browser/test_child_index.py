"""The child index in a browser: find a child, give a reason, open the record, record an involvement.

The same steps are taken twice: once as most people would (pointer and keyboard together),
and once with the keyboard alone (Tab, Space and Enter), to show the flow needs no mouse.
"""

import datetime as dt
import json

import pytest
from playwright.sync_api import expect

from isahub.accounts.models import Role
from isahub.audit.models import AuditEntry

pytestmark = pytest.mark.browser

WORKING_WITH = "I am working with this child and need to know who else is involved"
FOCUSED_ELEMENT = "() => document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : 'nothing'"
MAX_TABS = 40


def test_practitioner_finds_a_child_despite_a_misspelling_and_records_their_involvement(
    page, live_server, make_user, add_child, sign_in_with_form
):
    child = add_child()
    practitioner = make_user(
        role=Role.PRACTITIONER, username="pat.jones", first_name="Pat", last_name="Jones", phone="01632 960123"
    )

    # Sign in through the real form; demo mode lets a user without an authenticator app carry on.
    sign_in_with_form(page, "pat.jones")
    expect(page).to_have_url(f"{live_server.url}/account/two-factor/set-up/")
    with page.expect_navigation():
        page.get_by_role("button", name="Skip for now (demo only)").click()
    expect(page.locator("h1")).to_have_text("Your work")

    # Find the child: the surname is misspelt, the date of birth is right.
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="Find a child").click()
    expect(page).to_have_url(f"{live_server.url}/children/search/")
    expect(page.locator("h1")).to_have_text("Find a child")
    page.fill("#id_surname", "Hartly")
    page.fill("#date_of_birth_day", "27")
    page.fill("#date_of_birth_month", "3")
    page.fill("#date_of_birth_year", "2015")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()

    expect(page.get_by_role("heading", name="1 possible match")).to_be_visible()
    results = page.get_by_role("table")
    expect(results.locator("tbody tr")).to_have_count(1)
    expect(results).to_contain_text("27 March 2015")
    expect(results).to_contain_text("NB1")
    expect(results).not_to_contain_text("4AA")  # only the postcode district is shown

    # Choose the child, then say why the record is being opened.
    with page.expect_navigation():
        results.get_by_role("link", name="Amelia Hartley").click()
    expect(page).to_have_url(f"{live_server.url}/children/{child.pk}/reason/")
    expect(page.locator("h1")).to_have_text("Why are you opening this record?")
    page.get_by_label(WORKING_WITH).check()
    page.fill("#id_details", "Amelia has joined my class this term")
    with page.expect_navigation():
        page.get_by_role("button", name="Open the record").click()

    expect(page).to_have_url(f"{live_server.url}/children/{child.pk}/")
    expect(page.locator("h1")).to_have_text("Amelia Hartley")
    expect(page.locator("main")).to_contain_text("Nobody is recorded as working with this child.")
    expect(page.locator("main")).to_contain_text("27 March 2015")
    expect(page.locator("main")).to_contain_text(f"You opened this record because: {WORKING_WITH}")

    # Record the involvement: the form starts with the practitioner's own phone number.
    with page.expect_navigation():
        page.get_by_role("link", name="Record my involvement").click()
    expect(page).to_have_url(f"{live_server.url}/children/{child.pk}/involvements/new/")
    expect(page.locator("h1")).to_have_text("Record an involvement")
    expect(page.locator("#id_phone")).to_have_value("01632 960123")
    page.fill("#id_role", "Class teacher")
    page.fill("#id_email", "pat.jones@riverside.example.invalid")
    page.fill("#id_started_on", "2025-09-01")
    # Since consent (issue 6) the page asks whether consent covers sharing this; no consent
    # has been asked for yet, so the involvement stays with the practitioner's agency.
    page.get_by_label("Not yet: keep it to my agency until consent is recorded").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Record involvement").click()

    expect(page).to_have_url(f"{live_server.url}/children/{child.pk}/")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The involvement has been recorded.")
    expect(page.get_by_role("heading", name="Who is working with Amelia Hartley")).to_be_visible()
    working_with = page.locator("[data-testid=involvements]")
    expect(working_with.locator("tbody tr")).to_have_count(1)
    mine = working_with.locator("tbody tr").first
    expect(mine).to_contain_text("Riverside Primary School")
    expect(mine).to_contain_text("Pat Jones")
    expect(mine).to_contain_text("Class teacher")
    expect(mine).to_contain_text("01632 960123")
    expect(mine).to_contain_text("pat.jones@riverside.example.invalid")
    expect(mine).to_contain_text("1 Sep 2025")
    expect(mine.get_by_role("link", name="End your involvement")).to_be_visible()
    expect(page.get_by_role("link", name="Record my involvement")).to_have_count(0)

    # The audit trail has the search (with the misspelt surname as typed) and the view with its reason.
    searched = AuditEntry.objects.get(action="child.searched", actor_id=practitioner.pk)
    details = json.loads(searched.details)
    assert details["criteria"] == {"surname": "Hartly", "date_of_birth": "2015-03-27"}
    assert (details["status"], details["results"]) == ("ok", 1)
    viewed = AuditEntry.objects.filter(action="child.viewed", actor_id=practitioner.pk, child_id=str(child.pk))
    assert viewed.filter(reason=f"{WORKING_WITH}: Amelia has joined my class this term").exists(), list(
        viewed.values_list("reason", flat=True)
    )
    assert AuditEntry.objects.filter(action="involvement.registered", actor_id=practitioner.pk, child_id=str(child.pk)).exists()
    involvement = child.involvements.get()
    assert (involvement.practitioner, involvement.started_on) == (practitioner, dt.date(2025, 9, 1))


# --- Without a mouse -------------------------------------------------------------------------


def tab_to(page, locator) -> None:
    """Press Tab until `locator` has the focus, failing (naming what has it) if it never does."""
    for _ in range(MAX_TABS):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {locator}; the focus is on {page.evaluate(FOCUSED_ELEMENT)}")


def skip_to_main_content(page) -> None:
    """The first Tab reaches the skip link; Enter moves the focus to the main content."""
    expect(page.locator("body")).to_have_class("govuk-template__body js-enabled govuk-frontend-supported")
    page.keyboard.press("Tab")
    expect(page.locator("a.govuk-skip-link")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'main-content'")


def test_search_reason_and_record_work_with_the_keyboard_alone(page, live_server, make_user, add_child, sign_in_as):
    child = add_child()
    add_child(given_names="Oliver", date_of_birth=dt.date(2016, 7, 4))  # shares the surname, not the date of birth
    practitioner = make_user(role=Role.PRACTITIONER)
    sign_in_as(practitioner)

    page.goto("/children/search/")
    skip_to_main_content(page)

    # The first field in the main content is the surname; each Tab moves to the next box.
    page.keyboard.press("Tab")
    expect(page.locator("#id_surname")).to_be_focused()
    page.keyboard.type("Hartly")
    for selector, text in [("#date_of_birth_day", "27"), ("#date_of_birth_month", "3"), ("#date_of_birth_year", "2015")]:
        tab_to(page, page.locator(selector))
        page.keyboard.type(text)
    tab_to(page, page.get_by_role("button", name="Search"))
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="1 possible match")).to_be_visible()
    # The form posts to its own address, which still ends in #main-content from the skip link,
    # so Tab carries on from the main content: through the form again, then to the result.
    result = page.get_by_role("link", name="Amelia Hartley")
    tab_to(page, result)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/children/{child.pk}/reason/")
    # Tab enters the group of radios at the first; Space chooses it.
    first_reason = page.locator("#id_reason")
    tab_to(page, first_reason)
    expect(first_reason).not_to_be_checked()
    page.keyboard.press("Space")
    expect(first_reason).to_be_checked()
    # The next Tab leaves the group for the details box, then the button.
    page.keyboard.press("Tab")
    expect(page.locator("#id_details")).to_be_focused()
    page.keyboard.type("Checking who to call before a meeting")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Open the record")).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/children/{child.pk}/")
    expect(page.locator("h1")).to_have_text("Amelia Hartley")
    reason = f"{WORKING_WITH}: Checking who to call before a meeting"
    expect(page.locator("main")).to_contain_text(f"You opened this record because: {reason}")
    # The record's own action is reachable the same way.
    tab_to(page, page.get_by_role("link", name="Record my involvement"))

    assert AuditEntry.objects.filter(
        action="child.viewed", actor_id=practitioner.pk, child_id=str(child.pk), reason=reason
    ).exists()
