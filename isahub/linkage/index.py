"""Reading the child index into standardised records: all of it, or the children given."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from uuid import UUID

from isahub.children import matching
from isahub.children.models import Child, ChildAddress, ChildIdentifier, ChildName, NameKind, RecordStatus, SearchKey

from .standardise import Person, standardise

CHUNK = 5000


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def people(child_ids: Iterable[UUID] | None = None) -> list[Person]:
    """Every record not merged away (or those of `child_ids`), current name and postcode first."""
    base = Child.objects.exclude(status=RecordStatus.MERGED)
    if child_ids is None:
        rows = list(base.values_list("id", "date_of_birth", "sex"))
    else:
        wanted = list(dict.fromkeys(child_ids))
        rows = [r for chunk in _chunks(wanted) for r in base.filter(pk__in=chunk).values_list("id", "date_of_birth", "sex")]
    ids = [r[0] for r in rows]
    names: dict[UUID, list[tuple[int, str, str]]] = defaultdict(list)
    postcodes: dict[UUID, list[tuple[int, str]]] = defaultdict(list)
    identifiers: dict[UUID, dict[str, str]] = defaultdict(dict)
    for chunk in _chunks(ids) if child_ids is not None else [None]:
        name_q = ChildName.objects.all() if chunk is None else ChildName.objects.filter(child_id__in=chunk)
        for child_id, kind, given, family, valid_to in name_q.values_list(
            "child_id", "kind", "given_names", "family_name", "valid_to"
        ):
            rank = 0 if kind == NameKind.LEGAL and valid_to is None else 1 if valid_to is None else 2
            names[child_id].append((rank, given, family))
        address_q = ChildAddress.objects.all() if chunk is None else ChildAddress.objects.filter(child_id__in=chunk)
        for child_id, postcode, valid_to in address_q.values_list("child_id", "postcode", "valid_to"):
            postcodes[child_id].append((0 if valid_to is None else 1, postcode))
        id_q = ChildIdentifier.objects.filter(kind__in=["nhs", "upn"])
        if chunk is not None:
            id_q = id_q.filter(child_id__in=chunk)
        for child_id, kind, value in id_q.values_list("child_id", "kind", "value"):
            identifiers[child_id][kind] = value
    out = []
    for child_id, dob, sex in rows:
        held = identifiers.get(child_id, {})
        out.append(
            Person(
                unique_id=str(child_id),
                names=tuple((g, f) for _, g, f in sorted(names.get(child_id, []), key=lambda n: n[0])),
                date_of_birth=dob,
                sex=sex,
                postcodes=tuple(dict.fromkeys(p for _, p in sorted(postcodes.get(child_id, []), key=lambda p: p[0]))),
                nhs=held.get("nhs", ""),
                upn=held.get("upn", ""),
            )
        )
    return out


def records(child_ids: Iterable[UUID] | None = None) -> list[dict]:
    return [standardise(p) for p in people(child_ids)]


def candidate_ids(queries: Iterable[matching.Query], cap_per_key: int = 2000) -> set[UUID]:
    """The children any of these queries' blocking keys find (the child index's own keys,
    isahub/children/matching.py: both tiers), following no merges (merged records are skipped
    by `people`)."""
    keys: set[str] = set()
    for query in queries:
        tier0, tier1 = matching.query_key_tiers(query)
        keys.update(tier0)
        keys.update(tier1)
    found: set[UUID] = set()
    for chunk in _chunks(sorted(keys)):
        found.update(SearchKey.objects.filter(key__in=chunk).values_list("child_id", flat=True))
    return found
