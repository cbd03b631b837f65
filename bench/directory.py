"""Benchmark of the public service directory: search page and ORUK /services latency under load.

    .venv/bin/python bench/directory.py --help
    .venv/bin/python bench/directory.py                                   # 10,000 services, PostgreSQL, 100 clients
    .venv/bin/python bench/directory.py --engine sqlite --services 200 --organisations 40 \
        --requests 60 --concurrency 4 --workers 1                         # a smoke run (seconds)

1. Build: a fresh database (a durable PostgreSQL from bin/postgres, or a temporary SQLite
   file), migrated with `manage.py migrate`; the synthetic directory from the product's own
   generator (`isahub.directory.demo.generate_directory`: organisations, services with
   locations, schedules, languages and taxonomy terms; keyword index built by `index_services`).
2. Serve: gunicorn on loopback with `config.wsgi` (production settings on PostgreSQL, through
   bench/directory_settings.py, which only serves static files unhashed; the local settings
   on SQLite, which production refuses), the ORUK rate limit lifted.
3. Load: a seeded mix of real queries (keywords with and without typos, postcodes with and
   without a distance, needs, service types, Assessment Framework domains, ages, and
   combinations), sent by client processes with keep-alive connections: first one client
   (latency without queueing), then `--concurrency` clients at once. Each phase runs the
   public search page, ORUK `/services` with the same filters, and a baseline in the same
   run: the static glossary page (the framework, middleware and template cost without a search).
4. Prints p50/p95/p99, throughput and errors per phase, with the machine, the scale and the
   command; `--json` writes them too. Figures belong in docs/performance.md.

Targets (issue 7): public search p95 at 10,000 services and 100 concurrent requests, and ORUK
/services p95, on PostgreSQL. Nothing here is asserted: the numbers are reported.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent

KEYWORDS = [
    "counselling", "conselling", "parenting", "parent course", "speech", "speach therapy", "housing", "debt advice",
    "youth club", "bullying", "autism", "young carers", "domestic abuse", "breakfast", "mental health", "bereavement",
    "food bank", "nursery", "health visitor", "drugs alcohol", "mentoring", "sexual health", "stay and play",
]  # fmt: skip


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine_facts() -> dict[str, str]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    mem = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M)
    return {
        "cpus": str(os.cpu_count()),
        "cpu": model.group(1).strip() if model else "unknown",
        "memory": f"{int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "unknown",
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def start_postgres() -> tuple[dict[str, str], str]:
    out = subprocess.run([str(ROOT / "bin" / "postgres"), "start", "--durable"], capture_output=True, text=True, check=False)
    exports = {}
    for line in out.stdout.splitlines():
        if line.startswith("export "):
            for pair in line[len("export ") :].split():
                key, _, value = pair.partition("=")
                exports[key] = value
    if out.returncode != 0 or "PGPORT" not in exports:
        raise RuntimeError(f"bin/postgres start failed: {out.stderr.strip()}")
    return exports, exports["ISAHUB_PG_DIR"]


def build(args, env: dict[str, str]) -> dict:
    """Migrate and load the synthetic directory (in this process, with Django)."""
    os.environ.update(env)
    say("Migrating")
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], cwd=ROOT, env=os.environ.copy(), check=True
    )
    import django

    django.setup()
    from isahub.directory.demo import generate_directory
    from isahub.directory.models import Postcode, TaxonomyTerm, Vocabulary

    say(f"Generating {args.services:,} services from {args.organisations:,} organisations")
    began = time.perf_counter()
    counts = generate_directory(organisations=args.organisations, services=args.services, seed=args.seed)
    built = time.perf_counter() - began
    say(f"Built in {built:.1f} s: {counts}")
    vocab = {
        v: [str(pk) for pk in TaxonomyTerm.objects.filter(taxonomy__vocabulary=v).values_list("pk", flat=True)]
        for v in (Vocabulary.SERVICE_TYPE, Vocabulary.NEED, Vocabulary.ASSESSMENT_FRAMEWORK)
    }
    postcodes = list(Postcode.objects.values_list("postcode", flat=True))
    from django.db import connections

    connections.close_all()
    return {"counts": counts, "build_seconds": built, "vocab": vocab, "postcodes": postcodes}


def query_mix(data: dict, n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    types, needs, framework = data["vocab"]["service_type"], data["vocab"]["need"], data["vocab"]["assessment_framework"]
    queries = []
    for _ in range(n):
        q: dict = {}
        shape = rng.random()
        if shape < 0.35:
            q["q"] = rng.choice(KEYWORDS)
        if 0.25 < shape < 0.8:
            q["postcode"] = rng.choice(data["postcodes"])
            if rng.random() < 0.5:
                q["within"] = rng.choice(["1", "3", "5"])
        if rng.random() < 0.3:
            q["need"] = rng.choice(needs)
        if rng.random() < 0.2:
            q["type"] = rng.choice(types)
        if rng.random() < 0.1:
            q["domain"] = rng.choice(framework)
        if rng.random() < 0.25:
            q["age"] = str(rng.randint(0, 18))
        if not q:
            q["q"] = rng.choice(KEYWORDS)
        queries.append(q)
    return queries


def page_path(q: dict) -> str:
    return "/directory/?" + urlencode(q)


def oruk_path(q: dict) -> str:
    params: dict = {"per_page": 50}
    if "q" in q:
        params["text"] = q["q"]
    if "postcode" in q:
        params["postcode"] = q["postcode"]
        if "within" in q:
            params["proximity"] = int(float(q["within"]) * 1609)
    terms = [q[k] for k in ("need", "type", "domain") if k in q]
    if terms:
        params["taxonomy_term_id"] = terms[0]
    if "age" in q:
        params["minimum_age"] = params["maximum_age"] = q["age"]
    return "/api/oruk/services?" + urlencode(params)


def _client(port: int, paths: list[str], threads: int, results) -> None:
    """One client process: `threads` threads, each with its own keep-alive connection."""
    import threading

    lock = threading.Lock()
    todo = list(paths)
    latencies: list[float] = []
    errors = [0]

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not todo:
                    break
                path = todo.pop()
            began = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Host": "127.0.0.1", "X-Forwarded-Proto": "https"})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors[0] += 1
        connection.close()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.put((latencies, errors[0]))


def load(port: int, paths: list[str], concurrency: int, processes: int) -> dict:
    processes = max(1, min(processes, concurrency))
    per = [paths[i::processes] for i in range(processes)]
    threads = [concurrency // processes + (1 if i < concurrency % processes else 0) for i in range(processes)]
    results: multiprocessing.Queue = multiprocessing.Queue()
    began = time.perf_counter()
    workers = [multiprocessing.Process(target=_client, args=(port, per[i], threads[i], results)) for i in range(processes)]
    for worker in workers:
        worker.start()
    latencies: list[float] = []
    errors = 0
    for _ in workers:
        got, bad = results.get()
        latencies += got
        errors += bad
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))] if latencies else float("nan")

    return {
        "requests": len(paths),
        "errors": errors,
        "seconds": round(seconds, 2),
        "per_second": round(len(latencies) / seconds, 1) if seconds else 0,
        "p50_ms": round(pct(50), 1),
        "p95_ms": round(pct(95), 1),
        "p99_ms": round(pct(99), 1),
    }


def serve(args, env: dict[str, str], workdir: Path):
    port = free_port()
    log = open(workdir / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the server
    command = [
        str(VENV_BIN / "gunicorn"), "config.wsgi", "--chdir", str(ROOT), "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers), "--threads", str(args.threads), "--log-level", "warning",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {(workdir / 'gunicorn.log').read_text()[-2000:]}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/oruk/", headers={"X-Forwarded-Proto": "https"})
            if connection.getresponse().status == 200:
                return process, port, log
        except OSError:
            time.sleep(0.5)
    process.terminate()
    raise RuntimeError("gunicorn did not answer within 60 s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--services", type=int, default=10_000, help="services to generate (default 10,000)")
    parser.add_argument("--organisations", type=int, default=800, help="organisations to generate (default 800)")
    parser.add_argument("--requests", type=int, default=3000, help="requests per phase under load (default 3,000)")
    parser.add_argument("--single", type=int, default=200, help="requests per phase with one client (default 200)")
    parser.add_argument("--concurrency", type=int, default=100, help="clients at once (default 100)")
    parser.add_argument("--client-processes", type=int, default=4, help="processes the clients are spread over (default 4)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="isahub-bench-directory-"))
    pg_dir = None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "ISAHUB_DB", "DJANGO_"))}
    env["ISAHUB_ORUK_RATE_LIMIT_PER_MINUTE"] = "100000000"
    env["ISAHUB_LOG_LEVEL"] = "WARNING"
    if args.engine == "postgresql":
        say("Starting a durable PostgreSQL (bin/postgres start --durable)")
        exports, pg_dir = start_postgres()
        env.update(exports)
        # config.wsgi serves production settings; loopback has no TLS proxy, so say it is https.
        env.update({"DJANGO_SETTINGS_MODULE": "bench.directory_settings", "DJANGO_SECRET_KEY": "b" * 64,
                    "DJANGO_ALLOWED_HOSTS": "127.0.0.1"})  # fmt: skip
    else:
        env.update({"ISAHUB_DB_ENGINE": "sqlite", "ISAHUB_SQLITE_PATH": str(workdir / "bench.sqlite3"),
                    "DJANGO_SETTINGS_MODULE": "config.settings.local"})  # fmt: skip
    server = None
    try:
        data = build(args, env)
        mix = query_mix(data, args.requests, args.seed)
        single = query_mix(data, args.single, args.seed + 1)
        say(f"Serving with gunicorn: {args.workers} workers x {args.threads} threads")
        server, port, log = serve(args, env, workdir)
        phases = {
            "search page": [page_path(q) for q in mix],
            "ORUK /services": [oruk_path(q) for q in mix],
            "baseline: glossary page": ["/directory/glossary/"] * args.requests,
        }
        results: dict = {"one client": {}, f"{args.concurrency} clients": {}}
        say("Warming up")
        load(port, [page_path(q) for q in single[:50]] + [oruk_path(q) for q in single[:50]], 4, 1)
        for label, paths in phases.items():
            first = paths[: args.single] if label.startswith("baseline") else (
                [page_path(q) for q in single] if label == "search page" else [oruk_path(q) for q in single])  # fmt: skip
            say(f"{label}: one client, {len(first)} requests")
            results["one client"][label] = load(port, first, 1, 1)
            say(f"{label}: {args.concurrency} clients, {len(paths)} requests")
            results[f"{args.concurrency} clients"][label] = load(port, paths, args.concurrency, args.client_processes)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if pg_dir:
            subprocess.run([str(ROOT / "bin" / "postgres"), "stop", pg_dir], check=False)

    report = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_facts(),
        "engine": args.engine,
        "scale": data["counts"],
        "build_seconds": round(data["build_seconds"], 1),
        "server": f"gunicorn {args.workers} workers x {args.threads} threads",
        "results": results,
    }
    print()
    counts = data["counts"]
    print(f"Directory benchmark – {args.engine}, {counts['services']:,} services, {counts['organisations']:,} organisations")
    print(f"Machine: {report['machine']}")
    print(f"Command: {report['command']}")
    columns = ("requests", "errors", "per_second", "p50_ms", "p95_ms", "p99_ms")
    for phase, rows in results.items():
        print(f"\n{phase}:")
        print(f"  {'endpoint':<26} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for label, r in rows.items():
            print(f"  {label:<26} " + " ".join(f"{r[c]:>{6 if c == 'errors' else 8}}" for c in columns))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
