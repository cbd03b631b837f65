"""Turning a child's stored names and addresses into what the matcher works on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from . import matching
from .models import Child, ChildAddress, ChildName, SearchKey


def match_records(child_ids: Iterable) -> dict:
    """ChildRecords for many children at once (three queries, whatever the number)."""
    ids = list(child_ids)
    names: dict = defaultdict(list)
    for child_id, given, family in ChildName.objects.filter(child_id__in=ids).values_list(
        "child_id", "given_names", "family_name"
    ):
        names[child_id].append(matching.NameRecord(given=given, family=family))
    postcodes: dict = defaultdict(list)
    for child_id, postcode in ChildAddress.objects.filter(child_id__in=ids).values_list("child_id", "postcode"):
        postcodes[child_id].append(postcode)
    records = {}
    for child_id, dob, sex in Child.objects.filter(pk__in=ids).values_list("id", "date_of_birth", "sex"):
        records[child_id] = matching.ChildRecord(
            names=tuple(names[child_id]), date_of_birth=dob, sex=sex, postcodes=tuple(dict.fromkeys(postcodes[child_id]))
        )
    return records


def _with_merged(child: Child) -> list:
    """A survivor answers for the records merged into it, so searches follow the merge."""
    return [child.pk, *Child.objects.filter(merged_into=child, merged_into__isnull=False).values_list("pk", flat=True)]


def rebuild_search_keys(child: Child) -> None:
    """Replace a child's blocking keys. Hidden and archived records keep their keys (so that
    probes for them can be counted); merged records hand theirs to the survivor."""
    SearchKey.objects.filter(child=child).delete()
    if child.status == "merged":
        return
    records = match_records(_with_merged(child)).values()
    keys: set[str] = set()
    for record in records:
        keys |= matching.record_keys(record)
    SearchKey.objects.bulk_create([SearchKey(child=child, key=key) for key in sorted(keys)])


def match_records_following_merges(child_ids: Iterable) -> dict:
    """Like match_records, with each survivor also answering to its merged records' names."""
    ids = list(child_ids)
    merged = dict(Child.objects.filter(merged_into_id__in=ids, merged_into__isnull=False).values_list("pk", "merged_into_id"))
    records = match_records([*ids, *merged])
    for duplicate_id, survivor_id in merged.items():
        if duplicate_id in records and survivor_id in records:
            survivor, duplicate = records[survivor_id], records.pop(duplicate_id)
            records[survivor_id] = matching.ChildRecord(
                names=survivor.names + duplicate.names,
                date_of_birth=survivor.date_of_birth,
                sex=survivor.sex,
                postcodes=tuple(dict.fromkeys(survivor.postcodes + duplicate.postcodes)),
            )
    return records
