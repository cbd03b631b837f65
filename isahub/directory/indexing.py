"""Build the keyword index (ServiceToken rows) for services. Called by every write that
changes what a service says, and by the demo loader and the importer in bulk."""

from __future__ import annotations

from collections.abc import Iterable

from . import text
from .models import Service, ServiceToken
from .search import forget_vocabulary

WEIGHTS = {"name": 5, "terms": 3, "organization": 2, "description": 1}


def tokens_for(service: Service) -> dict[str, int]:
    weights: dict[str, int] = {}
    fields = {
        "name": service.name,
        "terms": " ".join(f"{t.name} {t.description if t.taxonomy.vocabulary == 'need' else ''}" for t in service.terms.all()),
        "organization": service.organization.name,
        "description": " ".join([service.description, service.eligibility_description]),
    }
    for field_name, value in fields.items():
        for token in text.stems(value):
            weights[token] = max(weights.get(token, 0), WEIGHTS[field_name])
    return weights


def index_services(service_ids: Iterable | None = None) -> int:
    """Rebuild the tokens of these services (all when None). Returns how many rows."""
    services = Service.objects.select_related("organization").prefetch_related("terms__taxonomy")
    if service_ids is not None:
        services = services.filter(pk__in=list(service_ids))
    rows: list[ServiceToken] = []
    ids = []
    for service in services.iterator(chunk_size=500):
        ids.append(service.pk)
        rows.extend(ServiceToken(service_id=service.pk, token=t, weight=w) for t, w in tokens_for(service).items())
    for start in range(0, len(ids), 500):
        ServiceToken.objects.filter(service_id__in=ids[start : start + 500]).delete()
    ServiceToken.objects.bulk_create(rows, batch_size=1000)
    forget_vocabulary()
    return len(rows)
