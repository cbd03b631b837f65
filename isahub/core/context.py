"""What the audit trail needs to know about the request in hand, without passing it around."""

from collections.abc import Iterator
from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)
# Numbers the audit rows one request writes (1, 2, ...); None outside a request.
current_audit_sequence: ContextVar[Iterator[int] | None] = ContextVar("current_audit_sequence", default=None)
