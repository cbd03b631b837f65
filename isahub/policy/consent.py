"""Where policy asks about consent: the injection point for the consent module.

`decide()` asks the registered lookup about every decision a rule has allowed. The consent
app registers its lookup when it starts (`AppConfig.ready`: `consent.register(lookup)`).
A lookup answers a refusing or redacting `Decision` to override the rule, or None when
consent has nothing to say about that action. Until one is registered (or in a deployment
without the consent module) there is no opinion, and rules decide alone.

Whatever the lookup raises (a bug, a lost database connection) propagates into `decide()`,
which fails closed: nothing is shown, the request answers an error and the failure is
logged with the request id (`engine.DecisionFailed`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .decisions import Decision

ConsentLookup = Callable[[Any, str, Any], Decision | None]
_lookup: ConsentLookup | None = None


def register(lookup: ConsentLookup | None) -> None:
    global _lookup  # noqa: PLW0603 - one registration at start-up
    _lookup = lookup


def opinion(actor: Any, action: str, target: Any) -> Decision | None:
    if _lookup is None:
        return None
    return _lookup(actor, action, target)
