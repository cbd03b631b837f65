"""Helpers that tamper with the audit tables the way an attacker with database access would:
by switching the append-only triggers off first."""

from django.db import connection

SQLITE_TRIGGERS = [
    ("audit_auditentry_no_update", "BEFORE UPDATE ON audit_auditentry"),
    ("audit_auditentry_no_delete", "BEFORE DELETE ON audit_auditentry"),
    ("audit_auditseal_no_update", "BEFORE UPDATE ON audit_auditseal"),
    ("audit_auditseal_no_delete", "BEFORE DELETE ON audit_auditseal"),
]


def tamper(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
            try:
                cursor.execute(sql, params or [])
            finally:
                cursor.execute("SET session_replication_role = origin")
            return
        for name, _ in SQLITE_TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        try:
            cursor.execute(sql, params or [])
        finally:
            for name, clause in SQLITE_TRIGGERS:
                cursor.execute(f"CREATE TRIGGER {name} {clause} BEGIN SELECT RAISE(ABORT, 'append-only'); END")


def swap_rows(first_id: int, second_id: int) -> None:
    """Exchange the contents of two rows, keeping their ids: a reordering."""
    columns = (
        "created_at, request_id, actor_id, actor_username, agency_id, action, outcome,"
        " target_type, target_id, child_id, reason, details"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM audit_auditentry WHERE id = %s", [first_id])
        first = cursor.fetchone()
        cursor.execute(f"SELECT {columns} FROM audit_auditentry WHERE id = %s", [second_id])
        second = cursor.fetchone()
    assignments = ", ".join(f"{c.strip()} = %s" for c in columns.split(","))
    tamper(f"UPDATE audit_auditentry SET {assignments} WHERE id = %s", [*second, first_id])
    tamper(f"UPDATE audit_auditentry SET {assignments} WHERE id = %s", [*first, second_id])
