"""Needs to services: ranked suggestions for a need or an Assessment Framework dimension,
near an area. It only reads: nothing is referred or recorded."""

import pytest

from isahub.audit.models import AuditEntry
from isahub.directory.models import ChangeRequest, Postcode, Service, Vocabulary
from isahub.directory.selectors import suggest_services
from isahub.directory.vocabularies import ensure_vocabularies

from .factories import make_org, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    vocab = ensure_vocabularies()
    Postcode.objects.create(postcode="NB1 1AA", latitude=52.6, longitude=-1.9)
    org = make_org()
    housing = vocab[Vocabulary.NEED]["Housing problems"]
    dim = vocab[Vocabulary.ASSESSMENT_FRAMEWORK]["Housing"]
    income = vocab[Vocabulary.ASSESSMENT_FRAMEWORK]["Income"]
    make_service(org, "Far housing advice", terms=[housing, dim], lat=52.6, lon=-1.80)
    make_service(org, "Near housing advice", terms=[housing, dim], lat=52.6, lon=-1.899)
    make_service(org, "Housing dimension only", terms=[dim], lat=52.6, lon=-1.899)
    make_service(org, "Debt advice", terms=[income], lat=52.6, lon=-1.899)
    make_service(make_org("Unlisted", agreed=False), "Unlisted housing", terms=[housing, dim], lat=52.6, lon=-1.9)
    return vocab


def test_a_need_ranks_direct_matches_then_nearer_first(setting):
    need = setting[Vocabulary.NEED]["Housing problems"]
    suggestions = suggest_services(need_id=str(need.pk), postcode="NB1 1AA")
    assert [s.service.name for s in suggestions] == ["Near housing advice", "Far housing advice", "Housing dimension only"]
    assert suggestions[0].score > suggestions[1].score > suggestions[2].score
    assert "Housing problems" in suggestions[0].why and suggestions[0].distance_km < 0.2


def test_a_domain_finds_services_for_any_of_its_dimensions(setting):
    dim = setting[Vocabulary.ASSESSMENT_FRAMEWORK]["Housing"]
    domain_names = {s.service.name for s in suggest_services(dimension_id=str(dim.parent_id))}
    assert domain_names == {"Near housing advice", "Far housing advice", "Housing dimension only", "Debt advice"}


def test_it_only_suggests(setting):
    before = (Service.objects.count(), AuditEntry.objects.count(), ChangeRequest.objects.count())
    need = setting[Vocabulary.NEED]["Housing problems"]
    suggest_services(need_id=str(need.pk), postcode="NB1 1AA")
    assert (Service.objects.count(), AuditEntry.objects.count(), ChangeRequest.objects.count()) == before
    assert suggest_services(need_id="rubbish") == []
