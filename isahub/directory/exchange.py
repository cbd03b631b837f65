"""Loading and exporting a whole directory: Open Referral UK JSON and the standard's CSV tables.

Both formats become the same thing before anything is loaded: a list of full services in the
standard's JSON shape (CSV tables are joined by their ids). Then:

1. the file must be usable: it parses, it has services, and at least one is valid;
   otherwise nothing at all is loaded and the report says why;
2. every service is checked against the standard's compiled schema (jsonschema) and the
   product's own rules (an organisation, ages in order, opening before closing, ...);
   a service with any problem is rejected whole, with each reason and where it was found;
3. the valid ones are loaded in one transaction, matched by their ids: a re-import updates
   the same records (and replaces their lists of schedules, languages, ...) instead of
   adding copies.

New organisations are loaded unlisted: they appear publicly only once the agreement to keep
their entries current is recorded (`agreed_by`, for a file whose organisations have signed).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from jsonschema import Draft202012Validator, FormatChecker

from isahub.audit.services import audit_record
from isahub.policy.engine import require

from . import oruk
from .indexing import index_services
from .models import (
    Accessibility,
    Address,
    Contact,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceAttribute,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
)
from .selectors import SCHEMA_DIR

MAX_ROWS_REPORTED = 500
CSV_TABLES = (
    "organization",
    "service",
    "location",
    "address",
    "accessibility",
    "service_at_location",
    "schedule",
    "contact",
    "phone",
    "language",
    "cost_option",
    "service_area",
    "taxonomy",
    "taxonomy_term",
    "attribute",
)


class UnusableFile(ValueError):
    """The file cannot be loaded at all; nothing was changed."""


@dataclass
class Rejection:
    where: str  # e.g. "service 3 (id …)" or "service.csv row 4"
    reasons: list[str]


@dataclass
class ImportReport:
    loaded: int = 0
    created: int = 0
    updated: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    unlisted_organisations: int = 0
    unusable: str = ""

    @property
    def ok(self) -> bool:
        return not self.unusable


_validator: Draft202012Validator | None = None


def service_validator() -> Draft202012Validator:
    global _validator
    if _validator is None:
        schema = json.loads((SCHEMA_DIR / "compiled" / "service.json").read_text())
        schema.pop("$schema", None)
        _validator = Draft202012Validator(schema, format_checker=FormatChecker())
    return _validator


# --- Reading files ------------------------------------------------------------------------------


def services_from_json(raw: bytes) -> list[Any]:
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise UnusableFile(f"The file is not valid JSON ({problem}).") from None
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        data = data["contents"]
    elif isinstance(data, dict) and isinstance(data.get("services"), list):
        data = data["services"]
    elif isinstance(data, dict) and "id" in data and "name" in data:
        data = [data]
    if not isinstance(data, list):
        raise UnusableFile("The JSON holds no list of services (expected a list, a page with 'contents', or 'services').")
    return data


def _rows(tables: dict[str, list[dict]], name: str) -> list[dict]:
    return tables.get(name, [])


def _blank_to_none(row: dict) -> dict:
    return {k: (v if v not in ("",) else None) for k, v in row.items() if k}


def services_from_csv_tables(tables: dict[str, list[dict]]) -> list[Any]:
    """Join the standard's CSV tables into full services, by id."""
    if not _rows(tables, "service"):
        raise UnusableFile("The CSV files have no service.csv, or it has no rows.")
    by = {name: [_blank_to_none(r) for r in _rows(tables, name)] for name in CSV_TABLES}
    orgs = {r.get("id"): r for r in by["organization"]}
    terms = {r.get("id"): r for r in by["taxonomy_term"]}
    taxonomy_names = {r.get("id"): r.get("name") for r in by["taxonomy"]}
    locations = {}
    for loc in by["location"]:
        loc = dict(loc)
        loc["addresses"] = [_drop_none(a) for a in by["address"] if a.get("location_id") == loc.get("id")]
        loc["accessibility"] = [_drop_none(a) for a in by["accessibility"] if a.get("location_id") == loc.get("id")]
        for key in ("latitude", "longitude"):
            loc[key] = _number(loc.get(key))
        locations[loc.get("id")] = loc
    contact_phones: dict = {}
    for phone in by["phone"]:
        contact_phones.setdefault(phone.get("contact_id"), []).append({k: v for k, v in phone.items() if k != "contact_id"})
    services = []
    for number, row in enumerate(by["service"], start=2):
        s: dict[str, Any] = {k: v for k, v in row.items() if v is not None}
        s["_where"] = f"service.csv row {number}"
        for key in ("minimum_age", "maximum_age"):
            if key in s:
                s[key] = _number(s[key])
        sid = s.get("id")
        if s.get("organization_id") in orgs:
            s["organization"] = {k: v for k, v in orgs[s["organization_id"]].items() if v is not None}
        s["schedules"] = [
            _drop_none(r) for r in by["schedule"] if r.get("service_id") == sid and not r.get("service_at_location_id")
        ]
        s["service_areas"] = [_drop_none(r) for r in by["service_area"] if r.get("service_id") == sid]
        s["languages"] = [_drop_none(r) for r in by["language"] if r.get("service_id") == sid]
        s["cost_options"] = [
            _drop_none({**r, "amount": _number(r.get("amount"))}) for r in by["cost_option"] if r.get("service_id") == sid
        ]
        s["contacts"] = [
            {**_drop_none(r), "phones": contact_phones.get(r.get("id"), [])} for r in by["contact"] if r.get("service_id") == sid
        ]
        s["service_at_locations"] = [
            {
                **_drop_none(r),
                "location": _drop_none(locations.get(r.get("location_id")) or {"id": r.get("location_id")}),
                "schedules": [_drop_none(x) for x in by["schedule"] if x.get("service_at_location_id") == r.get("id")],
            }
            for r in by["service_at_location"]
            if r.get("service_id") == sid
        ]
        s["attributes"] = []
        for a in by["attribute"]:
            if a.get("link_id") == sid and a.get("taxonomy_term_id") in terms:
                term = dict(terms[a["taxonomy_term_id"]])
                term["taxonomy"] = term.get("taxonomy") or taxonomy_names.get(term.get("taxonomy_id")) or ""
                s["attributes"].append({**_drop_none(a), "taxonomy_term": _drop_none(term)})
        services.append(s)
    return services


