"""The writers of the crash-safety harness, each a separate process with its own connections.

    python -m tests.durability.workload setup   WORKDIR      users, agencies and API tokens
    python -m tests.durability.workload service WORKDIR NAME SEED   through the product's services
    python -m tests.durability.workload http    WORKDIR NAME SEED URL   through the API, over HTTP
    python -m tests.durability.workload feed    WORKDIR NAME SEED   school-roll extracts through feed_import
    python -m tests.durability.workload auditor WORKDIR   audit_seal then audit_verify, per line read

Every write is journalled outside the database, fsynced: `A kind token` before it is
attempted and `K kind token` once it is acknowledged (the service returned after its
commit, or the API answered 201). The token is written into the record (a child's first
address line, an involvement's role), so the checks can match records to the journal.
Writers stop when WORKDIR/stop exists.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

CHILD_PREFIX = "Durable Road "
ROLE_PREFIX = "Durable role "
LOAD_PREFIX = "durable-load "  # a feed load's file name
ROWS_PER_LOAD = 4
PRACTITIONERS = [f"durable-practitioner-{i}" for i in range(6)]


class Journal:
    """An append-only file, fsynced after every line."""

    def __init__(self, path: Path) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def write(self, mark: str, kind: str, token: str) -> None:
        os.write(self.fd, f"{mark} {kind} {token}\n".encode())
        os.fsync(self.fd)


def read_journals(workdir: Path) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Tokens attempted and tokens acknowledged, by kind ("child", "involvement")."""
    attempted: dict[str, set[str]] = {"child": set(), "involvement": set(), "load": set()}
    acknowledged: dict[str, set[str]] = {"child": set(), "involvement": set(), "load": set()}
    for path in sorted(workdir.glob("journal-*.log")):
        for line in path.read_text().splitlines():
            parts = line.split(" ")
            if len(parts) != 3:
                continue  # a line torn by a crash of the writer itself; never happens to K lines we rely on
            mark, kind, token = parts
            (attempted if mark == "A" else acknowledged)[kind].add(token)
    return attempted, acknowledged


def in_flight(workdir: Path, name: str) -> bool:
    """Whether the writer's last journal line is an attempt not yet acknowledged."""
    path = workdir / f"journal-{name}.log"
    if not path.exists():
        return False
    lines = path.read_text().splitlines()
    return bool(lines) and lines[-1].startswith("A ")


def _django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()


def new_child(token: str, rng: random.Random) -> dict:
    """A synthetic child whose first address line carries the journal token."""
    return {
        "given_names": rng.choice(["Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo"]),
        "family_name": rng.choice(["Hartley", "Okafor", "Nowak", "Patel", "Byrne"]),
        "date_of_birth": dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(3000)),
        "sex": "unknown",
        "address_line_1": f"{CHILD_PREFIX}{token}",
        "town": "Northbrook",
        "postcode": "NB1 4AA",
    }


def setup(workdir: Path) -> None:
    """Agencies, a data manager and practitioners (vetted), and API tokens for the HTTP writer."""
    _django()
    from django.db import transaction

    from isahub.accounts.models import Role
    from isahub.accounts.services import api_token_create
    from isahub.accounts.tests.factories import AgencyFactory, UserFactory

    with transaction.atomic():
        council = AgencyFactory(name="Durable Borough Council", kind="social_care")
        school = AgencyFactory(name="Durable Primary School")
        manager = UserFactory(username="durable-data-manager", role=Role.DATA_MANAGER, agency=council)
        feed_school = AgencyFactory(name="Durable Feed School", kind="school")
        UserFactory(username="durable-feed-manager", role=Role.DATA_MANAGER, agency=feed_school)
        people = [
            UserFactory(username=name, role=Role.PRACTITIONER, agency=(school, council)[i % 2])
            for i, name in enumerate(PRACTITIONERS)
        ]
    tokens = {"manager": api_token_create(user=manager, name="durability")[1]}
    tokens["practitioner"] = api_token_create(user=people[0], name="durability")[1]
    (workdir / "tokens.json").write_text(json.dumps(tokens))


def _database_error(error: BaseException | None) -> bool:
    """A database error, or an error caused by one (policy fails closed with its own)."""
    from django.db import DatabaseError, InterfaceError

    while error is not None:
        if isinstance(error, DatabaseError | InterfaceError):
            return True
        error = error.__cause__ or error.__context__
    return False


def service_writer(workdir: Path, name: str, seed: int) -> None:
    """Children, and two involvements on each acknowledged child, through the services."""
    _django()
    from django.db import connection
    from django.utils import timezone

    from isahub.accounts.models import User
    from isahub.children.services import NewChild, child_create
    from isahub.involvements.services import involvement_register

    rng = random.Random(seed)
    journal = Journal(workdir / f"journal-{name}.log")
    sequence = 0
    manager = practitioners = None
    while not (workdir / "stop").exists():
        sequence += 1
        token = f"{name}.{sequence}"
        try:
            if manager is None:
                manager = User.objects.select_related("agency").get(username="durable-data-manager")
                practitioners = list(User.objects.select_related("agency").filter(username__in=PRACTITIONERS))
            journal.write("A", "child", token)
            child = child_create(actor=manager, details=NewChild(**new_child(token, rng)))
            journal.write("K", "child", token)
            for number, practitioner in enumerate(rng.sample(practitioners, 2)):
                involvement_token = f"{token}.{number}"
                journal.write("A", "involvement", involvement_token)
                involvement_register(
                    actor=practitioner,
                    child=child,
                    role=f"{ROLE_PREFIX}{involvement_token}",
                    phone="01632 960000",
                    started_on=timezone.localdate(),
                )
                journal.write("K", "involvement", involvement_token)
        except Exception as error:
            if not _database_error(error):
                raise
            # The database went away mid-write: the attempt stays unacknowledged.
            with contextlib.suppress(Exception):  # the connection is already broken
                connection.close()
            time.sleep(0.2)


