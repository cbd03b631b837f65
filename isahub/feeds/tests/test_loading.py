"""Loading extracts end to end: refusal, atomicity, idempotence, updates, ending, linkage
outcomes, conflicts and events. Through the real services and the real child index."""

import datetime as dt

import pytest
from django.db import transaction

from isahub.accounts.models import AgencyKind
from isahub.accounts.tests.factories import AgencyFactory
from isahub.audit.models import AuditEntry
from isahub.children.models import Child, ChildAddress, ChildFactChange, ChildIdentifier, SchoolStatus
from isahub.feeds import services
from isahub.feeds.linking import CREATE, LINK, REVIEW, Linker
from isahub.feeds.models import Conflict, FeedEvent, FeedLoad, LoadStatus, ReviewItem, SourceRecord
from isahub.policy.errors import AccessRefused

from .factories import SAMPLES, as_csv, load, nhs_number, pupil, upn

pytestmark = pytest.mark.django_db


def counts(load_):
    return {name: getattr(load_, name) for name in ("rows_read", "rejected", *services.COUNTS)}


def everything():
    return (
        Child.objects.count(),
        ChildAddress.objects.count(),
        ChildIdentifier.objects.count(),
        FeedLoad.objects.count(),
        SourceRecord.objects.count(),
        ReviewItem.objects.count(),
        FeedEvent.objects.count(),
        AuditEntry.objects.count(),
    )


CLASS = [
    pupil(1),
    pupil(
        2,
        given_names="Oliver",
        family_name="Brennan",
        date_of_birth="2014-11-02",
        sex="M",
        address_line_1="3 Station Road",
        postcode="NB2 7QT",
    ),
    pupil(
        3,
        given_names="Priya",
        family_name="Chaudhry",
        date_of_birth="2016-06-15",
        address_line_1="41 Orchard Way",
        postcode="NB1 3DF",
    ),
    pupil(
        4,
        given_names="Jack",
        family_name="O'Connell",
        date_of_birth="2013-01-30",
        sex="M",
        postcode="NB4 2LP",
        exclusion_date="2026-10-12",
        exclusion_type="suspension",
    ),
]


def test_a_first_roll_adds_each_pupil_with_provenance_school_and_events(data_manager, school):
    result = load(data_manager, school, "school_roll", as_csv(CLASS))
    assert result.status == LoadStatus.LOADED
    assert counts(result) | {} == {
        "rows_read": 4,
        "rejected": 0,
        "linked": 0,
        "created": 4,
        "queued": 0,
        "updated": 0,
        "unchanged": 0,
        "ended": 0,
        "conflicts": 0,
        "events": 1,
    }
    child = ChildIdentifier.objects.get(kind="upn", value=upn(1)).child
    assert child.school_id == school.pk and child.school_status == SchoolStatus.ATTENDING
    assert child.source == f"feed:{result.pk}" and child.names.get().source == f"feed:{result.pk}"
    assert FeedEvent.objects.get().kind == "school_exclusion"
    assert AuditEntry.objects.filter(action="feed.loaded", target_id=str(result.pk)).exists()
    assert AuditEntry.objects.filter(action="child.created").count() == 4


def test_rerunning_the_same_extract_changes_nothing_and_says_so(data_manager, school):
    data = as_csv(CLASS)
    load(data_manager, school, "school_roll", data)
    before = everything()
    again = load(data_manager, school, "school_roll", data)
    assert again.status == LoadStatus.UNCHANGED and "nothing changed" in again.refusal
    after = everything()
    # only the record of the attempt and its audit row are new
    assert after[:3] == before[:3] and after[4:7] == before[4:7]
    assert after[3] == before[3] + 1 and AuditEntry.objects.filter(action="feed.load_unchanged").count() == 1


