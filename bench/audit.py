"""Benchmark of the audit trail, on a durable PostgreSQL that this script starts and stops.

    .venv/bin/python bench/audit.py                # the full run (about 8 minutes)
    .venv/bin/python bench/audit.py --experiments  # and the audit table without secondary indexes
    .venv/bin/python bench/audit.py --quick        # a smoke run of the same steps; figures meaningless

A) The cost of auditing a request. `GET /api/v1/me` with a bearer token writes one
   `token.used` row in the request's transaction. The same request is served by the
   production WSGI app (`config.wsgi`) and by the same app with `audit_record` replaced by
   a no-op (`bench/unaudited_wsgi.py`), each under gunicorn on loopback and loaded by `wrk`
   with 8 connections: a warm-up, then measured runs alternating A U, U A, ... (each after
   a short re-warm), so that drift in the machine's speed falls on both alike. Then the
   same with one connection (no queueing), and, as a diagnostic, with
   synchronous_commit=off on this throwaway cluster (what is left is CPU, not the disk).
E) With --experiments: the same against the audit table with its primary key only.
D) Where the time goes: the same request in-process, with `audit_record` and COMMIT timed,
   and CPU per request here and in PostgreSQL, against a minimal INSERT (bench/raw_audit.py).
B) `verify_chain()` at scale: the table is topped up to --rows rows with synthetic,
   realistic entries (INSERT ... SELECT generate_series), sealed with
   `seal_pending(grace_seconds=0)` (timed), then verified (timed), with where its time goes.
C) Tamper detection at that scale: an edited row, a deleted row, two swapped rows and a
   truncated tail (rows and their seals), each injected as a superuser past the
   append-only triggers (session_replication_role = replica), verified, then put back.

It prints its figures and a summary, and asserts nothing about timings. The method, the
targets and the last results are in docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ENDPOINT = "/api/v1/me"
STARTED = time.perf_counter()

# Targets, from the issue "foundation". Printed next to the figures; nothing fails on them.
TARGET_THROUGHPUT_COST_PCT = 10.0
TARGET_P95_COST_MS = 3.0
TARGET_VERIFY_ROWS_PER_S = 500_000


def say(message: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f}s] {message}", flush=True)


# --------------------------------------------------------------------------------------
# Processes we start, and how we stop them (always, also on failure or a signal).
# --------------------------------------------------------------------------------------


class Cleanup:
    def __init__(self) -> None:
        self.steps: list[tuple[str, object]] = []

    def push(self, label: str, func) -> None:
        self.steps.append((label, func))

    def run(self) -> None:
        while self.steps:
            label, func = self.steps.pop()
            try:
                func()
            except Exception as error:  # keep cleaning up whatever fails
                print(f"cleanup: {label} failed: {error}", file=sys.stderr)


def _on_signal(signum, frame):
    raise SystemExit(128 + signum)


def start_postgres(cleanup: Cleanup) -> dict[str, str]:
    say("Starting a durable PostgreSQL (bin/postgres start --durable)")
    out = subprocess.run([str(ROOT / "bin" / "postgres"), "start", "--durable"], capture_output=True, text=True, check=False)
    exports = {}
    for line in out.stdout.splitlines():
        if line.startswith("export "):
            for pair in line[len("export ") :].split():
                key, _, value = pair.partition("=")
                exports[key] = value
    if "ISAHUB_PG_DIR" in exports:
        pg_dir = exports["ISAHUB_PG_DIR"]
        cleanup.push("stop PostgreSQL", lambda: subprocess.run([str(ROOT / "bin" / "postgres"), "stop", pg_dir], check=False))
    if out.returncode != 0 or "PGPORT" not in exports:
        raise RuntimeError(f"bin/postgres start failed ({out.returncode}): {out.stderr.strip()}")
    return exports


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    say("wrk is missing: installing it from the OS packages")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, env=env, check=False)
    if install.returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-qq"], capture_output=True, env=env, check=False)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, env=env, check=True)
    return shutil.which("wrk") or "wrk"


# --------------------------------------------------------------------------------------
# Machine facts and CPU accounting (from /proc).
# --------------------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine_facts() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text()
    mem_kb = int(re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M).group(1))
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "nproc": nproc or str(len(os.sched_getaffinity(0))),
        "cpu": model.group(1).strip() if model else "unknown",
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def fsync_latency_ms(directory: str, seconds: float = 1.0) -> tuple[float, float, int]:
    """p50 and p95 of an 8 kB overwrite + fdatasync on the disk PostgreSQL's WAL is on:
    the floor under the commit of any transaction that wrote something."""
    path = os.path.join(directory, "bench-fsync.probe")
    block = os.urandom(8192)
    times = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            started = time.perf_counter()
            os.pwrite(fd, block, 0)
            os.fdatasync(fd)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)], len(times)


def _proc_stats() -> dict[int, tuple[int, int]]:
    """pid -> (ppid, CPU ticks of the process and of the children it has reaped)."""
    stats = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            data = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = data[data.rindex(")") + 2 :].split()
        # fields[0] is field 3 (state): ppid is field 4, utime..cstime are fields 14..17.
        stats[int(entry)] = (int(fields[1]), sum(int(v) for v in fields[11:15]))
    return stats


def tree_cpu_seconds(roots: list[int]) -> float:
    """CPU seconds used by the given processes, their live descendants and reaped children."""
    stats = _proc_stats()
    children = defaultdict(list)
    for pid, (ppid, _) in stats.items():
        children[ppid].append(pid)
    total, stack, seen = 0, list(roots), set()
    while stack:
        pid = stack.pop()
        if pid in seen or pid not in stats:
            continue
        seen.add(pid)
        total += stats[pid][1]
        stack.extend(children[pid])
    return total / CLOCK_TICKS


def system_cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # user .. steal (guest time is already in user)
    return total - idle, total


# --------------------------------------------------------------------------------------
# A) Audited against unaudited requests.
# --------------------------------------------------------------------------------------

WRK_SCRIPT = """
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer %(token)s"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%%d,"duration_us":%%d,"connect_errors":%%d,"read_errors":%%d,"write_errors":%%d,' ..
    '"status_errors":%%d,"timeouts":%%d,"mean_us":%%.1f,"p50_us":%%d,"p90_us":%%d,"p95_us":%%d,"p99_us":%%d,"max_us":%%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


@dataclass
class Server:
    variant: str
    app: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Run:
    label: str
    variant: str
    round: int
    connections: int
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    cpu_busy_pct: float  # of all CPUs, during the measured window
    other_cpu_pct: float  # of all CPUs, used by processes that are not part of the benchmark
    app_cpu_ms_per_req: float
    db_cpu_ms_per_req: float
    wrk_cpu_pct_of_core: float
    wal_records_per_req: float
    wal_bytes_per_req: float
    wal_syncs_per_req: float
    audit_rows: int
    distinct_request_ids: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


