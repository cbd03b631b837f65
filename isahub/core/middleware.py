import itertools
import re
import uuid

from django.conf import settings

from .context import current_audit_sequence, current_ip, current_request_id

REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Give every request an id, return it as X-Request-ID and carry it into logs and audit.

    A proxy's id is used only when the deployment trusts the proxy and the value is a
    plain token (never free text that could carry personal data into logs).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        if settings.ISAHUB_TRUST_REQUEST_ID_HEADER and REQUEST_ID_PATTERN.match(incoming):
            request_id = incoming
        else:
            request_id = uuid.uuid4().hex
        request.request_id = request_id
        # django-structlog reads the header, so both agree on the id.
        request.META["HTTP_X_REQUEST_ID"] = request_id
        request.__dict__.pop("headers", None)  # headers is cached; let it see the new value
        id_token = current_request_id.set(request_id)
        ip_token = current_ip.set(request.META.get("REMOTE_ADDR") or None)
        sequence_token = current_audit_sequence.set(itertools.count(1))
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(id_token)
            current_ip.reset(ip_token)
            current_audit_sequence.reset(sequence_token)
        response["X-Request-ID"] = request_id
        return response
