"""The feed pages from the outside: each role, including refusals; the queues' actions and
their audit rows and labels; the management command."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from isahub.accounts.models import AgencyKind, Role
from isahub.accounts.tests.factories import AgencyFactory
from isahub.audit.models import AuditEntry
from isahub.children.models import Child, ChildIdentifier
from isahub.feeds.models import Conflict, ConflictStatus, FeedLoad, LoadStatus, MatchLabel, ReviewItem, ReviewStatus, SourceRecord

from .factories import SAMPLES, as_csv, load, nhs_number, pupil

pytestmark = pytest.mark.django_db


@pytest.fixture
def gp(db):
    return AgencyFactory(name="Northbrook Medical Centre", kind=AgencyKind.GP)


@pytest.fixture
def gp_manager(make_user, gp):
    return make_user(role=Role.DATA_MANAGER, agency=gp, username="gp-dm")


def gp_row(n, **overrides):
    return pupil(n, source_id=f"PAT{n}", nhs_number=nhs_number(n), upn="", **overrides)


def upload(client, agency, code, data, name="extract.csv"):
    return client.post(
        "/feeds/upload/", {"agency": agency.pk, "feed_type": code, "file": SimpleUploadedFile(name, data), "format": ""}
    )


def test_a_data_manager_uploads_an_extract_and_reads_the_report(client_for, data_manager, school):
    client = client_for(data_manager)
    assert client.get("/feeds/upload/").status_code == 200
    names = [
        "Ada",
        "Ben",
        "Cal",
        "Dev",
        "Eli",
        "Fay",
        "Gus",
        "Hal",
        "Ivy",
        "Jon",
        "Kit",
        "Lou",
        "Max",
        "Ned",
        "Oscar",
        "Pia",
        "Quin",
        "Rex",
        "Sam",
        "Tom",
        "Uma",
        "Vic",
    ]
    rows = [pupil(1), pupil(2, given_names="Mia", postcode="??")]
    rows += [pupil(n, given_names=name, date_of_birth=f"2014-02-{n:02d}") for n, name in enumerate(names, start=3)]
    response = upload(client, school, "school_roll", as_csv(rows))
    load_ = FeedLoad.objects.get()
    assert response.status_code == 302 and response.url == f"/feeds/loads/{load_.pk}/"
    page = client.get(response.url).content.decode()
    assert "Loaded" in page and "Rejected rows" in page
    assert "postcode is not a UK postcode" in page and ">3<" in page  # the line number
    assert load_.created == 23 and load_.rejected == 1
    assert AuditEntry.objects.filter(action="feed.report_viewed", target_id=str(load_.pk)).exists()
    home = client.get("/feeds/").content.decode()
    assert f"/feeds/loads/{load_.pk}/" in home


def test_a_refused_upload_says_why_and_loads_nothing(client_for, data_manager, school):
    client = client_for(data_manager)
    response = upload(client, school, "school_roll", "source_id,given_names\nA,Zoë\n".encode("latin-1"))
    page = client.get(response.url).content.decode()
    assert "Refused" in page and "not UTF-8" in page
    assert FeedLoad.objects.get().status == LoadStatus.REFUSED and Child.objects.count() == 0


def test_a_data_manager_cannot_upload_for_another_agency(client_for, data_manager, gp):
    response = upload(client_for(data_manager), gp, "gp_registrations", (SAMPLES / "gp_registrations.csv").read_bytes())
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not FeedLoad.objects.exists()


@pytest.mark.parametrize(
    "role", [Role.PRACTITIONER, Role.AUDITOR, Role.AGENCY_ADMINISTRATOR, Role.PANEL_CHAIR, Role.SYSTEM_ADMINISTRATOR]
)
def test_other_roles_are_refused_every_feed_page(client_for, make_user, role, data_manager, school):
    load(data_manager, school, "school_roll", as_csv([pupil(1)]))
    client = client_for(make_user(role=role, username=f"someone-{role}"))
    load_id = FeedLoad.objects.get().pk
    for path in ("/feeds/", "/feeds/upload/", f"/feeds/loads/{load_id}/", "/feeds/review/", "/feeds/conflicts/"):
        assert client.get(path).status_code == 403, (role, path)
    assert upload(client, school, "school_roll", as_csv([pupil(2)])).status_code == 403
    assert FeedLoad.objects.count() == 1
    assert AuditEntry.objects.filter(action="access.refused", actor_id=client.session["_auth_user_id"]).exists()


def test_the_central_team_reads_every_report_and_resolves_conflicts_but_does_not_load_or_review(
    client_for, make_user, gp_manager, gp, school
):
    hub = AgencyFactory(name="Northbrook Hub", kind=AgencyKind.HUB)
    central = client_for(make_user(role=Role.CENTRAL_TEAM, agency=hub, username="central"))
    result = load(gp_manager, gp, "gp_registrations", as_csv([gp_row(1)]))
    assert central.get("/feeds/").status_code == 200
    assert central.get(f"/feeds/loads/{result.pk}/").status_code == 200
    assert central.get("/feeds/conflicts/").status_code == 200
    assert central.get("/feeds/upload/").status_code == 403
    assert central.get("/feeds/review/").status_code == 403


def test_a_data_manager_sees_only_their_agencys_loads_and_queues(client_for, data_manager, gp_manager, gp, school, add_child):
    add_child()
    mine = load(
        gp_manager,
        gp,
        "gp_registrations",
        as_csv([gp_row(2, given_names="Amy", family_name="Hartly", postcode="NB9 9ZZ", address_line_1="1 Far Away", sex="")]),
    )
    item = ReviewItem.objects.get()
    school_client = client_for(data_manager)
    assert school_client.get(f"/feeds/loads/{mine.pk}/").status_code == 403
    assert school_client.get(f"/feeds/review/{item.pk}/").status_code == 403
    assert f"/feeds/review/{item.pk}/" not in school_client.get("/feeds/review/").content.decode()
    assert f"/feeds/loads/{mine.pk}/" not in school_client.get("/feeds/").content.decode()
    assert school_client.post(f"/feeds/review/{item.pk}/", {"choice": "reject", "note": "not ours"}).status_code == 403
    assert ReviewItem.objects.get().status == ReviewStatus.OPEN
    assert client_for(gp_manager).get(f"/feeds/review/{item.pk}/").status_code == 200


@pytest.fixture
def uncertain(gp_manager, gp, add_child):
    """A GP row that may be Amelia Hartley: waits in the review queue."""
    amelia = add_child()
    load(
        gp_manager,
        gp,
        "gp_registrations",
        as_csv([gp_row(2, given_names="Amy", family_name="Hartly", postcode="NB9 9ZZ", address_line_1="1 Far Away", sex="")]),
    )
    return amelia, ReviewItem.objects.get()


def test_the_review_page_shows_the_row_beside_the_candidate_with_weights(client_for, gp_manager, uncertain):
    amelia, item = uncertain
    page = client_for(gp_manager).get(f"/feeds/review/{item.pk}/").content.decode()
    assert "Amy" in page and "Amelia Hartley" in page
    assert "Agrees" in page and "Not compared" in page  # the names agree; the record has no NHS number to compare
    assert "12.0 of 12.0" in page  # the date of birth's weight
    assert AuditEntry.objects.filter(action="feed.review_viewed", target_id=str(item.pk)).exists()


def test_linking_from_the_queue_links_updates_labels_and_audits(client_for, gp_manager, gp, uncertain):
    amelia, item = uncertain
    client = client_for(gp_manager)
    response = client.post(f"/feeds/review/{item.pk}/", {"choice": f"link:{amelia.pk}", "note": "Checked with the practice"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ReviewStatus.LINKED and item.decided_child_id == amelia.pk and item.decided_by == gp_manager
    assert SourceRecord.objects.get(source_id="PAT2").child_id == amelia.pk
    assert ChildIdentifier.objects.get(kind="nhs").child_id == amelia.pk
    amelia.refresh_from_db()
    assert amelia.gp_practice_id == gp.pk
    label = MatchLabel.objects.get()
    assert label.is_match and label.child_id == amelia.pk and label.labelled_by == gp_manager and label.scorer == item.scorer
    entry = AuditEntry.objects.get(action="feed.review_linked")
    assert entry.child_id == str(amelia.pk) and entry.reason == "Checked with the practice"
    # decided once: a second decision is refused with a message
    again = client.post(f"/feeds/review/{item.pk}/", {"choice": "create"})
    assert again.status_code == 200 and Child.objects.count() == 1


def test_creating_from_the_queue_adds_a_child_and_labels_the_candidates_as_different(client_for, gp_manager, uncertain):
    amelia, item = uncertain
    response = client_for(gp_manager).post(f"/feeds/review/{item.pk}/", {"choice": "create"})
    assert response.status_code == 302
    item.refresh_from_db()
    new = item.decided_child
    assert item.status == ReviewStatus.CREATED and new != amelia and new.source == f"feed:{item.load_id}"
    assert list(MatchLabel.objects.values_list("child_id", "is_match")) == [(amelia.pk, False)]
    assert AuditEntry.objects.filter(action="feed.review_created", child_id=str(new.pk)).exists()


def test_rejecting_needs_a_reason(client_for, gp_manager, uncertain):
    _, item = uncertain
    client = client_for(gp_manager)
    refused = client.post(f"/feeds/review/{item.pk}/", {"choice": "reject", "note": ""})
    assert refused.status_code == 200 and "Say why this row is rejected" in refused.content.decode()
    assert client.post(f"/feeds/review/{item.pk}/", {"choice": "reject", "note": "A test record"}).status_code == 302
    item.refresh_from_db()
    assert item.status == ReviewStatus.REJECTED and not MatchLabel.objects.exists()
    assert AuditEntry.objects.filter(action="feed.review_rejected", reason="A test record").exists()


def test_a_choice_outside_the_candidates_is_refused(client_for, gp_manager, uncertain, add_child):
    other = add_child(given_names="Zed", family_name="Other", date_of_birth=dt.date(2012, 1, 1))
    _, item = uncertain
    response = client_for(gp_manager).post(f"/feeds/review/{item.pk}/", {"choice": f"link:{other.pk}"})
    assert response.status_code == 200 and "Choose one of the candidates" in response.content.decode()


@pytest.fixture
def address_conflict(make_user, school, gp, gp_manager):
    school_manager = make_user(role=Role.DATA_MANAGER, agency=school, username="school-dm")
    load(school_manager, school, "school_roll", as_csv([pupil(1, nhs_number=nhs_number(1))]))
    load(gp_manager, gp, "gp_registrations", as_csv([gp_row(1, address_line_1="77 Elm Street", postcode="NB2 9QQ")]))
    return Conflict.objects.get()


def test_the_conflict_page_shows_both_sources_and_applying_changes_the_address(client_for, gp_manager, address_conflict, school):
    client = client_for(gp_manager)
    page = client.get(f"/feeds/conflicts/{address_conflict.pk}/").content.decode()
    assert "12 Mill Lane" in page and "77 Elm Street" in page and school.name in page
    assert client.post(f"/feeds/conflicts/{address_conflict.pk}/", {"decision": "apply"}).status_code == 302
    child = address_conflict.child
    current = child.addresses.get(valid_to__isnull=True)
    assert current.postcode == "NB2 9QQ" and current.source == f"feed:{address_conflict.load_id}"
    address_conflict.refresh_from_db()
    assert address_conflict.status == ConflictStatus.APPLIED
    assert AuditEntry.objects.filter(action="feed.conflict_resolved", target_id=str(address_conflict.pk)).exists()


def test_keeping_the_current_value_needs_a_note_and_changes_nothing(client_for, make_user, address_conflict):
    hub = AgencyFactory(name="Northbrook Hub", kind=AgencyKind.HUB)
    client = client_for(make_user(role=Role.CENTRAL_TEAM, agency=hub, username="central"))
    assert client.post(f"/feeds/conflicts/{address_conflict.pk}/", {"decision": "keep", "note": ""}).status_code == 200
    assert (
        client.post(f"/feeds/conflicts/{address_conflict.pk}/", {"decision": "keep", "note": "Phoned the school"}).status_code
        == 302
    )
    address_conflict.refresh_from_db()
    assert address_conflict.status == ConflictStatus.KEPT
    assert address_conflict.child.addresses.get(valid_to__isnull=True).postcode == "NB1 4AA"


def test_another_agencys_data_manager_cannot_resolve_a_conflict(client_for, make_user, address_conflict):
    other = make_user(role=Role.DATA_MANAGER, agency=AgencyFactory(name="Hilltop Academy"), username="hill-dm")
    client = client_for(other)
    assert client.get(f"/feeds/conflicts/{address_conflict.pk}/").status_code == 403
    assert client.post(f"/feeds/conflicts/{address_conflict.pk}/", {"decision": "apply"}).status_code == 403
    address_conflict.refresh_from_db()
    assert address_conflict.status == ConflictStatus.OPEN


def test_the_command_loads_with_progress_and_a_summary(data_manager, school):
    out = io.StringIO()
    call_command(
        "import_feed",
        str(SAMPLES / "school_roll.csv"),
        "--type",
        "school_roll",
        "--agency",
        school.name,
        "--user",
        data_manager.username,
        stdout=out,
    )
    text = out.getvalue()
    assert "6/6 rows" in text and "Loaded" in text
    for label in ("rows read", "rejected", "linked", "queued for review", "created", "conflicts", "seconds"):
        assert label in text
    assert FeedLoad.objects.get().created == 6
    again = io.StringIO()
    call_command(
        "import_feed",
        str(SAMPLES / "school_roll.csv"),
        "--type",
        "school_roll",
        "--agency",
        str(school.pk),
        "--user",
        data_manager.username,
        stdout=again,
    )
    assert "Already loaded: nothing changed" in again.getvalue()


def test_the_command_exits_1_when_refused_and_refuses_non_data_managers(tmp_path, make_user, data_manager, school):
    from django.core.management.base import CommandError

    bad = tmp_path / "roll.csv"
    bad.write_bytes(as_csv([pupil(1, postcode="??")]))
    with pytest.raises(SystemExit) as exit_:
        call_command(
            "import_feed",
            str(bad),
            "--type",
            "school_roll",
            "--agency",
            school.name,
            "--user",
            data_manager.username,
            stdout=io.StringIO(),
        )
    assert exit_.value.code == 1
    practitioner = make_user(username="pat")
    with pytest.raises(CommandError, match="Refused: Only data managers"):
        call_command(
            "import_feed",
            str(bad),
            "--type",
            "school_roll",
            "--agency",
            school.name,
            "--user",
            practitioner.username,
            stdout=io.StringIO(),
        )


def test_a_police_row_linked_from_the_queue_records_its_event(client_for, make_user, add_child):
    from isahub.feeds.models import FeedEvent

    hub = AgencyFactory(name="Northbrook Hub", kind=AgencyKind.HUB)
    hub_manager = make_user(role=Role.DATA_MANAGER, agency=hub, username="hub-dm")
    police = AgencyFactory(name="Northbrook Police", kind=AgencyKind.POLICE)
    amelia = add_child()
    row = {
        "source_id": "INC9",
        "given_names": "Amelia",
        "family_name": "Hartley",
        "date_of_birth": "2015-03-27",
        "postcode": "NB7 1XY",
        "sex": "M",
        "notification_date": "2026-10-05",
    }
    result = load(hub_manager, police, "police_notifications", as_csv([row]))
    assert result.queued == 1 and not FeedEvent.objects.exists()  # no event until someone decides who it is
    item = ReviewItem.objects.get()
    client = client_for(hub_manager)
    page = client.get(f"/feeds/review/{item.pk}/").content.decode()
    assert "Disagrees" in page and "Agrees" in page  # sex and postcode disagree; names and date agree
    assert client.post(f"/feeds/review/{item.pk}/", {"choice": f"link:{amelia.pk}"}).status_code == 302
    event = FeedEvent.objects.get()
    assert (event.child, event.kind, event.agency, str(event.date)) == (amelia, "police_notification", police, "2026-10-05")
    # a police row never moves the child: the postcode it carried is not an address
    assert amelia.addresses.get(valid_to__isnull=True).postcode == "NB1 4AA"
