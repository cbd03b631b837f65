"""Database trouble, for real: a served instance (gunicorn, the product's WSGI entry point)
whose database is stopped, frozen and brought back while it runs.

On the PostgreSQL pass the tests start their own throwaway cluster (`bin/postgres start
--durable`), stop it (`pg_ctl stop -m immediate`), freeze it (SIGSTOP to the postmaster and
every backend) and bring it back. On the SQLite pass they do the SQLite equivalents: another
writer holding the database's lock, and that writer's process frozen while it holds it.
Either way: pages and API answer 503 with a plain message within the deadline, the health
check says why, and the product recovers without a restart.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE = os.environ.get("ISAHUB_DB_ENGINE", "sqlite")
STATEMENT_TIMEOUT_MS = 2000
CLIENT_DEADLINE_MS = 3000
CONNECT_TIMEOUT = 3
BUSY_TIMEOUT = 2
REASON = "A concern has been raised about this child"

SEED = f"""
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
import time
from isahub.accounts.middleware import TOTP_SKIPPED
from isahub.accounts.models import Role
from isahub.accounts.services import api_token_create
from isahub.accounts.tests.factories import AgencyFactory, UserFactory
from isahub.children.access import SESSION_KEY as REASONS
from isahub.children.tests.factories import add_child

school = AgencyFactory(name="Riverside Primary School")
manager = UserFactory(role=Role.DATA_MANAGER, agency=school, username="manager")
pat = UserFactory(role=Role.PRACTITIONER, agency=school, username="pat")
child = add_child(manager)
with transaction.atomic():
    _, token = api_token_create(user=pat, name="trouble")
