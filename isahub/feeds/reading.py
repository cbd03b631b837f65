"""Reading an extract: bytes -> numbered rows. Nothing here touches the database.

CSV (with a header row) or JSON Lines (one object per line). UTF-8 only; a byte order mark is
tolerated. A file that is not UTF-8, or lacks a required column, cannot be read and loads
nothing; a malformed line is one rejected row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field

from .feedtypes import FeedType

FORMATS = ("csv", "jsonl")


class UnreadableFile(ValueError):
    """The whole file cannot be used: nothing is loaded."""


@dataclass
class RawRow:
    line: int  # line number in the file (CSV: the header is line 1)
    values: dict[str, str]
    problem: str = ""  # set when the line itself could not be parsed


@dataclass
class ParsedFile:
    sha256: str
    format: str
    rows: list[RawRow] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()


def guess_format(file_name: str) -> str:
    name = file_name.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "csv"


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("The file is UTF-16. Save or export it as UTF-8 (in Excel: 'CSV UTF-8').")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise UnreadableFile(
            f"The file is not UTF-8 (the first problem is on line {line}, byte {error.start}). "
            "Save or export it as UTF-8 (in Excel: 'CSV UTF-8'); Windows-1252 and Latin-1 are not accepted."
        ) from None


def _clean(value: object) -> str:
    if value is None:
        return ""
    return str(value).strip()


def parse(data: bytes, *, feed: FeedType, fmt: str) -> ParsedFile:
    if fmt not in FORMATS:
        raise UnreadableFile(f"Unknown format {fmt!r}: use csv or jsonl.")
    if not data.strip():
        raise UnreadableFile("The file is empty.")
    text = decode(data)
    parsed = ParsedFile(sha256=hashlib.sha256(data).hexdigest(), format=fmt)
    if fmt == "csv":
        _parse_csv(text, feed, parsed)
    else:
        _parse_jsonl(text, feed, parsed)
    if not parsed.rows:
        raise UnreadableFile("The file has no rows after its header.")
    return parsed


def _check_columns(found: set[str], feed: FeedType, parsed: ParsedFile) -> None:
    missing = [name for name in feed.required if name not in found]
    if missing:
        raise UnreadableFile(
            f"The file has no column for: {', '.join(missing)}. A {feed.label} extract needs them (docs/feeds.md)."
        )
    parsed.ignored_columns = tuple(sorted(found - set(feed.names)))


def _parse_csv(text: str, feed: FeedType, parsed: ParsedFile) -> None:
    try:
        reader = csv.reader(io.StringIO(text, newline=""), strict=True)
        header = next(reader, None)
        if not header:
            raise UnreadableFile("The file has no header row.")
        columns = [h.strip().lower() for h in header]
        if len(set(columns)) != len(columns):
            raise UnreadableFile("The header names a column twice.")
        _check_columns(set(columns), feed, parsed)
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(columns):
                parsed.rows.append(RawRow(line, {}, f"has {len(values)} values but the header has {len(columns)} columns"))
                continue
            parsed.rows.append(RawRow(line, {c: _clean(v) for c, v in zip(columns, values, strict=True)}))
    except csv.Error as error:
        raise UnreadableFile(f"The CSV is malformed near line {reader.line_num}: {error}.") from None


def _parse_jsonl(text: str, feed: FeedType, parsed: ParsedFile) -> None:
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            parsed.rows.append(RawRow(number, {}, "is not valid JSON"))
            continue
        if not isinstance(value, dict):
            parsed.rows.append(RawRow(number, {}, "is not a JSON object"))
            continue
        row = {str(k).strip().lower(): _clean(v) for k, v in value.items()}
        seen |= set(row)
        parsed.rows.append(RawRow(number, row))
    # JSON Lines has no header: a column is missing when no line carries it.
    if parsed.rows:
        _check_columns(seen, feed, parsed)
