from isahub.policy.errors import AccessRefused
from isahub.policy.middleware import record_refusal


def register_error_handlers(api) -> None:
    @api.exception_handler(AccessRefused)
    def access_refused(request, exc: AccessRefused):
        record_refusal(getattr(request, "user", None), exc)
        return api.create_response(request, {"detail": exc.reason}, status=403)
