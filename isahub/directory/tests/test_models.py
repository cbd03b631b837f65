"""The database refuses directory records that make no sense."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from isahub.directory.models import Location, Organization, Schedule, Service, WhosWhoRole

from .factories import make_org, make_service

pytestmark = pytest.mark.django_db


def refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_age_range_must_be_in_order():
    org = make_org()
    refused(lambda: Service.objects.create(organization=org, name="x", minimum_age=12, maximum_age=5))
    Service.objects.create(organization=org, name="ok", minimum_age=5, maximum_age=5)
    Service.objects.create(organization=org, name="open-ended", minimum_age=5)


def test_verification_and_agreement_name_who():
    org = make_org()
    refused(lambda: Service.objects.create(organization=org, name="x", last_verified_on=dt.date(2026, 1, 1)))
    refused(
        lambda: Organization.objects.create(
            name="Agreed by nobody", description="x", agreed_to_keep_current_on=dt.date(2026, 1, 1)
        )
    )


def test_schedule_opens_before_it_closes_and_belongs_somewhere():
    service = make_service(make_org())
    refused(lambda: Schedule.objects.create(service=service, opens_at=dt.time(17), closes_at=dt.time(9)))
    refused(lambda: Schedule.objects.create(opens_at=dt.time(9), closes_at=dt.time(17)))
    Schedule.objects.create(service=service, opens_at=dt.time(9), closes_at=dt.time(17))


def test_coordinates_come_in_range_and_in_pairs():
    refused(lambda: Location.objects.create(latitude=95, longitude=0))
    refused(lambda: Location.objects.create(latitude=52.6, longitude=None))
    Location.objects.create(latitude=52.6, longitude=-1.9)


def test_a_whos_who_role_can_be_reached():
    org = make_org()
    refused(lambda: WhosWhoRole.objects.create(organization=org, title="Duty manager"))
    WhosWhoRole.objects.create(organization=org, title="Duty manager", phone="01632 960000")
