from isahub.audit.services import audit_record_now
from isahub.core.views import permission_denied

from .errors import AccessRefused


class AccessRefusedMiddleware:
    """Turn a policy refusal on a page into a plain 403 and audit it.

    By the time this runs the request's transaction has been rolled back, so the refusal
    is recorded in a transaction of its own; if that write fails, the error propagates.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, AccessRefused):
            return None
        record_refusal(request.user, exception)
        return permission_denied(request, exception)


def record_refusal(actor, refusal: AccessRefused) -> None:
    audit_record_now(
        action="access.refused",
        actor=actor,
        outcome="refused",
        target_type=refusal.target_type,
        target_id=refusal.target_id,
        details={"action": refusal.action, "reason": refusal.reason},
    )
