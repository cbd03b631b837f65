"""The public service directory in a real browser: a member of the public searches by postcode
and need and opens a service using only the keyboard; axe-core finds nothing on any
directory page, including pages with errors and the signed-in pages for keeping it current."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from isahub.accounts.models import Role
from isahub.directory.demo import generate_directory, seed_glossary
from isahub.directory.exchange import export_json
from isahub.directory.models import ChangeRequest, DirectoryOfficer, Service, TaxonomyTerm, Vocabulary

pytestmark = pytest.mark.browser

FOCUSED = "() => document.activeElement ? document.activeElement.outerHTML.slice(0, 160) : 'nothing'"


@pytest.fixture
def directory(db, school):
    with transaction.atomic():
        generate_directory(organisations=30, services=90, seed=7, today=timezone.localdate())
        seed_glossary()


def goto(page, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status, f"{path}: HTTP {response and response.status}"


def tab_to(page, selector: str, *, limit: int = 250) -> None:
    """Press Tab until the element is focused, as a keyboard user would."""
    target = page.locator(selector).first
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector}; last focus: {page.evaluate(FOCUSED)}")


def test_a_member_of_the_public_finds_a_service_by_postcode_and_need_with_the_keyboard(page, directory, assert_accessible):
    need = TaxonomyTerm.objects.get(taxonomy__vocabulary=Vocabulary.NEED, name="Parenting support")
    goto(page, "/directory/")
    expect(page.locator("body")).to_have_class("govuk-template__body js-enabled govuk-frontend-supported")
    assert_accessible(page, heading="Find a service for children and families")

    tab_to(page, "#id_postcode")
    page.keyboard.type("NB1 2LP")
    # The needs are behind a "Need" disclosure: open it with Enter, tick one with Space.
    tab_to(page, "details:has(input[name=need]) summary")
    page.keyboard.press("Enter")
    need_box = page.locator(f"input[name=need][value='{need.pk}']")
    tab_to(page, f"input[name=need][value='{need.pk}']")
    page.keyboard.press("Space")
    expect(need_box).to_be_checked()
    tab_to(page, "#search-button")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.locator("#results-heading")).to_contain_text("found")
    expect(page.get_by_text("Nearest first")).to_be_visible()
    distances = [float(t.split()[0]) for t in page.locator("strong:has-text('miles away')").all_inner_texts()]
    assert distances and distances == sorted(distances)
    assert_accessible(page, heading="Find a service for children and families")

    first = page.locator("#main-content ul[aria-labelledby=results-heading] h3 a").first
    name = first.inner_text()
    tab_to(page, "#main-content ul[aria-labelledby=results-heading] h3 a")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(name)
    for heading in ("How to get this service", "Where and when", "Other providers of this kind of service"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator("#last-verified")).to_contain_text("Last checked")
    assert_accessible(page, heading=name)


def test_every_public_directory_page_is_accessible(page, directory, assert_accessible, settings):
    settings.ISAHUB_DIRECTORY_VERIFY_AFTER_DAYS = 30
    public = Service.objects.filter(organization__agreed_to_keep_current_on__isnull=False, status="active")
    stale = public.filter(last_verified_on__lt=timezone.localdate() - dt.timedelta(days=30)).first()
    need = TaxonomyTerm.objects.get(taxonomy__vocabulary=Vocabulary.NEED, name="Housing problems")
    pages = [
        ("/directory/?q=conselling&postcode=NB3&age=12", "Find a service for children and families"),
        ("/directory/?postcode=%21%21&age=old", "Find a service for children and families"),
        ("/directory/a-z/?letter=F", "Services A to Z"),
        (f"/directory/services/{stale.pk}/", stale.name),
        (f"/directory/organisations/{stale.organization_id}/", stale.organization.name),
        ("/directory/who-does-what/", "Who does what"),
        ("/directory/glossary/", "Glossary"),
        ("/directory/suggest/", "Services for a need"),
        (f"/directory/suggest/?need={need.pk}&postcode=NB1+2LP", "Services for a need"),
    ]
    for path, heading in pages:
        goto(page, path)
        assert_accessible(page, heading=heading)
    goto(page, f"/directory/services/{stale.pk}/")
    expect(page.locator("#not-verified")).to_contain_text("Not checked recently")


def test_the_pages_for_keeping_the_directory_current_are_accessible(
    page, directory, make_user, sign_in_as, assert_accessible, health
):
    with transaction.atomic():
        officer = make_user(role=Role.DATA_MANAGER, agency=health, username="directory-officer")
        DirectoryOfficer.objects.create(user=officer, appointed_on=dt.date(2026, 1, 1))
        proposer = make_user(role=Role.PRACTITIONER, username="proposer")
        service = Service.objects.filter(organization__agreed_to_keep_current_on__isnull=False).first()
        change = ChangeRequest.objects.create(
            service=service, proposed={"fees": "£2 a session"}, requested_by=proposer, requested_at=timezone.now()
        )
        dump = json.loads(export_json())[:2]
    sign_in_as(officer)
    goto(page, "/directory/manage/")
    assert_accessible(page, heading="Keep directory entries current")
    goto(page, f"/directory/manage/services/{service.pk}/edit/")
    page.fill("#id_name", "")
    with page.expect_navigation():
        page.click("#submit-id-submit")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, heading=f"Change {service.name}")
    goto(page, "/directory/manage/changes/")
    assert_accessible(page, heading="Changes waiting for approval")
    goto(page, f"/directory/manage/changes/{change.pk}/")
    page.check("#id_decision_reject")
    with page.expect_navigation():
        page.click("#submit-id-submit")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, heading=f"Change to {service.name}")
    goto(page, "/directory/manage/import/")
    assert_accessible(page, heading="Load a directory")
    dump[1]["status"] = "nonsense"
    page.set_input_files(
        "#id_file", files=[{"name": "dump.json", "mimeType": "application/json", "buffer": json.dumps(dump).encode()}]
    )
    with page.expect_navigation():
        page.click("#submit-id-submit")
    expect(page.get_by_text("1 service loaded")).to_be_visible()
    expect(page.get_by_text("1 service rejected")).to_be_visible()
    assert_accessible(page, heading="Load a directory")
