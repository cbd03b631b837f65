"""Synthetic ground truth for record linkage: an index, and feeds with known true links.

Every child is made up. `generate(index_size, feed_size, seed)` returns:

- the index: `isahub.children.synthetic.generate_children` households (siblings share a surname,
  postcodes and sometimes a date of birth: twins; previous surnames, aliases, moves), each child
  with an NHS number (85%) and, at school age, a UPN (70%); a share of planted duplicates
  (`duplicate_share`, the same child entered twice with the slips a practitioner makes) with
  their pairs known;
- a feed: rows in the feeds' column format (given_names, family_name, date_of_birth, sex,
  address, postcode, nhs_number, upn), each either an existing child (`truth` = the index
  position) or a new one (`truth` = None: born or moved in since, often a younger brother or
  sister or a twin of a child in the index, sharing surname, address and perhaps birth date).

Rows of existing children are what an agency's system holds for that child, corrupted by the child
index's own model of slips (isahub/children/synthetic.py: typos, sound-alike spellings, short
forms, day and month swapped, one digit out) plus what goes wrong between agencies: a surname
changed since, a move not yet known to the index (or an old address still on the agency's
system), missing sex or postcode, identifiers often absent. Deterministic for a seed.

    python bench/linkage_data.py --index 10000 --feed 1000 --out /tmp/linkage   # writes CSVs
"""

from __future__ import annotations

import argparse
import csv
import datetime
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from isahub.children import synthetic as syn  # noqa: E402
from isahub.children.identifiers import nhs_check_digit, upn_check_letter  # noqa: E402
from isahub.children.matching import ChildRecord, NameRecord  # noqa: E402

FEED_COLUMNS = (
    "source_id",
    "given_names",
    "family_name",
    "date_of_birth",
    "sex",
    "nhs_number",
    "upn",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
)
_STREETS = [
    "Mill Lane",
    "Station Road",
    "Church Street",
    "Orchard Way",
    "High Street",
    "Park Avenue",
    "Victoria Road",
    "Green Lane",
]


@dataclass
class IndexChild:
    record: ChildRecord
    nhs: str = ""
    upn: str = ""
    duplicate_of: int | None = None  # a planted duplicate: the index position of the original


@dataclass
class FeedRow:
    values: dict
    truth: int | None  # index position of the child, None for a child not in the index
    slips: tuple[str, ...] = ()
    twin_of: tuple[int, ...] = ()  # index positions of this child's twins (a link to one is a false link)


@dataclass
class GroundTruth:
    index: list[IndexChild]
    feed: list[FeedRow]
    duplicate_pairs: set[tuple[int, int]] = field(default_factory=set)

    def twins(self) -> dict[int, tuple[int, ...]]:
        """Index position -> its twins' positions (same surname, date of birth and first postcode)."""
        groups: dict[tuple, list[int]] = {}
        for i, child in enumerate(self.index):
            if child.duplicate_of is not None:
                continue
            r = child.record
            groups.setdefault((r.names[0].family, r.date_of_birth, r.postcodes[:1]), []).append(i)
        out: dict[int, tuple[int, ...]] = {}
        for members in groups.values():
            for m in members:
                if len(members) > 1:
                    out[m] = tuple(x for x in members if x != m)
        return out


def nhs_number(n: int) -> str:
    k = 600_000_000 + n * 13
    while True:
        check = nhs_check_digit(str(k))
        if check is not None:
            return f"{k}{check}"
        k += 1


def upn(n: int) -> str:
    twelve = f"{n % 10**12:012d}"
    return upn_check_letter(twelve) + twelve


def _identifiers(position: int, record: ChildRecord, rng: random.Random) -> tuple[str, str]:
    school_age = (syn.REFERENCE_DATE - record.date_of_birth).days > 4 * 365
    return (
        nhs_number(position) if rng.random() < 0.85 else "",
        upn(position + 1) if school_age and rng.random() < 0.7 else "",
    )


