"""Keyboard use: the first Tab reaches a visible skip link, which moves focus to the main content."""

import pytest
from playwright.sync_api import expect

from isahub.accounts.models import Role

pytestmark = pytest.mark.browser

FOCUS_IS_IN_MAIN = "() => document.activeElement !== null && document.activeElement.closest('#main-content') !== null"
FOCUSED_ELEMENT = "() => document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : 'nothing'"


@pytest.mark.parametrize(
    ("path", "signed_in", "first_in_main"),
    [
        pytest.param("/sign-in/", False, "#id_username", id="sign-in"),
        pytest.param("/accessibility/", False, None, id="accessibility-statement"),
        pytest.param("/", True, "main a >> nth=0", id="home-signed-in"),
    ],
)
def test_first_tab_reaches_the_skip_link_which_moves_focus_to_the_main_content(
    page, make_user, sign_in_as, path, signed_in, first_in_main
):
    if signed_in:
        sign_in_as(make_user(role=Role.PRACTITIONER))
    page.goto(path)
    # GOV.UK Frontend's JavaScript (which makes the skip link move focus) has started.
    expect(page.locator("body")).to_have_class("govuk-template__body js-enabled govuk-frontend-supported")

    page.keyboard.press("Tab")
    skip_link = page.locator("a.govuk-skip-link")
    assert page.evaluate("() => document.activeElement.classList.contains('govuk-skip-link')"), (
        f"the first Tab focused {page.evaluate(FOCUSED_ELEMENT)}, not the skip link"
    )
    expect(skip_link).to_have_text("Skip to main content")
    expect(skip_link).to_be_in_viewport()  # shown once focused, not only to screen readers

    page.keyboard.press("Enter")
    page.wait_for_function(FOCUS_IS_IN_MAIN)
    assert page.evaluate("() => location.hash") == "#main-content"

    if first_in_main:
        # The next Tab carries on from the main content, not from the top of the page.
        page.keyboard.press("Tab")
        expect(page.locator(first_in_main)).to_be_focused()
