"""The public pages: no sign-in, every search mode, the service page's details, overlap,
glossary links, and the 'not checked recently' mark."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from isahub.directory.demo import seed_glossary
from isahub.directory.models import Service, TaxonomyTerm, Vocabulary

from .factories import make_org, make_service

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_public_pages_need_no_sign_in(directory):
    client = Client()
    service = Service.objects.filter(organization__agreed_to_keep_current_on__isnull=False).first()
    for path in (
        "/directory/",
        "/directory/a-z/",
        f"/directory/services/{service.pk}/",
        f"/directory/organisations/{service.organization_id}/",
        "/directory/who-does-what/",
        "/directory/glossary/",
        "/directory/suggest/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "print.css" in response.content.decode()


def test_search_page_by_keyword_postcode_and_need(directory):
    need = TaxonomyTerm.objects.get(taxonomy__vocabulary=Vocabulary.NEED, name="Emotional wellbeing")
    response = Client().get("/directory/", {"q": "conselling", "postcode": "NB1 2LP", "need": str(need.pk)})
    body = text_of(response)
    assert response.status_code == 200 and "services found" in body and "Also showing results for: counsel" in body
    assert "Nearest first" in body and re.search(r"\d+\.\d miles away", body)
    miles = [float(m) for m in re.findall(r"(\d+\.\d) miles away", body)]
    assert miles == sorted(miles)


def test_search_page_explains_bad_input(directory):
    response = Client().get("/directory/", {"postcode": "!!!", "age": "old"})
    body = text_of(response)
    assert "There is a problem" in body and "Enter a postcode, like NB3 5QT" in body and "Enter a whole number" in body
    unknown = text_of(Client().get("/directory/", {"postcode": "ZZ9 9ZZ"}))
    assert "We do not know that postcode" in unknown


def test_search_by_area_name(directory):
    body = text_of(Client().get("/directory/", {"postcode": "eastgate", "q": "counselling"}))
    assert "Nearest first" in body and "There is a problem" not in body
    miles = [float(m) for m in re.findall(r"(\d+\.\d) miles away", body)]
    assert miles and miles == sorted(miles)


def test_results_are_paginated(directory):
    first = Client().get("/directory/", {"q": ""})
    # An empty search lists everything, 20 to a page.
    body = first.content.decode()
    assert body.count('class="govuk-heading-m govuk-!-margin-bottom-1"') == 20
    assert "Page 1 of" in body and 'rel="next"' in body
    second = Client().get("/directory/", {"q": "", "page": 2})
    assert 'rel="prev"' in second.content.decode()


def test_a_to_z_lists_by_letter(directory):
    body = Client().get("/directory/a-z/", {"letter": "c"}).content.decode()
    names = re.findall(r'href="/directory/services/[^"]+/">([^<]+)</a>', body)
    assert names and all(n.startswith("C") for n in names)
    assert names == sorted(names)
    # Letters with no services are shown but not linked.
    assert 'href="?letter=Q"' not in body


def test_service_page_shows_how_to_get_it(directory):
    seed_glossary()
    service = Service.objects.filter(
        organization__agreed_to_keep_current_on__isnull=False, status="active", cost_options__isnull=False
    ).first()
    body = text_of(Client().get(f"/directory/services/{service.pk}/"))
    for heading in ("How to refer", "Who it is for", "Cost", "Languages", "Opening hours", "Accessibility", "How to get there"):
        assert heading in body, heading
    assert service.how_to_refer.split(",")[0] in body
    assert "Last checked" in body
    assert "Other providers of this kind of service" in body


def test_overlap_lists_other_agencies_with_the_same_kind_of_service(db):
    from isahub.directory.vocabularies import ensure_vocabularies

    vocab = ensure_vocabularies()
    counselling = vocab[Vocabulary.SERVICE_TYPE]["Counselling"]
    mine = make_service(make_org("First Trust"), "Teen counselling", terms=[counselling])
    make_service(make_org("Second Trust"), "Family counselling", terms=[counselling])
    make_service(make_org("Third Trust"), "Youth club")
    body = text_of(Client().get(f"/directory/services/{mine.pk}/"))
    assert "Family counselling (Second Trust)" in body and "Youth club" not in body


def test_entries_not_checked_recently_are_marked(db, settings):
    settings.ISAHUB_DIRECTORY_VERIFY_AFTER_DAYS = 30
    today = timezone.localdate()
    org = make_org()
    fresh = make_service(org, "Fresh", verified=today - dt.timedelta(days=10))
    stale = make_service(org, "Stale", verified=today - dt.timedelta(days=45))
    never = make_service(org, "Never")
    assert "Not checked recently" not in text_of(Client().get(f"/directory/services/{fresh.pk}/"))
    assert "not been checked for more than 30 days" in text_of(Client().get(f"/directory/services/{stale.pk}/"))
    assert "Not checked recently" in text_of(Client().get(f"/directory/services/{never.pk}/"))


def test_glossary_words_are_linked_where_they_appear(db):
    seed_glossary()
    service = make_service(make_org(), "Help", description="Your key worker will agree a plan <b>with you</b>.")
    body = Client().get(f"/directory/services/{service.pk}/").content.decode()
    assert '<a class="govuk-link isahub-glossary-link" href="/directory/glossary/#lead-professional">key worker</a>' in body
    assert "&lt;b&gt;with you&lt;/b&gt;" in body  # the text itself is still escaped
    glossary = text_of(Client().get("/directory/glossary/"))
    assert "Lead professional" in glossary and "“key worker” (Health visiting)" in glossary


def test_unlisted_or_unknown_services_are_not_found(db):
    hidden = make_service(make_org("Not yet agreed", agreed=False), "Hidden")
    assert Client().get(f"/directory/services/{hidden.pk}/").status_code == 404
    assert Client().get(f"/directory/organisations/{hidden.organization_id}/").status_code == 404


def test_organisation_page_has_whos_who_remit_and_consent(directory):
    service = Service.objects.filter(organization__agreed_to_keep_current_on__isnull=False).first()
    body = text_of(Client().get(f"/directory/organisations/{service.organization_id}/"))
    assert "Who's who" in body and "Duty manager" in body and "What it does (remit)" in body and "How it asks for consent" in body


def test_suggest_ranks_services_for_a_need_near_a_postcode(directory):
    need = TaxonomyTerm.objects.get(taxonomy__vocabulary=Vocabulary.NEED, name="Parenting support")
    body = text_of(Client().get("/directory/suggest/", {"need": str(need.pk), "postcode": "NB1 2LP"}))
    assert "suggestions" in body and "Matches: " in body and "Parenting support" in body
    assert "It only suggests" in body
