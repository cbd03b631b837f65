"""The policy matrix: role × agency × read path → expected decision, from the outside.

Every case goes through a page or the API, as a user would. Refusals must be 403 (or 404
where a record outside the user's scope must not be confirmed to exist) and must leave an
`access.refused` audit row. Later issues add rows for their own read paths.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from isahub.accounts.models import Role
from isahub.audit.models import AuditEntry

ALL = set(Role.values)
ADMINS = {Role.SYSTEM_ADMINISTRATOR, Role.AGENCY_ADMINISTRATOR}


@dataclass(frozen=True)
class Resource:
    name: str
    page: str | None  # URL template; {own} / {other} are a user or agency of the actor's / another agency
    api: str | None
    allowed_own: frozenset
    allowed_other: frozenset
    step_up: bool = False
    target: str = "user"  # what {id} names: a user or an agency


RESOURCES = [
    Resource("user list", "/users/", "/api/v1/users", frozenset(ADMINS), frozenset(ADMINS)),
    Resource(
        "one user",
        "/users/{id}/",
        "/api/v1/users/{id}",
        frozenset(ADMINS),
        frozenset({Role.SYSTEM_ADMINISTRATOR}),
        step_up=True,
    ),
    Resource("agency list", "/agencies/", "/api/v1/agencies", frozenset(ALL), frozenset(ALL)),
    Resource(
        "change an agency",
        "/agencies/{id}/",
        None,
        frozenset({Role.SYSTEM_ADMINISTRATOR}),
        frozenset({Role.SYSTEM_ADMINISTRATOR}),
        target="agency",
    ),
    Resource("audit trail", "/audit/", "/api/v1/audit/entries", frozenset({Role.AUDITOR}), frozenset({Role.AUDITOR})),
    Resource(
        "audit export",
        "/audit/export.csv",
        None,
        frozenset({Role.AUDITOR}),
        frozenset({Role.AUDITOR}),
        step_up=True,
    ),
    Resource("own account", None, "/api/v1/me", frozenset(ALL), frozenset(ALL)),
]


def _cases():
    for resource in RESOURCES:
        for role in Role.values:
            for relation in ("own", "other"):
                allowed = role in (resource.allowed_own if relation == "own" else resource.allowed_other)
                for path in ("page", "api"):
                    if getattr(resource, path) is None:
                        continue
                    if "{id}" not in getattr(resource, path) and relation == "other":
                        continue  # a list has no "other agency" variant
                    for home in ("school", "health"):
                        case_id = f"{resource.name}-{role}@{home}-{relation}-{path}"
                        yield pytest.param(resource, role, home, relation, path, allowed, id=case_id)


CASES = list(_cases())


def test_matrix_size_is_reported(capsys):
    with capsys.disabled():
        print(f"\npolicy matrix: {len(CASES)} generated cases")
    assert len(CASES) >= 190


@pytest.mark.django_db
@pytest.mark.parametrize(("resource", "role", "home", "relation", "path", "allowed"), CASES)
def test_policy_matrix(resource, role, home, relation, path, allowed, users, client_for, token_for, school, health):
    actor = users[home][role]
    away = "health" if home == "school" else "school"
    subject_user = users[home if relation == "own" else away][Role.PRACTITIONER]
    agencies = {"school": school, "health": health}
    subject_agency = agencies[home if relation == "own" else away]
    subject = subject_user.pk if resource.target == "user" else subject_agency.pk
    url = getattr(resource, path).format(id=subject)
    refusals_before = AuditEntry.objects.filter(action="access.refused").count()
    if path == "page":
        response = client_for(actor, stepped_up=resource.step_up).get(url)
    else:
        response = Client().get(url, **token_for(actor))
    if allowed:
        assert response.status_code == 200, f"{role} should reach {url} ({path}); got {response.status_code}"
        return
    if response.status_code == 404:
        # Out of scope: indistinguishable from "does not exist" (agency administrators, other agency).
        assert role == Role.AGENCY_ADMINISTRATOR and relation == "other"
        return
    assert response.status_code == 403, f"{role} must be refused {url} ({path}); got {response.status_code}"
    assert AuditEntry.objects.filter(action="access.refused", actor_id=actor.pk).count() == refusals_before + 1
    text = response.content.decode()
    assert "Only" in text or "only" in text  # the reason is shown, in words


@pytest.mark.django_db
def test_lists_show_only_what_the_rule_allows(users, client_for, token_for):
    admin = users["school"][Role.AGENCY_ADMINISTRATOR]
    names = {u["username"] for u in Client().get("/api/v1/users", **token_for(admin)).json()}
    assert names == {u.username for u in users["school"].values()}
    sysadmin = users["school"][Role.SYSTEM_ADMINISTRATOR]
    everyone = {u["username"] for u in Client().get("/api/v1/users", **token_for(sysadmin)).json()}
    assert everyone >= {u.username for group in users.values() for u in group.values()}


@pytest.mark.django_db
def test_an_action_without_a_rule_is_refused(users):
    from isahub.policy.engine import decide

    decision = decide(users["school"][Role.SYSTEM_ADMINISTRATOR], "no.such.action")
    assert not decision.allowed and decision.reason


@pytest.mark.django_db
def test_anonymous_and_disabled_users_are_refused(users):
    from django.contrib.auth.models import AnonymousUser

    from isahub.policy.engine import decide

    assert not decide(AnonymousUser(), "agencies.list").allowed
    disabled = users["school"][Role.SYSTEM_ADMINISTRATOR]
    disabled.is_active = False
    assert not decide(disabled, "agencies.list").allowed
