"""Signing in: passwords, lockout, the second factor, session limits and step-up."""

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from isahub.accounts.decorators import STEPPED_UP_AT
from isahub.accounts.middleware import AUTH_AT, SEEN_AT
from isahub.accounts.tests.factories import PASSWORD
from isahub.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("accounts:sign-in"), {"username": username, "password": password})


def actions_for(username: str) -> list[str]:
    return list(AuditEntry.objects.filter(actor_username=username).order_by("id").values_list("action", flat=True))


def test_good_password_signs_in_and_asks_for_the_second_factor(make_user):
    user = make_user(username="alex")
    response = sign_in(Client(), "alex")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:home")
    assert "auth.login" in actions_for("alex")
    # Without a device yet, the first page they reach is the enrolment page.
    client = Client()
    sign_in(client, "alex")
    assert client.get("/").url == reverse("accounts:second-factor-set-up")
    assert user.password.startswith(("md5$", "argon2"))


def test_wrong_password_is_refused_and_audited(make_user):
    make_user(username="alex")
    response = sign_in(Client(), "alex", "not-the-password")
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.actor_username == "alex" and entry.outcome == "refused"


def test_repeated_failures_lock_the_account_even_for_the_right_password(make_user, settings):
    make_user(username="alex")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "alex", "wrong")
    response = sign_in(client, "alex")
    assert response.status_code == 429
    assert "Your account is locked" in response.content.decode()
    assert AuditEntry.objects.filter(action="auth.locked_out", actor_username="alex").exists()
    assert "auth.login" not in actions_for("alex")


def test_argon2_is_the_production_hasher():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


class TestSecondFactor:
    def test_user_with_a_device_must_enter_a_code(self, make_user, settings):
        settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the throttle itself is tested below
        user = make_user(username="alex")
        device = TOTPDevice.objects.create(user=user, confirmed=True)
        client = Client()
        sign_in(client, "alex")
        assert client.get("/").url == reverse("accounts:second-factor")
        wrong = client.post(reverse("accounts:second-factor"), {"code": "000000" if code_for(device) != "000000" else "111111"})
        assert "That code is not right" in wrong.content.decode()
        assert "auth.second_factor_failed" in actions_for("alex")
        right = client.post(reverse("accounts:second-factor"), {"code": code_for(device)})
        assert right.status_code == 302
        assert client.get("/").status_code == 200
        assert "auth.second_factor_verified" in actions_for("alex")

    def test_repeated_wrong_codes_are_throttled(self, make_user):
        user = make_user(username="alex")
        device = TOTPDevice.objects.create(user=user, confirmed=True)
        client = Client()
        sign_in(client, "alex")
        wrong = "000000" if code_for(device) != "000000" else "111111"
        client.post(reverse("accounts:second-factor"), {"code": wrong})
        response = client.post(reverse("accounts:second-factor"), {"code": code_for(device)})
        assert "Wait a few seconds" in response.content.decode()
        assert client.get("/").url == reverse("accounts:second-factor")

    def test_demo_skip_is_not_offered_outside_demo_mode(self, make_user, settings):
        settings.ISAHUB_DEMO_MODE = False
        make_user(username="alex")
        client = Client()
        sign_in(client, "alex")
        page = client.get(reverse("accounts:second-factor-set-up"))
        assert "Skip for now" not in page.content.decode()
        client.post(reverse("accounts:second-factor-skip"))
        assert client.get("/").url == reverse("accounts:second-factor-set-up")

    def test_enrolment_shows_a_qr_code_confirms_the_device_and_issues_recovery_codes(self, make_user):
        user = make_user(username="alex")
        client = Client()
        sign_in(client, "alex")
        page = client.get(reverse("accounts:second-factor-set-up"))
        assert "<svg" in page.content.decode()
        device = TOTPDevice.objects.get(user=user, confirmed=False)
        response = client.post(reverse("accounts:second-factor-set-up"), {"code": code_for(device)})
        assert response.url == reverse("accounts:recovery-codes")
        codes_page = client.get(reverse("accounts:recovery-codes")).content.decode()
        tokens = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
        assert len(tokens) == 10 and all(token in codes_page for token in tokens)
        device.refresh_from_db()
        assert device.confirmed
        assert "auth.second_factor_enrolled" in actions_for("alex")
        # Shown once: a second visit does not show them again.
        assert client.get(reverse("accounts:recovery-codes")).status_code == 302

    def test_a_recovery_code_signs_in_once(self, make_user):
        user = make_user(username="alex")
        TOTPDevice.objects.create(user=user, confirmed=True)
        static = StaticDevice.objects.create(user=user, confirmed=True)
        static.token_set.create(token="recovery1")
        client = Client()
        sign_in(client, "alex")
        assert client.post(reverse("accounts:second-factor"), {"code": "recovery1"}).status_code == 302
        assert "auth.recovery_code_used" in actions_for("alex")
        again = Client()
        sign_in(again, "alex")
        assert again.post(reverse("accounts:second-factor"), {"code": "recovery1"}).status_code == 200
        assert again.get("/").url == reverse("accounts:second-factor")


