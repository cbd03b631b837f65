"""The canonical form of an audit row, hashed into a seal.

The same bytes must come out of Python (sealing, and verification on SQLite) and out of
PostgreSQL (verification in SQL, which is what makes a million rows a second possible).
`tests` hold the two to each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

LEAF_BYTES = 16
SEPARATOR = "\x1f"
GENESIS_DIGEST = "0" * 64

# Columns in canonical order. The id is not in the content: the seal binds each leaf to
# its position, so content moved between ids shows up as a reorder, not just an edit.
CONTENT_COLUMNS = (
    "created_at",
    "request_id",
    "actor_id",
    "actor_username",
    "agency_id",
    "action",
    "outcome",
    "target_type",
    "target_id",
    "child_id",
    "reason",
    "details",
    "ip_address",
    # Added later, and optional: a null is left out of the canonical text altogether (as
    # PostgreSQL's concat_ws leaves out a NULL), so rows sealed before the column existed
    # hash exactly as they did then.
    "sequence",
)
OPTIONAL_TAIL = 1  # how many trailing columns are left out when null


def canonical_details(details: dict[str, Any] | None) -> str:
    return json.dumps(details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return str(value)


def leaf(values: tuple[Any, ...]) -> bytes:
    """The leaf hash of one row, given its CONTENT_COLUMNS values in order."""
    required, optional = values[: len(values) - OPTIONAL_TAIL], values[len(values) - OPTIONAL_TAIL :]
    text = SEPARATOR.join([*(_text(v) for v in required), *(_text(v) for v in optional if v is not None)])
    return hashlib.sha256(text.encode("utf-8")).digest()[:LEAF_BYTES]


def seal_digest(*, previous_digest: str, first_id: int, last_id: int, missing_ids: str, leaves: bytes) -> str:
    header = f"{previous_digest}|{first_id}|{last_id}|{missing_ids}|".encode()
    return hashlib.sha256(header + leaves).hexdigest()


# PostgreSQL's version of `leaf`, as an SQL expression over the audit table aliased `e`.
POSTGRES_LEAF_SQL = (
    "substring(sha256(convert_to(concat_ws(E'\\x1f', "
    "to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), "
    "e.request_id, coalesce(e.actor_id::text, ''), e.actor_username, "
    "coalesce(e.agency_id::text, ''), e.action, e.outcome, e.target_type, e.target_id, "
    "e.child_id, e.reason, e.details, coalesce(host(e.ip_address), ''), e.sequence::text"
    "), 'UTF8')) from 1 for 16)"
)


def format_id_ranges(ids: list[int]) -> str:
    """Ids never committed, as sorted ranges ("3,7-9"): a long hole stays one short entry."""
    parts: list[str] = []
    for value in sorted(ids):
        if parts and "-" in parts[-1] and int(parts[-1].split("-")[1]) == value - 1:
            parts[-1] = f"{parts[-1].split('-')[0]}-{value}"
        elif parts and "-" not in parts[-1] and int(parts[-1]) == value - 1:
            parts[-1] = f"{parts[-1]}-{value}"
        else:
            parts.append(str(value))
    return ",".join(parts)


def parse_id_ranges(text: str) -> set[int]:
    ids: set[int] = set()
    for part in filter(None, text.split(",")):
        low, _, high = part.partition("-")
        ids.update(range(int(low), int(high or low) + 1))
    return ids
