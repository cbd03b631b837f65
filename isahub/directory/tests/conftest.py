import datetime as dt

import pytest
from django.core.cache import cache

from isahub.directory.demo import generate_directory


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Rate-limit counters and the search vocabulary live in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def directory(db, school):
    """A small synthetic directory: 30 organisations (the first is the hub, Riverside Primary
    School is linked to the `school` agency) and 90 services."""
    generate_directory(organisations=30, services=90, seed=7, today=dt.date(2026, 11, 1))
