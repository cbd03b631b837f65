"""Import and export: ORUK JSON and the standard's CSV tables, row-level reasons, nothing
loaded from an unusable file, and re-import that updates instead of duplicating."""

import copy
import io
import json
import uuid
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from isahub.accounts.models import Role
from isahub.audit.models import AuditEntry
from isahub.directory import exchange
from isahub.directory.models import DirectoryOfficer, Organization, Schedule, Service, ServiceAtLocation, TaxonomyTerm

pytestmark = pytest.mark.django_db


def counts() -> dict:
    return {m.__name__: m.objects.count() for m in (Organization, Service, ServiceAtLocation, Schedule, TaxonomyTerm)}


@pytest.fixture
def dump(directory) -> list:
    return json.loads(exchange.export_json())


def test_export_then_import_into_an_empty_directory_recreates_it(dump, tmp_path):
    before = counts()
    path = tmp_path / "dump.json"
    path.write_text(json.dumps(dump))
    Service.objects.all().delete()
    Organization.objects.all().delete()
    call_command("directory_import", str(path))
    after = counts()
    assert after["Service"] == before["Service"] and after["ServiceAtLocation"] == before["ServiceAtLocation"]
    assert after["Schedule"] == before["Schedule"]
    # Same ids, same content (only the modification times differ).
    assert without_times(json.loads(exchange.export_json())) == without_times(dump)


def without_times(data):
    if isinstance(data, dict):
        return {k: without_times(v) for k, v in data.items() if k != "last_modified"}
    if isinstance(data, list):
        return [without_times(v) for v in data]
    return data


def test_reimport_updates_instead_of_duplicating(dump):
    before = counts()
    first = exchange.import_services(copy.deepcopy(dump))
    assert first.loaded == len(dump) and first.updated == len(dump) and first.created == 0 and not first.rejected
    assert counts() == before
    changed = copy.deepcopy(dump)
    changed[0]["name"] = "Renamed by the import"
    changed[0]["schedules"] = []
    again = exchange.import_services(changed)
    assert again.updated == len(dump) and counts()["Service"] == before["Service"]
    assert Service.objects.get(pk=changed[0]["id"]).name == "Renamed by the import"


def test_bad_rows_are_rejected_with_reasons_and_the_rest_loaded(dump):
    records = copy.deepcopy(dump[:5])
    records[0]["status"] = "open for business"
    records[1]["minimum_age"], records[1]["maximum_age"] = 12, 3
    del records[2]["name"]
    records[3]["organization"] = {}
    records[3]["organization_id"] = str(uuid.uuid4())
    records[3].pop("organization")
    records[4]["id"] = str(uuid.uuid4())  # a new service
    records.append({"not": "a service"})
    Service.objects.filter(pk=records[0]["id"]).update(name="unchanged")
    report = exchange.import_services(records)
    assert report.loaded == 1 and report.created == 1 and len(report.rejected) == 5
    reasons = {r.where.split(" (")[0]: " ".join(r.reasons) for r in report.rejected}
    assert "status" in reasons["service 1"] and "is not one of" in reasons["service 1"]
    assert "maximum_age: is less than minimum_age" in reasons["service 2"]
    assert "'name' is a required property" in reasons["service 3"]
    assert "no organisation with id" in reasons["service 4"]
    assert "'id' is a required property" in reasons["service 6"]
    assert Service.objects.get(pk=records[0]["id"]).name == "unchanged"


def test_an_unusable_file_loads_nothing(directory, tmp_path):
    before = counts()
    for name, body in (("bad.json", b"{not json"), ("empty.json", b"[]"), ("shape.json", b'{"hello": 1}'), ("x.txt", b"hi")):
        path = tmp_path / name
        path.write_bytes(body)
        with pytest.raises(CommandError, match="Nothing was loaded"):
            call_command("directory_import", str(path))
    # Every row bad: nothing at all is loaded, not even the organisations.
    everything_bad = [
        {
            "id": str(uuid.uuid4()),
            "name": "x",
            "status": "nope",
            "organization": {"id": str(uuid.uuid4()), "name": "New", "description": "d"},
        }
    ]
    report = exchange.import_services(everything_bad)
    assert report.unusable and report.loaded == 0
    assert counts() == before