def _drop_none(row: dict) -> dict:
    return {k: v for k, v in row.items() if v is not None}


def _number(value):
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value  # left as text: the schema check will reject it with a reason
    return int(number) if number.is_integer() else number


def read_upload(name: str, raw: bytes) -> list[Any]:
    lower = name.lower()
    if lower.endswith(".json"):
        return services_from_json(raw)
    if lower.endswith(".zip"):
        try:
            archive = zipfile.ZipFile(io.BytesIO(raw))
        except zipfile.BadZipFile:
            raise UnusableFile("The file is not a readable zip archive.") from None
        tables = {}
        for member in archive.namelist():
            table = member.rsplit("/", 1)[-1].removesuffix(".csv")
            if member.lower().endswith(".csv") and table in CSV_TABLES:
                if archive.getinfo(member).file_size > 100 * 1024 * 1024:
                    raise UnusableFile(f"{member} is too large.")
                tables[table] = list(csv.DictReader(io.StringIO(archive.read(member).decode("utf-8-sig"))))
        return services_from_csv_tables(tables)
    raise UnusableFile("Upload a .json file (an Open Referral UK API dump) or a .zip of the standard's CSV tables.")


def read_csv_directory(path) -> list[Any]:
    from pathlib import Path

    tables = {}
    for table in CSV_TABLES:
        file = Path(path) / f"{table}.csv"
        if file.exists():
            with file.open(newline="", encoding="utf-8-sig") as handle:
                tables[table] = list(csv.DictReader(handle))
    return services_from_csv_tables(tables)


# --- Checking -----------------------------------------------------------------------------------


