"""Log processors that keep personal data out of the logs.

An exception's message can quote what it was handling: a unique constraint's key (an NHS
number), a value that failed to parse (a name), a row PostgreSQL could not insert. So
tracebacks are logged with their frames (file, line, function, source line) and the
exception's type, never its message.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import MutableMapping
from types import TracebackType
from typing import Any

WITHHELD = "(message withheld: it may quote personal data)"


def _exception_info(value: Any) -> tuple[type[BaseException], BaseException, TracebackType | None] | None:
    if value is True:
        info = sys.exc_info()
        return info if info[1] is not None else None
    if isinstance(value, BaseException):
        return type(value), value, value.__traceback__
    if isinstance(value, tuple) and len(value) == 3 and isinstance(value[1], BaseException):
        return value
    return None


def traceback_without_messages(error: BaseException) -> str:
    """The traceback of `error` and the exceptions chained to it, messages left out."""
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "The above exception was the direct cause of the following exception:"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "During handling of the above exception, another exception occurred:"
        else:
            current = None
    parts: list[str] = []
    for index, (exc, _) in enumerate(reversed(chain)):
        if index:
            parts.append("\n" + chain[len(chain) - index][1] + "\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
        parts.append(f"{type(exc).__module__}.{type(exc).__qualname__}: {WITHHELD}\n")
    return "".join(parts)


def format_exc_info_without_messages(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog's format_exc_info, minus exception messages (for structlog and std logging)."""
    value = event_dict.pop("exc_info", None)
    info = _exception_info(value)
    if info is not None:
        event_dict["exception"] = traceback_without_messages(info[1])
    return event_dict


def loggable_path(path: str) -> str:
    """A request's path as its route, with only ids filled in, never free text from the URL.

    The product never puts personal data in a URL (searches are POSTed), but a caller can
    type anything into one: `/api/v1/children/Jane-Smith` is logged as
    `/api/v1/children/<child_id>`, a path that matches no route as "(a path that matches no
    page)", and query strings are left out.
    """
    from uuid import UUID

    from django.urls import Resolver404, resolve

    try:
        match = resolve(path)
    except Resolver404:
        return "(a path that matches no page)"
    route = "/" + str(match.route).lstrip("^").rstrip("$")
    ids = []
    for name, value in match.kwargs.items():
        if isinstance(value, int | UUID) or (isinstance(value, str) and (value.isdigit() or _is_uuid(value))):
            ids.append(f"{name}={value}")
    return route + (f" ({', '.join(ids)})" if ids else "")


def _is_uuid(value: str) -> bool:
    from uuid import UUID

    try:
        UUID(value)
    except ValueError:
        return False
    return True


class WithholdPaths(logging.Filter):
    """Django's own request log lines ("Not Found: /path") name the route, not the raw path."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and isinstance(record.args, tuple):
            raw = {request.path, request.path.encode("unicode_escape").decode("ascii")}
            record.args = tuple(loggable_path(request.path_info) if arg in raw else arg for arg in record.args)
        return True
