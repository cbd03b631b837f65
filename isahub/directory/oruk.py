"""Directory records in Open Referral UK 3.0 shapes (schema/compiled/*.json of the standard).

Only the standard's fields are written, plus a few HSDS 3.0 fields the UK profile's trimmed
schemas leave out but allow (language name and code, contact e-mail and phones, location
phones and service-at-location schedules, service eligibility_description). Empty optional
values are left out rather than sent as "" or null, so formats (uri, email) always hold.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, QuerySet

from .models import (
    Location,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceAttribute,
    Taxonomy,
    TaxonomyTerm,
)

VERSION = "3.0"
PROFILE = "https://openreferraluk.org/"


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in ("", None)}


def _date(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _time(value: dt.time | None) -> str | None:
    return value.strftime("%H:%M:%S") if value else None


def taxonomy(t: Taxonomy) -> dict[str, Any]:
    return _clean({"id": str(t.id), "name": t.name, "description": t.description, "uri": t.uri, "version": t.version})


def taxonomy_term(t: TaxonomyTerm) -> dict[str, Any]:
    return _clean(
        {
            "id": str(t.id),
            "name": t.name,
            "description": t.description,
            "parent_id": str(t.parent_id) if t.parent_id else None,
            "taxonomy": t.taxonomy.name,
            "taxonomy_id": str(t.taxonomy_id),
            "term_uri": t.term_uri,
            "term": t.code,
        }
    )


def organization_brief(o: Organization) -> dict[str, Any]:
    return _clean(
        {
            "id": str(o.id),
            "name": o.name,
            "description": o.description,
            "email": o.email,
            "website": o.website,
            "logo": o.logo,
            "uri": o.uri,
            "parent_organization_id": str(o.parent_id) if o.parent_id else None,
        }
    )


def organization_full(o: Organization) -> dict[str, Any]:
    data = organization_brief(o)
    data["organization_identifiers"] = [
        _clean(
            {
                "id": str(i.id),
                "organization_id": str(o.id),
                "identifier_scheme": i.identifier_scheme,
                "identifier_type": i.identifier_type,
                "identifier": i.identifier,
            }
        )
        for i in o.identifiers.all()
    ]
    return data


def service_list_item(s: Service) -> dict[str, Any]:
    return _clean(
        {
            "id": str(s.id),
            "organization_id": str(s.organization_id),
            "name": s.name,
            "description": s.description,
            "url": s.url,
            "email": s.email,
            "status": s.status,
            "fees": s.fees,
            "accreditations": s.accreditations,
            "minimum_age": s.minimum_age,
            "maximum_age": s.maximum_age,
            "assured_date": _date(s.assured_date),
            "assurer_email": s.assurer_email,
            "alert": s.alert,
            "last_modified": s.last_modified.isoformat() if s.last_modified else None,
            "organization": organization_brief(s.organization),
        }
    )


def _phone(p) -> dict[str, Any]:
    return _clean({"id": str(p.id), "number": p.number, "description": p.description})


def _schedule(sc) -> dict[str, Any]:
    return _clean(
        {
            "id": str(sc.id),
            "service_id": str(sc.service_id) if sc.service_id else None,
            "service_at_location_id": str(sc.service_at_location_id) if sc.service_at_location_id else None,
            "valid_from": _date(sc.valid_from),
            "valid_to": _date(sc.valid_to),
            "dtstart": _date(sc.dtstart),
            "freq": sc.freq,
            "interval": sc.interval,
            "byday": sc.byday,
            "bymonthday": sc.bymonthday,
            "description": sc.description,
            "opens_at": _time(sc.opens_at),
            "closes_at": _time(sc.closes_at),
            "attending_type": sc.attending_type,
            "notes": sc.notes,
        }
    )


def location_brief(loc: Location) -> dict[str, Any]:
    return _clean(
        {
            "id": str(loc.id),
            "location_type": loc.location_type,
            "name": loc.name,
            "description": loc.description,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "external_identifier": loc.external_identifier,
            "external_identifier_type": loc.external_identifier_type,
        }
    )


def location_full(loc: Location) -> dict[str, Any]:
    data = location_brief(loc)
    data["addresses"] = [
        _clean(
            {
                "id": str(a.id),
                "location_id": str(loc.id),
                "attention": a.attention,
                "address_1": a.address_1,
                "city": a.city,
                "region": a.region,
                "state_province": a.state_province,
                "postal_code": a.postal_code,
                "country": a.country,
                "address_type": a.address_type,
            }
        )
        for a in loc.addresses.all()
    ]
    data["accessibility"] = [
        _clean(
            {
                "id": str(a.id),
                "location_id": str(loc.id),
                "description": a.description,
                "details": a.details,
                "url": a.url,
            }
        )
        for a in loc.accessibility.all()
    ]
    data["phones"] = [_phone(p) for p in loc.phones.all()]
    return data


def _attribute(a: ServiceAttribute) -> dict[str, Any]:
    return _clean(
        {
            "id": str(a.id),
            "link_id": str(a.service_id),
            "taxonomy_term_id": str(a.taxonomy_term_id),
            "link_type": a.link_type,
            "taxonomy_term": taxonomy_term(a.taxonomy_term),
        }
    )


def sal_list_item(sal: ServiceAtLocation) -> dict[str, Any]:
    return {
        "id": str(sal.id),
        "service_id": str(sal.service_id),
        "location_id": str(sal.location_id),
        "location": location_brief(sal.location),
        "service": service_list_item(sal.service),
    }


def sal_full(sal: ServiceAtLocation) -> dict[str, Any]:
    data = {
        "id": str(sal.id),
        "service_id": str(sal.service_id),
        "location_id": str(sal.location_id),
        "location": location_full(sal.location),
        "service": service_list_item(sal.service),
        "schedules": [_schedule(sc) for sc in sal.schedules.all()],
    }
    return data


def service_full(s: Service) -> dict[str, Any]:
    data = service_list_item(s)
    data["eligibility_description"] = s.eligibility_description or None
    data = _clean(data)
    data.update(
        {
            "schedules": [_schedule(sc) for sc in s.schedules.all()],
            "service_areas": [
                _clean(
                    {
                        "id": str(a.id),
                        "service_id": str(s.id),
                        "name": a.name,
                        "extent": a.extent,
                        "extent_type": a.extent_type,
                        "uri": a.uri,
                        "service_area": a.description,
                    }
                )
                for a in s.service_areas.all()
            ],
            "service_at_locations": [
                {
                    "id": str(sal.id),
                    "service_id": str(s.id),
                    "location_id": str(sal.location_id),
                    "location": location_full(sal.location),
                    "schedules": [_schedule(sc) for sc in sal.schedules.all()],
                }
                for sal in s.service_at_locations.all()
            ],
            "languages": [
                _clean(
                    {
                        "id": str(lang.id),
                        "service_id": str(s.id),
                        "phone_id": str(lang.phone_id) if lang.phone_id else None,
                        "name": lang.name,
                        "code": lang.code,
                        "note": lang.note,
                    }
                )
                for lang in s.languages.all()
            ],
            "organization": organization_full(s.organization),
            "funding": [],
            "cost_options": [
                _clean(
                    {
                        "id": str(c.id),
                        "service_id": str(s.id),
                        "valid_from": _date(c.valid_from),
                        "valid_to": _date(c.valid_to),
                        "option": c.option,
                        "amount": float(c.amount) if c.amount is not None else None,
                        "amount_description": c.amount_description,
                    }
                )
                for c in s.cost_options.all()
            ],
            "contacts": [
                _clean(
                    {
                        "id": str(c.id),
                        "service_id": str(s.id),
                        "name": c.name,
                        "title": c.title,
                        "department": c.department,
                        "email": c.email,
                    }
                )
                | {"phones": [_phone(p) for p in c.phones.all()]}
                for c in s.contacts.all()
            ],
            "attributes": [_attribute(a) for a in s.attributes.all()],
        }
    )
    return data


def services_for_list(services: QuerySet[Service]) -> QuerySet[Service]:
    return services.select_related("organization")


def services_for_full(services: QuerySet[Service]) -> QuerySet[Service]:
    location_parts = ("location__addresses", "location__accessibility", "location__phones", "schedules")
    return services.select_related("organization").prefetch_related(
        "schedules",
        "service_areas",
        Prefetch("service_at_locations", queryset=ServiceAtLocation.objects.select_related("location")),
        *[f"service_at_locations__{part}" for part in location_parts],
        "languages",
        "organization__identifiers",
        "cost_options",
        "contacts__phones",
        Prefetch("attributes", queryset=ServiceAttribute.objects.select_related("taxonomy_term__taxonomy")),
    )


def sals_for_full(sals: QuerySet[ServiceAtLocation]) -> QuerySet[ServiceAtLocation]:
    return sals.select_related("location", "service__organization").prefetch_related(
        "location__addresses", "location__accessibility", "location__phones", "schedules"
    )
