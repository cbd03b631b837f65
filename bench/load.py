"""Load with the audit invariant: 50 practitioners for 10 minutes on a durable PostgreSQL.

    .venv/bin/python bench/load.py              # the full run (about 14 minutes in all)
    .venv/bin/python bench/load.py --quick      # a smoke run: 10 users for 30 s; figures meaningless

1. Starts a durable PostgreSQL (bin/postgres start --durable), migrates it and loads the demo
   borough (`seed_demo`), then makes 50 vetted practitioners across the demo agencies, each with
   a personal API token.
2. Serves the product (config.settings.production under gunicorn) on loopback and runs
   bench/load_users.py (Locust, headless) against it: searches (half with a first name),
   record views with a reason, involvement registrations and public directory reads, with a
   think time between steps. Every response's operation, status, X-Request-ID and whether it
   carried a child's data is logged.
3. Checks the audit invariant in the database, for the run's rows only:
   - every response that carried a child's data has exactly one audit row disclosing it
     (`child.searched` with results, `child.viewed`) with its request id;
   - every refusal (403) has exactly one `access.refused` row;
   - every audit row written during the run belongs to a logged response.
   Both "missing" and "orphan" counts must be 0; then `audit_seal` and `audit_verify` run.
4. Prints throughput, p50/p95/p99 per operation, error counts and the memory (RSS) of the
   gunicorn workers and of PostgreSQL at the start and end of the measured run.

Results and the command are recorded in docs/performance.md ("Load with the audit invariant").
Locust is a benchmark-only dependency (bench/requirements-load.txt), installed when missing.
Asserts nothing about timings; exits 1 if the audit invariant is broken.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import secrets
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import (  # noqa: E402  (bench/audit.py, beside this file)
    ROOT,
    VENV_BIN,
    Cleanup,
    _on_signal,
    machine_facts,
    say,
    start_postgres,
    start_server,
)

DATA_ACTIONS = ("child.searched", "child.viewed")


def ensure_locust() -> None:
    try:
        import locust  # noqa: F401
    except ImportError:
        say("Installing Locust for this benchmark (bench/requirements-load.txt)")
        subprocess.run(
            [str(VENV_BIN / "pip"), "install", "--quiet", "-r", str(ROOT / "bench" / "requirements-load.txt")], check=True
        )


def rss_mb(pids: list[int]) -> float:
    """Resident memory of these processes and their children, in MB (from /proc)."""
    total = 0
    seen: set[int] = set()
    stack = list(pids)
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            stack += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


def make_practitioners(count: int) -> list[str]:
    """`count` vetted practitioners spread over the demo agencies, each with a token."""
    from django.db import transaction
    from django.utils import timezone

    from isahub.accounts.models import Agency, Role, User
    from isahub.accounts.services import api_token_create

    today = timezone.localdate()
    agencies = list(Agency.objects.order_by("pk"))
    tokens = []
    with transaction.atomic():
        for number in range(count):
            user = User(
                username=f"load.practitioner.{number:03d}",
                first_name="Load",
                last_name=f"Practitioner {number}",
                agency=agencies[number % len(agencies)],
                role=Role.PRACTITIONER,
                dbs_checked_on=today,
                training_completed_on=today,
                user_agreement_signed_on=today,
                is_demo=False,
            )
            user.set_unusable_password()
            user.full_clean()
            user.save()
            tokens.append(api_token_create(user=user, name="load benchmark")[1])
    return tokens


def children_to_look_for(limit: int) -> list[dict]:
    from isahub.children.models import Child, ChildName, NameKind

    rows = (
        ChildName.objects.filter(kind=NameKind.LEGAL, valid_to__isnull=True, child__status="active")
        .order_by("child_id")
        .values_list("family_name", "given_names", "child__date_of_birth")[:limit]
    )
    found = [{"surname": f, "forename": g.split(" ")[0], "date_of_birth": d.isoformat()} for f, g, d in rows]
    if not found:
        raise RuntimeError(f"no active children to search for ({Child.objects.count()} children in the database)")
    return found


def directory_path(url: str) -> str:
    """The ORUK services endpoint if this build has the directory, else "" (reads then skipped)."""
    try:
        with urllib.request.urlopen(f"{url}/api/oruk/services?per_page=1", timeout=10) as response:  # noqa: S310 (loopback)
            return "/api/oruk/services" if response.status == 200 else ""
    except OSError:
        return ""


def check_invariant(responses: list[dict], first_id: int) -> dict:
    """Missing and orphan audit rows, from the database, for rows written after `first_id`."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT request_id, action FROM audit_auditentry WHERE id > %s", [first_id])
        rows = cursor.fetchall()
    by_request: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for request_id, action in rows:
        by_request[request_id][action] += 1
    logged = {r["request_id"] for r in responses}
    missing_data = [r for r in responses if r["carried"] and sum(by_request[r["request_id"]][a] for a in DATA_ACTIONS) != 1]
    missing_refusal = [r for r in responses if r["status"] == 403 and by_request[r["request_id"]]["access.refused"] != 1]
    unanswered = [r for r in responses if r["status"] == 0]  # the connection failed: the server never answered
    no_request_id = [r for r in responses if r["status"] and not r["request_id"]]
    orphans = [(rid, dict(actions)) for rid, actions in by_request.items() if rid not in logged]
    return {
        "audit_rows": len(rows),
        "data_responses": sum(1 for r in responses if r["carried"]),
        "refusals": sum(1 for r in responses if r["status"] == 403),
        "missing": len(missing_data) + len(missing_refusal),
        "no_request_id": len(no_request_id),
        "unanswered": len(unanswered),
        "unanswered_examples": collections.Counter(r.get("error", "") for r in unanswered).most_common(3),
        "orphans": len(orphans),
        "examples": {"missing": (missing_data + missing_refusal)[:3], "orphans": orphans[:3]},
    }


