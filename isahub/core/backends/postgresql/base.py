"""Django's PostgreSQL backend with a client-side deadline on every round trip.

PostgreSQL's own `statement_timeout` ends a slow query, and libpq's `connect_timeout` a slow
connection, but neither helps when the server itself stops answering on a connection that is
already open (the process is frozen, say by SIGSTOP, or a VM is paused): the kernel keeps
acknowledging the packets, so TCP keepalives and `tcp_user_timeout` never fire, and the
request would wait for ever (measured: docs/operations.md). So each statement, commit,
rollback and health check is watched; if it has not answered within the deadline
(`ISAHUB_DB_CLIENT_DEADLINE_MS`: the statement timeout plus a margin) the watchdog shuts the
connection's socket down. The driver then raises OperationalError, the request answers
503, and Django discards the broken connection; the next request connects afresh (bounded
by `connect_timeout`), so the service recovers without a restart.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from typing import Any

import structlog
from django.db.backends.postgresql import base

log = structlog.get_logger(__name__)


class Watchdog:
    """One thread for the process, waking a few times a second to cut stalled sockets."""

    TICK = 0.2

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: dict[int, tuple[float, int]] = {}
        self._next = 0
        self._thread: threading.Thread | None = None

    def arm(self, fd: int, seconds: float) -> int:
        with self._lock:
            self._next += 1
            self._armed[self._next] = (time.monotonic() + seconds, fd)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="isahub-db-watchdog", daemon=True)
                self._thread.start()
            return self._next

    def disarm(self, token: int) -> None:
        # Under the lock: once this returns, the watchdog can no longer touch the socket
        # (which the caller may now close, letting the number be reused).
        with self._lock:
            self._armed.pop(token, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.TICK)
            now = time.monotonic()
            with self._lock:
                for token, (deadline, fd) in list(self._armed.items()):
                    if now >= deadline:
                        del self._armed[token]
                        _shut_down(fd)


def _shut_down(fd: int) -> None:
    log.error("database.deadline_passed", action="socket shut down")
    try:
        stalled = socket.socket(fileno=fd)
    except OSError:
        return
    try:
        stalled.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        stalled.detach()  # the driver still owns the descriptor


WATCHDOG = Watchdog()
MARGIN_SECONDS = 2.0
_SET_TIMEOUT = re.compile(r"^\s*set\s+(?:session\s+|local\s+)?statement_timeout\s*(?:=|to)\s*'?(\d+)(ms|s|min)?'?\s*;?\s*$", re.I)
_RESET_TIMEOUT = re.compile(r"^\s*reset\s+statement_timeout\s*;?\s*$", re.I)
_UNITS = {"": 0.001, "ms": 0.001, "s": 1.0, "min": 60.0}


def deadline_after(sql: object, current: float, default: float) -> float:
    """The client deadline once `sql` has run: it follows the session's statement timeout, so
    maintenance that lifts the timeout on purpose (`SET statement_timeout = 0`, as the
    benchmarks do for index builds) is not cut off, and `RESET` brings the default back."""
    if not isinstance(sql, str) or "statement_timeout" not in sql.lower():
        return current
    if _RESET_TIMEOUT.match(sql):
        return default
    match = _SET_TIMEOUT.match(sql)
    if match is None:
        return current
    seconds = int(match.group(1)) * _UNITS[(match.group(2) or "").lower()]
    return 0.0 if seconds == 0 else seconds + MARGIN_SECONDS


class _Guard:
    __slots__ = ("seconds", "token", "wrapper")

    def __init__(self, wrapper: DatabaseWrapper, seconds: float | None = None):
        self.wrapper = wrapper
        self.seconds = seconds
        self.token = 0

    def __enter__(self) -> None:
        raw = self.wrapper.connection
        seconds = self.seconds or self.wrapper.client_deadline_seconds
        if raw is not None and seconds:
            try:
                fd = raw.pgconn.socket
            except Exception:  # a closed connection has no socket; the driver will say so
                return
            self.token = WATCHDOG.arm(fd, seconds)

    def __exit__(self, *exc: object) -> None:
        if self.token:
            WATCHDOG.disarm(self.token)


class _RecentFailure:
    """After a failed connection attempt, further attempts in the next moment fail at once
    with the same error instead of each waiting out `connect_timeout` again (one request
    may try several times: the session, the user, the response's own logging)."""

    SECONDS = 2.0

    def __init__(self) -> None:
        self.at = 0.0
        self.error: Exception | None = None

    def check(self) -> None:
        if self.error is not None and time.monotonic() - self.at < self.SECONDS:
            raise type(self.error)(*self.error.args)

    def record(self, error: Exception) -> None:
        self.at, self.error = time.monotonic(), error


RECENT_FAILURE = _RecentFailure()


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_client_deadline_seconds = float(self.settings_dict.get("CLIENT_DEADLINE_SECONDS") or 0)
        self.client_deadline_seconds = self.default_client_deadline_seconds
        self.execute_wrappers.append(self._watched_execute)

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        RECENT_FAILURE.check()
        try:
            connection = super().get_new_connection(conn_params)
        except self.Database.OperationalError as error:
            RECENT_FAILURE.record(error)
            raise
        self.client_deadline_seconds = self.default_client_deadline_seconds  # a new session
        return connection

    def _watched_execute(self, execute, sql, params, many, context):
        with _Guard(self):
            result = execute(sql, params, many, context)
        if self.default_client_deadline_seconds:
            self.client_deadline_seconds = deadline_after(sql, self.client_deadline_seconds, self.default_client_deadline_seconds)
        return result

    def _commit(self) -> None:
        with _Guard(self):
            super()._commit()

    def _rollback(self) -> None:
        with _Guard(self):
            super()._rollback()

    def is_usable(self) -> bool:
        # A `SELECT 1` before reusing a connection: as long as connecting may take, no more.
        with _Guard(self, float(self.settings_dict["OPTIONS"].get("connect_timeout") or 0) or None):
            return super().is_usable()
