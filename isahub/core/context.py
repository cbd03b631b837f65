"""What the audit trail needs to know about the request in hand, without passing it around."""

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)
