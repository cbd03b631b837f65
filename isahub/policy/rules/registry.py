"""The registry of rules. Each action names one function (actor, target) -> Decision.

Everything that decides who may see or do what lives in this package or in scopes.py,
which holds the matching queryset filters so that lists and single records follow the
same rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..decisions import Decision

Rule = Callable[[Any, Any], Decision]
RULES: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        if action in RULES:
            raise ValueError(f"Two rules for {action!r}")
        RULES[action] = function
        return function

    return register


def is_role(actor: Any, *roles: str) -> bool:
    return actor.role in roles
