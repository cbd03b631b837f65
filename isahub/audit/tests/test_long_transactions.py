"""A hole in the audit ids held by a transaction that is still running is not sealed over.

On PostgreSQL two transactions run at once: the first draws an id and keeps running (a long
feed load, say) while the second commits a later row. However long ago that later row was
written, the sealer must wait for the first: sealing the hole as "never committed" would make
its row, once committed, look like tampering."""

import threading

import pytest
from django.db import connection, transaction

from isahub.audit import sealing
from isahub.audit.models import AuditSeal
from isahub.audit.sealing import chain_head, seal_pending
from isahub.audit.services import audit_record
from isahub.audit.verification import verify_chain

pytestmark = pytest.mark.django_db(transaction=True)


def write_one(name: str) -> int:
    with transaction.atomic():
        return audit_record(action="auth.login_failed", actor_username=name).pk


class LongTransaction(threading.Thread):
    """Writes one audit row on its own connection, then waits to be told to commit or roll back."""

    def __init__(self, *, commit: bool) -> None:
        super().__init__(daemon=True)
        self.commit, self.written, self.finish = commit, threading.Event(), threading.Event()
        self.row_id: int | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction.atomic():
                self.row_id = audit_record(action="auth.login_failed", actor_username="long-load").pk
                self.written.set()
                self.finish.wait(30)
                if not self.commit:
                    transaction.set_rollback(True)
        except BaseException as error:  # reported by the test, never swallowed
            self.error = error
        finally:
            self.written.set()
            connection.close()

    def end(self) -> None:
        self.finish.set()
        self.join(30)
        assert self.error is None, self.error


def start_long_transaction(*, commit: bool) -> LongTransaction:
    long = LongTransaction(commit=commit)
    long.start()
    assert long.written.wait(30) and long.error is None
    return long


def test_the_sealer_waits_for_a_running_transaction_then_seals_its_row():
    if connection.vendor != "postgresql":
        # SQLite has one writer at a time, so no later row can commit while a hole is open.
        assert sealing._hole_is_final(1)
        return
    write_one("before")
    seal_pending(grace_seconds=0)
    long = start_long_transaction(commit=True)
    later = write_one("after")  # committed, with a hole before it
    seal_pending(grace_seconds=0)  # the grace is over: only the running writer holds it back
    assert chain_head()["last_sealed_id"] < long.row_id < later
    long.end()
    assert seal_pending(grace_seconds=0) == 2
    assert AuditSeal.objects.order_by("-id").first().missing_ids == ""
    report = verify_chain()
    assert report.ok, report.problems


def test_the_hole_of_a_rolled_back_transaction_is_sealed_once_it_has_ended():
    if connection.vendor != "postgresql":
        assert sealing._hole_is_final(1)
        return
    write_one("before")
    seal_pending(grace_seconds=0)
    long = start_long_transaction(commit=False)
    later = write_one("after")
    assert seal_pending(grace_seconds=0) == 0
    long.end()
    assert seal_pending(grace_seconds=0) == 1
    seal = AuditSeal.objects.order_by("-id").first()
    assert seal.last_id == later and str(long.row_id) in seal.missing_ids
    assert verify_chain().ok