def _slipped(record: ChildRecord, rng: random.Random, *, slips: int, pools, current_only: bool = False) -> tuple[dict, list[str]]:
    """What another system holds for this child: full details with `slips` things different."""
    name = record.names[0]
    labels: list[str] = []
    if not current_only and len(record.names) > 1 and rng.random() < 0.3:
        name = rng.choice(record.names[1:])
        labels.append("previous name or alias")
    given, family = name.given, name.family
    dob: datetime.date = record.date_of_birth
    postcode = record.postcodes[0]
    sex = record.sex
    kinds = {
        "surname typo": 14,
        "surname spelling": 8,
        "forename typo": 10,
        "short form": 10,
        "day and month swapped": 6,
        "date one digit out": 9,
        "moved, new postcode": 10,
        "old postcode": 6,
        "new surname": 4,
        "no sex": 6,
        "no postcode": 4,
        "first name only": 5,
    }
    if not pools.short_forms.get(syn._short_form_key(given)):
        kinds.pop("short form")
    if dob.day > 12 or dob.day == dob.month:
        kinds.pop("day and month swapped")
    if len(record.postcodes) < 2:
        kinds.pop("old postcode")
    chosen: list[str] = []
    while len(chosen) < slips and kinds:
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        chosen.append(kind)
        for clash in (kind, *syn._CLASHES.get(kind, ())):
            kinds.pop(clash, None)
        if kind in ("moved, new postcode", "old postcode", "no postcode"):
            for k in ("moved, new postcode", "old postcode", "no postcode"):
                kinds.pop(k, None)
        if kind in ("surname typo", "surname spelling", "new surname"):
            for k in ("surname typo", "surname spelling", "new surname"):
                kinds.pop(k, None)
    for kind in chosen:
        if kind == "surname typo":
            family = syn._typo(family, rng)
        elif kind == "surname spelling":
            family = syn._respell(family, rng) or syn._typo(family, rng)
        elif kind == "forename typo":
            given = syn._typo(given.split(" ")[0], rng)
        elif kind == "short form":
            given = rng.choice(pools.short_forms[syn._short_form_key(given)]).capitalize()
        elif kind == "day and month swapped":
            dob = datetime.date(dob.year, dob.day, dob.month)
        elif kind == "date one digit out":
            dob = syn._slip_date(dob, rng) or dob
        elif kind == "moved, new postcode":
            postcode = f"{postcode.split(' ')[0]} {rng.randint(0, 9)}{syn._inward_letters(rng)}"
        elif kind == "old postcode":
            postcode = rng.choice(record.postcodes[1:])
        elif kind == "new surname":
            family = syn._surname(rng, pools)
        elif kind == "no sex":
            sex = ""
        elif kind == "no postcode":
            postcode = ""
        elif kind == "first name only":
            given = given.split(" ")[0]
    labels.extend(chosen)
    values = {
        "given_names": syn._noise(given, rng),
        "family_name": syn._noise(family, rng),
        "date_of_birth": dob.isoformat(),
        "sex": {"female": "F", "male": "M", "other": "O"}.get(sex, ""),
        "postcode": syn._postcode_noise(postcode, rng) if postcode else "",
    }
    return values, labels


def _address(rng: random.Random, postcode: str) -> dict:
    return {
        "address_line_1": f"{rng.randint(1, 180)} {rng.choice(_STREETS)}" if postcode else "",
        "address_line_2": "",
        "town": "Northbrook" if postcode else "",
    }


def _new_sibling(rng: random.Random, pools, near: ChildRecord, twin: bool) -> ChildRecord:
    """A brother or sister not yet in the index: same surname and address; a twin shares the birth date."""
    sex = syn._sex(rng)
    taken = {n.given.split(" ")[0] for n in near.names}
    given = syn._forename(rng, pools, sex, taken)
    if twin:
        dob = near.date_of_birth
    else:
        dob = near.date_of_birth + datetime.timedelta(days=rng.choice((-1, 1)) * rng.randint(330, 1800))
        dob = min(dob, syn.REFERENCE_DATE - datetime.timedelta(days=1))
    return ChildRecord(
        names=(NameRecord(given=given, family=near.names[0].family),), date_of_birth=dob, sex=sex, postcodes=near.postcodes[:1]
    )


