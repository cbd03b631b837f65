"""What must hold after every crash, checked in SQL against the journals."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from .workload import CHILD_PREFIX, LOAD_PREFIX, ROLE_PREFIX, read_journals

# Each query lists records that are half-written or orphaned; every one must come back empty.
HALF_WRITTEN = {
    "child without a current legal name": """
        SELECT c.id::text FROM children_child c WHERE NOT EXISTS (
            SELECT 1 FROM children_childname n WHERE n.child_id = c.id AND n.kind = 'legal' AND n.valid_to IS NULL)""",
    "child without an address": """
        SELECT c.id::text FROM children_child c WHERE NOT EXISTS (
            SELECT 1 FROM children_childaddress a WHERE a.child_id = c.id)""",
    "child without search keys": """
        SELECT c.id::text FROM children_child c WHERE NOT EXISTS (
            SELECT 1 FROM children_searchkey k WHERE k.child_id = c.id)""",
    "child, name or address without provenance": """
        SELECT c.id::text FROM children_child c WHERE c.recorded_by_id IS NULL OR c.recorded_for_id IS NULL
        UNION ALL SELECT n.child_id::text FROM children_childname n WHERE n.recorded_by_id IS NULL
        UNION ALL SELECT a.child_id::text FROM children_childaddress a WHERE a.recorded_by_id IS NULL""",
    "child without its child.created audit row": """
        SELECT c.id::text FROM children_child c WHERE NOT EXISTS (
            SELECT 1 FROM audit_auditentry e WHERE e.action = 'child.created' AND e.target_id = c.id::text)""",
    "involvement without its involvement.registered audit row": """
        SELECT i.id::text FROM involvements_involvement i WHERE NOT EXISTS (
            SELECT 1 FROM audit_auditentry e WHERE e.action = 'involvement.registered' AND e.target_id = i.id::text)""",
    "child.created audit row without its child": """
        SELECT e.id::text FROM audit_auditentry e WHERE e.action = 'child.created' AND NOT EXISTS (
            SELECT 1 FROM children_child c WHERE c.id::text = e.target_id)""",
    "feed load without its feed.loaded audit row": """
        SELECT f.id::text FROM feeds_feedload f WHERE f.status = 'loaded' AND NOT EXISTS (
            SELECT 1 FROM audit_auditentry e WHERE e.action = 'feed.loaded' AND e.target_id = f.id::text)""",
    "feed load with rows missing (each row read is a source record or a review item)": f"""
        SELECT f.id::text FROM feeds_feedload f WHERE f.status = 'loaded' AND f.file_name LIKE '{LOAD_PREFIX}%'
        AND f.rows_read - f.rejected <> (SELECT count(*) FROM feeds_sourcerecord s WHERE s.first_load_id = f.id)
                                        + (SELECT count(*) FROM feeds_reviewitem r WHERE r.load_id = f.id)""",
    "involvement.registered audit row without its involvement": """
        SELECT e.id::text FROM audit_auditentry e WHERE e.action = 'involvement.registered' AND NOT EXISTS (
            SELECT 1 FROM involvements_involvement i WHERE i.id::text = e.target_id)""",
}


@dataclass
class Findings:
    acknowledged: int = 0
    attempted: int = 0
    present: int = 0
    lost: list[str] = field(default_factory=list)  # acknowledged, not in the database
    never_attempted: list[str] = field(default_factory=list)  # in the database, never attempted
    duplicated: list[str] = field(default_factory=list)  # one attempt, two records
    half_written: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.never_attempted or self.duplicated or self.half_written)


def _tokens(conn: psycopg.Connection, sql: str, prefix: str) -> list[str]:
    return [value.removeprefix(prefix) for (value,) in conn.execute(sql, [f"{prefix}%"]).fetchall()]


def check(conninfo: str, workdir: Path) -> Findings:
    """Acknowledged before the query must be present; present must have been attempted
    before the query (the journal is read on both sides of it, so writers may keep going)."""
    _, acknowledged = read_journals(workdir)
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")  # one snapshot for every query
        present = {
            "child": _tokens(conn, "SELECT line_1 FROM children_childaddress WHERE line_1 LIKE %s", CHILD_PREFIX),
            "involvement": _tokens(conn, "SELECT role FROM involvements_involvement WHERE role LIKE %s", ROLE_PREFIX),
            "load": _tokens(
                conn, "SELECT file_name FROM feeds_feedload WHERE status = 'loaded' AND file_name LIKE %s", LOAD_PREFIX
            ),
        }
        half_written = {}
        for problem, sql in HALF_WRITTEN.items():
            rows = [row[0] for row in conn.execute(sql).fetchall()]
            if rows:
                half_written[problem] = rows
        conn.execute("COMMIT")
    attempted, _ = read_journals(workdir)
    findings = Findings(half_written=half_written)
    for kind in ("child", "involvement", "load"):
        found = set(present[kind])
        findings.acknowledged += len(acknowledged[kind])
        findings.attempted += len(attempted[kind])
        findings.present += len(found)
        findings.lost += sorted(f"{kind} {t}" for t in acknowledged[kind] - found)
        findings.never_attempted += sorted(f"{kind} {t}" for t in found - attempted[kind])
        findings.duplicated += sorted(f"{kind} {t}" for t, n in Counter(present[kind]).items() if n > 1)
    return findings