def problems_with(s: Any, known_orgs: set) -> list[str]:
    if not isinstance(s, dict):
        return ["It is not a JSON object."]
    data = {k: v for k, v in s.items() if not k.startswith("_")}
    problems = []
    for error in sorted(service_validator().iter_errors(data), key=lambda e: list(e.absolute_path)):
        where = ".".join(str(p) for p in error.absolute_path) or "the service"
        problems.append(f"{where}: {error.message}")
    org = s.get("organization") or {}
    org_id = (org.get("id") if isinstance(org, dict) else None) or s.get("organization_id")
    if not org_id:
        problems.append("organization: every service needs its organisation (organization or organization_id).")
    elif not (isinstance(org, dict) and org.get("name")) and str(org_id) not in known_orgs:
        problems.append(f"organization_id: no organisation with id {org_id} in the file or the directory.")
    low, high = s.get("minimum_age"), s.get("maximum_age")
    if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
        problems.append("maximum_age: is less than minimum_age.")
    for key in ("minimum_age", "maximum_age"):
        if isinstance(s.get(key), int | float) and not (0 <= s[key] <= 150):
            problems.append(f"{key}: {s[key]} is not an age.")
    if isinstance(s.get("name"), str) and len(s["name"]) > 250:
        problems.append("name: longer than 250 characters.")
    for i, sal in enumerate(s.get("service_at_locations") or []):
        loc = sal.get("location") if isinstance(sal, dict) else None
        if isinstance(loc, dict):
            lat, lon = loc.get("latitude"), loc.get("longitude")
            if (lat is None) != (lon is None):
                problems.append(f"service_at_locations.{i}.location: latitude and longitude go together.")
            elif isinstance(lat, int | float) and isinstance(lon, int | float) and not (-90 <= lat <= 90 and -180 <= lon <= 180):
                problems.append(f"service_at_locations.{i}.location: coordinates out of range.")
    for i, sc in enumerate(_all_schedules(s)):
        opens, closes = _time(sc.get("opens_at")), _time(sc.get("closes_at"))
        if sc.get("opens_at") and opens is None:
            problems.append(f"schedule {i}: opens_at {sc.get('opens_at')!r} is not a time.")
        if sc.get("closes_at") and closes is None:
            problems.append(f"schedule {i}: closes_at {sc.get('closes_at')!r} is not a time.")
        if opens and closes and opens >= closes:
            problems.append(f"schedule {i}: opens at {opens} but closes at {closes}.")
    for i, c in enumerate(s.get("cost_options") or []):
        if isinstance(c, dict) and isinstance(c.get("amount"), int | float) and c["amount"] < 0:
            problems.append(f"cost_options.{i}.amount: cannot be negative.")
    for key in ("assured_date",):
        if s.get(key) and _date(s[key]) is None:
            problems.append(f"{key}: {s[key]!r} is not a date (YYYY-MM-DD).")
    return problems


def _all_schedules(s: dict) -> list[dict]:
    found = [x for x in s.get("schedules") or [] if isinstance(x, dict)]
    for sal in s.get("service_at_locations") or []:
        if isinstance(sal, dict):
            found += [x for x in sal.get("schedules") or [] if isinstance(x, dict)]
    return found


def _time(value) -> dt.time | None:
    if not value:
        return None
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        return None


def _date(value) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# --- Loading ------------------------------------------------------------------------------------


