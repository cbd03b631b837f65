"""The reason gate on pages: a reason given for a record covers repeat views for a while
(set in the profile); every view is still audited with that reason."""

from __future__ import annotations

import time

from isahub.policy.engine import require
from isahub.profiles.loader import current_profile

from .selectors import find_child

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


def child_behind_reason(request, child_id):
    """The child, if the user may view the record, and whether a current reason covers acting
    on it: acting on a record needs the same reason as opening it."""
    child = find_child(child_id)
    require(request.user, "child.view", child)
    return child, bool(current_reason(request, child.pk))
