"""The feed rules as a matrix: every role, at the sending agency, at another agency and at the
hub, for every feed action on a load, a queued row and a conflict (the pages test the same
rules from outside in test_pages.py)."""

from types import SimpleNamespace

import pytest

from isahub.accounts.models import AgencyKind, Role
from isahub.accounts.tests.factories import AgencyFactory, UserFactory
from isahub.policy.engine import decide

pytestmark = pytest.mark.django_db

ACTIONS = ("feed.load", "feed.view_loads", "feed.review", "feed.conflict_resolve")
# (role, where the user works) -> the actions allowed on the sending agency's records.
ALLOWED = {
    (Role.DATA_MANAGER, "sender"): set(ACTIONS),
    (Role.DATA_MANAGER, "hub"): set(ACTIONS),
    (Role.DATA_MANAGER, "other"): set(),
    (Role.CENTRAL_TEAM, "sender"): {"feed.view_loads", "feed.conflict_resolve"},
    (Role.CENTRAL_TEAM, "hub"): {"feed.view_loads", "feed.conflict_resolve"},
    (Role.CENTRAL_TEAM, "other"): {"feed.view_loads", "feed.conflict_resolve"},
}


@pytest.mark.parametrize("where", ["sender", "hub", "other"])
@pytest.mark.parametrize("role", Role.values)
def test_feed_rules(role, where):
    sender = AgencyFactory(name="Sending School", kind=AgencyKind.SCHOOL)
    agency = {
        "sender": sender,
        "hub": AgencyFactory(name="The Hub", kind=AgencyKind.HUB),
        "other": AgencyFactory(name="Another School", kind=AgencyKind.SCHOOL),
    }[where]
    user = UserFactory(role=role, agency=agency)
    load = SimpleNamespace(agency_id=sender.pk)
    targets = {
        "feed.load": sender,
        "feed.view_loads": load,
        "feed.review": SimpleNamespace(load=load),
        "feed.conflict_resolve": SimpleNamespace(load=load),
    }
    allowed = ALLOWED.get((role, where), set())
    for action in ACTIONS:
        decision = decide(user, action, targets[action])
        assert decision.allowed == (action in allowed), (role, where, action, decision.reason)
        assert decision.reason  # every answer, yes or no, says why