def import_services(records: list[Any], *, agreed_by: str = "", today: dt.date | None = None) -> ImportReport:
    """Check every record, then load the valid ones in one transaction (or nothing)."""
    report = ImportReport()
    if not records:
        report.unusable = "The file has no services in it."
        return report
    in_file = {
        str((r.get("organization") or {}).get("id"))
        for r in records
        if isinstance(r, dict) and isinstance(r.get("organization"), dict) and (r.get("organization") or {}).get("name")
    }
    known = in_file | {str(pk) for pk in Organization.objects.values_list("pk", flat=True)}
    valid = []
    seen_ids: set = set()
    for number, record in enumerate(records, start=1):
        where = (record.get("_where") if isinstance(record, dict) else None) or f"service {number}"
        if isinstance(record, dict) and record.get("id"):
            where += f" (id {record.get('id')})"
        problems = problems_with(record, known)
        if not problems and str(record["id"]) in seen_ids:
            problems = ["id: the same service appears twice in the file."]
        if problems:
            report.rejected.append(Rejection(where=where, reasons=problems))
        else:
            seen_ids.add(str(record["id"]))
            valid.append(record)
    if not valid:
        report.unusable = "No service in the file could be loaded, so nothing was loaded: see the reasons below."
        return report
    state = _LoadState()
    with transaction.atomic():
        orgs_before = set(Organization.objects.values_list("pk", flat=True))
        existing = set(Service.objects.filter(pk__in=[r["id"] for r in valid]).values_list("pk", flat=True))
        for record in valid:
            _load_service(state, record, agreed_by=agreed_by, today=today or timezone.localdate())
        report.loaded = len(valid)
        report.updated = len(existing)
        report.created = report.loaded - report.updated
        new_orgs = Organization.objects.exclude(pk__in=orgs_before)
        report.unlisted_organisations = new_orgs.filter(agreed_to_keep_current_on__isnull=True).count()
        index_services([r["id"] for r in valid])
    return report


def _pick(data: dict, *keys: str) -> dict:
    return {k: data[k] for k in keys if data.get(k) is not None}


def _load_org(data: dict, *, agreed_by: str, today: dt.date) -> Organization:
    values = {"name": data.get("name") or "", "description": data.get("description") or ""}
    values |= {k: data.get(k) or "" for k in ("email", "website", "logo", "uri")}
    org, created = Organization.objects.update_or_create(pk=data["id"], defaults=values)
    if agreed_by and org.agreed_to_keep_current_on is None:
        org.agreed_to_keep_current_on, org.agreed_by = today, agreed_by
        org.save(update_fields=["agreed_to_keep_current_on", "agreed_by"])
    return org


def _load_term(data: dict) -> TaxonomyTerm:
    taxonomy_id = data.get("taxonomy_id")
    taxonomy_name = data.get("taxonomy") or "Imported taxonomy"
    if taxonomy_id:
        taxonomy, _ = Taxonomy.objects.get_or_create(
            pk=taxonomy_id, defaults={"name": taxonomy_name, "description": taxonomy_name}
        )
    else:
        taxonomy = Taxonomy.objects.filter(name=taxonomy_name).first() or Taxonomy.objects.create(
            name=taxonomy_name, description=taxonomy_name
        )
    existing = TaxonomyTerm.objects.filter(pk=data["id"]).first()
    if existing:
        return existing
    code = str(data.get("term") or data.get("name"))[:100]
    clash = TaxonomyTerm.objects.filter(taxonomy=taxonomy, code=code).first()
    if clash:
        return clash
    parent = TaxonomyTerm.objects.filter(pk=str(data["parent_id"])).first() if data.get("parent_id") else None
    return TaxonomyTerm.objects.create(
        pk=data["id"],
        taxonomy=taxonomy,
        code=code,
        name=data.get("name") or code,
        description=data.get("description") or "",
        term_uri=data.get("term_uri") or "",
        parent=parent,
    )


@dataclass
class _LoadState:
    """What one import has done so far: the ids it has given out, the locations it rebuilt."""

    claimed: set[str] = field(default_factory=set)
    locations_done: set[str] = field(default_factory=set)

    def free_id(self, model, wanted) -> uuid.UUID:
        """The file's id for a row, unless another record already holds it (a file may reuse
        ids across services): then a new one, so nothing belonging to another entry is touched."""
        try:
            candidate = uuid.UUID(str(wanted))
        except ValueError:
            return uuid.uuid4()
        key = f"{model._meta.label}:{candidate}"
        if key in self.claimed or model.objects.filter(pk=candidate).exists():
            return uuid.uuid4()
        self.claimed.add(key)
        return candidate


