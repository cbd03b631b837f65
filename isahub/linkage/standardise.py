"""Standardising a child (from the index) or a feed row into one flat record for Splink.

Both sides pass through the child index's own normalisation (isahub/children/matching.py), so the
model compares like with like: names lower-cased with accents and punctuation removed, a phonetic
key (`sound`), the names a forename may be filed under (`forename_roots`: Bill, Will and Liam
share "william"), every surname form (a previous surname, an alias, each part of a
double-barrelled name), dates as ISO text, postcodes in the national form with their sector and
district. Pure: no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from isahub.children import matching

# The columns every standardised record has, in this order (Splink needs the same on both sides).
COLUMNS = (
    "unique_id",
    "forename",
    "forename_sound",
    "forename_roots",
    "forename_initial",
    "surname",
    "surname_sound",
    "surnames",
    "dob",
    "dob_year",
    "sex",
    "postcode",
    "postcodes",
    "sector",
    "district",
    "nhs",
    "upn",
)
_BINARY_SEX = {"female", "male"}


@dataclass(frozen=True)
class Person:
    """What is known of one person, before standardising: every name and postcode, current first."""

    unique_id: str
    names: tuple[tuple[str, str], ...]  # (given, family)
    date_of_birth: dt.date | None
    sex: str = ""
    postcodes: tuple[str, ...] = ()
    nhs: str = ""
    upn: str = ""


def _first_given(given: str) -> str:
    normalised = matching.normalise_name(given or "")
    return normalised.split(" ", 1)[0] if normalised else ""


def _place(postcode: str) -> tuple[str, str, str] | None:
    if not postcode or not postcode.strip():
        return None
    try:
        full = matching.normalise_postcode(postcode)
    except ValueError:
        return None
    return full, full[:-2], full.split(" ")[0]


def standardise(person: Person) -> dict:
    """One flat record (see COLUMNS). Missing values are None (Splink's null level)."""
    given, family = person.names[0] if person.names else ("", "")
    forename = _first_given(given)
    surname = matching.normalise_name(family or "")
    forms = matching.surname_forms(surname) if surname else ()
    surnames: dict[str, None] = {}
    roots: dict[str, None] = {}
    for other_given, other_family in person.names:
        other = matching.normalise_name(other_family or "")
        if other:
            surnames[other] = None
            surnames.update(dict.fromkeys(matching.surname_forms(other)))
        first = _first_given(other_given)
        if first:
            roots.update(dict.fromkeys(matching.forename_roots(first)))
    places = [p for p in (_place(pc) for pc in person.postcodes) if p]
    current = places[0] if places else None
    dob = person.date_of_birth
    return {
        "unique_id": person.unique_id,
        "forename": forename or None,
        "forename_sound": matching.sound(forename) if forename else None,
        "forename_roots": list(roots) or None,
        "forename_initial": forename[:1] or None,
        "surname": surname or None,
        "surname_sound": matching.sound(forms[0]) if forms else None,
        "surnames": list(surnames) or None,
        "dob": dob.isoformat() if dob else None,
        "dob_year": str(dob.year) if dob else None,
        "sex": person.sex if person.sex in _BINARY_SEX else None,
        "postcode": current[0] if current else None,
        "postcodes": [p[0] for p in places] or None,
        "sector": current[1] if current else None,
        "district": current[2] if current else None,
        "nhs": person.nhs or None,
        "upn": person.upn or None,
    }


def standardise_all(people: Iterable[Person]) -> list[dict]:
    return [standardise(p) for p in people]


def person_from_row(unique_id: str, values: dict) -> Person:
    """A validated feed row (CleanRow.values: typed values, "" for missing)."""
    dob = values.get("date_of_birth") or None
    return Person(
        unique_id=unique_id,
        names=((str(values.get("given_names") or ""), str(values.get("family_name") or "")),),
        date_of_birth=dob if isinstance(dob, dt.date) else (dt.date.fromisoformat(dob) if dob else None),
        sex=str(values.get("sex") or ""),
        postcodes=(str(values.get("postcode") or ""),) if values.get("postcode") else (),
        nhs=str(values.get("nhs_number") or ""),
        upn=str(values.get("upn") or ""),
    )
