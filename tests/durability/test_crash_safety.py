"""Crash safety: no acknowledged write is lost when PostgreSQL or the application is killed.

The harness starts its own durable PostgreSQL (fsync and synchronous_commit on), migrates
it, and runs concurrent writers, each a separate process with its own connections: two
through the product's services (children, and two involvements on each), one through the
API under gunicorn, one loading school-roll extracts through the feed loader, and the audit
sealer. Each write is journalled (fsynced, outside the database) as attempted before and
acknowledged after its commit.

It then kills PostgreSQL with SIGKILL (the postmaster and every backend) at random moments,
PG_KILLS times, and the gunicorn worker (or the whole server) at moments when a request is
in flight, APP_KILLS times. After each kill and restart it checks, against the journals:
no acknowledged write lost, no write present that was never attempted, none duplicated, no
half-written record (a child without its name, address, search keys, provenance or audit
row; an involvement without its audit row; an audit row without its record; a feed load
without its audit row or with rows missing), then seals the audit trail as the sealer would
and `audit_verify` must pass.

What is random is only the timing, from a seed printed at the start (set
ISAHUB_DURABILITY_SEED to replay one); what is asserted is the same on every run.
Figures: docs/reliability.md.
"""

from __future__ import annotations

import os
import random
import select
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .checks import check
from .cluster import ROOT, Cluster, children_of, kill_tree, wait_gone
from .workload import in_flight, read_journals

