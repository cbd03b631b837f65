"""The audit chain: sealing in batches, and verification naming every tampered row."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from isahub.audit.canonical import format_id_ranges, parse_id_ranges
from isahub.audit.models import AuditEntry, AuditSeal
from isahub.audit.sealing import chain_head, seal_batch, seal_pending
from isahub.audit.services import audit_record
from isahub.audit.verification import verify_chain

from .tampering import swap_rows, tamper

pytestmark = pytest.mark.django_db


def write(n: int, **fields) -> list[int]:
    ids = []
    with transaction.atomic():
        for i in range(n):
            entry = audit_record(action="auth.login_failed", actor_username=f"user{i}", reason=fields.get("reason", f"r{i}"))
            ids.append(entry.pk)
    return ids


def kinds(report) -> list[tuple[str, int | None]]:
    return sorted((p.kind, p.row_id) for p in report.problems)


def test_untouched_chain_verifies(settings):
    settings.ISAHUB_AUDIT_SEAL_BATCH = 7
    write(30)
    assert seal_pending(grace_seconds=0) == 30
    assert AuditSeal.objects.count() == 5  # batches of 7
    report = verify_chain()
    assert report.ok and report.rows_checked == 30 and report.unsealed_rows == 0


def test_unsealed_rows_are_reported_but_not_a_problem():
    write(3)
    seal_pending(grace_seconds=0)
    write(2)
    report = verify_chain()
    assert report.ok and report.unsealed_rows == 2


def test_unicode_and_odd_values_hash_the_same_in_python_and_the_database():
    with transaction.atomic():
        audit_record(
            action="auth.login_failed",
            actor_username="Zoë O'Brien",
            reason="Ünïcödé ✓ \x1f sep",
            details={"b": [1, "é"], "a": None},
        )
    seal_pending(grace_seconds=0)
    assert verify_chain().ok


def test_edited_row_is_named():
    ids = write(10)
    seal_pending(grace_seconds=0)
    tamper("UPDATE audit_auditentry SET reason = 'nothing to see' WHERE id = %s", [ids[4]])
    assert kinds(verify_chain()) == [("altered", ids[4])]


def test_deleted_row_is_named():
    ids = write(10)
    seal_pending(grace_seconds=0)
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [ids[6]])
    assert kinds(verify_chain()) == [("removed", ids[6])]


def test_swapped_pair_is_named_as_reordered():
    ids = write(10)
    seal_pending(grace_seconds=0)
    swap_rows(ids[2], ids[7])
    assert kinds(verify_chain()) == [("reordered", ids[2]), ("reordered", ids[7])]


def test_row_inserted_into_a_sealed_gap_is_named():
    ids = write(5)
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [ids[2]])  # a hole, as a rollback leaves
    seal_pending(grace_seconds=0)
    assert ids[2] in parse_id_ranges(AuditSeal.objects.get().missing_ids)
    assert verify_chain().ok
    tamper(
        "INSERT INTO audit_auditentry (id, created_at, request_id, actor_username, action, outcome, target_type,"
        " target_id, child_id, reason, details) VALUES (%s, %s, '', 'ghost', 'auth.login', 'success', '', '', '', '', '{}')",
        [ids[2], timezone.now()],
    )
    assert kinds(verify_chain()) == [("inserted", ids[2])]


def test_truncated_tail_is_caught_by_the_published_head(settings):
    settings.ISAHUB_AUDIT_SEAL_BATCH = 5
    ids = write(20)
    seal_pending(grace_seconds=0)
    head = chain_head()
    published = f"{head['seal']}:{head['digest']}"
    assert verify_chain(expect_head=published).ok
    last_seal = AuditSeal.objects.order_by("-id").first()
    tamper("DELETE FROM audit_auditentry WHERE id >= %s", [last_seal.first_id])
    tamper("DELETE FROM audit_auditseal WHERE id = %s", [last_seal.id])
    assert verify_chain().ok  # the rest is consistent on its own ...
    report = verify_chain(expect_head=published)
    assert [p.kind for p in report.problems] == ["head"]  # ... the published head is not.
    assert ids[-1] >= last_seal.first_id


def test_rows_removed_with_their_seal_in_the_middle_break_the_chain(settings):
    settings.ISAHUB_AUDIT_SEAL_BATCH = 5
    write(15)
    seal_pending(grace_seconds=0)
    middle = AuditSeal.objects.order_by("id")[1]
    tamper("DELETE FROM audit_auditentry WHERE id BETWEEN %s AND %s", [middle.first_id, middle.last_id])
    tamper("DELETE FROM audit_auditseal WHERE id = %s", [middle.id])
    report = verify_chain()
    assert {p.kind for p in report.problems} == {"seal"}


@given(st.sets(st.integers(1, 200)))
def test_id_ranges_round_trip(ids):
    assert parse_id_ranges(format_id_ranges(list(ids))) == ids


def test_id_ranges_are_compact():
    assert format_id_ranges([1, 2, 3, 7, 9, 10]) == "1-3,7,9-10"


def test_altered_seal_is_named():
    write(5)
    seal_pending(grace_seconds=0)
    tamper("UPDATE audit_auditseal SET missing_ids = '3'")
    assert "seal" in {p.kind for p in verify_chain().problems}


def test_a_rolled_back_id_waits_for_the_grace_period_then_is_sealed_as_never_committed():
    write(2)
    seal_pending(grace_seconds=0)  # earlier tests may have used ids on PostgreSQL: start clean
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="auth.login_failed", actor_username="rolled-back")
        raise RuntimeError("the work failed, so its audit row goes too")
    ids_after = write(2)
    has_gap = ids_after[0] != AuditSeal.objects.get().last_id + 1
    sealed_young = seal_pending(grace_seconds=3600)
    if has_gap:  # PostgreSQL sequences never reuse a rolled-back id; SQLite does.
        assert sealed_young == 0  # stops at the hole: it might be a transaction still open
        assert seal_pending(grace_seconds=0) == 2
        assert AuditSeal.objects.order_by("-id").first().missing_ids != ""
    else:
        assert sealed_young == 2
    report = verify_chain()
    assert report.ok and report.rows_checked == 4 and ids_after


def test_sealer_only_seals_each_row_once(settings):
    write(4)
    assert seal_batch(grace_seconds=0).row_count == 4
    assert seal_batch(grace_seconds=0) is None
    assert AuditSeal.objects.count() == 1


def test_command_reports_ok_and_tampering(capsys):
    ids = write(4)
    call_command("audit_seal", grace=0)
    call_command("audit_verify")
    assert "OK: 4 sealed rows" in capsys.readouterr().out
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [ids[1]])
    with pytest.raises(CommandError, match="tampered"):
        call_command("audit_verify")
    assert f"REMOVED: Row {ids[1]} has been removed" in capsys.readouterr().out


class TestAppendOnly:
    """The database itself refuses changes to history (a trigger on both engines)."""

    def test_update_is_refused(self):
        ids = write(1)
        with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
            AuditEntry.objects.filter(pk=ids[0]).update(reason="changed")
        assert AuditEntry.objects.get(pk=ids[0]).reason == "r0"

    def test_delete_is_refused(self):
        ids = write(1)
        with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
            AuditEntry.objects.filter(pk=ids[0]).delete()
        assert AuditEntry.objects.filter(pk=ids[0]).exists()

    def test_seals_are_append_only_too(self):
        write(1)
        seal_pending(grace_seconds=0)
        with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
            AuditSeal.objects.update(digest="0" * 64)

    def test_raw_sql_is_refused_as_well(self):
        write(1)
        with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditentry")


OPERATIONS = st.lists(st.sampled_from(["write", "seal"]), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None)
@given(operations=OPERATIONS, tamper_kind=st.sampled_from(["edit", "delete", "swap"]), pick=st.integers(0, 10_000))
def test_any_tampering_of_sealed_rows_is_found(operations, tamper_kind, pick):
    """Whatever order rows are written and sealed in, tampering with a sealed row is found."""
    with transaction.atomic():
        for operation in operations:
            if operation == "write":
                write(3)
            else:
                seal_pending(grace_seconds=0)
        write(2)
        seal_pending(grace_seconds=0)
        assert verify_chain().ok
        sealed = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
        target = sealed[pick % len(sealed)]
        if tamper_kind == "edit":
            tamper("UPDATE audit_auditentry SET created_at = %s WHERE id = %s", [timezone.now() - dt.timedelta(days=1), target])
            expected = {("altered", target)}
        elif tamper_kind == "delete":
            tamper("DELETE FROM audit_auditentry WHERE id = %s", [target])
            expected = {("removed", target)}
        else:
            other = sealed[(pick + 1) % len(sealed)]
            if other == target:
                transaction.set_rollback(True)
                return
            swap_rows(target, other)
            expected = {("reordered", target), ("reordered", other)}
        assert set(kinds(verify_chain())) == expected
        transaction.set_rollback(True)


def test_seal_digests_are_gathered_for_every_part_in_order_in_parallel_or_not(monkeypatch):
    """Outside a transaction (the command) PostgreSQL hashes on two connections at once;
    inside one (a request, a test) on the caller's. Either way every part comes back, in order."""
    from isahub.audit import verification

    seen_threads = set()

    def fake_digests(first_id, last_id):
        import threading

        seen_threads.add(threading.get_ident())
        return {first_id: (last_id, "", b"")}

    from types import SimpleNamespace

    monkeypatch.setattr(verification, "_postgres_batch_digests", fake_digests)
    monkeypatch.setattr(verification, "connection", SimpleNamespace(in_atomic_block=True, close=lambda: None))
    parts = [[type("S", (), {"id": i})(), type("S", (), {"id": i + 1})()] for i in range(0, 20, 2)]
    inside = list(verification._postgres_digests(parts))
    assert [found for _, found in inside] == [{i: (i + 1, "", b"")} for i in range(0, 20, 2)]
    monkeypatch.setattr(verification, "connection", SimpleNamespace(in_atomic_block=False, close=lambda: None))
    outside = list(verification._postgres_digests(parts))
    assert [found for _, found in outside] == [found for _, found in inside]
    assert [part for part, _ in outside] == parts
    assert len(seen_threads) >= 2  # the second pass ran on worker threads