def test_a_later_identical_list_in_a_new_file_counts_every_row_unchanged(data_manager, school):
    load(data_manager, school, "school_roll", as_csv(CLASS))
    later = load(data_manager, school, "school_roll", as_csv(list(reversed(CLASS))))
    assert later.status == LoadStatus.LOADED
    assert (later.unchanged, later.created, later.linked, later.ended, later.events) == (4, 0, 0, 0, 0)


def test_a_later_extract_updates_adds_and_ends_with_provenance(data_manager, school):
    first = load(data_manager, school, "school_roll", as_csv(CLASS))
    moved = CLASS[0] | {"address_line_1": "9 New Road", "postcode": "NB1 5BB"}
    newcomer = pupil(5, given_names="Zofia", family_name="Nowak", date_of_birth="2017-09-09", postcode="NB3 8HR")
    second = load(data_manager, school, "school_roll", as_csv([moved, CLASS[1], CLASS[2], newcomer]))
    assert (second.linked, second.updated, second.unchanged, second.created, second.ended, second.conflicts) == (1, 1, 2, 1, 1, 0)
    amelia = ChildIdentifier.objects.get(value=upn(1)).child
    current = amelia.addresses.get(valid_to__isnull=True)
    assert current.postcode == "NB1 5BB" and current.source == f"feed:{second.pk}"
    assert amelia.addresses.get(valid_to__isnull=False).source == f"feed:{first.pk}"  # history kept
    jack = ChildIdentifier.objects.get(value=upn(4)).child
    assert jack.school_id is None and jack.school_status == SchoolStatus.NO_SCHOOL
    change = ChildFactChange.objects.filter(child=jack, field="school_id").get()
    assert change.old_value == str(school.pk) and change.source == f"feed:{second.pk}"
    assert SourceRecord.objects.get(source_id="ADM0004").ended_by == second
    assert FeedEvent.objects.filter(child=jack, kind="left_school_roll").exists()


def test_a_pupil_back_on_the_roll_is_active_again(data_manager, school):
    load(data_manager, school, "school_roll", as_csv(CLASS))
    load(data_manager, school, "school_roll", as_csv(CLASS[:3]))
    back = load(data_manager, school, "school_roll", as_csv(list(reversed(CLASS))))  # a new extract, not the first file again
    assert back.linked == 1 and SourceRecord.objects.get(source_id="ADM0004").ended_by is None
    assert ChildIdentifier.objects.get(value=upn(4)).child.school_id == school.pk


def test_too_many_rejected_rows_loads_nothing_and_reports_every_row(data_manager, school, settings):
    settings.ISAHUB_FEED_MAX_REJECTION_RATE = 0.2
    rows = [*CLASS, pupil(8, given_names="Mia", postcode="??"), pupil(9, given_names="Ava", date_of_birth="2099-01-01")]
    before = everything()
    result = load(data_manager, school, "school_roll", as_csv(rows))
    assert result.status == LoadStatus.REFUSED and "2 of 6 rows (33.3%)" in result.refusal
    assert [r["line"] for r in result.report["rejections"]] == [6, 7]
    after = everything()
    assert after[:3] == before[:3] and after[4:7] == before[4:7]  # no child, source record, event
    assert AuditEntry.objects.filter(action="feed.load_refused").exists()


def test_under_the_limit_the_good_rows_load_and_the_bad_are_reported(data_manager, school, settings):
    settings.ISAHUB_FEED_MAX_REJECTION_RATE = 0.25
    result = load(data_manager, school, "school_roll", as_csv([*CLASS, pupil(8, given_names="Mia", postcode="??")]))
    assert result.status == LoadStatus.LOADED and (result.created, result.rejected) == (4, 1)
    assert result.report["rejections"] == [
        {"line": 6, "source_id": "ADM0008", "reasons": ["postcode is not a UK postcode in the national format"]}
    ]


