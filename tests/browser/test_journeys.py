"""Whole journeys through the real pages, as a practitioner would take them in a browser."""

import base64
import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from isahub.accounts.models import Role

pytestmark = pytest.mark.browser


def current_code(device: TOTPDevice, key: bytes | None = None) -> str:
    """The code an authenticator app shows now for this device (or for `key` with its settings)."""
    code = totp(key or device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


def test_practitioner_signs_in_with_a_code_and_signs_out(page, live_server, make_user, sign_in_with_form):
    practitioner = make_user(role=Role.PRACTITIONER, username="pat.jones", first_name="Pat", last_name="Jones")
    device = TOTPDevice.objects.create(user=practitioner, name="Authenticator app", confirmed=True)

    page.goto("/sign-in/")
    expect(page.locator("h1")).to_have_text("Sign in")
    sign_in_with_form(page, "pat.jones")

    expect(page).to_have_url(f"{live_server.url}/account/two-factor/")
    expect(page.locator("h1")).to_have_text("Enter your sign-in code")
    page.fill("#id_code", current_code(device))
    with page.expect_navigation():
        page.click("#submit-id-submit")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("Your work")
    expect(page.locator(".govuk-caption-l")).to_have_text("Practitioner, Riverside Primary School")
    expect(page.locator(".isahub-account-bar")).to_contain_text("Signed in as Pat Jones")

    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/sign-in/")
    expect(page.locator("h1")).to_have_text("Sign in")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(f"{live_server.url}/sign-in/") + r"\?next=/$"))
    expect(page.locator("h1")).to_have_text("Sign in")


def test_new_user_sets_up_an_authenticator_app_and_gets_recovery_codes(page, live_server, make_user, sign_in_with_form):
    user = make_user(role=Role.PRACTITIONER, username="sam.new")
    assert not TOTPDevice.objects.filter(user=user).exists()

    sign_in_with_form(page, "sam.new")

    expect(page).to_have_url(f"{live_server.url}/account/two-factor/set-up/")
    expect(page.locator("h1")).to_have_text("Set up an authenticator app")
    expect(page.get_by_role("img", name="QR code to add isahub to your authenticator app")).to_be_visible()

    # The person cannot scan the QR code, so types the key into their app instead.
    secret = page.locator(".govuk-details__text .isahub-token")
    expect(secret).to_be_hidden()
    page.get_by_text("I cannot scan the QR code").click()
    expect(secret).to_be_visible()
    typed = secret.inner_text().replace(" ", "")
    key = base64.b32decode(typed + "=" * (-len(typed) % 8))

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert key == device.bin_key, "the key shown on the page is not the device's key"

    page.fill("#id_code", current_code(device, key=key))
    with page.expect_navigation():
        page.click("#submit-id-submit")

    expect(page).to_have_url(f"{live_server.url}/account/two-factor/recovery-codes/")
    expect(page.locator("h1")).to_have_text("Your recovery codes")
    codes = page.locator("[data-testid=recovery-codes] li")
    expect(codes).to_have_count(10)
    shown = {text.strip() for text in codes.all_inner_texts()}
    assert len(shown) == 10 and all(shown), shown
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert shown == stored

    device.refresh_from_db()
    assert device.confirmed

    with page.expect_navigation():
        page.get_by_role("link", name="I have saved my codes").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_have_text("Your work")

    # The codes are shown once only.
    page.goto("/account/two-factor/recovery-codes/")
    expect(page).to_have_url(f"{live_server.url}/")
