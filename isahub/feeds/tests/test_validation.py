"""Reading and validating extracts: every rule with a bad-row fixture. No database."""

import datetime as dt

import pytest

from isahub.feeds.feedtypes import FEED_TYPES, feed_type
from isahub.feeds.reading import UnreadableFile, parse
from isahub.feeds.validation import validate

from .factories import SAMPLES, as_csv, as_jsonl, nhs_number, pupil, upn

TODAY = dt.date(2026, 11, 23)
ROLL = feed_type("school_roll")


def check(rows, feed=ROLL, fmt="csv"):
    data = as_csv(rows) if fmt == "csv" else as_jsonl(rows)
    return validate(parse(data, feed=feed, fmt=fmt).rows, feed=feed, today=TODAY)


def reasons(rows, **kwargs):
    result = check(rows, **kwargs)
    return {r.line: r.reasons for r in result.rejected}


def test_every_feed_type_has_a_documented_sample_that_validates_cleanly():
    for code, feed in FEED_TYPES.items():
        samples = [p for p in SAMPLES.glob(f"{code}.*") if p.suffix in (".csv", ".jsonl")]
        assert len(samples) == 1, f"docs/feeds/ needs one sample for {code}"
        parsed = parse(samples[0].read_bytes(), feed=feed, fmt=samples[0].suffix[1:])
        result = validate(parsed.rows, feed=feed, today=TODAY)
        assert result.good and not result.rejected, (code, [r.as_dict() for r in result.rejected])
        assert not parsed.ignored_columns, (code, parsed.ignored_columns)


def test_feed_types_say_what_they_may_do():
    assert {
        "school_roll",
        "gp_registrations",
        "health_visiting",
        "police_notifications",
        "ae_attendances",
        "housing_notifications",
        "generic",
    } == set(FEED_TYPES)
    assert not FEED_TYPES["police_notifications"].creates_children and not FEED_TYPES["ae_attendances"].creates_children
    assert FEED_TYPES["school_roll"].snapshot and not FEED_TYPES["police_notifications"].snapshot
    assert "upn" in ROLL.required and "nhs_number" in FEED_TYPES["gp_registrations"].required


def test_a_good_row_is_typed_and_normalised():
    result = check([pupil(1, postcode="nb14aa", sex="f", upn=upn(1).lower())])
    (row,) = result.good
    assert row["date_of_birth"] == dt.date(2015, 3, 27)
    assert row["postcode"] == "NB1 4AA" and row["sex"] == "female" and row["upn"] == upn(1)


def test_uk_style_dates_are_accepted():
    (row,) = check([pupil(1, date_of_birth="27/03/2015")]).good
    assert row["date_of_birth"] == dt.date(2015, 3, 27)


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ({"family_name": ""}, "family_name is required"),
        ({"upn": ""}, "upn is required"),
        ({"date_of_birth": "2015-02-30"}, "date_of_birth is not a real date"),
        ({"date_of_birth": "next week"}, "date_of_birth is not a real date"),
        ({"date_of_birth": "2027-01-01"}, "date_of_birth is in the future"),
        ({"date_of_birth": "2000-11-22"}, "older than 25"),
        ({"upn": "A80120000100X"}, "upn is not a valid unique pupil number"),
        ({"upn": upn(1)[:-1] + ("1" if upn(1)[-1] != "1" else "2")}, "upn is not a valid unique pupil number"),
        ({"postcode": "NOT A CODE"}, "postcode is not a UK postcode"),
        ({"sex": "x"}, "sex must be female, male, other or unknown"),
        ({"year_group": "15"}, "year_group must be one of"),
        ({"exclusion_date": "2030-01-01"}, "exclusion_date is in the future"),
        ({"exclusion_date": "2010-01-01"}, "exclusion_date is before the date of birth"),
        ({"exclusion_type": "permanent"}, "exclusion_type needs an exclusion_date"),
        ({"source_id": "X" * 41}, "source_id is longer than 40"),
    ],
)
def test_each_rule_rejects_its_bad_row_with_the_line_and_reason(override, expected):
    found = reasons([pupil(1), pupil(2, **override)])
    assert list(found) == [3], found  # the header is line 1
    assert any(expected in reason for reason in found[3]), found


def test_an_age_of_exactly_25_is_allowed_and_26_is_not():
    found = reasons([pupil(1, date_of_birth="2001-11-23"), pupil(2, date_of_birth="2000-11-23")])
    assert list(found) == [3]


