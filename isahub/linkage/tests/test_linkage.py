"""The Splink model: standardising, training and versions, the three outcomes of a feed load,
the weights the review queue shows, the fallback, and the dedupe run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from isahub.accounts.models import AgencyKind
from isahub.accounts.tests.factories import AgencyFactory
from isahub.audit.models import AuditEntry
from isahub.children.models import Child, ChildName, RecordStatus
from isahub.feeds.linking import MatcherScorer, default_linker
from isahub.feeds.models import ReviewItem, SourceRecord
from isahub.feeds.tests.factories import as_csv, load, pupil
from isahub.linkage import engine, index
from isahub.linkage.bulk import SyntheticChild, load_children
from isahub.linkage.models import DuplicateProposal, LinkageModel, ProposalStatus
from isahub.linkage.scoring import SplinkScorer, describe_linker
from isahub.linkage.services import dismiss_proposal, find_duplicates, merge_proposal, train_model
from isahub.linkage.standardise import Person, standardise

from .conftest import AMELIA

pytestmark = pytest.mark.django_db


def test_standardising_uses_the_child_index_normalisation():
    record = standardise(
        Person("1", (("Billy-Joe", "O'Brien-Smith"), ("Billy", "Smyth")), dt.date(2015, 3, 27), "male", ("nb14aa", "xx"))
    )
    assert record["forename"] == "billy"
    assert "william" in record["forename_roots"]
    assert record["surname"] == "obrien smith"
    assert {"obrien", "smith", "smyth"} <= set(record["surnames"])
    assert record["surname_sound"] == record["surname_sound"].upper()
    assert (record["dob"], record["dob_year"], record["sex"]) == ("2015-03-27", "2015", "male")
    assert (record["postcode"], record["sector"], record["district"], record["postcodes"]) == (
        "NB1 4AA",
        "NB1 4",
        "NB1",
        ["NB1 4AA"],
    )
    assert standardise(Person("2", (("", "Lee"),), None, "unknown"))["sex"] is None


def test_training_stores_numbered_versions_with_their_counts_and_an_audit_row(trained, index_records):
    assert trained.version == 1
    assert trained.index_rows == len(index_records) and trained.extract_rows == 400 and trained.u_pairs == 200_000
    names = [c["output_column_name"] for c in trained.model["comparisons"]]
    assert names == ["forename", "surname", "date_of_birth", "sex", "postcode", "nhs", "upn"]
    forename = trained.model["comparisons"][0]["comparison_levels"]
    exact = next(level for level in forename if level.get("label_for_charts") == "exact")
    other = next(level for level in forename if level.get("label_for_charts") == "All other comparisons")
    assert exact["m_probability"] > 0.5 > other["m_probability"]  # EM learnt that a match's first names agree
    assert exact["u_probability"] < 0.05
    second = train_model(u_pairs=100_000)
    assert second.version == 2 and second.extract_rows == 0
    assert list(LinkageModel.objects.values_list("version", flat=True)) == [2, 1]
    assert AuditEntry.objects.filter(action="linkage.model_trained").count() == 2


def test_the_training_command_reads_extracts_and_says_what_it_stored(index_records, tmp_path):
    path = tmp_path / "roll.csv"
    rows = [
        pupil(
            i + 1,
            given_names=r.names[0].given,
            family_name=r.names[0].family,
            date_of_birth=r.date_of_birth.isoformat(),
            postcode=r.postcodes[0],
        )
        for i, r in enumerate(index_records[1:301])
    ]
    path.write_bytes(as_csv(rows))
    from io import StringIO

    out = StringIO()
    call_command("train_linkage_model", "--extract", f"school_roll:{path}", "--u-pairs", "100000", stdout=out)
    assert "Stored Splink model v1" in out.getvalue() and "300 extract rows" in out.getvalue()
    assert LinkageModel.objects.get().extract_rows == 300


def test_without_a_model_feeds_fall_back_to_the_deterministic_matcher(db, settings):
    settings.ISAHUB_FEED_LINKER = "splink"
    assert isinstance(default_linker().scorer, MatcherScorer)
    assert "no Splink linkage model has been trained" in describe_linker()


def test_with_a_model_feeds_score_with_splink_and_its_thresholds(trained, settings):
    settings.ISAHUB_FEED_LINKER = "splink"
    linker = default_linker()
    assert isinstance(linker.scorer, SplinkScorer) and linker.scorer.name == "splink model v1"
    assert (linker.lower, linker.upper) == (settings.ISAHUB_LINKAGE_LOWER, settings.ISAHUB_LINKAGE_UPPER)
    settings.ISAHUB_FEED_LINKER = "matcher"
    assert isinstance(default_linker().scorer, MatcherScorer)


def amelia_row(n: int, **overrides) -> dict:
    return pupil(n, given_names="Amelia", family_name="Hartley", date_of_birth="2015-03-27", postcode="NB1 4AA") | overrides


@pytest.mark.parametrize("candidates", ["keys", "index"])
def test_a_feed_links_creates_and_queues_by_the_models_probability(trained, data_manager, school, settings, candidates):
    settings.ISAHUB_FEED_LINKER = "splink"
    settings.ISAHUB_LINKAGE_CANDIDATES = candidates
    amelia = Child.objects.get(names__given_names="Amelia", names__family_name="Hartley")
    rows = [
        amelia_row(1, family_name="Hartly"),  # a slip: the same child
        amelia_row(2, given_names="Isla"),  # her twin sister, not yet in the index
        pupil(3, given_names="Zebedee", family_name="Quartermaine", date_of_birth="2012-07-04", sex="M", postcode="NB9 9ZZ"),
    ]
    result = load(data_manager, school, "school_roll", as_csv(rows))
    assert (result.linked, result.queued, result.created) == (1, 1, 1)
    assert SourceRecord.objects.get(source_id="ADM0001").child_id == amelia.pk
    item = ReviewItem.objects.get()
    assert item.source_id == "ADM0002" and item.scorer == "splink model v1"
    best = item.candidates[0]
    assert best["child_id"] == str(amelia.pk)
    assert best["explanation"]["fields"]["forename"]["agreement"] == "All other comparisons"
    assert best["explanation"]["fields"]["forename"]["weight"] < 0 < best["explanation"]["fields"]["date_of_birth"]["weight"]
    assert "twin_rule" in best["explanation"]
    assert ChildName.objects.filter(given_names="Zebedee").exists()


def test_a_feed_that_never_adds_children_queues_an_unknown_child(trained, make_user, settings):
    settings.ISAHUB_FEED_LINKER = "splink"
    police = AgencyFactory(name="Northbrook Police", kind=AgencyKind.POLICE)
    data_manager = make_user(role="data_manager", agency=police, username="police-dm")
    row = {
        "source_id": "INC1",
        "given_names": "Zebedee",
        "family_name": "Quartermaine",
        "date_of_birth": "2012-07-04",
        "notification_date": "2026-10-01",
    }
    result = load(data_manager, police, "police_notifications", as_csv([row]))
    assert (result.linked, result.created, result.queued) == (0, 0, 1)
    assert "never adds children" in ReviewItem.objects.get().why


def test_the_review_page_shows_each_comparisons_match_weight(trained, data_manager, school, client_for, settings):
    settings.ISAHUB_FEED_LINKER = "splink"
    load(data_manager, school, "school_roll", as_csv([amelia_row(2, given_names="Isla")]))
    item = ReviewItem.objects.get()
    weights = item.candidates[0]["explanation"]["fields"]
    page = client_for(data_manager).get(reverse("feeds:review-item", args=[item.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Scored by splink model v1" in html
    assert "All other comparisons" in html and "exact" in html
    assert f"{weights['date_of_birth']['weight']:.1f} of {weights['date_of_birth']['max']:.1f}" in html
    assert f"{weights['forename']['weight']:.1f} of" in html


def test_scoring_explains_every_compared_field_with_level_and_weight(trained):
    scorer = SplinkScorer(trained, upper=0.99, candidates="keys")
    from isahub.feeds.validation import CleanRow

    row = CleanRow(
        line=2,
        values={
            "source_id": "X",
            "given_names": "Millie",
            "family_name": "Hartley",
            "date_of_birth": dt.date(2015, 3, 27),
            "sex": "female",
            "postcode": "NB1 4AA",
            "nhs_number": "",
            "upn": "",
        },
        row_hash="x",
    )
    best = scorer.candidates(row)[0]
    fields = best.explanation["fields"]
    assert fields["forename"]["agreement"] == "short form (nickname)" and fields["forename"]["matched"] == "amelia"
    assert set(fields) == {"forename", "surname", "date_of_birth", "sex", "postcode"}
    assert best.score > 0.5
    assert scorer.timings["candidate_children"] < trained.index_rows  # pulled by keys, not the whole index


def test_dedupe_finds_planted_duplicates_and_a_merge_goes_through_the_child_index(trained, index_records, make_user):
    planted = [
        AMELIA.__class__(
            names=(AMELIA.names[0].__class__(given="Amelia", family="Hartly"),),
            date_of_birth=AMELIA.date_of_birth,
            sex="female",
            postcodes=("NB1 4AA",),
        ),
        index_records[10].__class__(
            names=((n := index_records[10].names[0]).__class__(given=n.given, family=n.family),),
            date_of_birth=dt.date(
                index_records[10].date_of_birth.year, index_records[10].date_of_birth.month, index_records[10].date_of_birth.day
            ),
            sex=index_records[10].sex,
            postcodes=index_records[10].postcodes[:1],
        ),
    ]
    duplicate_ids = load_children([SyntheticChild(record=r) for r in planted])
    result = find_duplicates(threshold=0.9)
    proposed = {frozenset((str(a), str(b))) for a, b in DuplicateProposal.objects.values_list("child_a_id", "child_b_id")}
    amelia = Child.objects.filter(names__given_names="Amelia", names__family_name="Hartley").exclude(pk=duplicate_ids[0]).get()
    assert frozenset((str(amelia.pk), str(duplicate_ids[0]))) in proposed
    assert any(str(duplicate_ids[1]) in pair for pair in proposed)
    assert result.proposed == len(proposed)
    assert AuditEntry.objects.filter(action="linkage.duplicates_proposed").count() == 1
    again = find_duplicates(threshold=0.9)  # a pair is proposed once
    assert again.proposed == 0 and again.already_known == result.proposed

    from isahub.accounts.models import Role

    manager = make_user(role=Role.DATA_MANAGER, username="dm2")
    proposal = DuplicateProposal.objects.get(
        child_a_id__in=[amelia.pk, duplicate_ids[0]], child_b_id__in=[amelia.pk, duplicate_ids[0]]
    )
    assert proposal.comparisons["surname"]["level"] != "exact" and proposal.comparisons["date_of_birth"]["level"] == "exact"
    merge_proposal(actor=manager, proposal=proposal, survivor=amelia, note="Same child, surname mistyped")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.MERGED and proposal.decided_by == manager
    assert Child.objects.get(pk=duplicate_ids[0]).status == RecordStatus.MERGED
    assert AuditEntry.objects.filter(action="child.merged").exists()
    assert AuditEntry.objects.filter(action="linkage.duplicate_decided").count() == 1
    with pytest.raises(ValidationError):
        merge_proposal(actor=manager, proposal=proposal, survivor=amelia, note="again")


def test_dismissing_a_proposal_needs_a_reason_and_the_right_to_merge(trained, index_records, make_user):
    from isahub.accounts.models import Role
    from isahub.policy.errors import AccessRefused

    twin = index_records[0].__class__(
        names=(AMELIA.names[0].__class__(given="Amelie", family="Hartley"),),
        date_of_birth=AMELIA.date_of_birth,
        sex="female",
        postcodes=("NB1 4AA",),
    )
    load_children([SyntheticChild(record=twin)])
    find_duplicates(threshold=0.5)
    proposal = DuplicateProposal.objects.filter(
        child_a__names__given_names__in=["Amelia", "Amelie"], child_b__names__given_names__in=["Amelia", "Amelie"]
    ).first()
    assert proposal is not None
    practitioner = make_user(role=Role.PRACTITIONER, username="pr1")
    with pytest.raises(AccessRefused):
        dismiss_proposal(actor=practitioner, proposal=proposal, note="twins")
    manager = make_user(role=Role.DATA_MANAGER, username="dm3")
    with pytest.raises(ValidationError):
        dismiss_proposal(actor=manager, proposal=proposal, note=" ")
    dismiss_proposal(actor=manager, proposal=proposal, note="Twins: Amelia and Amelie")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.NOT_DUPLICATE


def test_the_dedupe_command_reports_and_refuses_without_a_model(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No linkage model"):
        call_command("find_duplicate_children")


def test_the_index_reader_skips_merged_records_and_orders_current_details_first(index_records):
    people = index.people()
    assert len(people) == len(index_records)
    amelia = next(p for p in people if p.names and p.names[0] == ("Amelia", "Hartley"))
    assert amelia.postcodes == ("NB1 4AA",)
    assert engine.frame([standardise(amelia)]).shape == (1, 17)


def test_the_upload_page_says_which_linker_matches_rows(db, data_manager, school, client_for, settings):
    settings.ISAHUB_FEED_LINKER = "splink"
    page = client_for(data_manager).get(reverse("feeds:upload"))
    assert "the deterministic matcher: no Splink linkage model has been trained yet" in page.content.decode()
    from django.utils import timezone

    LinkageModel.objects.create(version=4, model={}, splink_version="4", trained_at=timezone.now(), index_rows=1234, u_pairs=1)
    page = client_for(data_manager).get(reverse("feeds:upload"))
    assert "Splink model v4" in page.content.decode() and "1,234 children" in page.content.decode()
