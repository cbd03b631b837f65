"""A data manager's feed pages in a real browser, each checked with axe-core: uploading an
extract (and the form's errors), the load report, an uncertain match decided side by side, and
a conflicting update verified."""

import pytest
from playwright.sync_api import expect

from isahub.accounts.models import AgencyKind, Role
from isahub.accounts.tests.factories import AgencyFactory
from isahub.children.tests.factories import add_child
from isahub.feeds.models import Conflict, FeedLoad, ReviewItem, ReviewStatus
from isahub.feeds.tests.factories import SAMPLES, as_csv, load, nhs_number, pupil

pytestmark = pytest.mark.browser


def goto(page, path: str):
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"


def test_uploading_an_extract_and_reading_its_report(page, sign_in_as, assert_accessible, data_manager, school):
    sign_in_as(data_manager)
    goto(page, "/feeds/")
    assert_accessible(page, heading="Agency data feeds")
    page.click("text=Load an extract")
    assert_accessible(page, heading="Load an extract")
    with page.expect_navigation():
        page.click("#submit-id-submit")  # nothing chosen: the error summary
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, heading="Load an extract")
    page.select_option("#id_feed_type", "school_roll")
    page.set_input_files("#id_file", str(SAMPLES / "school_roll.csv"))
    with page.expect_navigation():
        page.click("#submit-id-submit")
    expect(page.locator("[data-testid=summary]")).to_contain_text("New children")
    load_id = FeedLoad.objects.get().pk  # not always 1: PostgreSQL does not reset sequences between tests
    assert_accessible(page, heading=f"Load {load_id}: school_roll.csv")


def test_deciding_an_uncertain_match_side_by_side(page, sign_in_as, assert_accessible, make_user):
    hub = AgencyFactory(name="Northbrook Hub", kind=AgencyKind.HUB)
    manager = make_user(role=Role.DATA_MANAGER, agency=hub, username="hub-dm")
    gp = AgencyFactory(name="Northbrook Medical Centre", kind=AgencyKind.GP)
    amelia = add_child(manager)
    row = pupil(
        2,
        source_id="PAT2",
        nhs_number=nhs_number(2),
        upn="",
        given_names="Amy",
        family_name="Hartly",
        postcode="NB9 9ZZ",
        address_line_1="1 Far Away",
        sex="",
    )
    load(manager, gp, "gp_registrations", as_csv([row]))
    item = ReviewItem.objects.get()
    sign_in_as(manager)
    goto(page, "/feeds/review/")
    assert_accessible(page, heading="Uncertain record matches")
    page.click(f"a[href='/feeds/review/{item.pk}/']")
    assert_accessible(page, heading="Is this one of these children?")
    expect(page.locator("[data-testid=comparison]")).to_contain_text("Agrees")
    with page.expect_navigation():
        page.click("text=Save decision")  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, heading="Is this one of these children?")
    page.check("#id_choice")
    with page.expect_navigation():
        page.click("text=Save decision")
    item.refresh_from_db()
    assert item.status == ReviewStatus.LINKED and item.decided_child_id == amelia.pk


def test_verifying_a_conflicting_update(page, sign_in_as, assert_accessible, make_user, school):
    hub = AgencyFactory(name="Northbrook Hub", kind=AgencyKind.HUB)
    manager = make_user(role=Role.DATA_MANAGER, agency=hub, username="hub-dm")
    gp = AgencyFactory(name="Northbrook Medical Centre", kind=AgencyKind.GP)
    load(manager, school, "school_roll", as_csv([pupil(1, nhs_number=nhs_number(1))]))
    moved = pupil(1, source_id="PAT1", nhs_number=nhs_number(1), upn="", address_line_1="77 Elm Street", postcode="NB2 9QQ")
    load(manager, gp, "gp_registrations", as_csv([moved]))
    conflict = Conflict.objects.get()
    sign_in_as(manager)
    goto(page, "/feeds/conflicts/")
    assert_accessible(page, heading="Conflicting updates")
    page.click(f"a[href='/feeds/conflicts/{conflict.pk}/']")
    assert_accessible(page, heading="Which address is right?")
    expect(page.locator("[data-testid=sources]")).to_contain_text("77 Elm Street")
    page.check("#id_decision")
    with page.expect_navigation():
        page.click("text=Save decision")
    conflict.refresh_from_db()
    assert conflict.status == "applied"
