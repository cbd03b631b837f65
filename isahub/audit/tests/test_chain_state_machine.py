"""The audit chain as a hypothesis state machine.

Hypothesis appends rows (some in transactions that roll back, some leaving holes), seals in
batches of any size and verifies after every step; an untouched chain always verifies, with
every sealed row checked and every unsealed row counted. At any step it may also tamper with
the sealed history the way someone with database access would (edit one field, delete a row,
swap two rows, insert a row into a sealed hole, truncate the tail with its seals), and
verification must name exactly that tampering. Each tampering happens inside a savepoint that
is rolled back afterwards, so the machine carries on from an honest chain.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from isahub.audit.canonical import parse_id_ranges
from isahub.audit.models import AuditEntry, AuditSeal
from isahub.audit.sealing import chain_head, seal_pending
from isahub.audit.services import audit_record
from isahub.audit.verification import verify_chain

from .tampering import swap_rows, tamper

ACTIONS = ["auth.login", "auth.login_failed", "child.viewed", "child.searched", "involvement.registered"]
# Text a row may carry: separators, quotes, non-ASCII and the unit separator the canonical form uses.
TEXT = st.text(alphabet=st.sampled_from("ab Zé'✓\x1f{}:,\"-"), max_size=12)
# How often each kind of tampering was tried and found, across the whole run.
TRIED: collections.Counter[str] = collections.Counter()
EDITABLE = ["created_at", "request_id", "actor_username", "action", "outcome", "target_id", "child_id", "reason", "details"]


def kinds(report) -> set[tuple[str, int | None]]:
    return {(p.kind, p.row_id) for p in report.problems}


class AuditChain(RuleBasedStateMachine):
    """Model: the ids written and committed, and how far the chain is sealed."""

    def __init__(self) -> None:
        super().__init__()
        # Every example runs in a transaction that is rolled back: the next starts empty.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.counter = itertools.count()
        self.written: list[int] = []
        self.sealed_up_to = AuditSeal.objects.order_by("-id").values_list("last_id", flat=True).first() or 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- honest work -------------------------------------------------------------------------

    def _append(self, action: str, username: str, reason: str, details: dict) -> int:
        # The counter makes every row's content unique, so a swap of two rows always shows.
        entry = audit_record(
            action=action,
            actor_username=f"{username}#{next(self.counter)}",
            reason=reason,
            target_id=str(len(self.written)),
            details=details,
        )
        return entry.pk

    @initialize(before=st.integers(1, 4), after=st.integers(0, 4), batch_size=st.integers(1, 8))
    def start_with_a_sealed_history(self, before, after, batch_size):
        """Sealed rows with a hole among them from the start, so every kind of tampering is
        possible from the first step."""
        self.append([("auth.login", "start", "", {})] * before)
        self.append_leaving_a_hole()
        if after:
            self.append([("auth.logout", "start", "", {})] * after)
        self.seal(batch_size)

    @rule(
        rows=st.lists(
            st.tuples(st.sampled_from(ACTIONS), TEXT, TEXT, st.dictionaries(TEXT, TEXT, max_size=2)), min_size=1, max_size=4
        )
    )
    def append(self, rows):
        with transaction.atomic():
            self.written.extend(self._append(*row) for row in rows)

    @rule(reason=TEXT)
    def append_rolled_back(self, reason):
        """Work that fails takes its audit row with it (PostgreSQL leaves a hole in the ids)."""
        with pytest.raises(RuntimeError), transaction.atomic():
            self._append("auth.login_failed", "rolled-back", reason, {})
            raise RuntimeError("the work failed")

    @rule()
    def append_leaving_a_hole(self):
        """A row gone before it was sealed: the sealer records its id as never committed."""
        with transaction.atomic():
            row_id = self._append("auth.login", "gone", "", {})
        tamper("DELETE FROM audit_auditentry WHERE id = %s", [row_id])

    @rule(batch_size=st.integers(1, 8))
    def seal(self, batch_size):
        seal_pending(batch_size=batch_size, grace_seconds=0)
        last = AuditSeal.objects.order_by("-id").values_list("last_id", flat=True).first()
        assert last is None or last >= max(self.written, default=0), "grace 0 seals every committed row"
        self.sealed_up_to = last or 0

    @invariant()
    def honest_chain_verifies(self):
        report = verify_chain()
        assert report.ok, [p.message for p in report.problems]
        sealed = [i for i in self.written if i <= self.sealed_up_to]
        assert report.rows_checked == len(sealed)
        assert report.unsealed_rows == len(self.written) - len(sealed)

    # --- tampering, each undone by rolling back its savepoint --------------------------------

    def sealed_rows(self) -> list[int]:
        return [i for i in self.written if i <= self.sealed_up_to]

    def _tampered(self, do, expected, *, expect_head: str | None = None) -> None:
        savepoint = transaction.savepoint()
        try:
            do()
            report = verify_chain(expect_head=expect_head)
            assert kinds(report) == expected, [p.message for p in report.problems]
            TRIED.update({kind for kind, _ in expected})
        finally:
            transaction.savepoint_rollback(savepoint)

    @precondition(lambda self: self.sealed_rows())
    @rule(pick=st.integers(0, 10_000), column=st.sampled_from(EDITABLE))
    def edit_a_field(self, pick, column):
        target = self.sealed_rows()[pick % len(self.sealed_rows())]
        if column == "created_at":
            value = AuditEntry.objects.get(pk=target).created_at + dt.timedelta(microseconds=1)
        elif column == "outcome":
            value = "refused" if AuditEntry.objects.get(pk=target).outcome != "refused" else "success"
        else:
            value = f"{getattr(AuditEntry.objects.get(pk=target), column)}x"
        self._tampered(
            lambda: tamper(f"UPDATE audit_auditentry SET {column} = %s WHERE id = %s", [value, target]),  # noqa: S608
            {("altered", target)},
        )

    @precondition(lambda self: self.sealed_rows())
    @rule(pick=st.integers(0, 10_000))
    def delete_a_row(self, pick):
        target = self.sealed_rows()[pick % len(self.sealed_rows())]
        self._tampered(lambda: tamper("DELETE FROM audit_auditentry WHERE id = %s", [target]), {("removed", target)})

    @precondition(lambda self: len(self.sealed_rows()) >= 2)
    @rule(pick=st.integers(0, 10_000), distance=st.integers(1, 10_000))
    def reorder_two_rows(self, pick, distance):
        rows = self.sealed_rows()
        first = rows[pick % len(rows)]
        second = rows[(pick + distance) % len(rows)]
        if first == second:
            return
        self._tampered(lambda: swap_rows(first, second), {("reordered", first), ("reordered", second)})

    def sealed_holes(self) -> list[int]:
        holes: set[int] = set()
        for missing in AuditSeal.objects.values_list("missing_ids", flat=True):
            holes |= parse_id_ranges(missing)
        return sorted(holes)

    @precondition(lambda self: self.sealed_up_to > 0 and self.sealed_holes())
    @rule(pick=st.integers(0, 10_000))
    def insert_into_a_sealed_hole(self, pick):
        holes = self.sealed_holes()
        target = holes[pick % len(holes)]
        self._tampered(
            lambda: tamper(
                "INSERT INTO audit_auditentry (id, created_at, request_id, actor_username, action, outcome, target_type,"
                " target_id, child_id, reason, details) VALUES (%s, %s, '', 'ghost', 'auth.login', 'success', '', '', '',"
                " '', '{}')",
                [target, timezone.now()],
            ),
            {("inserted", target)},
        )

    @precondition(lambda self: self.sealed_up_to > 0)
    @rule(pick=st.integers(0, 10_000), how=st.sampled_from(["digest", "missing_ids", "delete with its rows"]))
    def tamper_with_a_seal(self, pick, how):
        seals = list(AuditSeal.objects.order_by("id"))
        if how == "delete with its rows":
            if len(seals) < 2:
                return
            seal = seals[pick % (len(seals) - 1)]  # not the newest: that is truncating the tail

            def do():
                tamper("DELETE FROM audit_auditentry WHERE id BETWEEN %s AND %s", [seal.first_id, seal.last_id])
                tamper("DELETE FROM audit_auditseal WHERE id = %s", [seal.id])

        else:
            seal = seals[pick % len(seals)]
            value = "f" * 64 if how == "digest" else f"{seal.missing_ids},{seal.last_id + 10_000}".lstrip(",")

            def do():
                tamper(f"UPDATE audit_auditseal SET {how} = %s WHERE id = %s", [value, seal.id])  # noqa: S608

        self._tampered(do, {("seal", None)})

    @precondition(lambda self: self.sealed_up_to > 0)
    @rule(seals=st.integers(1, 3))
    def truncate_the_tail(self, seals):
        """Removing the newest seals with their rows leaves a consistent chain on its own;
        the head published before (logs, health endpoint) is what catches it."""
        head = chain_head()
        published = f"{head['seal']}:{head['digest']}"
        doomed = list(AuditSeal.objects.order_by("-id")[:seals])
        first_row = doomed[-1].first_id

        def truncate():
            tamper("DELETE FROM audit_auditentry WHERE id >= %s", [first_row])
            tamper("DELETE FROM audit_auditseal WHERE id >= %s", [doomed[-1].id])
            assert verify_chain().ok

        self._tampered(truncate, {("head", None)}, expect_head=published)


@pytest.mark.django_db
def test_audit_chain_state_machine():
    TRIED.clear()
    run_state_machine_as_test(
        AuditChain,
        settings=settings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    print(dict(TRIED))
    # Every kind of tampering was tried, and found, in this run.
    assert set(TRIED) == {"altered", "removed", "reordered", "inserted", "head", "seal"}, TRIED
    assert connection.in_atomic_block  # pytest-django's own transaction is still open
