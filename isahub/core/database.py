"""Telling "the database cannot be reached just now" apart from other failures."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

# What a caller may be told, by the words PostgreSQL's and SQLite's drivers use. Never the
# driver's own text: it names hosts and ports, and a query error can quote a record.
_KINDS = (
    ("statement timeout", "a query ran past its deadline"),
    ("canceling statement", "a query ran past its deadline"),
    ("timeout expired", "the connection timed out"),
    ("timed out", "the connection timed out"),
    ("connection refused", "it refused the connection"),
    ("database is locked", "it is locked by another writer"),
    ("server closed the connection", "the connection was lost"),
    ("connection already closed", "the connection was lost"),
    ("consuming input failed", "the connection was lost"),
    ("terminating connection", "the server shut the connection down"),
    ("the database system is", "it is starting up or shutting down"),
)


def _chain(error: BaseException | None):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def database_unavailable(error: BaseException | None) -> bool:
    """True when the error (or what caused it) is the database being unreachable, stalled,
    past a deadline or locked: an answer of 503, try again later."""
    return any(isinstance(e, OperationalError | InterfaceError) for e in _chain(error))


def describe_unavailable(error: BaseException | None) -> str:
    """A short, safe description of why the database is unavailable."""
    for e in _chain(error):
        if isinstance(e, OperationalError | InterfaceError):
            text = str(e).lower()
            for needle, words in _KINDS:
                if needle in text:
                    return words
            return f"it cannot be reached ({type(e).__name__})"
    return "it cannot be reached"
