"""A durable throwaway PostgreSQL (`bin/postgres start --durable`) that can be crashed with
kill -9 and started again, and the process helpers the harness needs."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]


def children_of(pid: int) -> list[int]:
    """Direct children of a process, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in brackets and may hold spaces: the fields after it are fixed.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def kill_tree(pid: int) -> list[int]:
    """SIGKILL a process and its direct children at once (the postmaster and its backends,
    a gunicorn master and its worker). The parent goes first, so nothing can tidy up."""
    victims = [pid, *children_of(pid)]
    for victim in victims:
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
    return victims


def wait_gone(pids: list[int], timeout: float = 30.0) -> None:
    """Wait until the processes are gone and reaped: PostgreSQL refuses to start while the
    PID in its lock file exists, even as a zombie."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists()]
        if not alive:
            return
        for pid in alive:
            with contextlib.suppress(ChildProcessError):  # our own children (gunicorn) we reap ourselves
                os.waitpid(pid, os.WNOHANG)
        time.sleep(0.02)
    raise AssertionError(f"processes still present after SIGKILL: {alive}")


@dataclass
class Cluster:
    env: dict[str, str]
    reaped_in: float = 0.0

    @classmethod
    def start(cls, *, durable: bool = True) -> Cluster:
        command = [str(ROOT / "bin/postgres"), "start", *(["--durable"] if durable else [])]
        # Not the suite's cluster: bin/test has exported its PG* variables by now, and psql in
        # bin/postgres would follow them (PGDATABASE names a database the new cluster lacks).
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
        exports = shlex.split(out.stdout.strip().removeprefix("export "))
        return cls(env=dict(item.split("=", 1) for item in exports))

    @property
    def directory(self) -> Path:
        return Path(self.env["ISAHUB_PG_DIR"])

    @property
    def conninfo(self) -> str:
        e = self.env
        return f"host={e['PGHOST']} port={e['PGPORT']} user={e['PGUSER']} password={e['PGPASSWORD']} dbname={e['PGDATABASE']}"

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5)

    def postmaster_pid(self) -> int:
        return int((self.directory / "data" / "postmaster.pid").read_text().split("\n")[0])

    def settings(self) -> dict[str, str]:
        with self.connect() as conn:
            rows = conn.execute("SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit')")
            return dict(rows.fetchall())

    def crash(self) -> int:
        """kill -9 the postmaster and every backend: no shutdown checkpoint, no goodbye."""
        victims = kill_tree(self.postmaster_pid())
        started = time.monotonic()
        wait_gone(victims)
        self.reaped_in = time.monotonic() - started
        return len(victims)

    def _as_owner(self, command: str) -> None:
        argv = ["su", "postgres", "-s", "/bin/bash", "-c", command] if os.getuid() == 0 else ["bash", "-c", command]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = (self.directory / "server.log").read_text()[-3000:]
            raise AssertionError(f"{command} failed: {done.stdout} {done.stderr}\nserver.log ends:\n{log}")

    def restart(self) -> float:
        """Start again after a crash (crash recovery replays the WAL); seconds until it accepts."""
        started = time.monotonic()
        pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]
        data, log = self.directory / "data", self.directory / "server.log"
        # postmaster.opts holds the exact command line the cluster was started with.
        options = shlex.split((data / "postmaster.opts").read_text())[3:]  # drop the binary and its -D DIR
        self._as_owner(f"{pg_bin}/pg_ctl -D {data} -l {log} -w -t 120 start -o {shlex.quote(shlex.join(options))}")
        return time.monotonic() - started

    def stop(self) -> None:
        subprocess.run([str(ROOT / "bin/postgres"), "stop", str(self.directory)], check=False, capture_output=True)
