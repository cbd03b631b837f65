"""Bearer-token authentication for the API. Every use of a token is audited."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja.security import HttpBearer

from isahub.accounts.models import ApiToken
from isahub.accounts.selectors import vetting_problems
from isahub.accounts.tokens import token_hash
from isahub.audit import services as audit
from isahub.policy.decisions import Decision
from isahub.policy.errors import AccessRefused

LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class PersonalTokenAuth(HttpBearer):
    openapi_description = "A personal API token from the 'API tokens' page or `manage.py create_api_token`."

    def authenticate(self, request, token: str):
        record = (
            ApiToken.objects.select_related("user", "user__agency")
            .filter(token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if record is None:
            audit.audit_record_now(action="token.rejected", outcome="refused", details={"prefix": token[:12]})
            return None
        user = record.user
        problems = vetting_problems(user, today=timezone.localdate())
        if problems:
            raise AccessRefused(action="api.use", decision=Decision.refuse(" ".join(problems)))
        now = timezone.now()
        if record.last_used_at is None or now - record.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=record.pk).update(last_used_at=now)
        audit.audit_record(
            action="token.used", actor=user, target=record, details={"path": request.path, "method": request.method}
        )
        request.user = user
        return user
