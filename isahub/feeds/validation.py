"""Validating every row before anything is written. Pure: no database.

Each row is checked against its feed type's columns (required, format), then for impossible
dates (a birth in the future, a child over 25, an event before birth or in the future), then
for duplicates within the file (the same source_id twice, or the same child twice). A row
with any problem is rejected with its line number and every reason, in words that name the
column and the rule and never quote the value (the report is not a copy of personal data).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field

from isahub.children import matching
from isahub.children.identifiers import IdentifierError, normalise_nhs_number, normalise_upn

from . import feedtypes as ft
from .reading import RawRow

MAX_AGE_YEARS = 25
_SEX = {"f": "female", "female": "female", "m": "male", "male": "male", "o": "other", "other": "other"} | {
    "u": "unknown",
    "unknown": "unknown",
    "not known": "unknown",
}
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass
class CleanRow:
    line: int
    values: dict  # column -> typed value (date, normalised identifier, ...) or ""
    row_hash: str

    def __getitem__(self, name: str):
        return self.values.get(name, "")

    @property
    def source_id(self) -> str:
        return self.values["source_id"]


@dataclass
class Rejection:
    line: int
    source_id: str
    reasons: list[str]

    def as_dict(self) -> dict:
        return {"line": self.line, "source_id": self.source_id, "reasons": self.reasons}


@dataclass
class Validated:
    good: list[CleanRow] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.good) + len(self.rejected)

    @property
    def rejection_rate(self) -> float:
        return len(self.rejected) / self.rows_read if self.rows_read else 0.0


def parse_date(text: str) -> dt.date:
    if match := _DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    return dt.date.fromisoformat(text)


def _years_between(earlier: dt.date, later: dt.date) -> int:
    return later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))


def _check(column: ft.Column, text: str) -> tuple[object, str]:
    """(typed value, problem)."""
    if column.format == ft.TEXT:
        if len(text) > column.max_length:
            return None, f"{column.name} is longer than {column.max_length} characters"
        return text, ""
    if column.format == ft.DATE:
        try:
            return parse_date(text), ""
        except ValueError:
            return None, f"{column.name} is not a real date in the form YYYY-MM-DD or DD/MM/YYYY"
    if column.format == ft.NHS:
        try:
            return normalise_nhs_number(text), ""
        except IdentifierError:
            return None, f"{column.name} is not a valid NHS number (10 digits with a matching check digit)"
    if column.format == ft.UPN:
        try:
            return normalise_upn(text), ""
        except IdentifierError:
            return None, f"{column.name} is not a valid unique pupil number (check letter and 12 characters)"
    if column.format == ft.POSTCODE:
        try:
            return matching.normalise_postcode(text), ""
        except ValueError:
            return None, f"{column.name} is not a UK postcode in the national format"
    if column.format == ft.SEX:
        if text.lower() in _SEX:
            return _SEX[text.lower()], ""
        return None, f"{column.name} must be female, male, other or unknown"
    if column.format == ft.CHOICE:
        if text in column.choices:
            return text, ""
        return None, f"{column.name} must be one of {', '.join(column.choices)}"
    raise ValueError(f"unknown column format {column.format!r}")  # a mistake in feedtypes.py


def validate_row(raw: RawRow, *, feed: ft.FeedType, today: dt.date) -> CleanRow | Rejection:
    source_id = raw.values.get("source_id", "")[:40]
    if raw.problem:
        return Rejection(raw.line, source_id, [f"the line {raw.problem}"])
    reasons: list[str] = []
    values: dict = {}
    for column in feed.columns:
        text = raw.values.get(column.name, "")
        if not text:
            if column.required:
                reasons.append(f"{column.name} is required")
            values[column.name] = ""
            continue
        value, problem = _check(column, text)
        if problem:
            reasons.append(problem)
        values[column.name] = value if value is not None else ""
    reasons += _impossible_dates(values, feed, today)
    if feed.code == "generic" and bool(values.get("event_kind")) != bool(values.get("event_date")):
        reasons.append("event_kind and event_date go together: give both or neither")
    if values.get("exclusion_type") and not values.get("exclusion_date"):
        reasons.append("exclusion_type needs an exclusion_date")
    # A postcode alone helps matching; an address to record needs its first line, town and postcode.
    address = [values.get(name) for name in ("address_line_1", "town", "postcode")]
    if (address[0] or address[1]) and not all(address) and "postcode" not in feed.required:
        reasons.append("an address needs address_line_1, town and postcode together (a postcode alone is fine)")
    if reasons:
        return Rejection(raw.line, source_id, reasons)
    return CleanRow(raw.line, values, _row_hash(values))


def _impossible_dates(values: dict, feed: ft.FeedType, today: dt.date) -> list[str]:
    reasons = []
    born = values.get("date_of_birth")
    if isinstance(born, dt.date):
        if born > today:
            reasons.append("date_of_birth is in the future")
        elif _years_between(born, today) > MAX_AGE_YEARS:
            reasons.append(
                f"date_of_birth makes the child older than {MAX_AGE_YEARS}: the index holds children and young people only"
            )
    for column in feed.columns:
        value = values.get(column.name)
        if column.format != ft.DATE or column.name == "date_of_birth" or not isinstance(value, dt.date):
            continue
        if value > today:
            reasons.append(f"{column.name} is in the future")
        elif isinstance(born, dt.date) and value < born:
            reasons.append(f"{column.name} is before the date of birth")
    return reasons


def _row_hash(values: dict) -> str:
    canonical = json.dumps({k: str(v) for k, v in sorted(values.items())}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _identity_key(values: dict) -> tuple:
    """Two rows with these equal describe the same child (for snapshot feeds: listed twice)."""
    return (
        matching.normalise_name(str(values.get("given_names", ""))),
        matching.normalise_name(str(values.get("family_name", ""))),
        values.get("date_of_birth"),
        values.get("postcode"),
    )


def validate(rows: list[RawRow], *, feed: ft.FeedType, today: dt.date) -> Validated:
    result = Validated()
    by_source: dict[str, int] = {}
    by_hash: dict[str, int] = {}
    by_identity: dict[tuple, int] = {}
    for raw in rows:
        checked = validate_row(raw, feed=feed, today=today)
        if isinstance(checked, Rejection):
            result.rejected.append(checked)
            continue
        reasons = []
        if checked.row_hash in by_hash:
            reasons.append(f"duplicate of line {by_hash[checked.row_hash]}")
        elif checked.source_id in by_source:
            reasons.append(f"source_id repeats line {by_source[checked.source_id]}")
        elif feed.snapshot and _identity_key(checked.values) in by_identity:
            reasons.append(f"the same child as line {by_identity[_identity_key(checked.values)]} under another source_id")
        for identifier in ("nhs_number", "upn"):
            value = checked[identifier]
            if value and feed.snapshot and (identifier, value) in by_identity:
                reasons.append(f"{identifier} repeats line {by_identity[(identifier, value)]}")
        if reasons:
            result.rejected.append(Rejection(checked.line, checked.source_id, reasons))
            continue
        by_hash[checked.row_hash] = checked.line
        by_source[checked.source_id] = checked.line
        if feed.snapshot:
            by_identity[_identity_key(checked.values)] = checked.line
            for identifier in ("nhs_number", "upn"):
                if checked[identifier]:
                    by_identity[(identifier, checked[identifier])] = checked.line
        result.good.append(checked)
    return result
