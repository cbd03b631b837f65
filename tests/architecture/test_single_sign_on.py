"""OIDC single sign-on is off by default and, when a council turns it on, sends the browser
to its identity provider and signs in only people who already have an account."""

import os
import subprocess
import sys

import pytest
from django.urls import NoReverseMatch, reverse

OIDC_ENV = {
    "ISAHUB_OIDC_ENABLED": "1",
    "OIDC_RP_CLIENT_ID": "isahub-test",
    "OIDC_RP_CLIENT_SECRET": "not-a-real-secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.invalid/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.invalid/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example.invalid/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.invalid/jwks",
}

SCRIPT = """
import django, os
os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings.test'
django.setup()
from django.conf import settings
# No database here: the OIDC round trip keeps its state in a signed cookie for this check.
settings.SESSION_ENGINE = 'django.contrib.sessions.backends.signed_cookies'
from django.test.utils import setup_test_environment
setup_test_environment()
from django.test import Client
response = Client().get('/oidc/authenticate/')
print(response.status_code, response['Location'].split('?')[0])
print('ExistingUserOIDCBackend' in ' '.join(settings.AUTHENTICATION_BACKENDS))
print('council account' in Client().get('/sign-in/').content.decode())
"""


def test_sso_is_off_by_default(settings):
    assert not settings.ISAHUB_OIDC_ENABLED
    with pytest.raises(NoReverseMatch):
        reverse("oidc_authentication_init")


def test_sso_when_enabled_redirects_to_the_identity_provider(tmp_path):
    # An empty database of its own: the round trip itself needs no tables.
    env = {**os.environ, **OIDC_ENV, "ISAHUB_SQLITE_PATH": str(tmp_path / "empty.sqlite3")}
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()[-3:]
    assert lines[0] == "302 https://idp.example.invalid/authorize"
    assert lines[1] == "True" and lines[2] == "True"


@pytest.mark.django_db
def test_sso_signs_in_only_existing_active_accounts(make_user):
    from isahub.accounts.oidc import ExistingUserOIDCBackend

    user = make_user(email="jo@northbrook.example")
    backend = ExistingUserOIDCBackend.__new__(ExistingUserOIDCBackend)
    from isahub.accounts.models import User

    backend.UserModel = User
    assert list(backend.filter_users_by_claims({"email": "JO@northbrook.example"})) == [user]
    assert not backend.filter_users_by_claims({"email": "stranger@example.invalid"}).exists()
    assert not backend.filter_users_by_claims({}).exists()
    assert backend.create_user({"email": "stranger@example.invalid"}) is None