def _schedule(state: _LoadState, data: dict, **owner) -> Schedule:
    return Schedule(
        id=state.free_id(Schedule, data.get("id")),
        valid_from=_date(data.get("valid_from")),
        valid_to=_date(data.get("valid_to")),
        dtstart=_date(data.get("dtstart")),
        freq=data.get("freq") or "",
        interval=data.get("interval"),
        byday=data.get("byday") or "",
        bymonthday=str(data.get("bymonthday") or ""),
        opens_at=_time(data.get("opens_at")),
        closes_at=_time(data.get("closes_at")),
        description=data.get("description") or "",
        attending_type=data.get("attending_type") or "",
        notes=data.get("notes") or "",
        **owner,
    )


def _load_service(state: _LoadState, s: dict, *, agreed_by: str, today: dt.date) -> None:
    org_data = s.get("organization") if isinstance(s.get("organization"), dict) and s["organization"].get("name") else None
    org = (
        _load_org(org_data, agreed_by=agreed_by, today=today)
        if org_data
        else Organization.objects.get(pk=str(s["organization_id"]))
    )
    values: dict[str, Any] = {
        "organization": org,
        "name": s["name"],
        "status": s.get("status") or ServiceStatus.ACTIVE,
        "minimum_age": s.get("minimum_age"),
        "maximum_age": s.get("maximum_age"),
        "assured_date": _date(s.get("assured_date")),
    }
    for key in ("description", "url", "email", "fees", "accreditations", "alert", "assurer_email", "eligibility_description"):
        values[key] = s.get(key) or ""
    service, _ = Service.objects.update_or_create(pk=s["id"], defaults=values)
    # Lists are replaced, so a re-import leaves exactly what the file says.
    for related in (service.schedules, service.service_areas, service.languages, service.cost_options, service.contacts):
        related.all().delete()
    service.attributes.all().delete()
    service.service_at_locations.all().delete()
    Schedule.objects.bulk_create([_schedule(state, x, service=service) for x in s.get("schedules") or []])
    ServiceArea.objects.bulk_create(
        [
            ServiceArea(
                id=state.free_id(ServiceArea, a.get("id")),
                service=service,
                name=a.get("name") or a.get("service_area") or "",
                description=a.get("service_area") or "",
                extent=a.get("extent") or "",
                extent_type=a.get("extent_type") or "",
                uri=a.get("uri") or "",
            )
            for a in s.get("service_areas") or []
        ]
    )
    Language.objects.bulk_create(
        [
            Language(
                id=state.free_id(Language, x.get("id")),
                service=service,
                name=x.get("name") or "",
                code=x.get("code") or "",
                note=x.get("note") or "",
            )
            for x in s.get("languages") or []
        ]
    )
    CostOption.objects.bulk_create(
        [
            CostOption(
                id=state.free_id(CostOption, c.get("id")),
                service=service,
                option=c.get("option") or "",
                amount=_decimal(c.get("amount")),
                amount_description=c.get("amount_description") or "",
                valid_from=_date(c.get("valid_from")),
                valid_to=_date(c.get("valid_to")),
            )
            for c in s.get("cost_options") or []
        ]
    )
    for c in s.get("contacts") or []:
        contact = Contact.objects.create(
            id=state.free_id(Contact, c.get("id")),
            service=service,
            name=c.get("name") or "",
            title=c.get("title") or "",
            department=c.get("department") or "",
            email=c.get("email") or "",
        )
        Phone.objects.bulk_create(
            [
                Phone(
                    id=state.free_id(Phone, p.get("id")),
                    contact=contact,
                    service=service,
                    number=p["number"],
                    description=p.get("description") or "",
                )
                for p in c.get("phones") or []
                if p.get("number")
            ]
        )
    for a in s.get("attributes") or []:
        if isinstance(a.get("taxonomy_term"), dict) and a["taxonomy_term"].get("id"):
            term = _load_term(a["taxonomy_term"])
            ServiceAttribute.objects.get_or_create(
                service=service,
                taxonomy_term=term,
                defaults={"id": state.free_id(ServiceAttribute, a.get("id")), "link_type": a.get("link_type") or ""},
            )
    for sal in s.get("service_at_locations") or []:
        loc_data = sal.get("location") or {}
        if not loc_data.get("id"):
            continue
        location, _ = Location.objects.update_or_create(
            pk=loc_data["id"],
            defaults={
                "organization": org,
                "location_type": loc_data.get("location_type") or "physical",
                "name": loc_data.get("name") or "",
                "description": loc_data.get("description") or "",
                "latitude": loc_data.get("latitude"),
                "longitude": loc_data.get("longitude"),
                "external_identifier": loc_data.get("external_identifier") or "",
                "external_identifier_type": loc_data.get("external_identifier_type") or "",
            },
        )
        # A location shared by several services in the file is rebuilt once.
        rebuild = str(location.pk) not in state.locations_done
        state.locations_done.add(str(location.pk))
        if rebuild and "addresses" in loc_data:
            location.addresses.all().delete()
            Address.objects.bulk_create(
                [
                    Address(
                        id=state.free_id(Address, a.get("id")),
                        location=location,
                        **{
                            k: a.get(k) or ""
                            for k in ("attention", "address_1", "city", "region", "state_province", "postal_code")
                        },
                        country=(a.get("country") or "GB")[:2],
                        address_type=a.get("address_type") or "physical",
                    )
                    for a in loc_data.get("addresses") or []
                ]
            )
        if rebuild and "accessibility" in loc_data:
            location.accessibility.all().delete()
            Accessibility.objects.bulk_create(
                [
                    Accessibility(
                        id=state.free_id(Accessibility, a.get("id")),
                        location=location,
                        description=a.get("description") or a.get("accessibility") or "",
                        details=a.get("details") or "",
                        url=a.get("url") or "",
                    )
                    for a in loc_data.get("accessibility") or []
                ]
            )
        if rebuild and "phones" in loc_data:
            location.phones.all().delete()
            Phone.objects.bulk_create(
                [
                    Phone(
                        id=state.free_id(Phone, p.get("id")),
                        location=location,
                        number=p["number"],
                        description=p.get("description") or "",
                    )
                    for p in loc_data.get("phones") or []
                    if p.get("number")
                ]
            )
        link = ServiceAtLocation.objects.create(
            id=state.free_id(ServiceAtLocation, sal.get("id")), service=service, location=location
        )
        Schedule.objects.bulk_create([_schedule(state, x, service_at_location=link) for x in sal.get("schedules") or []])


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# --- Exporting ----------------------------------------------------------------------------------


