"""Session limits, the second factor and vetting, enforced centrally for every page.

Views that are public (marked with Django's `login_not_required`, including the API,
which authenticates by token itself) are left alone; everything else passes all three.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils import timezone

from isahub.audit.services import audit_record_now

from .selectors import vetting_problems

AUTH_AT = "isahub_auth_at"
SEEN_AT = "isahub_seen_at"
TOTP_SKIPPED = "isahub_totp_skipped"

SECOND_FACTOR_PAGES = {"second-factor", "second-factor-set-up", "second-factor-skip", "recovery-codes", "sign-out"}
VETTING_EXEMPT_PAGES = {"sign-out"}


def _is_public(view_func) -> bool:
    return getattr(view_func, "login_required", True) is False


def _url_name(request) -> str:
    match = request.resolver_match
    return match.url_name if match else ""


class SessionLimitsMiddleware:
    """Idle timeout and an absolute session limit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(AUTH_AT, now)
            seen = request.session.get(SEEN_AT, now)
            if now - seen > settings.ISAHUB_IDLE_TIMEOUT_SECONDS:
                return self._end(request, "You were signed out because you had not done anything for a while.", "idle")
            if now - started > settings.ISAHUB_ABSOLUTE_SESSION_SECONDS:
                return self._end(request, "You were signed out because your session reached its time limit.", "absolute")
            request.session[SEEN_AT] = now
            request.session.setdefault(AUTH_AT, now)
        return self.get_response(request)

    def _end(self, request, message: str, limit: str):
        audit_record_now(action="auth.session_expired", actor=request.user, details={"limit": limit})
        logout(request)
        if request.path.startswith("/api/"):
            return self.get_response(request)
        messages.info(request, message)
        return redirect(settings.LOGIN_URL)


class SecondFactorMiddleware:
    """Staff confirm sign-in with a TOTP code (or a recovery code) before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or _is_public(view_func) or _url_name(request) in SECOND_FACTOR_PAGES:
            return None
        if not settings.ISAHUB_REQUIRE_TOTP or user.is_verified():
            return None
        from django_otp import user_has_device

        if user_has_device(user, confirmed=True):
            return redirect("accounts:second-factor")
        if settings.ISAHUB_DEMO_MODE and request.session.get(TOTP_SKIPPED):
            return None
        return redirect("accounts:second-factor-set-up")


class VettingMiddleware:
    """Refuse, in plain words, a user whose DBS check, training or agreement is missing or stale."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or _is_public(view_func) or _url_name(request) in VETTING_EXEMPT_PAGES:
            return None
        problems = vetting_problems(user, today=timezone.localdate())
        if not problems:
            return None
        audit_record_now(action="auth.vetting_refused", actor=user, outcome="refused", details={"problems": len(problems)})
        return render(request, "accounts/vetting_refused.html", {"problems": problems}, status=403)
