"""Loading a synthetic index straight into the tables, for tests and benchmarks (never real data).

The child index's services add one child at a time with its audit row; a benchmark index of a
million children needs bulk inserts. Names, addresses, identifiers and search keys are written as
the services would write them (source "synthetic").
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from isahub.children import matching
from isahub.children.models import Child, ChildAddress, ChildIdentifier, ChildName, NameKind, SearchKey


@dataclass(frozen=True)
class SyntheticChild:
    record: matching.ChildRecord  # names[0] legal, the rest previous names; postcodes[0] current
    nhs: str = ""
    upn: str = ""


def load_children(children: Sequence[SyntheticChild], *, batch: int = 5000) -> list[uuid.UUID]:
    """Insert every child with names, addresses, identifiers and search keys; their ids, in order."""
    now = timezone.now()
    prov = {"recorded_at": now, "source": "synthetic"}
    ids: list[uuid.UUID] = []
    for start in range(0, len(children), batch):
        part = children[start : start + batch]
        rows: list[Child] = []
        names: list[ChildName] = []
        addresses: list[ChildAddress] = []
        identifiers: list[ChildIdentifier] = []
        keys: list[SearchKey] = []
        for child in part:
            r = child.record
            pk = uuid.uuid4()
            ids.append(pk)
            rows.append(Child(id=pk, date_of_birth=r.date_of_birth, sex=r.sex or "unknown", **prov))
            for i, name in enumerate(r.names):
                names.append(
                    ChildName(
                        child_id=pk,
                        kind=NameKind.LEGAL if i == 0 else NameKind.PREVIOUS,
                        given_names=name.given,
                        family_name=name.family,
                        valid_to=None if i == 0 else now.date(),
                        **prov,
                    )
                )
            for i, postcode in enumerate(r.postcodes):
                addresses.append(
                    ChildAddress(
                        child_id=pk,
                        line_1=f"{i + 1} Synthetic Street",
                        town="Northbrook",
                        postcode=postcode,
                        valid_to=None if i == 0 else now.date(),
                        **prov,
                    )
                )
            for kind, value in (("nhs", child.nhs), ("upn", child.upn)):
                if value:
                    identifiers.append(ChildIdentifier(child_id=pk, kind=kind, value=value, **prov))
            keys.extend(SearchKey(child_id=pk, key=key) for key in matching.record_keys(r))
        with transaction.atomic():
            Child.objects.bulk_create(rows)
            ChildName.objects.bulk_create(names)
            ChildAddress.objects.bulk_create(addresses)
            ChildIdentifier.objects.bulk_create(identifiers)
            SearchKey.objects.bulk_create(keys)
    return ids
