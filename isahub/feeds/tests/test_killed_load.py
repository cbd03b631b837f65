"""A load killed half-way (SIGKILL: no exception handler, no clean-up) leaves the database as
it was. The command runs in its own process on a database file of its own."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from .factories import as_csv, pupil

ROOT = Path(__file__).resolve().parents[3]
NAMES = [
    "Ada",
    "Ben",
    "Cal",
    "Dev",
    "Eli",
    "Fay",
    "Gus",
    "Hal",
    "Ivy",
    "Jon",
    "Kit",
    "Lou",
    "Max",
    "Ned",
    "Oscar",
    "Pia",
    "Quin",
    "Rex",
    "Sam",
    "Tom",
    "Uma",
    "Vic",
    "Wyn",
    "Xan",
    "Yas",
    "Zac",
]

SET_UP = """
from isahub.accounts.models import Agency, User
school = Agency.objects.create(name="Riverside Primary School", kind="school")
User.objects.create(username="dm", role="data_manager", agency=school)
"""


def _manage(env, *args, **kwargs):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, **kwargs)  # noqa: S603


def _counts(db: Path) -> tuple:
    with sqlite3.connect(db) as connection:
        return tuple(
            connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 (constant names)
            for table in ("children_child", "children_childaddress", "feeds_feedload", "feeds_sourcerecord", "audit_auditentry")
        )


def test_a_killed_load_leaves_nothing_behind(tmp_path):
    db = tmp_path / "killed.sqlite3"
    env = os.environ | {
        "ISAHUB_SQLITE_PATH": str(db),
        "ISAHUB_DB_ENGINE": "sqlite",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    _manage(env, "migrate", "-v0")
    _manage(env, "shell", "-c", SET_UP)
    rows = [
        pupil(
            n,
            given_names=NAMES[n % 26],
            family_name=f"Family{chr(65 + n // 26 % 26)}{chr(65 + n % 7)}",
            date_of_birth=f"201{n % 8}-0{n % 9 + 1}-1{n % 9}",
        )
        for n in range(1, 161)
    ]
    extract = tmp_path / "roll.csv"
    extract.write_bytes(as_csv(rows))
    before = _counts(db)
    command = [
        sys.executable,
        "manage.py",
        "import_feed",
        str(extract),
        "--type",
        "school_roll",
        "--agency",
        "Riverside Primary School",
        "--user",
        "dm",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # noqa: S603
    assert process.stdout is not None
    seen = b""
    deadline = time.monotonic() + 120
    while b"100/" not in seen and time.monotonic() < deadline:
        chunk = process.stdout.read1(4096)
        if not chunk:
            break
        seen += chunk
    assert b"100/" in seen, (seen[-500:], process.stderr.read() if process.stderr else b"")
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    # A hundred rows were written inside the transaction; none of them survived the kill.
    assert _counts(db) == before
    done = _manage(
        env, "import_feed", str(extract), "--type", "school_roll", "--agency", "Riverside Primary School", "--user", "dm"
    )
    assert b"Loaded" in done.stdout
    children, addresses, loads, _, _ = _counts(db)
    assert loads == 1 and children > 100 and addresses == children