def export_json() -> str:
    services = oruk.services_for_full(Service.objects.order_by("name", "id"))
    return json.dumps([oruk.service_full(s) for s in services], ensure_ascii=False, indent=1)


def _csv(rows: list[dict], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in columns})
    return out.getvalue()


def export_csv_tables() -> dict[str, str]:
    """The standard's CSV tables, one per object, flat, joined by id columns."""
    services = [oruk.service_full(s) for s in oruk.services_for_full(Service.objects.order_by("name", "id"))]
    tables: dict[str, list[dict]] = {name: [] for name in CSV_TABLES}
    seen: dict[str, set] = {name: set() for name in CSV_TABLES}

    def add(table: str, row: dict) -> None:
        if row["id"] not in seen[table]:
            seen[table].add(row["id"])
            tables[table].append(row)

    for s in services:
        add("organization", s["organization"])
        add(
            "service",
            {k: v for k, v in s.items() if not isinstance(v, list | dict)} | {"organization_id": s["organization"]["id"]},
        )
        for x in s["schedules"]:
            add("schedule", x)
        for x in s["service_areas"]:
            add("service_area", x)
        for x in s["languages"]:
            add("language", x)
        for x in s["cost_options"]:
            add("cost_option", x)
        for c in s["contacts"]:
            add("contact", {k: v for k, v in c.items() if k != "phones"})
            for p in c["phones"]:
                add("phone", {**p, "contact_id": c["id"]})
        for a in s["attributes"]:
            add(
                "attribute",
                {k: v for k, v in a.items() if k != "taxonomy_term"}
                | {"link_type": a.get("link_type", ""), "link_entity": "service"},
            )
            term = a["taxonomy_term"]
            add("taxonomy_term", term)
            if term.get("taxonomy_id"):
                add(
                    "taxonomy",
                    {"id": term["taxonomy_id"], "name": term.get("taxonomy", ""), "description": term.get("taxonomy", "")},
                )
        for sal in s["service_at_locations"]:
            add("service_at_location", {"id": sal["id"], "service_id": s["id"], "location_id": sal["location_id"]})
            loc = sal["location"]
            add("location", {k: v for k, v in loc.items() if not isinstance(v, list)})
            for a in loc.get("addresses", []):
                add("address", a)
            for a in loc.get("accessibility", []):
                add("accessibility", a)
            for x in sal["schedules"]:
                add("schedule", x)
    columns = {
        "organization": ["id", "name", "description", "email", "website", "logo", "uri", "parent_organization_id"],
        "service": [
            "id",
            "organization_id",
            "name",
            "description",
            "url",
            "email",
            "status",
            "fees",
            "accreditations",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
            "alert",
            "last_modified",
        ],
        "location": [
            "id",
            "location_type",
            "name",
            "description",
            "latitude",
            "longitude",
            "external_identifier",
            "external_identifier_type",
        ],
        "address": [
            "id",
            "location_id",
            "attention",
            "address_1",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ],
        "accessibility": ["id", "location_id", "description", "details", "url"],
        "service_at_location": ["id", "service_id", "location_id"],
        "schedule": [
            "id",
            "service_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "freq",
            "interval",
            "byday",
            "bymonthday",
            "description",
            "opens_at",
            "closes_at",
            "attending_type",
            "notes",
        ],
        "contact": ["id", "service_id", "name", "title", "department", "email"],
        "phone": ["id", "contact_id", "number", "description"],
        "language": ["id", "service_id", "phone_id", "name", "code", "note"],
        "cost_option": ["id", "service_id", "valid_from", "valid_to", "option", "amount", "amount_description"],
        "service_area": ["id", "service_id", "name", "service_area", "extent", "extent_type", "uri"],
        "taxonomy": ["id", "name", "description", "uri", "version"],
        "taxonomy_term": ["id", "name", "description", "parent_id", "taxonomy", "taxonomy_id", "term_uri", "term"],
        "attribute": ["id", "link_id", "link_type", "link_entity", "taxonomy_term_id"],
    }
    return {f"{name}.csv": _csv(tables[name], columns[name]) for name in CSV_TABLES}


