"""A synthetic index in the database and a model trained on it, shared by the linkage tests."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from isahub.children import synthetic
from isahub.children.matching import ChildRecord, NameRecord
from isahub.feeds.validation import CleanRow
from isahub.linkage.bulk import SyntheticChild, load_children

INDEX_SIZE = 800
# A child the tests link to (no identifiers, so the model decides) and her twin sister's details.
AMELIA = ChildRecord(
    names=(NameRecord(given="Amelia", family="Hartley"),),
    date_of_birth=dt.date(2015, 3, 27),
    sex="female",
    postcodes=("NB1 4AA",),
)


def extract_rows(records: list[ChildRecord], n: int, seed: int) -> list[CleanRow]:
    """Rows an agency holds for `n` of these children: most exact, some with a typing slip."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        r = records[rng.randrange(len(records))]
        family = r.names[0].family
        given = r.names[0].given.split(" ")[0]
        if rng.random() < 0.3:
            family = synthetic._typo(family, rng)
        if rng.random() < 0.15:
            given = synthetic._typo(given, rng)
        values = {
            "source_id": f"T{i}",
            "given_names": given,
            "family_name": family,
            "date_of_birth": r.date_of_birth,
            "sex": r.sex if r.sex in ("female", "male") else "",
            "postcode": r.postcodes[0] if rng.random() < 0.9 else "",
            "nhs_number": "",
            "upn": "",
        }
        rows.append(CleanRow(line=i + 2, values=values, row_hash=f"h{i}"))
    return rows


@pytest.fixture
def index_records(db) -> list[ChildRecord]:
    records = [AMELIA, *synthetic.generate_children(INDEX_SIZE, seed=7)]
    load_children([SyntheticChild(record=r) for r in records])
    return records


@pytest.fixture
def trained(index_records):
    from isahub.linkage.services import train_model

    return train_model(extract_rows=extract_rows(index_records, 400, seed=3), u_pairs=200_000)
