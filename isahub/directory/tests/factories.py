"""Hand-made directory records for tests that need exact values."""

from __future__ import annotations

import datetime as dt

from isahub.directory.indexing import index_services
from isahub.directory.models import (
    Address,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceAttribute,
)


def make_org(name="Test Trust", *, agreed=True, agency=None, **fields) -> Organization:
    return Organization.objects.create(
        name=name,
        description=f"{name} helps families.",
        agreed_to_keep_current_on=dt.date(2026, 1, 1) if agreed else None,
        agreed_by="Director" if agreed else "",
        agency=agency,
        **fields,
    )


def make_service(
    org, name="Test service", *, terms=(), lat=None, lon=None, postcode="NB1 1AA", verified=None, **fields
) -> Service:
    fields.setdefault("description", "")
    service = Service.objects.create(
        organization=org,
        name=name,
        last_verified_on=verified,
        last_verified_by="Officer" if verified else "",
        **fields,
    )
    for term in terms:
        ServiceAttribute.objects.create(service=service, taxonomy_term=term)
    if lat is not None:
        location = Location.objects.create(organization=org, name=f"{name} base", latitude=lat, longitude=lon)
        Address.objects.create(
            location=location, address_1="1 Test Street", city="Northbrook", state_province="Northbrook", postal_code=postcode
        )
        sal = ServiceAtLocation.objects.create(service=service, location=location)
        Schedule.objects.create(
            service_at_location=sal, freq="WEEKLY", byday="MO,TU,WE,TH,FR", opens_at=dt.time(9), closes_at=dt.time(17)
        )
    index_services([service.pk])
    return service
