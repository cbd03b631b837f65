"""A full disk: for uploads (MEDIA_ROOT on a small tmpfs) and for the database (the child
index's tables in a PostgreSQL tablespace on a small tmpfs).

When it fills, the user gets a plain 507 page or JSON error (no traceback), no partial file
and no orphan row is left, reads keep working, and writes work again once space is freed,
without a restart. Mounting a tmpfs needs root (or password-less sudo), as CI has.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError

from conftest import signed_in
from isahub.accounts.models import Role
from isahub.consent.models import SharingAgreement
from isahub.core.views import STORAGE_FULL

from .checks import HALF_WRITTEN
from .cluster import ROOT, Cluster, children_of
from .test_crash_safety import PYTHON, Harness

PDF = b"%PDF-1.4 synthetic signed copy\n"


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str, owner: str | None = None):
    path.mkdir(parents=True, exist_ok=True)
    sudo = [] if os.getuid() == 0 else ["sudo", "-n"]
    subprocess.run([*sudo, "mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)], check=True)
    try:
        if owner:
            subprocess.run([*sudo, "chown", owner, str(path)], check=True)
        yield path
    finally:
        subprocess.run([*sudo, "umount", "-l", str(path)], check=False)


def fill(directory: Path, leave: int) -> Path:
    """A filler file that leaves about `leave` bytes free."""
    filler = directory / "filler.bin"
    free = shutil.disk_usage(directory).free
    with open(filler, "wb") as out:
        out.write(b"\0" * max(free - leave, 0))
    return filler


def files_in(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file() and p.name != "filler.bin")


# --- Uploads -------------------------------------------------------------------------------


class TestUploadsOnAFullDisk:
    @pytest.fixture
    def media(self, settings, tmp_path):
        with small_tmpfs(tmp_path / "media", "1m") as media:
            settings.MEDIA_ROOT = media
            yield media

    def form(self, school, health, copy: bytes, title="Northbrook protocol"):
        return {
            "kind": "protocol",
            "title": title,
            "parties": [school.pk, health.pk],
            "starts_on": "2026-01-01",
            "access_level": "full",
            "kinds": ["involvement"],
            "signed_copy": SimpleUploadedFile("signed.pdf", copy, content_type="application/pdf"),
        }

    def test_a_full_disk_answers_507_leaves_nothing_and_recovers_when_space_is_freed(self, media, users, school, health):
        central = signed_in(users["school"][Role.CENTRAL_TEAM])
        central.raise_request_exception = False
        filler = fill(media, leave=64 * 1024)
        big_copy = PDF + b"0" * (300 * 1024)

        response = central.post("/consent/agreements/new/", self.form(school, health, big_copy))
        page = response.content.decode()
        assert response.status_code == 507
        assert "Sorry, the service has run out of space" in page and "Traceback" not in page and "Errno" not in page
        assert not SharingAgreement.objects.exists()  # no row ...
        assert files_in(media) == []  # ... and no partial or temporary file

        # Reads keep working.
        listing = central.get("/consent/agreements/")
        assert listing.status_code == 200

        # Space freed: the same process saves again, whole.
        filler.unlink()
        response = central.post("/consent/agreements/new/", self.form(school, health, big_copy))
        assert response.status_code == 302
        agreement = SharingAgreement.objects.get()
        assert files_in(media) == [agreement.signed_copy.name]
        assert (media / agreement.signed_copy.name).read_bytes() == big_copy

    def test_a_file_written_by_a_request_that_then_fails_is_removed(self, media, users, school, health, monkeypatch):
        """The upload is on disk, then the database fails (here: full) before the row commits."""
        from isahub.consent import services

        def database_full(**kwargs):
            raise OperationalError("could not extend file: No space left on device")

        monkeypatch.setattr(services, "audit_record", database_full)
        central = signed_in(users["school"][Role.CENTRAL_TEAM])
        central.raise_request_exception = False
        response = central.post("/consent/agreements/new/", self.form(school, health, PDF))
        assert response.status_code in (500, 503)
        assert "Traceback" not in response.content.decode()
        assert not SharingAgreement.objects.exists()
        assert files_in(media) == []

    def test_a_full_disk_through_the_storage_alone_leaves_no_partial_file(self, media):
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from isahub.core.storage import StorageFull

        fill(media, leave=16 * 1024)
        with pytest.raises(StorageFull):
            default_storage.save("agreements/2026/big.pdf", ContentFile(b"x" * (200 * 1024)))
        assert files_in(media) == []


# --- The database's tablespace ---------------------------------------------------------------

# The child index's tables and their indexes go to the small tablespace; the audit trail,
# sessions and the rest stay on the main disk (see docs/reliability.md for the other case).
SMALL_TABLES = [
    "children_child",
    "children_childname",
    "children_childaddress",
    "children_childidentifier",
    "children_searchkey",
    "involvements_involvement",
]


def api(url: str, token: str, method: str = "GET", body: dict | None = None, headers: dict | None = None):
    request = urllib.request.Request(  # noqa: S310  # loopback URL built by the test
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})},
        method=method,
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def child(number: int) -> dict:
    return {
        "given_names": "Isla",
        "family_name": "Okafor",
        "date_of_birth": "2016-05-04",
        "address_line_1": f"{number} Tablespace Road",
        "town": "Northbrook",
        "postcode": "NB1 4AA",
    }


def test_a_full_database_tablespace_answers_507_keeps_reads_and_recovers_without_a_restart(tmp_path):
    cluster = Cluster.start()  # durable: config.wsgi refuses fsync=off
    h = Harness(tmp_path, cluster, seed=0)
    try:
        # Outside pytest's private temporary folder, which the postgres user cannot enter.
        mount_point = Path(tempfile.mkdtemp(prefix="isahub-tablespace-"))
        with small_tmpfs(mount_point, "24m", owner="postgres" if os.getuid() == 0 else None) as space:
            with cluster.connect() as conn:
                conn.execute(f"CREATE TABLESPACE small LOCATION '{space}'")
            assert h.manage("migrate", "--no-input").returncode == 0
            setup = subprocess.run(
                [PYTHON, "-m", "tests.durability.workload", "setup", str(tmp_path)], cwd=ROOT, env=h.env, check=False
            )
            assert setup.returncode == 0
            with cluster.connect() as conn:
                for table in SMALL_TABLES:
                    conn.execute(f"ALTER TABLE {table} SET TABLESPACE small")
                    for (index,) in conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table]).fetchall():
                        conn.execute(f'ALTER INDEX "{index}" SET TABLESPACE small')
            tokens = json.loads((tmp_path / "tokens.json").read_text())
            manager = tokens["manager"]
            h.start_gunicorn()
            worker = children_of(h.processes["gunicorn"].pid)
            url = f"{h.url}/api/v1/children"

            status, body = api(url, manager, "POST", child(0))
            assert status == 201, body
            first = json.loads(body)["id"]

            # Fill the tablespace with another table until PostgreSQL says the disk is full.
            with cluster.connect() as conn:
                conn.execute("CREATE TABLE filler (x text) TABLESPACE small")
                with pytest.raises(psycopg.errors.DiskFull):
                    for _ in range(10_000):
                        conn.execute("INSERT INTO filler SELECT repeat('x', 1500) FROM generate_series(1, 500)")

            # Writes: refused with a plain 507 once no page is left (a few may still fit).
            created, refusal = 1, None
            for number in range(1, 400):
                status, body = api(url, manager, "POST", child(number))
                if status == 201:
                    created += 1
                    continue
                refusal = (status, body)
                break
            assert refusal is not None, "the database never filled up"
            status, body = refusal
            assert status == 507, body
            assert json.loads(body)["detail"] == STORAGE_FULL and "Traceback" not in body and "extend" not in body

            with cluster.connect() as conn:
                # No orphan rows: every child whole, as many as were acknowledged.
                for problem, sql in HALF_WRITTEN.items():
                    assert conn.execute(sql).fetchall() == [], problem
                assert conn.execute("SELECT count(*) FROM children_child").fetchone()[0] == created

            # Reads keep working (the record view's audit row goes to the main disk).
            status, body = api(f"{url}/{first}", manager, headers={"X-Access-Reason": "Checking the record"})
            assert status == 200 and "Okafor" in body, body
            assert api(f"{h.url}/api/v1/health", manager)[0] == 200

            # Space freed: the same server process writes again, no restart.
            with cluster.connect() as conn:
                conn.execute("DROP TABLE filler")
            status, body = api(url, manager, "POST", child(999))
            assert status == 201, body
            assert children_of(h.processes["gunicorn"].pid) == worker, "the worker was restarted"
            h.log(f"tablespace full after {created} children: 507 {STORAGE_FULL!r}; reads 200; writes 201 after freeing")
            with cluster.connect() as conn:
                for table in SMALL_TABLES:  # so the tablespace can be unmounted
                    conn.execute(f"ALTER TABLE {table} SET TABLESPACE pg_default")
    finally:
        h.stop()
        cluster.stop()
        with contextlib.suppress(OSError):
            mount_point.rmdir()
