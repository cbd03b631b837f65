"""Deployment profiles: the shipped one is valid; a broken one is refused with clear reasons."""

import tomllib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from isahub.profiles.loader import SCHEMA_PATH, ProfileError, current_profile, load_profile

SHIPPED = Path(SCHEMA_PATH).parent / "shipped" / "default.toml"


def write_profile(tmp_path, text: str) -> Path:
    path = tmp_path / "profile.toml"
    path.write_text(text)
    return path


def shipped_text() -> str:
    return SHIPPED.read_text()


def test_the_shipped_profile_is_valid_and_readable():
    profile = load_profile(SHIPPED)
    assert profile.name == "default"
    assert profile.consent_model in {"C1", "C2", "C3", "C4"}
    assert profile.search_minimums("standard") == [["surname", "date_of_birth"], ["surname", "forename", "postcode"]]
    assert profile.role_name("central_team") == "Central team"
    assert profile.module_enabled("index") and not profile.module_enabled("meetings")
    assert "camhs" in profile.sensitive_service_kinds
    assert profile.alert_threshold("hidden_record_probe_threshold") == 3


def test_the_running_service_uses_the_configured_profile():
    assert current_profile().path.endswith("default.toml")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('model = "C2"', 'model = "C9"', "consent.model: 'C9' is not one of"),
        ("max_results = 5", 'max_results = "ten"', "search.max_results: 'ten' is not of type 'integer'"),
        ("max_results = 5", "max_results = 0", "search.max_results: 0 is less than the minimum of 1"),
        ('central_team = "Central team"\n', "", "roles: 'central_team' is a required property"),
        ('enabled = ["index", "directory"]', 'enabled = ["index", "teleport"]', "modules.enabled.1: 'teleport' is not one of"),
        ('access_level = "standard"', 'access_level = "enhanced"', "there must be a rule for the 'standard' access level"),
        ("schema_version = 1", "schema_version = 2", "schema_version: 1 was expected"),
    ],
)
def test_each_problem_is_reported_with_where_and_what(tmp_path, old, new, message):
    text = shipped_text()
    assert old in text
    with pytest.raises(ProfileError) as raised:
        load_profile(write_profile(tmp_path, text.replace(old, new, 1)))
    assert any(message in problem for problem in raised.value.problems), raised.value.problems


def test_unknown_keys_are_refused_so_typos_are_caught(tmp_path):
    with pytest.raises(ProfileError, match="Additional properties are not allowed"):
        load_profile(write_profile(tmp_path, shipped_text() + '\nconsnet = "C1"\n'))


def test_invalid_toml_and_missing_files_are_explained(tmp_path):
    with pytest.raises(ProfileError, match="not valid TOML"):
        load_profile(write_profile(tmp_path, "name = "))
    with pytest.raises(ProfileError, match="does not exist"):
        load_profile(tmp_path / "nowhere.toml")


def test_all_problems_are_reported_at_once(tmp_path):
    text = shipped_text().replace('model = "C2"', 'model = "X"').replace("max_results = 5", "max_results = -1")
    with pytest.raises(ProfileError) as raised:
        load_profile(write_profile(tmp_path, text))
    assert len(raised.value.problems) == 2


def test_check_profile_command(tmp_path, capsys):
    call_command("check_profile", str(SHIPPED))
    assert "OK: profile default" in capsys.readouterr().out
    with pytest.raises(CommandError, match="consent.model"):
        call_command("check_profile", str(write_profile(tmp_path, shipped_text().replace('"C2"', '"C7"'))))


def test_the_service_refuses_to_start_with_a_broken_profile(tmp_path, settings):
    from isahub.profiles.checks import profile_is_valid

    assert profile_is_valid(None) == []
    settings.ISAHUB_PROFILE = str(write_profile(tmp_path, "name = 1"))
    errors = profile_is_valid(None)
    assert errors and errors[0].id == "profiles.E001"


def test_profile_is_plain_data():
    assert tomllib.loads(shipped_text())["schema_version"] == 1