PG_KILLS = 12
WRITES_BETWEEN_KILLS = 20
APP_KILLS = 4
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Harness:
    def __init__(self, workdir: Path, cluster: Cluster, seed: int) -> None:
        self.workdir, self.cluster, self.seed = workdir, cluster, seed
        self.rng = random.Random(seed)
        self.env = {
            **os.environ,
            **cluster.env,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            # Writers' transactions last milliseconds; a hole in the audit ids older than this
            # is a transaction killed with the server, and is sealed as never committed.
            "ISAHUB_AUDIT_GAP_GRACE_SECONDS": "10",
            "PYTHONPATH": str(ROOT),
        }
        self.processes: dict[str, subprocess.Popen] = {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.figures: list[str] = []
        self.auditor: subprocess.Popen | None = None

    def log(self, text: str) -> None:
        line = f"[{time.strftime('%H:%M:%S')}] {text}"
        self.figures.append(line)
        print(line, flush=True)

    def manage(self, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )

    def spawn(self, name: str, command: list[str]) -> None:
        log = open(self.workdir / f"{name}.out", "ab")  # noqa: SIM115  # closed with the process
        self.processes[name] = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def start_gunicorn(self, *, wait: bool = True) -> None:
        self.spawn(
            "gunicorn",
            [GUNICORN, "config.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{self.port}", "--timeout", "60",
             "--pid", str(self.workdir / "gunicorn.pid")],
        )  # fmt: skip
        if wait:
            self.wait_for_app()

    def app_worker(self) -> int:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            workers = children_of(self.processes["gunicorn"].pid)
            if workers:
                return workers[0]
            time.sleep(0.05)
        raise AssertionError("gunicorn started no worker")

    def wait_for_app(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v1/health", timeout=5):  # noqa: S310
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the application did not come up")

    def writers_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                output = (self.workdir / f"{name}.out").read_text()[-3000:]
                raise AssertionError(f"{name} stopped (exit {process.returncode}, seed {self.seed}):\n{output}")

    def start_auditor(self) -> None:
        self.auditor = subprocess.Popen(
            [PYTHON, "-m", "tests.durability.workload", "auditor", str(self.workdir)],
            cwd=ROOT, env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=open(self.workdir / "auditor.out", "ab"), text=True,  # noqa: SIM115
        )  # fmt: skip

    def seal_and_verify(self, grace: str = "") -> str:
        """`audit_seal` as the sealer would (or with GRACE), then `audit_verify`: must be OK."""
        assert self.auditor is not None and self.auditor.stdin and self.auditor.stdout
        self.auditor.stdin.write(f"{grace}\n")
        self.auditor.stdin.flush()
        ready, _, _ = select.select([self.auditor.stdout], [], [], 180)
        assert ready, f"audit_seal/audit_verify did not answer within 180 s (seed {self.seed})"
        verdict = self.auditor.stdout.readline().strip()
        assert verdict.startswith("OK"), f"seed {self.seed}: {verdict}"
        return verdict

    def assert_consistent(self, label: str) -> None:
        findings = check(self.cluster.conninfo, self.workdir)
        assert findings.ok, f"{label} (seed {self.seed}): {findings}"
        verified = self.seal_and_verify()
        self.log(
            f"{label}: {findings.acknowledged} acknowledged, {findings.present} present, "
            f"{findings.attempted - findings.acknowledged} not acknowledged (in flight, or tried while it was down); "
            f"none lost, none unattempted, none half-written; audit_verify {verified}"
        )

    def wait_in_flight(self, writer: str) -> str | None:
        """Wait until the HTTP writer's requests are being served again (one more of them
        acknowledged since the last kill, so a worker is up and answering) and one is in
        flight; its token."""
        journal = self.workdir / f"journal-{writer}.log"
        served = journal.read_text().count("\nK ") if journal.exists() else 0
        deadline = time.monotonic() + 120  # a new worker may still be starting
        while time.monotonic() < deadline:
            text = journal.read_text() if journal.exists() else ""
            if text.count("\nK ") > served and in_flight(self.workdir, writer):
                return text.splitlines()[-1].split(" ", 2)[2]
            time.sleep(0.002)
        return None

    def acknowledged(self) -> int:
        return sum(map(len, read_journals(self.workdir)[1].values()))

    def wait_for_writes(self, since: int, count: int) -> int:
        """Wait until the writers have `count` more writes acknowledged: every kill lands on
        a stream of writes, not on idle writers still reconnecting."""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            now = self.acknowledged()
            if now >= since + count:
                return now
            time.sleep(0.05)
        raise AssertionError(f"the writers acknowledged fewer than {count} writes in 120 s (seed {self.seed})")

    def stop(self) -> None:
        self.stop_writers()
        if self.auditor is not None and self.auditor.stdin and not self.auditor.stdin.closed:
            self.auditor.stdin.close()
            self.auditor.wait(timeout=30)

    def stop_writers(self) -> None:
        (self.workdir / "stop").touch()
        for name, process in self.processes.items():
            if name in ("gunicorn", "sealer"):
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def harness(tmp_path):
    seed = int(os.environ.get("ISAHUB_DURABILITY_SEED") or time.time_ns() % 1_000_000)
    print(f"crash-safety seed {seed} (ISAHUB_DURABILITY_SEED={seed} replays these timings)", flush=True)
    cluster = Cluster.start()
    harness = Harness(tmp_path, cluster, seed)
    try:
        yield harness
    finally:
        harness.stop()
        cluster.stop()


def test_no_acknowledged_write_is_lost_when_postgresql_or_the_application_is_killed(harness):
    started = time.monotonic()
    h = harness
    assert h.cluster.settings() == {"fsync": "on", "synchronous_commit": "on"}, "the harness needs a durable PostgreSQL"
    migrated = h.manage("migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    setup = subprocess.run(
        [PYTHON, "-m", "tests.durability.workload", "setup", str(h.workdir)], cwd=ROOT, env=h.env, capture_output=True, text=True
    )
    assert setup.returncode == 0, setup.stderr
    h.log(f"durable PostgreSQL up and migrated in {time.monotonic() - started:.1f} s")

    h.start_gunicorn()
    h.start_auditor()
    workload = [PYTHON, "-m", "tests.durability.workload"]
    for number in (1, 2):
        h.spawn(f"s{number}", [*workload, "service", str(h.workdir), f"s{number}", str(h.seed + number)])
    h.spawn("h1", [*workload, "http", str(h.workdir), "h1", str(h.seed + 3), h.url])
    h.spawn("f1", [*workload, "feed", str(h.workdir), "f1", str(h.seed + 4)])
    h.spawn("sealer", [PYTHON, "manage.py", "audit_seal", "--forever", "--interval", "1"])

    # 1. PostgreSQL killed with SIGKILL at random moments, once writes flow again after each restart.
    acknowledged = 0
    for cycle in range(1, PG_KILLS + 1):
        acknowledged = h.wait_for_writes(since=acknowledged, count=WRITES_BETWEEN_KILLS)
        time.sleep(h.rng.uniform(0.0, 1.5))
        h.writers_alive()
        acknowledged = h.acknowledged()
        victims = h.cluster.crash()
        time.sleep(h.rng.uniform(0.0, 1.0))
        recovery = h.cluster.restart()
        h.log(
            f"PostgreSQL kill {cycle}: {victims} processes killed after {acknowledged} acknowledged writes; "
            f"reaped in {h.cluster.reaped_in:.1f} s, crash recovery and start {recovery:.1f} s"
        )
        h.assert_consistent(f"after PostgreSQL kill {cycle}")

    # 2. The application killed mid-request: the worker (gunicorn starts another), or the
    #    whole server the second time (started again here). The checks need only the database;
    #    the next kill waits for the new worker to be serving a request.
    hit_mid_request = 0
    for cycle in range(1, APP_KILLS + 1):
        time.sleep(h.rng.uniform(0.2, 1.5))
        h.writers_alive()
        token = h.wait_in_flight("h1")
        whole = cycle == 2
        victims = kill_tree(h.processes["gunicorn"].pid) if whole else kill_tree(h.app_worker())
        wait_gone(victims)
        if whole:
            h.processes["gunicorn"].wait()
            h.start_gunicorn(wait=False)
        time.sleep(0.5)  # let the writer notice and move on
        _, acked = read_journals(h.workdir)
        mid_request = token is not None and token not in acked["child"] | acked["involvement"]
        hit_mid_request += mid_request
        what = "gunicorn master and worker" if whole else "gunicorn worker"
        h.log(f"application kill {cycle}: {what} killed{' mid-request (' + token + ')' if mid_request else ''}")
        h.assert_consistent(f"after application kill {cycle}")
    assert hit_mid_request >= 1, f"no application kill landed mid-request (seed {h.seed})"

    # 3. Everything stopped: seal every row (holes left by killed transactions included) and verify all.
    h.writers_alive()
    h.stop_writers()
    findings = check(h.cluster.conninfo, h.workdir)
    assert findings.ok, f"at the end (seed {h.seed}): {findings}"
    verified = h.seal_and_verify(grace="0")
    assert "0 rows not sealed yet" in verified, verified
    _, acked = read_journals(h.workdir)
    h.log(
        f"end: {findings.acknowledged} writes acknowledged of {findings.attempted} attempted, all present "
        f"({', '.join(f'{len(tokens)} {kind}s' for kind, tokens in acked.items())}); "
        f"{findings.present - findings.acknowledged} unacknowledged writes committed anyway; "
        f"{hit_mid_request} of {APP_KILLS} application kills mid-request; audit_verify {verified}; "
        f"{time.monotonic() - started:.0f} s in all (seed {h.seed})"
    )
    summary = "\n".join(h.figures)
    (ROOT / "build").mkdir(exist_ok=True)
    (ROOT / "build" / "durability.txt").write_text(summary + "\n")
    print(summary, file=sys.stderr)
