"""Step-up re-authentication for sensitive actions.

    @require_recent_authentication
    def export_audit(request): ...

sends the user to confirm their password (and second factor) again unless they did so
within ISAHUB_STEP_UP_SECONDS. Other apps use it for exports, break-glass and merges.
"""

import time
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

STEPPED_UP_AT = "isahub_stepped_up_at"


def recently_authenticated(request) -> bool:
    stepped_up = request.session.get(STEPPED_UP_AT)
    return stepped_up is not None and time.time() - stepped_up <= settings.ISAHUB_STEP_UP_SECONDS


def require_recent_authentication(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if recently_authenticated(request):
            return view(request, *args, **kwargs)
        # A POST cannot be replayed after the detour: send them back to the page instead.
        next_url = request.get_full_path() if request.method == "GET" else request.headers.get("Referer", request.path)
        if not next_url.startswith("/") and "://" in next_url:
            from django.utils.http import url_has_allowed_host_and_scheme

            if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
                next_url = request.path
        return redirect(reverse("accounts:confirm-identity") + "?" + urlencode({"next": next_url}))

    wrapper.requires_step_up = True  # type: ignore[attr-defined]
    return wrapper
