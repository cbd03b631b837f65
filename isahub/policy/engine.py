"""The one place pages, API, exports and reports ask "may this user do this?"."""

from __future__ import annotations

from typing import Any

from .decisions import Decision
from .errors import AccessRefused
from .rules import RULES


def decide(actor: Any, action: str, target: Any = None) -> Decision:
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Decision.refuse("You need to sign in.")
    try:
        rule = RULES[action]
    except KeyError:
        # An action nobody wrote a rule for is refused, never allowed by default.
        return Decision.refuse("This action is not allowed.")
    return rule(actor, target)


def require(actor: Any, action: str, target: Any = None) -> Decision:
    """Decide, and raise AccessRefused (a 403 that is audited) when refused."""
    decision = decide(actor, action, target)
    if not decision.allowed:
        raise AccessRefused(
            action=action,
            decision=decision,
            target_type=target._meta.label_lower if hasattr(target, "_meta") else "",
            target_id=str(getattr(target, "pk", "") or ""),
        )
    return decision
