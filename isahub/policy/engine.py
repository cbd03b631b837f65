"""The one place pages, API, exports and reports ask "may this user do this?"."""

from __future__ import annotations

from typing import Any

import structlog

from . import consent
from .decisions import Decision
from .errors import AccessRefused, DecisionFailed
from .rules import RULES

log = structlog.get_logger(__name__)


def decide(actor: Any, action: str, target: Any = None) -> Decision:
    """The decision for this actor, action and target. Fails closed: if a rule, or a fact
    it looks up (relationships, consent), raises, DecisionFailed propagates and the
    request answers an error instead of anything the decision would have guarded."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Decision.refuse("You need to sign in.")
    try:
        rule = RULES[action]
    except KeyError:
        # An action nobody wrote a rule for is refused, never allowed by default.
        return Decision.refuse("This action is not allowed.")
    try:
        decision = rule(actor, target)
        if not isinstance(decision, Decision):
            raise TypeError(f"rule {action!r} answered {type(decision).__name__}, not a Decision")
        if decision.allowed:
            decision = consent.opinion(actor, action, target) or decision
    except Exception as error:
        # Ids and the error's type only: an exception's text may quote the record.
        log.error("policy.decision_failed", action=action, actor_id=actor.pk, error=type(error).__name__)
        raise DecisionFailed(action) from error
    return decision


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