session = SessionStore()
session[SESSION_KEY] = str(pat.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = pat.get_session_auth_hash()
session[TOTP_SKIPPED] = True
session[REASONS] = {{str(child.pk): [{REASON!r}, time.time() + 3600]}}
session.create()
print(json.dumps({{"token": token, "session": session.session_key, "child": str(child.pk)}}))
"""


@dataclass
class Answer:
    status: int
    body: str
    seconds: float
    headers: dict = field(default_factory=dict)


@dataclass
class Served:
    url: str
    env: dict
    token: str
    session: str
    child: str
    server: subprocess.Popen
    log: Path
    pg_dir: str = ""
    sqlite_path: str = ""

    def get(self, path: str, *, api: bool = False, signed_in: bool = True, timeout: float = 30) -> Answer:
        headers = {"Authorization": f"Bearer {self.token}", "X-Access-Reason": REASON} if api else {}
        if signed_in and not api:
            headers["Cookie"] = f"sessionid={self.session}"
        request = urllib.request.Request(self.url + path, headers=headers)  # noqa: S310 - loopback test server
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                return Answer(response.status, response.read().decode(), time.monotonic() - started, dict(response.headers))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode(), time.monotonic() - started, dict(error.headers))

    def record_page(self) -> Answer:
        return self.get(f"/children/{self.child}/")

    def record_api(self) -> Answer:
        return self.get(f"/api/v1/children/{self.child}", api=True)

    def health(self) -> Answer:
        return self.get("/api/v1/health", signed_in=False)  # as a monitor asks

    def until_recovered(self, limit: float = 30) -> list[Answer]:
        deadline = time.monotonic() + limit
        while True:
            answers = [self.record_page(), self.record_api(), self.health()]
            if all(a.status == 200 for a in answers) or time.monotonic() > deadline:
                return answers
            time.sleep(0.5)

    # PostgreSQL ---------------------------------------------------------------------------
    def pg(self, *args: str) -> None:
        pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        command = [str(pg_bin / "pg_ctl"), "-D", f"{self.pg_dir}/data", *args]
        if os.geteuid() == 0:
            command = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def pg_options(self) -> str:
        port = self.env["PGPORT"]
        return f"'-k {self.pg_dir} -p {port} -c listen_addresses=127.0.0.1'"

    def pg_processes(self) -> list[int]:
        postmaster = int(Path(f"{self.pg_dir}/data/postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False).stdout.split()
        return [postmaster, *map(int, children)]

    def psql(self, sql: str) -> str:
        pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
        result = subprocess.run(
            [str(pg_bin / "psql"), "-At", "-c", sql], env=self.env, capture_output=True, text=True, check=True, timeout=30
        )
        return result.stdout.strip()


def _run(args: list[str], env: dict, timeout: int = 300) -> str:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "ISAHUB_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        ISAHUB_DB_ENGINE=ENGINE,
        ISAHUB_DB_STATEMENT_TIMEOUT_MS=str(STATEMENT_TIMEOUT_MS),
        ISAHUB_DB_CLIENT_DEADLINE_MS=str(CLIENT_DEADLINE_MS),
        ISAHUB_DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
        ISAHUB_DB_BUSY_TIMEOUT=str(BUSY_TIMEOUT),
        ISAHUB_LOG_LEVEL="ERROR",
    )
    pg_dir = sqlite_path = ""
    if ENGINE == "postgresql":
        exports = _run([str(ROOT / "bin" / "postgres"), "start", "--durable"], env)
        for assignment in exports.replace("export ", "").split():
            key, _, value = assignment.partition("=")
            env[key] = value
        pg_dir = env["ISAHUB_PG_DIR"]
    else:
        sqlite_path = str(tmp_path_factory.mktemp("sqlite") / "isahub.sqlite3")
        env["ISAHUB_SQLITE_PATH"] = sqlite_path
    server = None
    try:
        python = str(ROOT / ".venv" / "bin" / "python")
        _run([python, "manage.py", "migrate", "--noinput", "-v0"], env)
        seeded = json.loads(_run([python, "manage.py", "shell", "-c", SEED], env).strip().splitlines()[-1])
        port = _free_port()
        server_log = open(tmp_path_factory.mktemp("served") / "server.log", "w")  # noqa: SIM115 - closed with the server
        server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "-t", "120"],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=server_log,
        )
        instance = Served(
            f"http://127.0.0.1:{port}",
            env,
            server=server,
            log=Path(server_log.name),
            pg_dir=pg_dir,
            sqlite_path=sqlite_path,
            **seeded,
        )
        for _ in range(100):
            try:
                if instance.health().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the served instance did not start")
        yield instance
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if pg_dir:
            for pid in _safe_processes(pg_dir):
                os.kill(pid, signal.SIGCONT)
            subprocess.run([str(ROOT / "bin" / "postgres"), "stop", pg_dir], check=False, timeout=120)


def _safe_processes(pg_dir: str) -> list[int]:
    try:
        postmaster = int(Path(f"{pg_dir}/data/postmaster.pid").read_text().split()[0])
    except (OSError, ValueError):
        return []
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False).stdout.split()
    return [postmaster, *map(int, children)]


def _report(what: str, *answers: Answer) -> None:
    """The measured figures, for docs/operations.md."""
    figures = ", ".join(f"{a.status} in {a.seconds:.2f} s" for a in answers)
    sys.stderr.write(f"\n[{ENGINE}] {what}: page, API, health: {figures}\n")


def _assert_plain_503(page: Answer, api: Answer, health: Answer, *, within: float, why: str) -> None:
    _report(f"database down ({why})", page, api, health)
    assert page.status == 503, (page.status, page.body[:500])
    assert "Sorry, the service is unavailable" in page.body and "Traceback" not in page.body
    assert page.headers.get("X-Request-ID", "") in page.body
    assert api.status == 503 and json.loads(api.body)["detail"].startswith("Sorry, the service cannot reach its records")
    assert health.status == 503 and why in json.loads(health.body).get("database", ""), health.body
    for answer in (page, api, health):
        assert answer.seconds < within, (answer.status, answer.seconds)
        assert "Hartley" not in answer.body


def test_a_working_instance_answers(served):
    assert served.record_page().status == 200 and "Amelia Hartley" in served.record_page().body
    assert served.record_api().status == 200
    assert json.loads(served.health().body)["database"] == "ok"


class _SqliteWriter:
    """Another process holding SQLite's write lock, as a long or stuck writer would."""

    def __init__(self, path: str):
        code = (
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
            " c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(600)"
        )
        self.process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", code, path], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None and self.process.stdout.readline().strip() == "locked"

    def release(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)
        self.process.kill()
        self.process.wait(timeout=30)


def test_a_stopped_database_answers_503_quickly_and_recovers_without_a_restart(served):
    worker = served.server.pid
    if ENGINE == "postgresql":
        served.pg("-m", "immediate", "-w", "stop")
        why, within = "refused the connection", 5
    else:
        writer = _SqliteWriter(served.sqlite_path)
        why, within = "locked by another writer", BUSY_TIMEOUT + 3
    try:
        _assert_plain_503(served.record_page(), served.record_api(), served.health(), within=within, why=why)
    finally:
        if ENGINE == "postgresql":
            served.pg("-w", "-l", f"{served.pg_dir}/server.log", "-o", served.pg_options(), "start")
        else:
            writer.release()
    answers = served.until_recovered()
    assert [a.status for a in answers] == [200, 200, 200]
    assert served.server.pid == worker and served.server.poll() is None  # no restart


def test_a_frozen_database_is_met_by_the_deadline_not_a_hang(served):
    assert served.record_page().status == 200  # the worker now holds an open connection
    if ENGINE == "postgresql":
        frozen = served.pg_processes()
        why = "cannot be reached"
    else:
        writer = _SqliteWriter(served.sqlite_path)
        frozen = [writer.process.pid]
        why = "locked by another writer"
    for pid in frozen:
        os.kill(pid, signal.SIGSTOP)
    try:
        page, api, health = served.record_page(), served.record_api(), served.health()
    finally:
        for pid in frozen:
            os.kill(pid, signal.SIGCONT)
        if ENGINE != "postgresql":
            writer.release()
    _report("database frozen", page, api, health)
    # The open connection is cut at the client deadline, and a new one at the connect timeout.
    within = CLIENT_DEADLINE_MS / 1000 + CONNECT_TIMEOUT + 2 if ENGINE == "postgresql" else BUSY_TIMEOUT + 3
    assert page.status == 503 and "Sorry, the service is unavailable" in page.body
    assert api.status == 503 and health.status == 503
    assert any(word in json.loads(health.body)["database"] for word in (why, "timed out", "lost")), health.body
    for answer in (page, api, health):
        assert answer.seconds < within, (answer.seconds, within)
    assert [a.status for a in served.until_recovered()] == [200, 200, 200]


def test_production_refuses_a_database_that_may_lose_acknowledged_writes(served):
    """PostgreSQL with fsync or synchronous_commit off is refused; SQLite is refused outright."""
    code = (
        "import django; django.setup()\n"
        "from isahub.core.startup import refuse_unsafe_database; refuse_unsafe_database(); print('accepted')"
    )
    env = {**served.env, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    if ENGINE == "postgresql":
        assert _run([sys.executable, "-c", code], env).strip().endswith("accepted")  # --durable: fsync and synchronous_commit on
        for setting, value in (("fsync", "off"), ("synchronous_commit", "off"), ("synchronous_commit", "local")):
            served.psql(f"ALTER SYSTEM SET {setting} = '{value}'")
            served.psql("SELECT pg_reload_conf()")
            time.sleep(0.5)
            result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
            assert result.returncode != 0 and f"{setting}={value}" in result.stderr, result.stderr[-2000:]
            served.psql("ALTER SYSTEM RESET ALL")
            served.psql("SELECT pg_reload_conf()")
            time.sleep(0.5)
        assert _run([sys.executable, "-c", code], env).strip().endswith("accepted")
    else:
        production = {
            **served.env,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": "s" * 64,
            "DJANGO_ALLOWED_HOSTS": "isahub.example.gov.uk",
        }
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=production, capture_output=True, text=True, check=False
        )
        assert result.returncode != 0 and "Production runs on PostgreSQL" in result.stderr


def test_the_client_deadline_follows_a_deliberately_lifted_statement_timeout():
    """Maintenance that lifts the timeout on purpose (the benchmarks' index builds) is not cut
    off by the client; RESET brings the default back."""
    from isahub.core.backends.postgresql.base import deadline_after

    assert deadline_after("SET statement_timeout = 0", 12.0, 12.0) == 0.0
    assert deadline_after("set statement_timeout to '30s'", 12.0, 12.0) == 32.0
    assert deadline_after("SET statement_timeout = 5000", 12.0, 12.0) == 7.0
    assert deadline_after("RESET statement_timeout", 0.0, 12.0) == 12.0
    assert deadline_after("SELECT 1", 0.0, 12.0) == 0.0
    assert deadline_after("SELECT 'statement_timeout'", 7.0, 12.0) == 7.0


@pytest.mark.django_db
def test_this_pass_connection_follows_set_and_reset():
    """On the PostgreSQL pass the real connection tracks SET/RESET; SQLite has no such deadline."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if connection.vendor == "postgresql":
            default = connection.default_client_deadline_seconds
            assert connection.client_deadline_seconds == default > 0
            cursor.execute("SET statement_timeout = 0")
            assert connection.client_deadline_seconds == 0.0
            cursor.execute("RESET statement_timeout")
            assert connection.client_deadline_seconds == default
        else:
            assert not hasattr(connection, "client_deadline_seconds")