@dataclass
class Load:
    """How to load a server: wrk, its script, and the processes whose CPU we account for."""

    wrk: str
    script: Path
    threads: int
    user_id: int
    postmaster_pid: int
    nproc: int
    quiet: Quiet


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(variant: str, app: str, args, env: dict[str, str], workdir: Path, cleanup: Cleanup) -> Server:
    port = free_port()
    log_path = workdir / f"gunicorn-{app.split(':')[0]}.log"
    command = [
        str(VENV_BIN / "gunicorn"),
        app,
        "--chdir",
        str(ROOT),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads_per_worker),
        "--log-level",
        "warning",
    ]
    if getattr(args, "keep_alive", None):  # longer than clients pause between requests (bench/load.py)
        command += ["--keep-alive", str(args.keep_alive)]
    # The app's own logs (two JSON lines a request, as in production) go to this file.
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def stop():
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    cleanup.push(f"stop gunicorn ({variant})", stop)
    server = Server(variant, app, port, process, log_path)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn ({variant}) exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/api/v1/health", timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"gunicorn ({variant}) did not answer within 60 s:\n{server.log_tail()}")
        time.sleep(0.3)


def fetch_me(server: Server, token: str) -> tuple[int, str, dict]:
    request = urllib.request.Request(f"{server.url}{ENDPOINT}", headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return response.status, response.headers.get("X-Request-ID", ""), json.loads(response.read())


def run_wrk(load: Load, server: Server, seconds: int, connections: int) -> tuple[dict, float]:
    """One wrk run; returns its figures and the CPU seconds wrk itself used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        [
            load.wrk,
            f"--threads={min(load.threads, connections)}",
            f"--connections={connections}",
            f"--duration={seconds}s",
            "--timeout=10s",
            f"--script={load.script}",
            f"{server.url}{ENDPOINT}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for line in out.stdout.splitlines() if line.startswith("BENCH ")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stdout}\n{out.stderr}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return json.loads(lines[-1][len("BENCH ") :]), cpu


def _max_audit_id() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM audit_auditentry")
        return cursor.fetchone()[0]


def other_cpu_pct(ours: list[int], nproc: int, seconds: float = 3.0) -> float:
    """Share of the machine used by processes outside the benchmark, over `seconds`."""
    mine_before, (busy_before, _) = tree_cpu_seconds(ours), system_cpu_ticks()
    time.sleep(seconds)
    mine_after, (busy_after, _) = tree_cpu_seconds(ours), system_cpu_ticks()
    other = (busy_after - busy_before) / CLOCK_TICKS - (mine_after - mine_before)
    return max(0.0, 100 * other / (seconds * nproc))


def other_benchmarks() -> list[str]:
    """Other benchmarks of this project running on this machine (bench/*.py, not this one)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            arguments = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        for argument in arguments:
            if re.search(r"(^|/)bench/\w+\.py$", argument) and not argument.endswith("bench/audit.py"):
                found.append(f"pid {entry} {argument}")
                break
    return found


def wait_for_other_benchmarks(limit: int) -> float:
    """Two benchmarks on one machine disturb each other's timings: while another one is busy,
    wait for it. One that is idle (waiting for this one, say) is not waited for."""
    began = time.monotonic()
    while (found := other_benchmarks()) and time.monotonic() - began < limit:
        busy = other_cpu_pct([os.getpid()], len(os.sched_getaffinity(0)), 3.0)
        if busy < DISTURBED_PCT:
            break
        say(f"Another benchmark is busy ({'; '.join(found)}; {busy:.0f} % of the machine): waiting (up to {limit} s)")
        time.sleep(15)
    return time.monotonic() - began


DISTURBED_PCT = 10.0  # a run during which other processes used more of the machine is flagged


@dataclass
class Quiet:
    """The machine may be shared (other test suites, builds). Before each measurement, wait
    for other processes to calm down, within one budget of waiting for the whole run."""

    ours: list[int]
    nproc: int
    budget: float
    waited: float = 0.0

    def wait(self) -> float:
        while True:
            other = other_cpu_pct(self.ours, self.nproc, 1.5)
            self.waited += 1.5
            if other < DISTURBED_PCT:
                return other
            if self.budget <= 0:
                say(f"  WARNING: other processes use {other:.0f} % of the machine and the wait budget is spent: measuring")
                return other
            say(f"  other processes use {other:.0f} % of the machine: waiting ({self.budget:.0f} s of waiting left)")
            time.sleep(5)
            self.budget -= 6.5
            self.waited += 5


def _wal_counters() -> tuple[int, int, int] | None:
    """(records, bytes, syncs) written to the WAL so far, from pg_stat_wal (PostgreSQL 14+)."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT wal_records, wal_bytes, wal_sync FROM pg_stat_wal")
            records, size, syncs = cursor.fetchone()
            return int(records), int(size), int(syncs)
    except DatabaseError:
        return None


def measured_run(load: Load, server: Server, *, rewarm: int, seconds: int, connections: int, round_no: int, label: str) -> Run:
    from django.db import connection

    load.quiet.wait()
    say(f"  {label} {server.variant}: {rewarm} s re-warm (excluded), {seconds} s measured, {connections} connection(s)")
    if rewarm:
        run_wrk(load, server, rewarm, connections)
    time.sleep(1.0)  # requests in flight when the warm-up stopped commit before the count starts
    max_before = _max_audit_id()
    wal_before = _wal_counters()
    app_before = tree_cpu_seconds([server.process.pid])
    db_before = tree_cpu_seconds([load.postmaster_pid])
    busy_before, total_before = system_cpu_ticks()
    figures, wrk_cpu = run_wrk(load, server, seconds, connections)
    busy_after, total_after = system_cpu_ticks()
    app_cpu = tree_cpu_seconds([server.process.pid]) - app_before
    db_cpu = tree_cpu_seconds([load.postmaster_pid]) - db_before
    time.sleep(1.0)  # requests in flight when wrk stopped commit, so they are counted
    wal_after = _wal_counters()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(DISTINCT request_id) FROM audit_auditentry WHERE id > %s AND action = %s AND actor_id = %s",
            [max_before, "token.used", load.user_id],
        )
        rows, distinct = cursor.fetchone()
    requests = figures["requests"]
    per_request = 1 / max(1, requests)
    elapsed = figures["duration_us"] / 1e6
    busy = (busy_after - busy_before) / CLOCK_TICKS
    wal = [after - before for before, after in zip(wal_before, wal_after, strict=True)] if wal_before and wal_after else [0, 0, 0]
    errors = sum(figures[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
    run = Run(
        label=label,
        variant=server.variant,
        round=round_no,
        connections=connections,
        requests=requests,
        seconds=elapsed,
        errors=errors,
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        mean_ms=figures["mean_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        cpu_busy_pct=100 * (busy_after - busy_before) / max(1, total_after - total_before),
        other_cpu_pct=max(0.0, 100 * (busy - app_cpu - db_cpu - wrk_cpu) / (elapsed * load.nproc)),
        app_cpu_ms_per_req=1000 * app_cpu * per_request,
        db_cpu_ms_per_req=1000 * db_cpu * per_request,
        wrk_cpu_pct_of_core=100 * wrk_cpu / elapsed,
        wal_records_per_req=wal[0] * per_request,
        wal_bytes_per_req=wal[1] * per_request,
        wal_syncs_per_req=wal[2] * per_request,
        audit_rows=rows,
        distinct_request_ids=distinct,
    )
    say(
        f"  {label} {server.variant}: {run.rps:,.0f} req/s, p50 {run.p50_ms:.2f} ms, p95 {run.p95_ms:.2f} ms, "
        f"p99 {run.p99_ms:.2f} ms, errors {errors}, {rows:,} audit rows for {requests:,} requests, "
        f"other processes {run.other_cpu_pct:.0f} % of the machine"
    )
    return run


def make_api_user() -> tuple[int, str]:
    """A normal (not demo) vetted practitioner with an agency and a personal token."""
    from django.db import transaction
    from django.utils import timezone

    from isahub.accounts.models import Agency, AgencyKind, Role, User
    from isahub.accounts.services import api_token_create

    today = timezone.localdate()
    with transaction.atomic():
        agency = Agency.objects.create(name="Bench Borough Children's Services", kind=AgencyKind.SOCIAL_CARE)
        user = User(
            username="bench.practitioner",
            first_name="Bench",
            last_name="Practitioner",
            agency=agency,
            role=Role.PRACTITIONER,
            dbs_checked_on=today,
            training_completed_on=today,
            user_agreement_signed_on=today,
            is_demo=False,
        )
        user.set_unusable_password()
        user.full_clean()
        user.save()
        _record, token = api_token_create(user=user, name="benchmark")
    return user.pk, token


def _alternating(rounds: int) -> list[tuple[int, str]]:
    """A U, U A, A U, ...: each variant goes first as often as second, so drift in the
    machine's speed during a round falls on both alike."""
    order = []
    for round_no in range(1, rounds + 1):
        pair = ("audited", "unaudited") if round_no % 2 else ("unaudited", "audited")
        order.extend((round_no, variant) for variant in pair)
    return order


def _drop_secondary_audit_indexes() -> list[tuple[str, str]]:
    """Experiment, on the benchmark's own cluster: the audit table with its primary key only."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_auditentry' AND indexname NOT LIKE '%%pkey'"
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    say(f"  dropped {len(indexes)} secondary indexes of audit_auditentry: {', '.join(n for n, _ in indexes)}")
    return indexes


def _restore_indexes(indexes: list[tuple[str, str]]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")
        for _, definition in indexes:
            cursor.execute(definition)
        cursor.execute("RESET statement_timeout")
    say(f"  re-created the {len(indexes)} secondary indexes")


def _set_synchronous_commit(value: str | None) -> None:
    """On the benchmark's own throwaway cluster only: a diagnostic, never a recommendation."""
    from django.db import connection

    with connection.cursor() as cursor:
        if value is None:
            cursor.execute("ALTER SYSTEM RESET synchronous_commit")
        else:
            cursor.execute(f"ALTER SYSTEM SET synchronous_commit = {value}")
        cursor.execute("SELECT pg_reload_conf()")
    time.sleep(1.0)  # every backend re-reads its configuration between statements


def part_a(args, env: dict[str, str], workdir: Path, cleanup: Cleanup, pg_dir: str, nproc: int) -> dict:
    from django.db import connection

    say("A) audited against unaudited GET /api/v1/me")
    user_id, token = make_api_user()
    script = workdir / "me.lua"
    script.write_text(WRK_SCRIPT % {"token": token})
    script.chmod(0o600)
    postmaster_pid = int(Path(pg_dir, "data", "postmaster.pid").read_text().split()[0])
    quiet = Quiet([os.getpid(), postmaster_pid], nproc, args.wait_quiet)
    load = Load(ensure_wrk(), script, args.wrk_threads, user_id, postmaster_pid, nproc, quiet)

    servers = {
        "audited": start_server("audited", "config.wsgi:application", args, env, workdir, cleanup),
        "unaudited": start_server("unaudited", "bench.unaudited_wsgi:application", args, env, workdir, cleanup),
    }
    # Sanity: one request each, and exactly one audit row (with its request id) for the audited one only.
    sanity = {}
    for variant, server in servers.items():
        before = _max_audit_id()
        status, request_id, body = fetch_me(server, token)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_auditentry WHERE id > %s", [before])
            written = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM audit_auditentry WHERE request_id = %s AND action = 'token.used'", [request_id])
            matching = cursor.fetchone()[0]
        if status != 200 or body.get("username") != "bench.practitioner":
            raise RuntimeError(f"{variant}: unexpected answer {status} {body}")
        sanity[variant] = {"rows_written": written, "rows_with_request_id": matching}
        say(f"  {variant}: one request -> HTTP {status}, {written} audit row(s), {matching} with its request id")
    if sanity["audited"] != {"rows_written": 1, "rows_with_request_id": 1} or sanity["unaudited"]["rows_written"] != 0:
        raise RuntimeError(f"the variants do not behave as expected: {sanity}")

    quiet.ours.extend(s.process.pid for s in servers.values())
    quiet.wait()
    for server in servers.values():
        say(f"  {server.app}: warm-up {args.warmup} s (excluded)")
        run_wrk(load, server, args.warmup, args.connections)

    def series(label: str, rounds: int, seconds: int, connections: int) -> list[Run]:
        say(f" {label}: {rounds} round(s) of {seconds} s per variant, {connections} connection(s)")
        return [
            measured_run(
                load,
                servers[variant],
                rewarm=args.rewarm,
                seconds=seconds,
                connections=connections,
                round_no=round_no,
                label=label,
            )
            for round_no, variant in _alternating(rounds)
        ]

    result = {"sanity": sanity, "quiet": quiet, "token": token, "postmaster_pid": postmaster_pid}
    result["main"] = series("main", args.rounds, args.duration, args.connections)
    if args.single_duration:
        # Supplementary: one connection, so the server is never saturated and nothing queues.
        result["single"] = series("one-connection", 2, args.single_duration, 1)
    if args.async_duration:
        # Diagnostic: the same load with commits that do not wait for the WAL flush. What
        # auditing still costs then is CPU work, not waiting for the disk.
        _set_synchronous_commit("off")
        try:
            result["async"] = series("synchronous_commit=off", 2, args.async_duration, args.connections)
        finally:
            _set_synchronous_commit(None)
    if args.experiments:
        # Experiment: what the audit table's secondary indexes cost, against the same baseline.
        indexes = _drop_secondary_audit_indexes()
        result["dropped_indexes"] = [name for name, _ in indexes]
        try:
            result["fewer_indexes"] = series("experiment: primary key only", 2, args.duration, args.connections)
        finally:
            _restore_indexes(indexes)
    for server in servers.values():
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn ({server.variant}) died during the run:\n{server.log_tail()}")
    return result


def summarise(runs: list[Run]) -> dict:
    summary: dict = {"runs": runs}
    for variant in ("audited", "unaudited"):
        mine = [r for r in runs if r.variant == variant]
        requests = sum(r.requests for r in mine)
        seconds = sum(r.seconds for r in mine)
        summary[variant] = {
            "rps": requests / seconds,
            # Percentiles cannot be merged exactly across runs: the mean of the runs' values.
            "p50": statistics.mean(r.p50_ms for r in mine),
            "p95": statistics.mean(r.p95_ms for r in mine),
            "p99": statistics.mean(r.p99_ms for r in mine),
            "requests": requests,
            "runs": len(mine),
            "errors": sum(r.errors for r in mine),
            "audit_rows": sum(r.audit_rows for r in mine),
            "distinct_request_ids": sum(r.distinct_request_ids for r in mine),
            "app_cpu": statistics.mean(r.app_cpu_ms_per_req for r in mine),
            "db_cpu": statistics.mean(r.db_cpu_ms_per_req for r in mine),
            "wal_records": statistics.mean(r.wal_records_per_req for r in mine),
            "wal_bytes": statistics.mean(r.wal_bytes_per_req for r in mine),
            "wal_syncs": statistics.mean(r.wal_syncs_per_req for r in mine),
            "busy": statistics.mean(r.cpu_busy_pct for r in mine),
            "other": max(r.other_cpu_pct for r in mine),
            "wrk_cpu": max(r.wrk_cpu_pct_of_core for r in mine),
        }
    audited, unaudited = summary["audited"], summary["unaudited"]
    summary["throughput_cost_pct"] = 100 * (unaudited["rps"] - audited["rps"]) / unaudited["rps"]
    summary["p50_cost_ms"] = audited["p50"] - unaudited["p50"]
    summary["p95_cost_ms"] = audited["p95"] - unaudited["p95"]
    pairs = [
        (a, u)
        for round_no in sorted({r.round for r in runs})
        for a in runs
        for u in runs
        if a.round == u.round == round_no and a.variant == "audited" and u.variant == "unaudited"
    ]
    summary["throughput_cost_pct_per_round"] = [100 * (u.rps - a.rps) / u.rps for a, u in pairs]
    summary["p95_cost_ms_per_round"] = [a.p95_ms - u.p95_ms for a, u in pairs]
    extra = audited["audit_rows"] - audited["requests"]
    summary["rows_extra"] = extra
    summary["rows_ok"] = (
        0 <= extra <= audited["runs"] * max(r.connections for r in runs)
        and audited["distinct_request_ids"] == audited["audit_rows"]
        and unaudited["audit_rows"] == 0
    )
    return summary


# --------------------------------------------------------------------------------------
# D) Where the time goes: the same request in-process, with audit_record and COMMIT timed.
# --------------------------------------------------------------------------------------


D_VARIANTS = ("unaudited", "audited", "minimal INSERT")


def part_d(token: str, batches: int, per_batch: int, postmaster_pid: int) -> dict:
    """Serve GET /api/v1/me through Django's test client in this process (no HTTP server,
    nothing else running), in batches rotating through three variants: not audited,
    audited (the product), audited with a minimal INSERT (bench/raw_audit.py). For each:
    CPU per request in this process and in PostgreSQL; for the audited one, the time in
    `audit_record` (CPU and wall) and in COMMIT (wall: it waits for the WAL flush)."""
    import importlib
    import logging
    import warnings

    from django.db import connection
    from django.test import Client

    from isahub.audit import services

    say(f"D) where the time goes: {batches} x 3 batches of {per_batch} in-process requests")
    real = services.audit_record
    plain = importlib.import_module("bench.raw_audit").raw_audit_record
    timings = defaultdict(float)

    def timed_audit_record(**kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return real(**kwargs)
        finally:
            timings["audit_cpu"] += time.process_time() - cpu
            timings["audit_wall"] += time.perf_counter() - wall
            timings["audit_calls"] += 1

    def not_audited(**kwargs):
        return None

    implementations = {"unaudited": not_audited, "audited": timed_audit_record, "minimal INSERT": plain}
    connection.ensure_connection()
    real_commit = connection._commit
    current = {"name": ""}

    def timed_commit():
        wall = time.perf_counter()
        try:
            return real_commit()
        finally:
            timings[f"commit_wall_{current['name']}"] += time.perf_counter() - wall
            timings[f"commits_{current['name']}"] += 1

    # The request logs (two JSON lines a request) are formatted as in production, then dropped.
    handlers = logging.getLogger().handlers
    streams = [getattr(h, "stream", None) for h in handlers]
    devnull = open(os.devnull, "w")  # noqa: SIM115 (closed below)
    for handler in handlers:
        if hasattr(handler, "stream"):
            handler.stream = devnull
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {token}")
    app_cpu: dict[str, list[float]] = {name: [] for name in D_VARIANTS}
    db_cpu: dict[str, list[float]] = {name: [] for name in D_VARIANTS}
    wall: dict[str, list[float]] = {name: [] for name in D_VARIANTS}
    try:
        connection._commit = timed_commit
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # whitenoise: no collected static files here
            for n in range(batches + 1):  # the first round warms up and is dropped
                for k in range(len(D_VARIANTS)):
                    name = D_VARIANTS[(n + k) % len(D_VARIANTS)]
                    services.audit_record = implementations[name]
                    current["name"] = name
                    before = dict(timings)
                    db_before = tree_cpu_seconds([postmaster_pid])
                    cpu, began = time.process_time(), time.perf_counter()
                    for _ in range(per_batch):
                        response = client.get(ENDPOINT)
                        if response.status_code != 200:
                            raise RuntimeError(f"in-process request failed: {response.status_code}")
                    cpu, elapsed = time.process_time() - cpu, time.perf_counter() - began
                    db = tree_cpu_seconds([postmaster_pid]) - db_before
                    if n == 0:
                        timings.clear()
                        timings.update(before)
                        continue
                    app_cpu[name].append(1000 * cpu / per_batch)
                    db_cpu[name].append(1000 * db / per_batch)
                    wall[name].append(1000 * elapsed / per_batch)
    finally:
        services.audit_record = real
        del connection._commit
        for handler, stream in zip(handlers, streams, strict=True):
            if stream is not None:
                handler.stream = stream
        devnull.close()
    calls = max(1, timings["audit_calls"])
    result = {
        "requests": batches * per_batch,
        "variants": {
            name: {
                "app_cpu": statistics.median(app_cpu[name]),
                "db_cpu": statistics.median(db_cpu[name]),
                "wall": statistics.median(wall[name]),
                "commit": 1000 * timings[f"commit_wall_{name}"] / max(1, timings[f"commits_{name}"]),
            }
            for name in D_VARIANTS
        },
        "audit_cpu": 1000 * timings["audit_cpu"] / calls,
        "audit_wall": 1000 * timings["audit_wall"] / calls,
    }
    base = result["variants"]["unaudited"]
    for name in D_VARIANTS:
        v = result["variants"][name]
        v["total_cpu"] = v["app_cpu"] + v["db_cpu"]
        # On a machine whose CPUs are the bottleneck, requests per second go as 1 / CPU per request.
        v["throughput_cost_pct"] = 100 * (1 - (base["app_cpu"] + base["db_cpu"]) / v["total_cpu"])
        say(
            f"  {name}: CPU per request {v['app_cpu']:.2f} ms here + {v['db_cpu']:.2f} ms PostgreSQL, "
            f"wall {v['wall']:.2f} ms, COMMIT {v['commit']:.2f} ms"
        )
    say(f"  audit_record(): {result['audit_cpu']:.2f} ms CPU, {result['audit_wall']:.2f} ms wall")
    return result


# --------------------------------------------------------------------------------------
# B) Sealing and verification at scale.
# --------------------------------------------------------------------------------------

SYNTHETIC_ACTIONS = (
    "token.used",
    "token.used",
    "token.used",
    "auth.login",
    "auth.second_factor_verified",
    "auth.logout",
    "user.updated",
    "audit.viewed",
    "access.refused",
    "auth.session_expired",
)

SYNTHETIC_SQL = """
INSERT INTO audit_auditentry (created_at, request_id, actor_id, actor_username, agency_id, action, outcome,
                              target_type, target_id, child_id, reason, details, ip_address)
SELECT %(start)s::timestamptz + g * interval '1 millisecond' * 31,
       md5(%(salt)s || g::text),
       1 + g %% 4000,
       'practitioner.' || (1 + g %% 4000),
       1 + g %% 120,
       (%(actions)s::text[])[1 + g %% %(n_actions)s],
       CASE WHEN g %% 53 = 0 THEN 'refused' ELSE 'success' END,
       CASE WHEN g %% 3 = 0 THEN 'accounts.user' ELSE 'accounts.apitoken' END,
       (1 + g %% 20000)::text,
       CASE WHEN g %% 4 = 0 THEN 'C' || lpad((g %% 250000)::text, 7, '0') ELSE '' END,
       CASE WHEN g %% 10 = 0 THEN 'Strategy discussion under section 47; information shared with the consent '
                                  'of the panel chair (case ' || (g %% 9973) || ').' ELSE '' END,
       CASE WHEN g %% 3 = 0 THEN '{"changed":["job_title","phone"],"role":"practitioner"}'
            ELSE '{"method":"GET","path":"/api/v1/children/' || (g %% 250000) || '"}' END,
       ('10.' || (g %% 200) || '.' || (g / 200 %% 250) || '.' || (1 + g %% 250))::inet
FROM generate_series(%(first)s, %(last)s) AS g
"""


def part_b(args) -> dict:
    from django.db import connection

    from isahub.audit.sealing import chain_head, seal_pending
    from isahub.audit.verification import verify_chain

    say(f"B) sealing and verifying {args.rows:,} audit rows")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditentry")
        existing = cursor.fetchone()[0]
    synthetic = max(0, args.rows - existing)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(milliseconds=31 * synthetic) - dt.timedelta(days=1)
    salt = secrets.token_hex(8)
    chunk = 100_000
    began = time.perf_counter()
    for first in range(1, synthetic + 1, chunk):
        last = min(synthetic, first + chunk - 1)
        with connection.cursor() as cursor:
            cursor.execute(
                SYNTHETIC_SQL,
                {
                    "start": start,
                    "salt": salt,
                    "actions": list(SYNTHETIC_ACTIONS),
                    "n_actions": len(SYNTHETIC_ACTIONS),
                    "first": first,
                    "last": last,
                },
            )
    insert_seconds = time.perf_counter() - began
    say(f"  inserted {synthetic:,} synthetic rows (on top of {existing:,} from part A) in {insert_seconds:.1f} s")
    began = time.perf_counter()
    with connection.cursor() as cursor:
        # Steady state of a table that autovacuum looks after; outside any statement deadline.
        cursor.execute("SET statement_timeout = 0")
        cursor.execute("VACUUM ANALYZE audit_auditentry")
        cursor.execute("RESET statement_timeout")
        cursor.execute(
            "SELECT count(*), min(id), max(id), pg_size_pretty(pg_total_relation_size('audit_auditentry')) FROM audit_auditentry"
        )
        total_rows, min_id, max_id, table_size = cursor.fetchone()
    say(f"  VACUUM ANALYZE in {time.perf_counter() - began:.1f} s; {total_rows:,} rows, ids {min_id}..{max_id}, {table_size}")

    began = time.perf_counter()
    sealed = seal_pending(grace_seconds=0)
    seal_seconds = time.perf_counter() - began
    head = chain_head()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), pg_size_pretty(pg_total_relation_size('audit_auditseal')) FROM audit_auditseal")
        seals, seal_size = cursor.fetchone()
    say(f"  sealed {sealed:,} rows into {seals:,} seals in {seal_seconds:.1f} s ({sealed / seal_seconds:,.0f} rows/s)")

    verifications = []
    for attempt in (1, 2):
        report = verify_chain()
        verifications.append(report)
        say(
            f"  verify_chain() #{attempt}: {'OK' if report.ok else 'PROBLEMS'}, {report.rows_checked:,} rows, "
            f"{report.seals_checked:,} seals, {report.unsealed_rows} unsealed, {report.seconds:.2f} s, "
            f"{report.rows_per_second:,.0f} rows/s"
        )
    breakdown = verify_breakdown(total_rows, verifications[0].seconds)
    return {
        "breakdown": breakdown,
        "existing": existing,
        "synthetic": synthetic,
        "insert_seconds": insert_seconds,
        "total_rows": total_rows,
        "table_size": table_size,
        "sealed": sealed,
        "seals": seals,
        "seal_size": seal_size,
        "seal_seconds": seal_seconds,
        "head": head,
        "verifications": verifications,
    }


def verify_breakdown(rows: int, verify_seconds: float) -> dict:
    """Where verify_chain()'s time goes on PostgreSQL: its per-seal SQL (hashing each row's
    canonical text and aggregating per seal) on one connection, as verify_chain() runs it,
    and, as an experiment, split in even shares over one connection per CPU."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from isahub.audit import verification
    from isahub.audit.canonical import POSTGRES_LEAF_SQL
    from isahub.audit.models import AuditSeal

    def leaf_only():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count({POSTGRES_LEAF_SQL}) FROM audit_auditentry e")
            cursor.fetchone()

    def ranges(ids: list[int], size: int) -> list[tuple[int, int]]:
        return [(ids[i], ids[min(i + size - 1, len(ids) - 1)]) for i in range(0, len(ids), size)]

    def per_seal_queries(part):
        for first, last in part:
            verification._postgres_batch_digests(first, last)

    def in_thread(part):
        try:
            per_seal_queries(part)
        finally:
            connection.close()  # this thread's own connection

    def timed(func, *args) -> float:
        began = time.perf_counter()
        func(*args)
        return time.perf_counter() - began

    seal_ids = list(AuditSeal.objects.order_by("id").values_list("id", flat=True))
    per_query = getattr(verification, "SEALS_PER_QUERY", 200)
    leaf_seconds = timed(leaf_only)
    serial_seconds = timed(per_seal_queries, ranges(seal_ids, per_query))
    if hasattr(verification, "_postgres_digests"):  # the product's own split over its connections
        seals = list(verification._seals())
        parts = [seals[i : i + per_query] for i in range(0, len(seals), per_query)]
        product_seconds = timed(lambda: list(verification._postgres_digests(parts)))
        product_connections = getattr(verification, "VERIFY_CONNECTIONS", 1)
    else:
        product_seconds, product_connections = serial_seconds, 1
    workers = len(os.sched_getaffinity(0))
    # Even shares: seal ranges a fifth of a connection's share long, dealt out in turn.
    small = ranges(seal_ids, max(1, min(per_query, -(-len(seal_ids) // (workers * 5)))))
    with ThreadPoolExecutor(workers) as pool:
        began = time.perf_counter()
        list(pool.map(in_thread, [small[i::workers] for i in range(workers)]))
        even_seconds = time.perf_counter() - began
    result = {
        "leaf_seconds": leaf_seconds,
        "serial_seconds": serial_seconds,
        "product_seconds": product_seconds,
        "product_connections": product_connections,
        "product_queries": -(-len(seal_ids) // per_query),
        "per_query": per_query,
        "rest_seconds": max(0.0, verify_seconds - product_seconds),
        "even_seconds": even_seconds,
        "even_queries": len(small),
        "workers": workers,
        "rows": rows,
    }
    say(
        f"  where verify's time goes: per-seal SQL on one connection {serial_seconds:.2f} s (hashing alone "
        f"{leaf_seconds:.2f} s), as verify_chain() runs it {product_seconds:.2f} s, the rest ~{result['rest_seconds']:.2f} s; "
        f"in even shares on {workers} connections {even_seconds:.2f} s"
    )
    return result


# --------------------------------------------------------------------------------------
# C) Tampering.
# --------------------------------------------------------------------------------------

CONTENT = (
    "created_at, request_id, actor_id, actor_username, agency_id, action, outcome, "
    "target_type, target_id, child_id, reason, details, ip_address"
)


@contextlib.contextmanager
def past_the_triggers():
    """A transaction in which the append-only triggers do not fire (superuser only)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        yield cursor


def _snapshot(cursor, table: str, where: str, params: list) -> tuple[list[str], list[tuple]]:
    cursor.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY id", params)
    return [column.name for column in cursor.description], cursor.fetchall()


def _reinsert(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    placeholders = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def _problems(report) -> set[tuple[str, int | None]]:
    return {(problem.kind, problem.row_id) for problem in report.problems}


def _seal_holding(row_id: int):
    from isahub.audit.models import AuditSeal

    return AuditSeal.objects.get(first_id__lte=row_id, last_id__gte=row_id)


def part_c(b: dict) -> list[dict]:
    from isahub.audit.models import AuditSeal
    from isahub.audit.sealing import chain_head
    from isahub.audit.verification import verify_chain

    say("C) tampering at scale")
    last = b["head"]["last_sealed_id"]
    results = []

    def check(name: str, how: str, expected: set, expect_head: str | None = None, extra: str = "") -> None:
        report = verify_chain(expect_head=expect_head)
        found = _problems(report)
        results.append(
            {
                "name": name,
                "how": how,
                "expected": expected,
                "found": found,
                "detected": not report.ok,
                "exact": found == expected,
                "messages": [p.message for p in report.problems],
                "seconds": report.seconds,
                "extra": extra,
            }
        )
        verdict = "DETECTED" if not report.ok else "NOT DETECTED"
        say(f"  {name}: {verdict} in {report.seconds:.2f} s, exact ids: {found == expected}")
        for problem in report.problems[:6]:
            say(f"    - [{problem.kind}] {problem.message}")

    def clean(after: str, expect_head: str | None = None) -> None:
        report = verify_chain(expect_head=expect_head)
        say(f"  after restoring ({after}): verify_chain() {'OK' if report.ok else 'PROBLEMS'} in {report.seconds:.2f} s")
        if not report.ok:
            raise RuntimeError(f"restoring {after} left problems: {[p.message for p in report.problems]}")

    # (1) One row's reason edited.
    row = last // 4 + 17
    with past_the_triggers() as cursor:
        cursor.execute("SELECT reason FROM audit_auditentry WHERE id = %s", [row])
        original = cursor.fetchone()[0]
        cursor.execute("UPDATE audit_auditentry SET reason = %s WHERE id = %s", [original + " (edited)", row])
    check("edit one row's reason", f"UPDATE reason of row {row}", {("altered", row)})
    with past_the_triggers() as cursor:
        cursor.execute("UPDATE audit_auditentry SET reason = %s WHERE id = %s", [original, row])
    clean("edit")

    # (2) One row deleted.
    row = last // 2 + 31
    with past_the_triggers() as cursor:
        columns, saved = _snapshot(cursor, "audit_auditentry", "id = %s", [row])
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [row])
    check("delete one row", f"DELETE row {row}", {("removed", row)})
    with past_the_triggers() as cursor:
        _reinsert(cursor, "audit_auditentry", columns, saved)
    clean("delete")

    # (3) The contents of two rows of one seal swapped (a reorder).
    seal = _seal_holding(last * 3 // 4)
    first, second = seal.first_id + seal.row_count // 10, seal.first_id + seal.row_count // 2
    swap = f"""
        UPDATE audit_auditentry e SET ({CONTENT}) = (SELECT {CONTENT} FROM audit_auditentry o WHERE o.id = pair.other)
        FROM (VALUES (%s::bigint, %s::bigint), (%s::bigint, %s::bigint)) AS pair(id, other)
        WHERE e.id = pair.id
    """
    with past_the_triggers() as cursor:
        cursor.execute(swap, [first, second, second, first])
    check(
        "swap two rows (reorder)",
        f"swap the contents of rows {first} and {second} (seal {seal.id})",
        {("reordered", first), ("reordered", second)},
    )
    with past_the_triggers() as cursor:
        cursor.execute(swap, [first, second, second, first])
    clean("swap")

    # (4) The tail truncated: the last rows and the seals that held them.
    head = chain_head()
    published = f"{head['seal']}:{head['digest']}"
    tail_seals = list(AuditSeal.objects.order_by("-id")[:3])
    cut = min(s.first_id for s in tail_seals)
    with past_the_triggers() as cursor:
        entry_columns, entries = _snapshot(cursor, "audit_auditentry", "id >= %s", [cut])
        seal_columns, seal_rows = _snapshot(cursor, "audit_auditseal", "first_id >= %s", [cut])
        cursor.execute("DELETE FROM audit_auditentry WHERE id >= %s", [cut])
        cursor.execute("DELETE FROM audit_auditseal WHERE first_id >= %s", [cut])
    removed = f"rows {cut}..{head['last_sealed_id']} ({len(entries):,}) and seals {tail_seals[-1].id}..{tail_seals[0].id}"
    report = verify_chain()
    say(f"  truncated {removed}; verify_chain() without the published head: {'OK' if report.ok else 'PROBLEMS'}")
    after = chain_head()
    check(
        "truncate the tail (rows and seals)",
        f"DELETE {removed}",
        {("head", None)},
        expect_head=published,
        extra=(
            f"without expect_head: {'OK (undetectable without the head)' if report.ok else 'detected'}; "
            f"the published head covered rows up to {head['last_sealed_id']}, the chain now ends at "
            f"{after['last_sealed_id']}: rows {after['last_sealed_id'] + 1}..{head['last_sealed_id']} are gone"
        ),
    )
    with past_the_triggers() as cursor:
        _reinsert(cursor, "audit_auditentry", entry_columns, entries)
        _reinsert(cursor, "audit_auditseal", seal_columns, seal_rows)
    clean("truncation", expect_head=published)
    return results


# --------------------------------------------------------------------------------------
# Summary.
# --------------------------------------------------------------------------------------


def met(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


RUN_HEADER = (
    f"   {'':<14}{'req/s':>8}{'p50':>8}{'p95':>8}{'p99':>8}{'errors':>7}{'audit':>8}{'app CPU':>8}{'DB CPU':>8}"
    f"{'WAL':>7}{'':>6}{'':>7}{'':>5}\n"
    f"   {'run':<14}{'':>8}{'ms':>8}{'ms':>8}{'ms':>8}{'':>7}{'rows':>8}{'ms/req':>8}{'ms/req':>8}"
    f"{'B/req':>7}{'busy%':>6}{'other%':>7}{'wrk%':>5}"
)


def _run_row(run: Run) -> str:
    return (
        f"   {run.variant + ' #' + str(run.round):<14}{run.rps:>8,.0f}{run.p50_ms:>8.2f}{run.p95_ms:>8.2f}{run.p99_ms:>8.2f}"
        f"{run.errors:>7}{run.audit_rows:>8,}{run.app_cpu_ms_per_req:>8.2f}{run.db_cpu_ms_per_req:>8.2f}"
        f"{run.wal_bytes_per_req:>7,.0f}{run.cpu_busy_pct:>6.0f}{run.other_cpu_pct:>7.0f}{run.wrk_cpu_pct_of_core:>5.0f}"
        + (" *" if run.other_cpu_pct >= DISTURBED_PCT else "")
    )


def _print_series(title: str, s: dict, *, targets: bool) -> None:
    print(title)
    print(RUN_HEADER)
    for run in s["runs"]:
        print(_run_row(run))
    for variant in ("audited", "unaudited"):
        v = s[variant]
        print(
            f"   {variant:<10}: {v['rps']:,.0f} req/s, p50 {v['p50']:.2f} ms, p95 {v['p95']:.2f} ms, p99 {v['p99']:.2f} ms;"
            f" per request: app CPU {v['app_cpu']:.2f} ms, PostgreSQL CPU {v['db_cpu']:.2f} ms,"
            f" WAL {v['wal_records']:.1f} records / {v['wal_bytes']:,.0f} B"
        )
    per_round_tp = ", ".join(f"{x:+.1f} %" for x in s["throughput_cost_pct_per_round"])
    per_round_p95 = ", ".join(f"{x:+.2f} ms" for x in s["p95_cost_ms_per_round"])
    tp_verdict = p95_verdict = ""
    if targets:
        tp_verdict = (
            f"; target at most {TARGET_THROUGHPUT_COST_PCT:.0f} %: {met(s['throughput_cost_pct'] <= TARGET_THROUGHPUT_COST_PCT)}"
        )
        p95_verdict = f"; target at most {TARGET_P95_COST_MS:.0f} ms: {met(s['p95_cost_ms'] <= TARGET_P95_COST_MS)}"
    print(f"   cost      : throughput {s['throughput_cost_pct']:+.1f} % (rounds: {per_round_tp}){tp_verdict}")
    print(f"               p95 {s['p95_cost_ms']:+.2f} ms (rounds: {per_round_p95}){p95_verdict}; p50 {s['p50_cost_ms']:+.2f} ms")
    disturbed = [r for r in s["runs"] if r.other_cpu_pct >= DISTURBED_PCT]
    if disturbed:
        print(
            f"   WARNING   : {len(disturbed)} of {len(s['runs'])} runs (*) ran while other processes used {DISTURBED_PCT:.0f} %"
            " or more of the machine: these figures are unreliable"
        )


def print_summary(args, facts, pg, a, b, c, d) -> None:
    line = "=" * 110
    print("\n" + line)
    print("AUDIT BENCHMARK (bench/audit.py)")
    print(line)
    print(f"Command    : {args.command}")
    print(f"Machine    : nproc {facts['nproc']}, {facts['cpu']}, {facts['memory']} RAM")
    print(f"             Linux {facts['kernel']}, Python {facts['python']}")
    if facts.get("waited_for_others", 0) > 1:
        print(f"             (waited {facts['waited_for_others']:.0f} s for another benchmark to finish first)")
    print(
        f"PostgreSQL : {pg['version']} on loopback, durable: fsync={pg['fsync']}, synchronous_commit={pg['synchronous_commit']},"
    )
    print(f"             wal_sync_method={pg['wal_sync_method']}, shared_buffers={pg['shared_buffers']}")
    print(
        f"Disk       : 8 kB write + fdatasync p50 {pg['fsync_p50']:.2f} ms, p95 {pg['fsync_p95']:.2f} ms ({pg['fsync_n']} probes)"
    )
    if a:
        main = a["main_summary"]
        served = f"config.settings.production under gunicorn {args.workers} x {args.worker_class}"
        print(f"\nA) GET {ENDPOINT} with a bearer token, {served};")
        print(
            f"   load: wrk, {args.wrk_threads} threads, on loopback. Warm-up {args.warmup} s per server, then"
            f" {args.rewarm} s re-warm (excluded) before every measured run; rounds alternate A U, U A, ..."
        )
        _print_series(
            f"   main: {args.connections} connections, {args.rounds} rounds x {args.duration} s per variant", main, targets=True
        )
        au, un = main["audited"], main["unaudited"]
        print(
            f"   audit rows: audited runs wrote {au['audit_rows']:,} token.used rows ({au['distinct_request_ids']:,} distinct"
            f" request ids) for {au['requests']:,} requests counted by wrk ({main['rows_extra']:+d}: requests in flight"
        )
        print(
            f"               when wrk stops are served and audited but not counted, at most {args.connections} a run):"
            f" {'one row per request' if main['rows_ok'] else 'MISMATCH'}; unaudited runs wrote {un['audit_rows']:,}"
        )
        print(
            f"   load      : wrk used at most {max(au['wrk_cpu'], un['wrk_cpu']):.0f} % of one core; all CPUs busy"
            f" {min(au['busy'], un['busy']):.0f}-{max(au['busy'], un['busy']):.0f} %; other processes used at most"
            f" {max(au['other'], un['other']):.0f} % of the machine; waited {a['quiet'].waited:.0f} s for quiet"
        )
        if "single_summary" in a:
            _print_series(
                f"\n   supplementary: 1 connection (nothing queues), 2 rounds x {args.single_duration} s",
                a["single_summary"],
                targets=False,
            )
        if "async_summary" in a:
            _print_series(
                f"\n   diagnostic: synchronous_commit=off on this cluster, {args.connections} connections,"
                f" 2 rounds x {args.async_duration} s",
                a["async_summary"],
                targets=False,
            )
    if a and "fewer_indexes_summary" in a:
        print("\nE) experiment: a change the product could make, against the unaudited baseline")
        _print_series(
            f"   audit_auditentry with its primary key only ({len(a['dropped_indexes'])} secondary indexes dropped on this"
            f" cluster: {', '.join(a['dropped_indexes'])})",
            a["fewer_indexes_summary"],
            targets=False,
        )
    if d:
        print(
            f"\nD) where the time goes: the same request in-process (Django test client, no HTTP server, nothing else"
            f" running), {d['requests']:,} requests per variant, medians"
        )
        columns = f"{'CPU here':>10}{'PostgreSQL':>12}{'total':>8}{'wall':>8}{'COMMIT':>8}"
        print(f"   {'variant':<14}{columns}   throughput cost if CPU-bound")
        for name in D_VARIANTS:
            v = d["variants"][name]
            cost = "" if name == "unaudited" else f"{v['throughput_cost_pct']:+.1f} %"
            print(
                f"   {name:<14}{v['app_cpu']:>7.2f} ms{v['db_cpu']:>9.2f} ms{v['total_cpu']:>5.2f} ms{v['wall']:>5.2f} ms"
                f"{v['commit']:>5.2f} ms   {cost}"
            )
        print(
            f"   audit_record() itself: {d['audit_cpu']:.2f} ms CPU, {d['audit_wall']:.2f} ms wall"
            " (building the row, the INSERT and its round trip); COMMIT of a write waits for the WAL flush"
        )
    if b:
        first, second = b["verifications"]
        print(
            f"\nB) {b['total_rows']:,} audit rows ({b['existing']:,} from part A + {b['synthetic']:,} synthetic),"
            f" table {b['table_size']}; inserted in {b['insert_seconds']:.1f} s"
        )
        print(
            f"   seal_pending(grace_seconds=0): {b['sealed']:,} rows into {b['seals']:,} seals ({b['seal_size']}) in"
            f" {b['seal_seconds']:.1f} s = {b['sealed'] / b['seal_seconds']:,.0f} rows/s"
        )
        for n, report in enumerate((first, second), 1):
            print(
                f"   verify_chain() #{n}: {'OK' if report.ok else 'PROBLEMS'}, {report.rows_checked:,} rows,"
                f" {report.seals_checked:,} seals in {report.seconds:.2f} s = {report.rows_per_second:,.0f} rows/s"
            )
        bd = b["breakdown"]
        print(
            f"   where the time goes: the per-seal SQL (row hashes and id digests, in PostgreSQL) takes"
            f" {bd['serial_seconds']:.2f} s on one connection, of which hashing the rows alone {bd['leaf_seconds']:.2f} s;"
        )
        print(
            f"               as verify_chain() runs it ({bd['product_queries']} SQL quer"
            f"{'y' if bd['product_queries'] == 1 else 'ies'} of up to {bd['per_query']} seals on"
            f" {bd['product_connections']} connection(s)) {bd['product_seconds']:.2f} s; the rest of verify_chain()"
            f" (Python: seals, digests, unsealed rows) ~{bd['rest_seconds']:.2f} s"
        )
        print(
            f"   experiment: the per-seal SQL in even shares ({bd['even_queries']} queries) over {bd['workers']} connections:"
            f" {bd['even_seconds']:.2f} s (~{bd['rows'] / (bd['even_seconds'] + bd['rest_seconds']):,.0f} rows/s with the rest"
            " unchanged)"
        )
        print(
            f"   target at least {TARGET_VERIFY_ROWS_PER_S:,} rows/s (first run):"
            f" {met(first.ok and first.rows_per_second >= TARGET_VERIFY_ROWS_PER_S)}"
        )
    if c:
        print(f"\nC) tampering with {b['total_rows']:,} sealed rows")
        for item in c:
            print(
                f"   {item['name']:<36}: {'detected' if item['detected'] else 'NOT DETECTED'}"
                f"{', exactly as expected' if item['exact'] else ', NOT exactly as expected'} (verify {item['seconds']:.2f} s)"
            )
            print(f"      injected: {item['how']}")
            for message in item["messages"][:4]:
                print(f"      problem : {message}")
            if item["extra"]:
                print(f"      note    : {item['extra']}")
        print(f"   target every tampering detected: {met(all(item['detected'] and item['exact'] for item in c))}")
    print(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--warmup", type=int, default=20, help="seconds of load on each server before any measurement")
    parser.add_argument("--rewarm", type=int, default=3, help="seconds of load before each measured run (excluded)")
    parser.add_argument("--duration", type=int, default=15, help="seconds measured per run")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of (audited, unaudited), alternating the order")
    parser.add_argument("--connections", type=int, default=8, help="concurrent wrk connections")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads-per-worker", type=int, default=1, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--single-duration", type=int, default=10, help="seconds per one-connection run (0: skip)")
    parser.add_argument("--async-duration", type=int, default=10, help="seconds per synchronous_commit=off run (0: skip)")
    parser.add_argument("--profile-batches", type=int, default=10, help="batch pairs for the in-process profile (0: skip)")
    parser.add_argument(
        "--experiments",
        action="store_true",
        help="also measure the audit table with its primary key only (its secondary indexes dropped on this cluster)",
    )
    parser.add_argument("--wait-quiet", type=int, default=180, help="seconds, in all, to wait for other processes to quieten")
    parser.add_argument("--wait-other", type=int, default=1200, help="seconds to wait for another bench/*.py to finish")
    parser.add_argument("--rows", type=int, default=1_000_000, help="audit rows for B and C")
    parser.add_argument("--only", choices=["a", "bc"], help="run only parts A and D, or only parts B and C")
    parser.add_argument("--quick", action="store_true", help="smoke run: short runs, one round, 50,000 rows")
    args = parser.parse_args()
    args.command = " ".join([".venv/bin/python", os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]])
    if args.quick:
        args.warmup, args.rewarm, args.duration, args.rounds, args.rows = 2, 1, 3, 1, 50_000
        args.single_duration, args.async_duration, args.profile_batches, args.wait_quiet, args.wait_other = 2, 2, 2, 0, 0

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    cleanup = Cleanup()
    workdir = Path(tempfile.mkdtemp(prefix="isahub-bench-"))
    cleanup.push("remove the work directory", lambda: shutil.rmtree(workdir, ignore_errors=True))
    try:
        say(f"Command: {args.command}")
        waited_for_others = wait_for_other_benchmarks(args.wait_other)
        facts = machine_facts()
        exports = start_postgres(cleanup)
        secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64))
        env = {
            **os.environ,
            **exports,
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secret,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "ISAHUB_SSL_REDIRECT": "0",
            "ISAHUB_DB_ENGINE": "postgresql",
        }
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))

        import logging

        import django

        django.setup()
        # One log line per seal (a thousand here) is noise in the bench's output.
        logging.getLogger("isahub.audit.sealing").setLevel(logging.WARNING)
        from django.core.management import call_command
        from django.db import connection

        say("Migrating")
        call_command("migrate", verbosity=0)
        pg = {}
        with connection.cursor() as cursor:
            for name in ("server_version", "fsync", "synchronous_commit", "wal_sync_method", "shared_buffers"):
                cursor.execute(f"SHOW {name}")
                pg[name] = cursor.fetchone()[0]
        pg["version"] = pg.pop("server_version")
        pg["fsync_p50"], pg["fsync_p95"], pg["fsync_n"] = fsync_latency_ms(os.path.join(exports["ISAHUB_PG_DIR"], "data"))
        say(
            f"Machine: nproc {facts['nproc']}, {facts['cpu']}, {facts['memory']}; PostgreSQL {pg['version']}; "
            f"fdatasync p50 {pg['fsync_p50']:.2f} ms"
        )

        a = b = c = d = None
        if args.only in (None, "a"):
            a = part_a(args, env, workdir, cleanup, exports["ISAHUB_PG_DIR"], int(facts["nproc"]))
            for key in ("main", "single", "async", "fewer_indexes"):
                if key in a:
                    a[f"{key}_summary"] = summarise(a[key])
            if args.profile_batches:
                d = part_d(a["token"], args.profile_batches, 50 if args.quick else 200, a["postmaster_pid"])
        if args.only in (None, "bc"):
            waited_for_others += wait_for_other_benchmarks(args.wait_other)
            b = part_b(args)
            c = part_c(b)
        facts["waited_for_others"] = waited_for_others
        print_summary(args, facts, pg, a, b, c, d)
        say("Done")
        return 0
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        cleanup.run()


if __name__ == "__main__":
    sys.exit(main())
