"""Fixtures shared by every test: agencies, a user for each role, and signed-in clients."""

import importlib
import time
from collections.abc import Iterator

import pytest
from django.db import connection, transaction
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


@pytest.fixture
def data_manager(make_user):
    return make_user(role=Role.DATA_MANAGER, username="data-manager")


@pytest.fixture
def add_child(data_manager):
    from isahub.children.tests.factories import add_child as add

    def make(**overrides):
        return add(data_manager, **overrides)

    return make


def open_record(client, child, reason="Checking details before recording my involvement"):
    """Give a reason through the real reason page, as a user would."""
    return client.post(f"/children/{child.pk}/reason/", {"reason": reason})


# --- The audit trail's append-only triggers versus the live server's flush -------------------
#
# Transactional tests (the live server, for one) need a transactional database, which Django empties after each test with
# a flush (TRUNCATE on PostgreSQL, DELETE on SQLite). The audit tables refuse both, by
# design (audit migration 0002). So for those tests only, the triggers are lifted just
# for the flush and put back straight after it, using the migration's own SQL: while a
# test runs, the audit trail is as append-only as in production.

_APPEND_ONLY = importlib.import_module("isahub.audit.migrations.0002_append_only")


class _Sql:
    """The part of a schema editor the migration's functions use: `connection` and `execute`."""

    connection = connection

    @staticmethod
    def execute(sql: str, params=None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _append_only_triggers_present() -> bool:
    # Table names are the migration's constants, not input.
    tables = ", ".join(f"'{table}'" for table in _APPEND_ONLY.TABLES)
    if connection.vendor == "postgresql":
        sql = f"SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid::regclass::text IN ({tables})"  # noqa: S608
    else:
        sql = f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({tables})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0] > 0


@pytest.fixture
def _append_only_restored_after_flush(django_db_blocker) -> Iterator[dict]:
    state = {"lifted": False}
    yield state
    if state["lifted"]:
        # pytest-django has blocked database access again by now.
        with django_db_blocker.unblock(), transaction.atomic():
            _APPEND_ONLY.forwards(None, _Sql)
            assert _append_only_triggers_present(), "the audit trail's append-only triggers were not put back"


@pytest.fixture
def transactional_db(_append_only_restored_after_flush, transactional_db) -> Iterator[None]:
    """pytest-django's transactional_db, able to flush the append-only audit tables."""
    yield
    # Runs after the test and before pytest-django's flush; the fixture above runs after it.
    if _append_only_triggers_present():
        with transaction.atomic():
            _APPEND_ONLY.backwards(None, _Sql)
        _append_only_restored_after_flush["lifted"] = True
