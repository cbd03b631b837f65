"""Deployment profiles: what differs between areas, loaded from a versioned TOML file.

A profile is validated against `schema.json`; every problem is reported with where it is
in the file and what was expected, so a council's administrator can fix it without
reading code.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from django.conf import settings

SCHEMA_PATH = Path(__file__).with_name("schema.json")


class ProfileError(Exception):
    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__(f"The deployment profile {path} cannot be used:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Profile:
    """A validated profile. Accessors say what the rest of the product may ask of it."""

    path: str
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return self.data["name"]

    @property
    def version(self) -> str:
        return self.data["version"]

    def role_name(self, role: str) -> str:
        return self.data["roles"].get(role, role.replace("_", " ").capitalize())

    def module_enabled(self, module: str) -> bool:
        return module in self.data["modules"]["enabled"]

    @property
    def consent_model(self) -> str:
        return self.data["consent"]["model"]

    @property
    def search_max_results(self) -> int:
        return self.data["search"]["max_results"]

    def search_minimums(self, access_level: str = "standard") -> list[list[str]]:
        for rule in self.data["search"]["minimums"]:
            if rule["access_level"] == access_level:
                return rule["any_of"]
        raise KeyError(f"No search minimum for access level {access_level!r}")

    @property
    def search_min_score(self) -> float:
        return self.data["search"].get("min_score", 0.62)

    @property
    def search_close_to_best(self) -> float:
        return self.data["search"].get("close_to_best", 0.15)

    def access_level_for(self, role: str) -> str:
        return self.data["search"].get("role_access_levels", {}).get(role, "standard")

    @property
    def access_reasons(self) -> list[str]:
        return self.data["access"]["reasons"]

    @property
    def reason_valid_minutes(self) -> int:
        return self.data["access"]["reason_valid_minutes"]

    @property
    def break_glass_minutes(self) -> int:
        return self.data["access"]["break_glass_minutes"]

    @property
    def lead_professional_rule(self) -> str:
        return self.data["lead_professional"]["assignment_rule"]

    def alert_threshold(self, name: str) -> int:
        return self.data["alerts"][name]

    @property
    def levels_of_need(self) -> list[str]:
        return self.data["levels_of_need"]["levels"]

    @property
    def sensitive_service_kinds(self) -> list[str]:
        return self.data["sensitive_services"]["kinds"]


def _describe(error: jsonschema.ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    return f"{where}: {error.message}"


def load_profile(path: str | Path) -> Profile:
    path = str(path)
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ProfileError(path, ["the file does not exist"]) from None
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(path, [f"it is not valid TOML ({error})"]) from None
    schema = json.loads(SCHEMA_PATH.read_text())
    validator = jsonschema.Draft202012Validator(schema)
    problems = sorted(_describe(e) for e in validator.iter_errors(data))
    problems += _cross_checks(data) if not problems else []
    if problems:
        raise ProfileError(path, problems)
    return Profile(path=path, data=data)


def _cross_checks(data: dict[str, Any]) -> list[str]:
    """Rules a JSON Schema cannot say on its own."""
    problems = []
    levels = [rule["access_level"] for rule in data["search"]["minimums"]]
    for role, level in data["search"].get("role_access_levels", {}).items():
        if role not in data["roles"]:
            problems.append(f"search.role_access_levels: {role!r} is not a role")
        if level not in levels:
            problems.append(f"search.role_access_levels.{role}: no search minimum is set for access level {level!r}")
    if "standard" not in levels:
        problems.append("search.minimums: there must be a rule for the 'standard' access level")
    if len(levels) != len(set(levels)):
        problems.append("search.minimums: each access level may appear only once")
    return problems


@cache
def _cached(path: str) -> Profile:
    return load_profile(path)


def current_profile() -> Profile:
    return _cached(settings.ISAHUB_PROFILE)


def clear_cache() -> None:
    _cached.cache_clear()
