"""The Splink model: blocking rules and comparisons (one definition for DuckDB and Spark).

Each comparison has a null level (a value missing on either side: no evidence either way), then
levels from the strongest agreement to "all other comparisons". Custom SQL levels use only
functions DuckDB and Spark share (jaro_winkler_similarity is rewritten by Splink per dialect;
`list_has_any` and `hamming` are DuckDB's, with Spark equivalents in docs/linkage.md).
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on

# A pair is compared only if one of these holds (the pairs a blocking rule keeps).
BLOCKING_RULES = (
    ("dob",),  # same date of birth
    ("surname_sound", "dob_year"),  # same-sounding surname, same year of birth
    ("postcode", "forename_initial"),  # same postcode, same first letter of the forename
)
# The rules EM estimates m over: each rule's own columns are not estimated in its session
# (they always agree there), so together they cover every comparison.
TRAINING_RULES = (("dob",), ("surname_sound", "dob_year"), ("postcode", "forename_initial"))


def _jw(column: str, threshold: float) -> cll.CustomLevel:
    return cll.CustomLevel(
        f"jaro_winkler_similarity({column}_l, {column}_r) >= {threshold}", f"similar spelling (Jaro-Winkler ≥ {threshold})"
    )


def _null(column: str) -> Any:
    return cll.CustomLevel(f"{column}_l IS NULL OR {column}_r IS NULL", "not given").configure(is_null_level=True)


def _exact(column: str, label: str = "exact") -> cll.CustomLevel:
    return cll.CustomLevel(f"{column}_l = {column}_r", label)


def forename() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="forename",
        comparison_description="First name: exact, a short form (nickname), close spelling, same sound",
        comparison_levels=[
            _null("forename"),
            _exact("forename"),
            cll.CustomLevel("list_has_any(forename_roots_l, forename_roots_r)", "short form (nickname)"),
            _jw("forename", 0.92),
            _exact("forename_sound", "same sound"),
            _jw("forename", 0.8),
            cll.ElseLevel(),
        ],
    )


def surname() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="surname",
        comparison_description="Surname: exact, another of the child's surnames, same sound, close spelling",
        comparison_levels=[
            _null("surname"),
            _exact("surname"),
            cll.CustomLevel("list_has_any(surnames_l, surnames_r)", "a previous or other surname, or one part"),
            _jw("surname", 0.92),
            _exact("surname_sound", "same sound"),
            _jw("surname", 0.8),
            cll.ElseLevel(),
        ],
    )


def date_of_birth() -> cl.CustomComparison:
    swapped = (
        "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
        "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
    )
    return cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_description="Date of birth: exact, day and month swapped, one digit out, same year",
        comparison_levels=[
            _null("dob"),
            _exact("dob"),
            cll.CustomLevel(swapped, "day and month swapped"),
            cll.CustomLevel("hamming(dob_l, dob_r) = 1", "one digit out"),
            _exact("dob_year", "same year"),
            cll.ElseLevel(),
        ],
    )


def sex() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="sex",
        comparison_description="Sex (female or male; anything else is not compared)",
        comparison_levels=[_null("sex"), _exact("sex"), cll.ElseLevel()],
    )


def postcode() -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="postcode",
        comparison_description="Postcode: current, a previous one, same sector, same district",
        comparison_levels=[
            _null("postcode"),
            _exact("postcode"),
            cll.CustomLevel("list_has_any(postcodes_l, postcodes_r)", "a previous address"),
            _exact("sector", "same sector"),
            _exact("district", "same district"),
            cll.ElseLevel(),
        ],
    )


def identifier(column: str, label: str) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_description=label,
        comparison_levels=[_null(column), _exact(column, "same"), cll.ElseLevel()],
    )


COMPARISON_LABELS = {
    "forename": "First name",
    "surname": "Surname",
    "date_of_birth": "Date of birth",
    "sex": "Sex",
    "postcode": "Postcode",
    "nhs": "NHS number",
    "upn": "Unique pupil number",
}


def settings(link_type: str = "link_only", probability_two_random_records_match: float = 1e-6) -> SettingsCreator:
    return SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        unique_id_column_name="unique_id",
        comparisons=[
            forename(),
            surname(),
            date_of_birth(),
            sex(),
            postcode(),
            identifier("nhs", "NHS number"),
            identifier("upn", "Unique pupil number"),
        ],
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in BLOCKING_RULES],
        probability_two_random_records_match=probability_two_random_records_match,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        em_convergence=0.001,
        max_iterations=20,
    )


def for_link_type(model_json: dict[str, Any], link_type: str) -> dict[str, Any]:
    """A trained model's settings, to run as `link_type` (the weights are the same)."""
    return {**model_json, "link_type": link_type}