class TestSessionLimits:
    def _client(self, make_user, client_for):
        return client_for(make_user(username="alex"))

    def test_idle_session_is_ended(self, make_user, client_for, settings):
        client = self._client(make_user, client_for)
        session = client.session
        session[SEEN_AT] = time.time() - settings.ISAHUB_IDLE_TIMEOUT_SECONDS - 5
        session.save()
        response = client.get("/")
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:sign-in"))
        assert AuditEntry.objects.filter(action="auth.session_expired", details__contains="idle").exists()
        assert client.get("/").url.startswith(reverse("accounts:sign-in"))

    def test_active_session_is_kept(self, make_user, client_for, settings):
        client = self._client(make_user, client_for)
        session = client.session
        session[SEEN_AT] = time.time() - settings.ISAHUB_IDLE_TIMEOUT_SECONDS + 60
        session.save()
        assert client.get("/").status_code == 200

    def test_absolute_limit_ends_even_a_busy_session(self, make_user, client_for, settings):
        client = self._client(make_user, client_for)
        session = client.session
        session[AUTH_AT] = time.time() - settings.ISAHUB_ABSOLUTE_SESSION_SECONDS - 5
        session[SEEN_AT] = time.time()
        session.save()
        assert client.get("/").url.startswith(reverse("accounts:sign-in"))
        assert AuditEntry.objects.filter(action="auth.session_expired", details__contains="absolute").exists()


class TestStepUp:
    def test_sensitive_page_asks_to_confirm_identity(self, make_user, client_for):
        client = client_for(make_user(username="alex"))
        response = client.get(reverse("accounts:api-tokens"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:confirm-identity"))

    def test_wrong_password_does_not_step_up(self, make_user, client_for):
        client = client_for(make_user(username="alex"))
        url = reverse("accounts:confirm-identity") + "?next=" + reverse("accounts:api-tokens")
        response = client.post(url, {"password": "wrong", "next": reverse("accounts:api-tokens")})
        assert response.status_code == 200
        assert "auth.step_up_failed" in actions_for("alex")
        assert client.get(reverse("accounts:api-tokens")).status_code == 302

    def test_right_password_steps_up_and_returns(self, make_user, client_for):
        client = client_for(make_user(username="alex"))
        response = client.post(
            reverse("accounts:confirm-identity"), {"password": PASSWORD, "next": reverse("accounts:api-tokens")}
        )
        assert response.url == reverse("accounts:api-tokens")
        assert client.get(reverse("accounts:api-tokens")).status_code == 200
        assert "auth.step_up" in actions_for("alex")

    def test_step_up_with_a_device_needs_the_code_too(self, make_user, client_for):
        user = make_user(username="alex")
        device = TOTPDevice.objects.create(user=user, confirmed=True)
        client = client_for(user)
        from django_otp import DEVICE_ID_SESSION_KEY

        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        without_code = client.post(reverse("accounts:confirm-identity"), {"password": PASSWORD})
        assert without_code.status_code == 200
        with_code = client.post(reverse("accounts:confirm-identity"), {"password": PASSWORD, "code": code_for(device)})
        assert with_code.status_code == 302

    def test_step_up_expires(self, make_user, client_for, settings):
        client = client_for(make_user(username="alex"), stepped_up=True)
        assert client.get(reverse("accounts:api-tokens")).status_code == 200
        session = client.session
        session[STEPPED_UP_AT] = time.time() - settings.ISAHUB_STEP_UP_SECONDS - 1
        session.save()
        assert client.get(reverse("accounts:api-tokens")).status_code == 302

    def test_next_cannot_send_the_user_off_site(self, make_user, client_for):
        client = client_for(make_user(username="alex"))
        response = client.post(reverse("accounts:confirm-identity"), {"password": PASSWORD, "next": "https://evil.example/"})
        assert response.url == reverse("accounts:home")


def test_sign_out_ends_the_session_and_is_audited(make_user, client_for):
    client = client_for(make_user(username="alex"))
    assert client.post(reverse("accounts:sign-out")).status_code == 302
    assert client.get("/").url.startswith(reverse("accounts:sign-in"))
    assert "auth.logout" in actions_for("alex")