def export_csv_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in export_csv_tables().items():
            archive.writestr(name, body)
    return buffer.getvalue()


# --- Use cases (through policy, audited) ------------------------------------------------------------


def require_import(*, actor) -> None:
    require(actor, "directory.import")


def import_upload(*, actor, upload, agreed_by: str = "") -> ImportReport:
    require(actor, "directory.import")
    raw = upload.read()
    try:
        records = read_upload(upload.name, raw)
    except UnusableFile as problem:
        report = ImportReport(unusable=str(problem))
    else:
        report = import_services(records, agreed_by=agreed_by)
    audit_record(
        action="directory.imported",
        actor=actor,
        details={
            "file": upload.name[:200],
            "loaded": report.loaded,
            "created": report.created,
            "updated": report.updated,
            "rejected": len(report.rejected),
            "unusable": report.unusable[:200],
        },
    )
    return report


def export_for(*, actor, kind: str) -> tuple[bytes | str, str, str]:
    require(actor, "directory.export")
    audit_record(action="directory.exported", actor=actor, details={"format": kind})
    stamp = timezone.localdate().isoformat()
    if kind == "csv":
        return export_csv_zip(), "application/zip", f"directory-{stamp}-oruk-csv.zip"
    return export_json(), "application/json", f"directory-{stamp}-oruk.json"
