from django.core.exceptions import PermissionDenied

from .decisions import Decision


class AccessRefused(PermissionDenied):
    """A policy refusal. Pages and API turn it into a 403 that shows the reason, and the
    refusal itself is audited (see middleware.py and isahub/api/errors.py)."""

    def __init__(self, *, action: str, decision: Decision, target_type: str = "", target_id: str = ""):
        super().__init__(decision.reason)
        self.action = action
        self.decision = decision
        self.reason = decision.reason
        self.target_type = target_type
        self.target_id = target_id


class DecisionFailed(RuntimeError):
    """A rule, or a fact it looked up, raised while deciding: the request fails closed
    (an error page or JSON error, never the data the decision guarded)."""

    def __init__(self, action: str):
        super().__init__(f"The access decision for {action!r} could not be made")
        self.action = action
