"""The demo borough's feeds tell their story and seeding twice changes nothing."""

import io

import pytest

from isahub.accounts.models import AgencyKind, Role
from isahub.accounts.tests.factories import AgencyFactory, UserFactory
from isahub.children.models import Child
from isahub.feeds.demo import seed_feeds
from isahub.feeds.models import Conflict, FeedEvent, FeedLoad, LoadStatus, ReviewItem

pytestmark = pytest.mark.django_db


def test_the_demo_feeds_leave_a_conflict_and_a_row_to_review_and_are_idempotent():
    # The demo's agencies and its hub data manager (as isahub/accounts/demo.py makes them).
    for name, kind in [
        ("Riverside Primary School", AgencyKind.SCHOOL),
        ("Elm Street Surgery", AgencyKind.GP),
        ("Northbrook Health Visiting Service", AgencyKind.HEALTH_VISITING),
        ("Northbrook Police Safeguarding Unit", AgencyKind.POLICE),
    ]:
        AgencyFactory(name=name, kind=kind)
    hub = AgencyFactory(name="Northbrook Multi-Agency Hub", kind=AgencyKind.HUB)
    users = {"datamanager2": UserFactory(username="datamanager2", role=Role.DATA_MANAGER, agency=hub)}
    seed_feeds(users=users, stdout=io.StringIO())
    assert FeedLoad.objects.filter(status=LoadStatus.LOADED).count() == 6
    conflict = Conflict.objects.get()
    assert conflict.field == "address" and "8 Quarry Hill" in conflict.proposed_text
    assert ReviewItem.objects.get().source_id == "INC-26-0455"
    assert FeedEvent.objects.filter(kind="police_notification").count() == 2
    before = (Child.objects.count(), FeedLoad.objects.count(), Conflict.objects.count(), ReviewItem.objects.count())
    out = io.StringIO()
    seed_feeds(users=users, stdout=out)
    assert "already loaded: nothing to add" in out.getvalue()
    assert (Child.objects.count(), FeedLoad.objects.count(), Conflict.objects.count(), ReviewItem.objects.count()) == before
