"""The simulated practitioners for bench/load.py (Locust, headless, in its own process).

    .venv/bin/python bench/load_users.py PLAN.json RESULTS_DIR

PLAN.json (written by bench/load.py) holds the server's address, the users' tokens, the children
to search for and open, the directory queries, the number of users and the seconds to run.
Every response is logged to RESULTS_DIR/responses.jsonl: operation, status, the X-Request-ID
the server returned, and whether the body carried a child's data. Locust's own statistics go
to RESULTS_DIR/stats.json. Runs in its own process because Locust patches the standard library
with gevent, which Django and psycopg in bench/load.py must not see.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment

PLAN = json.loads(Path(sys.argv[1]).read_text())
RESULTS = Path(sys.argv[2])
LOG = open(RESULTS / "responses.jsonl", "w", buffering=1)  # noqa: SIM115 (open for the whole run)
ROLES = ("Class teacher", "School nurse", "Family support worker", "Youth worker", "Health visitor")


def log(op: str, response, carried: bool) -> None:
    LOG.write(
        json.dumps(
            {
                "op": op,
                "status": response.status_code,
                "request_id": response.headers.get("X-Request-ID", ""),
                "carried": carried,
                "error": str(response.error)[:200] if response.status_code == 0 else "",
                "at": time.time(),
            }
        )
        + "\n"
    )


class Practitioner(HttpUser):
    """A practitioner with a worry: searches, opens a record with a reason, sometimes records
    their involvement; sometimes looks up a service in the public directory."""

    wait_time = between(PLAN["think_min"], PLAN["think_max"])
    host = PLAN["url"]

    def on_start(self) -> None:
        self.rng = random.Random(PLAN["seed"] * 1000 + id(self) % 1000)
        token = PLAN["tokens"][self.environment.runner.user_count % len(PLAN["tokens"])]
        self.headers = {"Authorization": f"Bearer {token}"}
        self.found: list[str] = []  # children this user has found and may open

    @task(10)
    def search(self) -> None:
        child = self.rng.choice(PLAN["children"])
        body = {"surname": child["surname"], "date_of_birth": child["date_of_birth"]}
        if self.rng.random() < 0.5:
            body["forename"] = child["forename"]
        with self.client.post(
            "/api/v1/children/search", json=body, headers=self.headers, name="search", catch_response=True
        ) as response:
            results = response.json().get("results", []) if response.status_code == 200 else []
            log("search", response, carried=bool(results))
            if response.status_code == 200:
                self.found = [r["id"] for r in results][:3] or self.found
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")

    @task(6)
    def open_record(self) -> None:
        if not self.found:
            return self.search()
        child_id = self.rng.choice(self.found)
        headers = {**self.headers, "X-Access-Reason": "Checking who else is working with this child before a meeting"}
        with self.client.get(f"/api/v1/children/{child_id}", headers=headers, name="record", catch_response=True) as response:
            log("record", response, carried=response.status_code == 200)
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")

    @task(1)
    def register_involvement(self) -> None:
        if not self.found:
            return self.search()
        child_id = self.rng.choice(self.found)
        headers = {**self.headers, "X-Access-Reason": "Recording my involvement"}
        body = {"role": self.rng.choice(ROLES), "phone": "0300 555 0199", "email": ""}
        with self.client.post(
            f"/api/v1/children/{child_id}/involvements", json=body, headers=headers, name="involvement", catch_response=True
        ) as response:
            # A 400 (already involved) or 403 (consent needed first) is a proper answer, not an error.
            log("involvement", response, carried=False)
            if response.status_code in (201, 400, 403):
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")

    @task(3)
    def directory(self) -> None:
        if not PLAN["directory_path"]:
            return self.search()
        text = self.rng.choice(PLAN["directory_queries"])
        with self.client.get(
            PLAN["directory_path"], params={"text": text, "per_page": 10}, name="directory", catch_response=True
        ) as response:
            log("directory", response, carried=False)
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")


def main() -> int:
    # Let each user finish the step it is in when time is up, so no answer is abandoned
    # half-way (the server would have audited a response nobody logged).
    env = Environment(user_classes=[Practitioner], events=events, stop_timeout=30)
    runner = env.create_local_runner()
    runner.start(PLAN["users"], spawn_rate=PLAN["spawn_rate"])
    gevent.spawn_later(PLAN["seconds"], runner.quit)
    runner.greenlet.join()
    LOG.close()
    stats = {}
    for entry in [*env.stats.entries.values(), env.stats.total]:
        stats[entry.name] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "rps": entry.total_rps,
            "p50_ms": entry.get_response_time_percentile(0.50),
            "p95_ms": entry.get_response_time_percentile(0.95),
            "p99_ms": entry.get_response_time_percentile(0.99),
            "max_ms": entry.max_response_time,
        }
    errors = [{"name": e.name, "error": str(e.error), "occurrences": e.occurrences} for e in env.stats.errors.values()]
    (RESULTS / "stats.json").write_text(json.dumps({"stats": stats, "errors": errors}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