def test_nhs_numbers_are_checked_by_their_check_digit():
    gp = feed_type("gp_registrations")
    good = nhs_number(3)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    rows = [
        pupil(1, source_id="P1", nhs_number=good),
        pupil(2, source_id="P2", nhs_number=bad),
        pupil(3, source_id="P3", nhs_number="12345"),
    ]
    found = reasons(rows, feed=gp)
    assert set(found) == {3, 4}
    assert all("not a valid NHS number" in r[0] for r in found.values())


def test_every_problem_of_a_row_is_listed_and_no_value_is_quoted():
    found = reasons([pupil(1, family_name="", postcode="ZZ", date_of_birth="2031-01-01")])
    assert len(found[2]) == 3
    assert not any("ZZ" in reason or "2031" in reason for reason in found[2])


def test_duplicate_rows_within_the_file_are_rejected():
    rows = [pupil(1), pupil(1), pupil(2, source_id="ADM0001", given_names="Mia"), pupil(3, source_id="OTHER", upn=upn(1))]
    found = reasons(rows)
    assert "duplicate of line 2" in found[3]
    assert "source_id repeats line 2" in found[4]
    assert any("upn repeats line 2" in r for r in found[5])
    assert 2 not in found


def test_the_same_child_under_two_references_is_rejected_in_a_snapshot():
    found = reasons([pupil(1), pupil(2, source_id="ADM9", upn=upn(9))])
    assert any("the same child as line 2" in r for r in found[3])


def test_a_partial_address_is_rejected_where_the_address_is_optional():
    police = feed_type("police_notifications")
    row = {
        "source_id": "I1",
        "given_names": "A",
        "family_name": "B",
        "date_of_birth": "2015-01-01",
        "notification_date": "2026-11-01",
        "town": "Northbrook",
    }
    found = reasons([row], feed=police)
    assert any("address needs" in r for r in found[2])


def test_generic_events_need_a_kind_and_a_date_together():
    generic = feed_type("generic")
    row = {
        "source_id": "G1",
        "given_names": "A",
        "family_name": "B",
        "date_of_birth": "2015-01-01",
        "event_kind": "other",
        "event_date": "",
    }
    assert any("go together" in r for r in reasons([row], feed=generic)[2])


def test_json_lines_rows_are_numbered_by_line_and_a_broken_line_is_one_rejection():
    data = as_jsonl([pupil(1)]) + b"{not json\n" + b"[1, 2]\n" + as_jsonl([pupil(2, given_names="Mia")])
    result = validate(parse(data, feed=ROLL, fmt="jsonl").rows, feed=ROLL, today=TODAY)
    assert [r.line for r in result.good] == [1, 4]
    assert {r.line: r.reasons[0] for r in result.rejected} == {
        2: "the line is not valid JSON",
        3: "the line is not a JSON object",
    }


def test_a_csv_line_with_the_wrong_number_of_values_is_rejected():
    data = as_csv([pupil(1)]) + b"ADM9,too,few\n"
    result = validate(parse(data, feed=ROLL, fmt="csv").rows, feed=ROLL, today=TODAY)
    assert result.rejected[0].line == 3 and "values but the header has" in result.rejected[0].reasons[0]


def test_a_byte_order_mark_is_tolerated():
    parsed = parse(b"\xef\xbb\xbf" + as_csv([pupil(1)]), feed=ROLL, fmt="csv")
    assert parsed.rows[0].values["source_id"] == "ADM0001"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (as_csv([pupil(1, family_name="Müller")]).decode().encode("latin-1"), "not UTF-8 (the first problem is on line 2"),
        ("\ufeff".encode("utf-16-le") + as_csv([pupil(1)]).decode().encode("utf-16-le"), "UTF-16"),
        (b"", "empty"),
        (b"source_id,upn\n", "no column for"),
        (as_csv([pupil(1)], columns=["source_id", "given_names"]), "no column for: family_name, date_of_birth, upn"),
        (b"source_id,source_id\nA,B\n", "column twice"),
        (b'source_id,upn\n"unterminated', "no column for"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(data, message):
    with pytest.raises(UnreadableFile, match=message.replace("(", r"\(")):
        parse(data, feed=ROLL, fmt="csv")


def test_unknown_columns_are_reported_and_ignored():
    parsed = parse(as_csv([pupil(1) | {"religion": "x"}]), feed=ROLL, fmt="csv")
    assert parsed.ignored_columns == ("religion",)


def test_docs_describe_every_feed_type_and_column():
    text = (SAMPLES.parent / "feeds.md").read_text()
    for code, feed in FEED_TYPES.items():
        assert f"(`{code}`)" in text, code
        section = text.split(f"(`{code}`)", 1)[1].split("### ", 1)[0]
        for column in feed.columns:
            assert f"| `{column.name}` |" in section, (code, column.name)
