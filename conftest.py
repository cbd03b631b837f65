"""Fixtures shared by every test: agencies, a user for each role, and signed-in clients."""

import time

import pytest
from django.test import Client

from isahub.accounts.decorators import STEPPED_UP_AT
from isahub.accounts.middleware import TOTP_SKIPPED
from isahub.accounts.models import Role
from isahub.accounts.services import api_token_create
from isahub.accounts.tests.factories import AgencyFactory, UserFactory


@pytest.fixture
def school(db):
    return AgencyFactory(name="Riverside Primary School")


@pytest.fixture
def health(db):
    return AgencyFactory(name="Northbrook Health Visiting", kind="health_visiting")


@pytest.fixture
def make_user(db, school):
    def make(role=Role.PRACTITIONER, agency=None, **fields):
        return UserFactory(role=role, agency=agency or school, **fields)

    return make


@pytest.fixture
def users(make_user, school, health):
    """One user of every role at the school, and one of every role at health visiting."""
    here = {role: make_user(role=role, agency=school, username=f"{role}-school") for role in Role.values}
    there = {role: make_user(role=role, agency=health, username=f"{role}-health") for role in Role.values}
    return {"school": here, "health": there}


def signed_in(user, *, stepped_up=False) -> Client:
    """A browser session past sign-in and the (demo-mode) second factor."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[TOTP_SKIPPED] = True
    if stepped_up:
        session[STEPPED_UP_AT] = time.time()
    session.save()
    return client


@pytest.fixture
def client_for():
    return signed_in


@pytest.fixture
def token_for(db):
    """A bearer token for a user, for API calls."""

    def make(user) -> dict:
        from django.db import transaction

        with transaction.atomic():
            _, token = api_token_create(user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    return make
