"""Personal API tokens: shown once, stored hashed, revocable, every use audited."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from isahub.accounts.models import ApiToken
from isahub.accounts.tokens import token_hash
from isahub.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_token_created_on_the_page_is_shown_once_and_stored_hashed(make_user, client_for):
    user = make_user(username="alex")
    client = client_for(user, stepped_up=True)
    page = client.post(reverse("accounts:api-tokens"), {"name": "My script"}).content.decode()
    record = ApiToken.objects.get(user=user)
    shown = page.split('data-testid="new-token">')[1].split("<")[0]
    assert shown.startswith("isa_") and len(shown) > 40
    assert record.token_hash == token_hash(shown) and shown not in record.token_hash
    assert shown not in client.get(reverse("accounts:api-tokens")).content.decode()
    assert AuditEntry.objects.filter(action="token.created", actor_id=user.pk).exists()


def test_token_needs_a_name(make_user, client_for):
    client = client_for(make_user(), stepped_up=True)
    response = client.post(reverse("accounts:api-tokens"), {"name": ""})
    assert "There is a problem" in response.content.decode()
    assert ApiToken.objects.count() == 0


def test_command_prints_a_working_token(make_user, capsys):
    make_user(username="alex")
    call_command("create_api_token", "alex")
    token = capsys.readouterr().out.strip()
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["username"] == "alex"


def test_command_refuses_an_unknown_user():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no active user"):
        call_command("create_api_token", "nobody")


def test_bearer_token_use_is_audited(make_user, token_for):
    user = make_user(username="alex")
    headers = token_for(user)
    response = Client().get("/api/v1/me", **headers)
    assert response.status_code == 200
    entry = AuditEntry.objects.get(action="token.used")
    assert entry.actor_id == user.pk and entry.request_id == response["X-Request-ID"]


def test_missing_unknown_and_revoked_tokens_are_refused(make_user, token_for, client_for):
    user = make_user(username="alex")
    assert Client().get("/api/v1/me").status_code == 401
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer isa_not-a-real-token").status_code == 401
    assert AuditEntry.objects.filter(action="token.rejected").count() == 1
    headers = token_for(user)
    record = ApiToken.objects.get(user=user)
    client_for(user).post(reverse("accounts:api-token-revoke", args=[record.pk]))
    record.refresh_from_db()
    assert record.revoked_at is not None
    assert Client().get("/api/v1/me", **headers).status_code == 401
    assert AuditEntry.objects.filter(action="token.revoked", actor_id=user.pk).exists()


def test_a_user_cannot_revoke_someone_elses_token(make_user, token_for, client_for):
    owner, other = make_user(username="owner"), make_user(username="other")
    token_for(owner)
    record = ApiToken.objects.get(user=owner)
    response = client_for(other).post(reverse("accounts:api-token-revoke", args=[record.pk]))
    assert response.status_code == 404
    record.refresh_from_db()
    assert record.revoked_at is None


def test_disabled_users_tokens_stop_working(make_user, token_for):
    user = make_user(username="alex")
    headers = token_for(user)
    user.is_active = False
    user.save()
    assert Client().get("/api/v1/me", **headers).status_code == 401