def test_csv_tables_round_trip(dump, tmp_path):
    before = counts()
    folder = tmp_path / "csv"
    call_command("directory_export", str(folder), format="csv")
    assert {p.name for p in folder.iterdir()} >= {
        "organization.csv",
        "service.csv",
        "location.csv",
        "schedule.csv",
        "taxonomy_term.csv",
    }
    records = exchange.read_csv_directory(folder)
    report = exchange.import_services(records)
    assert report.loaded == len(dump) and not report.rejected and report.created == 0
    assert counts() == before


def test_csv_with_bad_rows_reports_them_by_row(directory, tmp_path):
    tables = exchange.export_csv_tables()
    lines = tables["service.csv"].splitlines()
    header = lines[0].split(",")
    assert "minimum_age" in header
    # Break the second data row's status.
    lines[2] = lines[2].replace(",active,", ",shut,")
    tables["service.csv"] = "\n".join(lines) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in tables.items():
            archive.writestr(name, body)
    records = exchange.read_upload("dir.zip", buffer.getvalue())
    report = exchange.import_services(records)
    assert len(report.rejected) == 1 and report.rejected[0].where.startswith("service.csv row 3")


def test_new_organisations_stay_unlisted_unless_the_agreement_is_recorded(dump):
    record = copy.deepcopy(dump[0])
    record["id"] = str(uuid.uuid4())
    record["organization"]["id"] = str(uuid.uuid4())
    record["organization"]["name"] = "Newcomer Trust"
    report = exchange.import_services([record])
    assert report.unlisted_organisations == 1
    assert Organization.objects.get(name="Newcomer Trust").agreed_to_keep_current_on is None
    second = copy.deepcopy(record)
    second["id"] = str(uuid.uuid4())
    second["organization"]["id"] = str(uuid.uuid4())
    second["organization"]["name"] = "Signed-up Trust"
    exchange.import_services([second], agreed_by="Signed protocol, March 2026")
    assert Organization.objects.get(name="Signed-up Trust").agreed_by == "Signed protocol, March 2026"


def test_import_and_export_pages_for_data_managers_and_the_officer(dump, users, client_for):
    practitioner = client_for(users["school"][Role.PRACTITIONER])
    assert practitioner.get("/directory/manage/import/").status_code == 403
    assert practitioner.get("/directory/manage/export/?format=json").status_code == 403
    manager = client_for(users["school"][Role.DATA_MANAGER])
    upload = SimpleUploadedFile("dump.json", json.dumps(dump[:3]).encode(), content_type="application/json")
    body = manager.post("/directory/manage/import/", {"file": upload}).content.decode()
    assert "3 services loaded" in body and "0 new, 3 updated" in body
    bad = SimpleUploadedFile("dump.json", b"nonsense", content_type="application/json")
    assert "Nothing was loaded" in manager.post("/directory/manage/import/", {"file": bad}).content.decode()
    exported = manager.get("/directory/manage/export/?format=csv")
    assert exported.status_code == 200 and exported["Content-Type"] == "application/zip"
    assert "service.csv" in zipfile.ZipFile(io.BytesIO(exported.content)).namelist()
    assert json.loads(manager.get("/directory/manage/export/?format=json").content)[0]["id"]
    assert AuditEntry.objects.filter(action="directory.imported").count() == 2
    assert AuditEntry.objects.filter(action="directory.exported").count() == 2
    officer = users["health"][Role.CENTRAL_TEAM]
    DirectoryOfficer.objects.create(user=officer, appointed_on="2026-01-01")
    assert client_for(officer).get("/directory/manage/import/").status_code == 200