def feed_writer(workdir: Path, name: str, seed: int) -> None:
    """School-roll extracts of ROWS_PER_LOAD new pupils each, through the feed loader (one
    transaction per load: its children, source records, review items and audit rows)."""
    _django()
    from django.db import connection

    from isahub.accounts.models import User
    from isahub.feeds.services import feed_import
    from isahub.feeds.tests.factories import as_csv, pupil

    rng = random.Random(seed)
    journal = Journal(workdir / f"journal-{name}.log")
    sequence = 0
    manager = None
    while not (workdir / "stop").exists():
        sequence += 1
        token = f"{name}.{sequence}"
        rows = [
            pupil(
                (sequence * ROWS_PER_LOAD + n) % 1_000_000,  # a valid UPN and NHS number for each pupil
                source_id=f"{token}-{n}",
                given_names=rng.choice(["Rowan", "Tamsin", "Idris", "Zainab", "Cormac"]),
                family_name=rng.choice(["Feeney", "Loader", "Rollins", "Extract"]),
                date_of_birth=(dt.date(2011, 1, 1) + dt.timedelta(days=rng.randrange(3000))).isoformat(),
                address_line_1=f"Feed Lane {token}-{n}",
            )
            for n in range(ROWS_PER_LOAD)
        ]
        try:
            if manager is None:
                manager = User.objects.select_related("agency").get(username="durable-feed-manager")
            journal.write("A", "load", token)
            load = feed_import(
                actor=manager,
                agency=manager.agency,
                feed_type="school_roll",
                file_name=f"{LOAD_PREFIX}{token}",
                data=as_csv(rows),
            )
            if load.status == "loaded":
                journal.write("K", "load", token)
        except Exception as error:
            if not _database_error(error):
                raise
            with contextlib.suppress(Exception):
                connection.close()
            time.sleep(0.2)


def _post(url: str, token: str, body: dict, headers: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310  # loopback URL built by the harness
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {}


def http_writer(workdir: Path, name: str, seed: int, base_url: str) -> None:
    """Children, and the practitioner's own involvement on each, through the API."""
    rng = random.Random(seed)
    tokens = json.loads((workdir / "tokens.json").read_text())
    journal = Journal(workdir / f"journal-{name}.log")
    sequence = 0
    while not (workdir / "stop").exists():
        sequence += 1
        token = f"{name}.{sequence}"
        child = new_child(token, rng)
        body = {**child, "date_of_birth": child["date_of_birth"].isoformat()}
        try:
            journal.write("A", "child", token)
            status, created = _post(f"{base_url}/api/v1/children", tokens["manager"], body)
            if status != 201:
                time.sleep(0.1)
                continue
            journal.write("K", "child", token)
            involvement_token = f"{token}.0"
            journal.write("A", "involvement", involvement_token)
            status, _ = _post(
                f"{base_url}/api/v1/children/{created['id']}/involvements",
                tokens["practitioner"],
                {"role": f"{ROLE_PREFIX}{involvement_token}", "phone": "01632 960001"},
                {"X-Access-Reason": "Recording my involvement"},
            )
            if status == 201:
                journal.write("K", "involvement", involvement_token)
        except (OSError, ValueError):
            # Connection refused or reset: the server was killed mid-request.
            time.sleep(0.1)


def auditor() -> None:
    """For each line GRACE on standard input (empty: the setting), `audit_seal` as the sealer
    would, then `audit_verify`; answers one line, "OK: …" or "FAILED: …". One long-lived
    process, so a check after each crash does not pay for Django's start-up."""
    _django()
    import io

    from django.core.management import CommandError, call_command
    from django.db import connections

    for line in sys.stdin:
        grace = line.strip()
        connections.close_all()  # the last crash broke them
        out = io.StringIO()
        try:
            call_command("audit_seal", *(["--grace", grace] if grace else []), stdout=io.StringIO())
            call_command("audit_verify", stdout=out)
            answer = out.getvalue().strip().splitlines()[-1]
        except CommandError as error:
            answer = f"FAILED: {error} {' | '.join(out.getvalue().splitlines()[:20])}"
        except Exception as error:
            answer = f"FAILED: {type(error).__name__}: {error}"
        print(answer.replace("\n", " "), flush=True)


if __name__ == "__main__":
    mode, workdir = sys.argv[1], Path(sys.argv[2])
    if mode == "setup":
        setup(workdir)
    elif mode == "auditor":
        auditor()
    elif mode == "service":
        service_writer(workdir, sys.argv[3], int(sys.argv[4]))
    elif mode == "feed":
        feed_writer(workdir, sys.argv[3], int(sys.argv[4]))
    elif mode == "http":
        http_writer(workdir, sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        raise SystemExit(f"unknown mode {mode}")
