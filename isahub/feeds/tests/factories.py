"""Synthetic feed files for tests: valid identifiers, rows as dicts, CSV or JSON Lines bytes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from django.db import transaction

from isahub.children.identifiers import nhs_check_digit, upn_check_letter
from isahub.feeds.feedtypes import feed_type
from isahub.feeds.services import feed_import

SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "feeds"


def nhs_number(seed: int) -> str:
    """A valid NHS number, different for each seed."""
    n = 400000000 + seed * 7
    while True:
        nine = str(n)
        check = nhs_check_digit(nine)
        if check is not None:
            return nine + str(check)
        n += 1


def upn(seed: int) -> str:
    twelve = f"801200{seed:06d}"
    return upn_check_letter(twelve) + twelve


def pupil(n: int, **overrides) -> dict:
    row = {
        "source_id": f"ADM{n:04d}",
        "upn": upn(n),
        "given_names": "Amelia",
        "family_name": "Hartley",
        "date_of_birth": "2015-03-27",
        "sex": "F",
        "address_line_1": "12 Mill Lane",
        "address_line_2": "",
        "town": "Northbrook",
        "postcode": "NB1 4AA",
    }
    row.update(overrides)
    return row


def as_csv(rows: list[dict], columns: list[str] | None = None) -> bytes:
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue().encode("utf-8")


def as_jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode("utf-8")


def load(actor, agency, code: str, data: bytes, *, name: str = "extract.csv", **kwargs):
    feed_type(code)
    with transaction.atomic():
        return feed_import(actor=actor, agency=agency, feed_type=code, file_name=name, data=data, **kwargs)