def test_an_unreadable_file_loads_nothing(data_manager, school):
    before = everything()
    result = load(data_manager, school, "school_roll", as_csv(CLASS).decode().replace("O'Connell", "Ó Conaill").encode("cp1252"))
    assert result.status == LoadStatus.REFUSED and "not UTF-8" in result.refusal
    assert everything()[:3] == before[:3]


def test_a_failure_half_way_leaves_the_database_as_it_was(data_manager, school, monkeypatch):
    rows = [
        pupil(n, given_names=name, date_of_birth=f"2014-0{n % 9 + 1}-{n:02d}", postcode=f"NB{n % 4 + 1} {n % 9}AB")
        for n, name in enumerate(["Ada", "Ben", "Cal", "Dev", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jon"], start=10)
    ]
    load(data_manager, school, "school_roll", as_csv(rows[:2]))
    before = everything()
    real = services.load_row
    calls = {"n": 0}

    def fail_half_way(ctx, row, linker):
        calls["n"] += 1
        if calls["n"] == 6:
            raise RuntimeError("the disk is full")
        real(ctx, row, linker)

    monkeypatch.setattr(services, "load_row", fail_half_way)
    with pytest.raises(RuntimeError):
        load(data_manager, school, "school_roll", as_csv(rows))
    assert calls["n"] == 6  # five rows were written before the failure...
    assert everything() == before  # ...and none of them, nor the load, nor their audit rows, remain
    monkeypatch.setattr(services, "load_row", real)
    done = load(data_manager, school, "school_roll", as_csv(rows))
    assert done.created == 8 and done.unchanged == 2


def test_only_data_managers_load_and_only_for_their_agency(make_user, data_manager, school):
    practitioner = make_user(username="p")
    with pytest.raises(AccessRefused):
        load(practitioner, school, "school_roll", as_csv(CLASS))
    other = AgencyFactory(name="Hilltop Academy", kind=AgencyKind.SCHOOL)
    with pytest.raises(AccessRefused):
        load(data_manager, other, "school_roll", as_csv(CLASS))
    hub = AgencyFactory(name="Northbrook Hub", kind=AgencyKind.HUB)
    hub_manager = make_user(role="data_manager", agency=hub, username="hubdm")
    assert load(hub_manager, other, "school_roll", as_csv(CLASS)).created == 4
    assert FeedLoad.objects.filter(agency=school).count() == 0


def test_a_school_roll_comes_from_a_school(make_user):
    from django.core.exceptions import ValidationError

    hub = AgencyFactory(name="Northbrook Hub", kind=AgencyKind.HUB)
    with pytest.raises(ValidationError, match="comes from a School"):
        load(make_user(role="data_manager", agency=hub, username="hubdm"), hub, "school_roll", as_csv(CLASS))


# --- Linkage outcomes -----------------------------------------------------------------------


@pytest.fixture
def gp(db):
    return AgencyFactory(name="Northbrook Medical Centre", kind=AgencyKind.GP)


@pytest.fixture
def hub_manager(make_user):
    hub = AgencyFactory(name="Northbrook Hub", kind=AgencyKind.HUB)
    return make_user(role="data_manager", agency=hub, username="hub-dm")


def gp_row(n, **overrides):
    return pupil(n, source_id=f"PAT{n}", nhs_number=nhs_number(n), upn="", **overrides)


def test_an_identifier_links_whatever_the_name_says(hub_manager, gp, add_child):
    child = add_child(nhs_number=nhs_number(1))
    result = load(hub_manager, gp, "gp_registrations", as_csv([gp_row(1, given_names="Millie", family_name="Smith")]))
    assert (result.linked, result.created, result.queued) == (1, 0, 0)
    assert SourceRecord.objects.get().child == child
    child.refresh_from_db()
    assert child.gp_practice_id == gp.pk


def test_three_outcomes_by_score(hub_manager, gp, add_child):
    amelia = add_child()  # Amelia Hartley 2015-03-27 NB1 4AA, no NHS number
    rows = [
        gp_row(1),  # everything agrees: links
        gp_row(2, given_names="Amy", family_name="Hartly", postcode="NB9 9ZZ", sex="", address_line_1="1 Far Away"),  # uncertain
        gp_row(3, given_names="Noah", family_name="Quist", date_of_birth="2019-05-05", postcode="NB2 2BB", sex="M"),  # nobody
    ]
    result = load(hub_manager, gp, "gp_registrations", as_csv(rows))
    assert (result.linked, result.queued, result.created) == (1, 1, 1)
    assert SourceRecord.objects.get(source_id="PAT1").child == amelia
    item = ReviewItem.objects.get()
    assert item.source_id == "PAT2" and "between the thresholds" in item.why
    assert item.candidates[0]["child_id"] == str(amelia.pk)
    assert set(item.candidates[0]["explanation"]["fields"]) >= {"surname", "forename", "date_of_birth", "postcode"}
    assert ChildIdentifier.objects.get(value=nhs_number(3)).child.source == f"feed:{result.pk}"


def test_feeds_that_never_add_children_queue_the_unmatched(hub_manager, add_child):
    police = AgencyFactory(name="Northbrook Police", kind=AgencyKind.POLICE)
    add_child()
    rows = [
        {
            "source_id": "INC1",
            "given_names": "Amelia",
            "family_name": "Hartley",
            "date_of_birth": "2015-03-27",
            "postcode": "NB1 4AA",
            "notification_date": "2026-10-01",
        },
        {
            "source_id": "INC2",
            "given_names": "Noah",
            "family_name": "Quist",
            "date_of_birth": "2019-05-05",
            "notification_date": "2026-10-02",
        },
    ]
    result = load(hub_manager, police, "police_notifications", as_csv(rows))
    assert (result.linked, result.created, result.queued, result.events) == (1, 0, 1, 1)
    assert "never adds children" in ReviewItem.objects.get().why
    event = FeedEvent.objects.get()
    assert (event.kind, event.date, event.agency) == ("police_notification", dt.date(2026, 10, 1), police)
    assert Child.objects.count() == 1


def test_twins_are_never_linked_automatically(hub_manager, gp, add_child):
    add_child(given_names="Lily")
    add_child(given_names="Lila")
    result = load(hub_manager, gp, "gp_registrations", as_csv([gp_row(1, given_names="Lily")]))
    # Lily scores 1.0; Lila also scores high: a close second means review unless she is below the threshold
    linker = Linker()
    from isahub.feeds.feedtypes import feed_type
    from isahub.feeds.reading import parse
    from isahub.feeds.validation import validate

    row = validate(
        parse(as_csv([gp_row(1, given_names="Lily")]), feed=feed_type("gp_registrations"), fmt="csv").rows,
        feed=feed_type("gp_registrations"),
        today=dt.date(2026, 11, 23),
    ).good[0]
    decision = linker.decide(row, may_create=True)
    second = decision.candidates[1].score
    assert (result.linked == 1) == (second < linker.upper)
    assert decision.outcome == (LINK if second < linker.upper else REVIEW)


def test_the_linker_thresholds_decide(hub_manager, add_child):
    from isahub.feeds.feedtypes import feed_type
    from isahub.feeds.reading import parse
    from isahub.feeds.validation import validate

    add_child()
    gp = feed_type("gp_registrations")
    row = validate(
        parse(as_csv([gp_row(1, given_names="Amy")]), feed=gp, fmt="csv").rows, feed=gp, today=dt.date(2026, 11, 23)
    ).good[0]
    score = Linker().decide(row, may_create=True).best_score
    assert 0 < score < 1
    assert Linker(lower=score - 0.01, upper=score).decide(row, may_create=True).outcome == LINK
    assert Linker(lower=score - 0.01, upper=score + 0.01).decide(row, may_create=True).outcome == REVIEW
    assert Linker(lower=score + 0.01, upper=score + 0.02).decide(row, may_create=True).outcome == CREATE
    assert Linker(lower=score + 0.01, upper=score + 0.02).decide(row, may_create=False).outcome == REVIEW


def test_a_candidate_with_a_different_nhs_number_is_not_linked_automatically(hub_manager, gp, add_child):
    add_child(nhs_number=nhs_number(7))
    result = load(hub_manager, gp, "gp_registrations", as_csv([gp_row(1)]))
    assert result.queued == 1 and "holds a different NHS number" in ReviewItem.objects.get().why


# --- Conflicts ------------------------------------------------------------------------------


def test_two_agencies_reporting_different_new_addresses_is_a_conflict(hub_manager, school, gp):
    load(hub_manager, school, "school_roll", as_csv([pupil(1, nhs_number=nhs_number(1))]))
    child = Child.objects.get()
    result = load(hub_manager, gp, "gp_registrations", as_csv([gp_row(1, address_line_1="77 Elm Street", postcode="NB2 9QQ")]))
    assert (result.linked, result.conflicts) == (1, 1)
    conflict = Conflict.objects.get()
    assert conflict.field == "address" and "12 Mill Lane" in conflict.current_value and "77 Elm Street" in conflict.proposed_text
    assert school.name in conflict.current_source
    assert child.addresses.get(valid_to__isnull=True).postcode == "NB1 4AA"  # not applied silently
    child.refresh_from_db()
    assert child.gp_practice_id == gp.pk  # the undisputed fact was applied
    # re-running the same disagreement does not queue it twice
    load(
        hub_manager,
        gp,
        "gp_registrations",
        as_csv([gp_row(1, address_line_1="77 Elm Street", postcode="NB2 9QQ", registered_on="2020-01-01")]),
    )
    assert Conflict.objects.count() == 1


def test_the_same_agency_may_update_its_own_value(hub_manager, school):
    load(hub_manager, school, "school_roll", as_csv([pupil(1)]))
    result = load(hub_manager, school, "school_roll", as_csv([pupil(1, address_line_1="9 New Road", postcode="NB1 5BB")]))
    assert (result.updated, result.conflicts) == (1, 0)


def test_an_old_value_from_another_agency_is_updated_after_the_window(hub_manager, school, gp, settings):
    load(hub_manager, school, "school_roll", as_csv([pupil(1, nhs_number=nhs_number(1))]))
    settings.ISAHUB_FEED_CONFLICT_WINDOW_DAYS = 0
    result = load(hub_manager, gp, "gp_registrations", as_csv([gp_row(1, address_line_1="77 Elm Street", postcode="NB2 9QQ")]))
    assert (result.updated, result.conflicts) == (1, 0)


def test_a_different_date_of_birth_on_an_identifier_match_is_a_conflict(hub_manager, gp, add_child):
    child = add_child(nhs_number=nhs_number(1))
    result = load(hub_manager, gp, "gp_registrations", as_csv([gp_row(1, date_of_birth="2015-03-28")]))
    assert result.conflicts == 1 and Conflict.objects.get().field == "date_of_birth"
    child.refresh_from_db()
    assert child.date_of_birth == dt.date(2015, 3, 27)


def test_events_are_recorded_once_across_extracts(hub_manager):
    hospital = AgencyFactory(name="Northbrook General", kind=AgencyKind.HOSPITAL)
    data = (SAMPLES / "ae_attendances.jsonl").read_bytes()
    from isahub.children.tests.factories import add_child

    add_child(
        hub_manager,
        given_names="Priya",
        family_name="Chaudhry",
        date_of_birth=dt.date(2016, 6, 15),
        postcode="NB1 3DF",
        nhs_number="7614116968",
    )
    first = load(hub_manager, hospital, "ae_attendances", data, name="ae.jsonl")
    assert (first.linked, first.events) == (1, 1)
    second = load(hub_manager, hospital, "ae_attendances", data + b"\n", name="ae.jsonl")
    assert second.status == LoadStatus.LOADED and second.events == 0 and FeedEvent.objects.count() == 1


def test_every_sample_loads(hub_manager, school, gp):
    kinds = {
        "police_notifications": AgencyKind.POLICE,
        "ae_attendances": AgencyKind.HOSPITAL,
        "housing_notifications": AgencyKind.HOUSING,
        "health_visiting": AgencyKind.HEALTH_VISITING,
        "generic": AgencyKind.YOUTH_SERVICE,
    }
    agencies = {"school_roll": school, "gp_registrations": gp} | {
        code: AgencyFactory(name=f"Sample {code}", kind=kind) for code, kind in kinds.items()
    }
    for code in (
        "school_roll",
        "gp_registrations",
        "health_visiting",
        "police_notifications",
        "ae_attendances",
        "housing_notifications",
        "generic",
    ):
        (path,) = [p for p in SAMPLES.glob(f"{code}.*")]
        with transaction.atomic():
            result = services.feed_import(
                actor=hub_manager, agency=agencies[code], feed_type=code, file_name=path.name, data=path.read_bytes()
            )
        assert result.status == LoadStatus.LOADED and result.rejected == 0, (code, result.refusal)
    assert Child.objects.count() == 8  # six pupils, two babies; the rest linked to them
    assert FeedEvent.objects.filter(kind="police_notification").count() == 2  # "Ollie" for Oliver links
    assert FeedEvent.objects.filter(kind="ae_attendance").count() == 1  # by NHS number (the GP's)
    # A family rehoused in another street: name and date of birth agree, the postcode does not,
    # so the score falls between the thresholds and a data manager confirms it.
    assert ReviewItem.objects.get().load.feed_type == "housing_notifications"


def test_a_queued_row_is_queued_once_and_a_later_version_replaces_it(hub_manager, add_child):
    police = AgencyFactory(name="Northbrook Police", kind=AgencyKind.POLICE)
    add_child()
    row = {
        "source_id": "INC1",
        "given_names": "Amelia",
        "family_name": "Hartley",
        "date_of_birth": "2015-03-27",
        "postcode": "NB7 1XY",
        "sex": "M",
        "notification_date": "2026-10-01",
    }
    load(hub_manager, police, "police_notifications", as_csv([row]))
    load(hub_manager, police, "police_notifications", as_csv([row, {**row, "source_id": "INC2", "given_names": "Noah"}]))
    assert ReviewItem.objects.filter(source_id="INC1").count() == 1
    later = load(hub_manager, police, "police_notifications", as_csv([{**row, "notification_type": "victim of crime"}]))
    item = ReviewItem.objects.get(source_id="INC1")
    assert item.load == later and item.row["values"]["notification_type"] == "victim of crime"


def test_a_pupil_whose_row_is_rejected_is_not_ended(data_manager, school, settings):
    settings.ISAHUB_FEED_MAX_REJECTION_RATE = 0.5
    load(data_manager, school, "school_roll", as_csv(CLASS))
    result = load(data_manager, school, "school_roll", as_csv([*CLASS[:3], CLASS[3] | {"postcode": "??"}]))
    assert (result.rejected, result.ended) == (1, 0)
    assert SourceRecord.objects.get(source_id="ADM0004").ended_by is None
    assert ChildIdentifier.objects.get(value=upn(4)).child.school_id == school.pk


def test_a_rejected_line_without_a_reference_ends_nobody(data_manager, school, settings):
    settings.ISAHUB_FEED_MAX_REJECTION_RATE = 0.5
    load(data_manager, school, "school_roll", as_csv(CLASS))
    result = load(data_manager, school, "school_roll", as_csv(CLASS[:2]) + b"not,enough\n")
    assert (result.rejected, result.ended) == (1, 0)
    assert "Nothing was ended" in result.report["notes"][0]
