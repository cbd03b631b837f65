"""Meta-tests that keep the architecture honest."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from isahub.audit.actions import ACTIONS

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ROOT / "isahub"
TEMPLATES = [p for p in PRODUCT.rglob("*.html")]
PYTHON = [p for p in PRODUCT.rglob("*.py") if "/tests/" not in str(p) and "/migrations/" not in str(p)]


@pytest.mark.django_db
def test_no_missing_migrations():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_every_audit_action_written_is_registered():
    used = set()
    for path in PYTHON:
        used |= set(re.findall(r'audit_record(?:_now)?\(\s*action="([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert used, "the scan found no audit calls: the pattern is out of date"
    assert used <= set(ACTIONS), f"unregistered: {used - set(ACTIONS)}"


def test_templates_have_no_inline_script_style_or_handlers():
    """The Content-Security-Policy forbids them; a template that needs them is broken."""
    problems = []
    for path in TEMPLATES:
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            problems.append(f"{path}: inline <script>")
        if re.search(r"\son[a-z]+=", text):
            problems.append(f"{path}: inline event handler")
        if re.search(r"\sstyle=", text) or "<style" in text:
            problems.append(f"{path}: inline style")
    assert not problems, problems


def test_every_post_form_carries_a_csrf_token():
    for path in TEMPLATES:
        text = path.read_text()
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", text, flags=re.S | re.I):
            assert "csrf_token" in form or "{% crispy" in form, f"{path}: a POST form without a CSRF token"


PROTECTED = r"\b(User|Agency|AuditEntry|AuditSeal|ApiToken)\.objects\b"


def test_views_and_api_handlers_fetch_protected_records_only_through_selectors():
    offenders = []
    for path in PYTHON:
        if path.name in {"views.py", "api.py"}:
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(PROTECTED, line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_calls_go_one_way_policy_and_audit_never_import_views():
    for app in ("policy", "audit", "profiles", "core"):
        for path in (PRODUCT / app).rglob("*.py"):
            if "/tests/" in str(path):
                continue
            text = path.read_text()
            assert not re.search(r"from isahub\.\w+\.views import|from isahub\.\w+ import views", text) or (
                path.name == "middleware.py" and "isahub.core.views import permission_denied" in text
            ), f"{path} imports a views module"


@pytest.mark.django_db
def test_security_headers_are_sent():
    response = Client().get("/sign-in/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_http_only(make_user):
    from isahub.accounts.tests.factories import PASSWORD

    make_user(username="alex")
    client = Client()
    client.get("/sign-in/")
    response = client.post("/sign-in/", {"username": "alex", "password": PASSWORD})
    assert response.cookies["sessionid"]["httponly"]
    assert client.cookies["csrftoken"]["httponly"]


@pytest.mark.django_db
def test_error_pages_are_plain_english(make_user, client_for):
    client = client_for(make_user())
    not_found = client.get("/no-such-page/")
    assert not_found.status_code == 404 and "Page not found" in not_found.content.decode()
    bad = Client().get("/sign-in/", HTTP_HOST="bad host name")
    assert bad.status_code == 400 and "problem with that request" in bad.content.decode()


@pytest.mark.django_db
def test_server_error_page_gives_a_reference_and_no_details(make_user, client_for, monkeypatch):
    from isahub.accounts import views

    def explode(request):
        raise RuntimeError("secret internals Jane Smith")

    monkeypatch.setattr(views, "current_profile", explode)
    client = client_for(make_user())
    client.raise_request_exception = False
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 500 and "Sorry, there is a problem with the service" in body
    assert response["X-Request-ID"] in body and "secret internals" not in body and "Traceback" not in body


@pytest.mark.django_db
def test_logs_carry_ids_not_names(make_user, client_for, caplog):
    import logging

    user = make_user(username="alex", first_name="Ottoline", last_name="Quarrington", email="oq@example.invalid")
    caplog.set_level(logging.INFO)
    client = client_for(user)
    response = client.get("/")
    client.get("/agencies/")
    logged = "\n".join(str(record.msg) for record in caplog.records)
    assert response["X-Request-ID"] in logged
    for personal in ("Ottoline", "Quarrington", "oq@example.invalid"):
        assert personal not in logged