def print_summary(args, facts: dict, stats: dict, invariant: dict, memory: dict, verify: str, directory: str) -> None:
    print("\n" + "=" * 78)
    print("Load with the audit invariant (bench/load.py)")
    print(f"Command    : {args.command}")
    print(f"Machine    : nproc {facts['nproc']}, {facts['cpu']}, {facts['memory']}")
    print(
        f"Run        : {args.users} users, {args.seconds} s measured, think time {args.think_min}-{args.think_max} s; "
        f"gunicorn {args.workers} x {args.worker_class} ({args.threads} threads, keep-alive {args.keep_alive} s); "
        "durable PostgreSQL"
    )
    print(f"Directory  : {'read through ' + directory if directory else 'not in this build: its share went to searches'}")
    header = ("operation", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms")
    print("\n" + f"{header[0]:<12} " + " ".join(f"{h:>9}" if i < 2 else f"{h:>7}" for i, h in enumerate(header[1:])))
    for name, s in stats["stats"].items():
        print(
            f"{name:<12} {s['requests']:>9,} {s['failures']:>9,} {s['rps']:>7.1f} {s['p50_ms']:>7.0f} "
            f"{s['p95_ms']:>7.0f} {s['p99_ms']:>7.0f} {s['max_ms']:>7.0f}"
        )
    for error in stats["errors"][:5]:
        print(f"  error: {error['name']}: {error['error']} ({error['occurrences']}x)")
    print(
        f"\nAudit invariant: {invariant['data_responses']:,} responses carried a child's data, "
        f"{invariant['refusals']:,} were refusals, {invariant['audit_rows']:,} audit rows written"
    )
    print(f"   responses without exactly one audit row: {invariant['missing']}   (must be 0)")
    print(f"   audit rows without a response:           {invariant['orphans']}   (must be 0)")
    print(f"   answers without an X-Request-ID:         {invariant['no_request_id']}   (must be 0)")
    if invariant["unanswered"]:
        print(f"   requests the server never answered (connection failed): {invariant['unanswered']}")
        for error, count in invariant["unanswered_examples"]:
            print(f"      {count}x {error[:150]}")
    if invariant["missing"] or invariant["orphans"]:
        print(f"   examples: {json.dumps(invariant['examples'], default=str)[:600]}")
    print(f"   audit_verify after sealing: {verify}")
    print(
        f"\nMemory (RSS): gunicorn {memory['gunicorn_start']:.0f} MB at the start of the measured run, "
        f"{memory['gunicorn_end']:.0f} MB at the end ({memory['gunicorn_end'] - memory['gunicorn_start']:+.0f} MB); "
        f"PostgreSQL {memory['postgres_start']:.0f} -> {memory['postgres_end']:.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=600, help="seconds of load (default 600: ten minutes)")
    parser.add_argument("--think-min", type=float, default=0.5, help="seconds a user waits between steps, at least")
    parser.add_argument("--think-max", type=float, default=2.0)
    parser.add_argument("--children", type=int, default=3000, help="synthetic children in the demo borough")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (gthread)")
    parser.add_argument(
        "--keep-alive",
        type=int,
        default=5,
        help="seconds gunicorn keeps an idle connection (above the think time, so a user's next request never "
        "races the server closing its connection)",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--quick", action="store_true", help="smoke run: 10 users for 30 s, 300 children")
    args = parser.parse_args()
    args.threads_per_worker = args.threads
    args.command = " ".join([".venv/bin/python", os.path.relpath(sys.argv[0], ROOT), *sys.argv[1:]])
    if args.quick:
        args.users, args.seconds, args.children = 10, 30, 300

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    ensure_locust()
    cleanup = Cleanup()
    workdir = Path(tempfile.mkdtemp(prefix="isahub-load-"))
    cleanup.push("remove the work directory", lambda: shutil.rmtree(workdir, ignore_errors=True))
    try:
        say(f"Command: {args.command}")
        facts = machine_facts()
        exports = start_postgres(cleanup)
        env = {
            **os.environ,
            **exports,
            "DJANGO_SETTINGS_MODULE": "bench.load_settings",  # production, with the demo borough allowed
            "DJANGO_SECRET_KEY": "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(64)),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "ISAHUB_SSL_REDIRECT": "0",
            "ISAHUB_DB_ENGINE": "postgresql",
        }
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        say("Migrating and loading the demo borough")
        call_command("migrate", verbosity=0)
        call_command("seed_demo", "--children", str(args.children), stdout=open(os.devnull, "w"))  # noqa: SIM115
        tokens = make_practitioners(args.users)
        children = children_to_look_for(2000)
        server = start_server("product", "config.wsgi:application", args, env, workdir, cleanup)
        directory = directory_path(server.url)
        plan = {
            "url": server.url,
            "tokens": tokens,
            "children": children,
            "directory_path": directory,
            "directory_queries": ["parenting", "speech", "youth club", "counselling", "early help", "housing", "sport"],
            "users": args.users,
            "spawn_rate": max(1, args.users // 10),
            "seconds": args.seconds,
            "think_min": args.think_min,
            "think_max": args.think_max,
            "seed": args.seed,
        }
        (workdir / "plan.json").write_text(json.dumps(plan))
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(max(id), 0) FROM audit_auditentry")
            first_id = cursor.fetchone()[0]
        postmaster = int(Path(exports["ISAHUB_PG_DIR"], "data", "postmaster.pid").read_text().split()[0])
        memory = {"gunicorn_start": rss_mb([server.process.pid]), "postgres_start": rss_mb([postmaster])}
        say(f"Running {args.users} users for {args.seconds} s against {server.url}")
        subprocess.run(
            [str(VENV_BIN / "python"), str(ROOT / "bench" / "load_users.py"), str(workdir / "plan.json"), str(workdir)],
            check=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        )
        memory |= {"gunicorn_end": rss_mb([server.process.pid]), "postgres_end": rss_mb([postmaster])}
        stats = json.loads((workdir / "stats.json").read_text())
        responses = [json.loads(line) for line in (workdir / "responses.jsonl").read_text().splitlines() if line]
        say(f"Checking the audit invariant over {len(responses):,} responses")
        invariant = check_invariant(responses, first_id)
        call_command("audit_seal", stdout=open(os.devnull, "w"))  # noqa: SIM115
        try:
            call_command("audit_verify", stdout=open(os.devnull, "w"))  # noqa: SIM115
            verify = "passed"
        except SystemExit as failed:
            verify = f"FAILED (exit {failed.code})"
        except Exception as failed:  # a CommandError names what is wrong
            verify = f"FAILED: {failed}"
        print_summary(args, facts, stats, invariant, memory, verify, directory)
        broken = invariant["missing"] or invariant["orphans"] or invariant["no_request_id"] or verify != "passed"
        return 1 if broken else 0
    finally:
        cleanup.run()


if __name__ == "__main__":
    sys.exit(main())