def generate(
    index_size: int,
    feed_size: int,
    seed: int = 1,
    *,
    new_share: float = 0.12,
    duplicate_share: float = 0.0,
    identifier_share: float = 0.25,
) -> GroundTruth:
    """An index of `index_size` children (with planted duplicates) and a feed of `feed_size` rows."""
    rng = random.Random(seed)
    pools = syn._pools()
    records = syn.generate_children(index_size, seed)
    index = []
    for i, record in enumerate(records):
        nhs, pupil = _identifiers(i, record, rng)
        index.append(IndexChild(record=record, nhs=nhs, upn=pupil))
    truth = GroundTruth(index=index, feed=[])
    # Planted duplicates: the same child entered again with a slip or two (and usually no identifiers).
    for _ in range(int(index_size * duplicate_share)):
        original = rng.randrange(index_size)
        values, _labels = _slipped(records[original], rng, slips=rng.choice((0, 1, 1, 2)), pools=pools)
        dup = ChildRecord(
            names=(NameRecord(given=values["given_names"], family=values["family_name"]),),
            date_of_birth=datetime.date.fromisoformat(values["date_of_birth"]),
            sex=records[original].sex,
            postcodes=(values["postcode"].upper(),) if values["postcode"] else records[original].postcodes[:1],
        )
        truth.duplicate_pairs.add((original, len(index)))
        index.append(IndexChild(record=dup, duplicate_of=original))
    twins = truth.twins()
    for n in range(feed_size):
        roll = rng.random()
        if roll < new_share:
            near_position = rng.randrange(index_size)
            near = records[near_position]
            kind = rng.random()
            if kind < 0.4:
                record = _new_sibling(rng, pools, near, twin=kind < 0.1)
            else:
                record = syn.generate_children(1, seed * 1_000_003 + n)[0]
            values, labels = _slipped(record, rng, slips=0, pools=pools)
            row = FeedRow(values=values, truth=None, slips=("new child", *labels))
            if kind < 0.1:  # a twin not yet in the index: a link to the other twin is the worst error
                row.twin_of = (near_position, *twins.get(near_position, ()))
                row.slips = ("new child", "twin of a child in the index")
        else:
            position = rng.randrange(index_size)
            slips = rng.choices((0, 1, 2), weights=(62, 30, 8))[0]
            values, labels = _slipped(records[position], rng, slips=slips, pools=pools)
            row = FeedRow(values=values, truth=position, slips=tuple(labels), twin_of=twins.get(position, ()))
            child = index[position]
            if child.nhs and rng.random() < identifier_share:
                values["nhs_number"] = child.nhs
            if child.upn and rng.random() < identifier_share:
                values["upn"] = child.upn
        row.values = {
            "source_id": f"R{n:08d}",
            "nhs_number": "",
            "upn": "",
            **_address(rng, row.values.get("postcode", "")),
            **row.values,
        }
        truth.feed.append(row)
    return truth


def write(truth: GroundTruth, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "feed.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FEED_COLUMNS)
        writer.writeheader()
        for row in truth.feed:
            writer.writerow({c: row.values.get(c, "") for c in FEED_COLUMNS})
    with (out / "truth.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["source_id", "index_position", "slips", "twin_of"])
        for row in truth.feed:
            writer.writerow(
                [
                    row.values["source_id"],
                    "" if row.truth is None else row.truth,
                    ";".join(row.slips),
                    ";".join(map(str, row.twin_of)),
                ]
            )
    with (out / "index.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["position", "names", "date_of_birth", "sex", "postcodes", "nhs", "upn", "duplicate_of"])
        for i, child in enumerate(truth.index):
            r = child.record
            names = "|".join(f"{n.given}/{n.family}" for n in r.names)
            writer.writerow(
                [
                    i,
                    names,
                    r.date_of_birth.isoformat(),
                    r.sex,
                    "|".join(r.postcodes),
                    child.nhs,
                    child.upn,
                    child.duplicate_of or "",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=int, default=10_000)
    parser.add_argument("--feed", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duplicates", type=float, default=0.0, help="share of planted duplicates in the index")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write(generate(args.index, args.feed, args.seed, duplicate_share=args.duplicates), args.out)
    print(f"wrote {args.out}/index.csv, feed.csv, truth.csv")


if __name__ == "__main__":
    main()
