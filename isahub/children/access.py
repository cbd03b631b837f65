"""The reason gate on pages: a reason given for a record covers repeat views for a while
(set in the profile); every view is still audited with that reason."""

from __future__ import annotations

import time

from isahub.profiles.loader import current_profile

SESSION_KEY = "isahub_access_reasons"


def remember_reason(request, child_id, reason: str) -> None:
    reasons = request.session.get(SESSION_KEY, {})
    reasons[str(child_id)] = [reason, time.time()]
    request.session[SESSION_KEY] = reasons


def current_reason(request, child_id) -> str:
    entry = request.session.get(SESSION_KEY, {}).get(str(child_id))
    if not entry:
        return ""
    reason, given_at = entry
    if time.time() - given_at > current_profile().reason_valid_minutes * 60:
        return ""
    return reason
