"""Production settings refuse to start with an unsafe configuration or the demo borough."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.safety import refuse_unsafe_configuration

SAFE = {
    "debug": False,
    "secret_key": "k" * 64,
    "allowed_hosts": ["isahub.example.gov.uk"],
    "database_engine": "postgresql",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"debug": True}, "DEBUG must be off"),
        ({"secret_key": "insecure-development-key-change-me"}, "DJANGO_SECRET_KEY"),
        ({"secret_key": "short"}, "DJANGO_SECRET_KEY"),
        ({"allowed_hosts": []}, "DJANGO_ALLOWED_HOSTS"),
        ({"database_engine": "sqlite"}, "PostgreSQL"),
    ],
)
def test_unsafe_configuration_is_refused(change, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        refuse_unsafe_configuration(**{**SAFE, **change})


def test_safe_configuration_is_accepted():
    refuse_unsafe_configuration(**SAFE)


CONFIGURED = {"DJANGO_SECRET_KEY": "s" * 64, "DJANGO_ALLOWED_HOSTS": "isahub.example.gov.uk", "ISAHUB_DB_ENGINE": "postgresql"}
PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) for k in ["
    "'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS',"
    "'ISAHUB_REQUIRE_TOTP', 'ISAHUB_DEMO_MODE', 'AUTH_PASSWORD_VALIDATORS', 'DEBUG', 'X_FRAME_OPTIONS']}))"
)


def _import_production(env_overrides: dict, then: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ISAHUB_DB_ENGINE"))}
    env.update(env_overrides)
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.production'; django.setup()\n" + then
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_production_settings_module_refuses_to_load_with_defaults():
    result = _import_production({})
    assert result.returncode != 0
    assert "Refusing to start" in result.stderr and "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_load_when_configured():
    result = _import_production(CONFIGURED)
    assert result.returncode == 0, result.stderr


def test_production_settings_refuse_debug_even_when_otherwise_configured():
    result = _import_production({**CONFIGURED, "DJANGO_DEBUG": "1"})
    assert result.returncode != 0 and "DEBUG must be off" in result.stderr


def test_production_settings_are_hardened():
    import json

    result = _import_production(CONFIGURED, then=PRINT_SETTINGS)
    assert result.returncode == 0, result.stderr
    production = json.loads(result.stdout.strip().splitlines()[-1])
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SESSION_COOKIE_HTTPONLY"] and not production["DEBUG"]
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert production["X_FRAME_OPTIONS"] == "DENY"
    assert production["ISAHUB_REQUIRE_TOTP"] and not production["ISAHUB_DEMO_MODE"]
    assert any(v["NAME"].endswith("NotTheDemoPasswordValidator") for v in production["AUTH_PASSWORD_VALIDATORS"])


@pytest.mark.django_db
def test_startup_refuses_a_database_holding_demo_accounts(settings, make_user):
    from isahub.core.startup import refuse_unsafe_data

    settings.ISAHUB_DEMO_MODE = False
    refuse_unsafe_data()  # no demo accounts: fine
    make_user(username="demo-person", is_demo=True)
    with pytest.raises(ImproperlyConfigured, match="demo accounts"):
        refuse_unsafe_data()


def test_the_demo_password_is_refused_by_production_validation():
    from django.core.exceptions import ValidationError

    from isahub.accounts.validators import DEMO_PASSWORD, NotTheDemoPasswordValidator

    with pytest.raises(ValidationError):
        NotTheDemoPasswordValidator().validate(DEMO_PASSWORD)
    NotTheDemoPasswordValidator().validate("a-different-long-password")
