"""Public search: stemming, typos, filters that combine, age, postcode distance and order."""

import pytest

from isahub.directory import geo, text
from isahub.directory.models import Postcode, TaxonomyTerm, Vocabulary
from isahub.directory.search import ServiceQuery, search
from isahub.directory.vocabularies import ensure_vocabularies

from .factories import make_org, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def vocab(db):
    return ensure_vocabularies()


@pytest.fixture
def place(db):
    # Three postcodes on a line of latitude: A, then B about 1.1 km east, then C about 5.6 km east.
    Postcode.objects.bulk_create(
        [
            Postcode(postcode="NB1 1AA", latitude=52.6, longitude=-1.90),
            Postcode(postcode="NB1 2BB", latitude=52.6, longitude=-1.8837),
            Postcode(postcode="NB2 1CC", latitude=52.6, longitude=-1.8170),
        ]
    )


def names(outcome):
    from isahub.directory.models import Service

    found = dict(Service.objects.filter(pk__in=outcome.ids).values_list("pk", "name"))
    return [found[pk] for pk in outcome.ids]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("counselling", "counsellor"),
        ("counselling", "counseling"),
        ("parents", "parenting"),
        ("families", "family"),
        ("bullied", "bullying"),
        ("therapies", "therapy"),
        ("Café", "cafe"),
    ],
)
def test_stemming_brings_word_forms_together(a, b):
    assert text.stems(a) == text.stems(b)


def test_postcodes_are_normalised():
    assert geo.normalise_postcode(" nb1  2lp ") == "NB1 2LP"
    assert geo.normalise_postcode("NB12LP") == "NB1 2LP"
    assert geo.normalise_postcode("not a postcode") is None


def test_haversine_distance_is_right():
    # One degree of latitude is about 111.2 km anywhere.
    assert geo.haversine_km(52.0, -1.9, 53.0, -1.9) == pytest.approx(111.2, abs=0.2)
    assert geo.haversine_km(52.6, -1.9, 52.6, -1.9) == 0


def test_keywords_stemmed_typos_and_all_words_needed(vocab):
    org = make_org()
    make_service(org, "Counselling for young people", description="Talk to a trained counsellor.")
    make_service(org, "Parenting course", description="Ten weeks for parents.")
    make_service(org, "Youth club", description="Sport and music.")
    assert names(search(ServiceQuery(keywords="counsellor"))) == ["Counselling for young people"]
    typo = search(ServiceQuery(keywords="conselling"))
    assert names(typo) == ["Counselling for young people"] and typo.corrected
    assert names(search(ServiceQuery(keywords="parent"))) == ["Parenting course"]
    assert names(search(ServiceQuery(keywords="youth sport"))) == ["Youth club"]
    assert names(search(ServiceQuery(keywords="youth parenting"))) == []
    assert names(search(ServiceQuery(keywords="xylophone"))) == []


def test_name_matches_rank_above_description_matches(vocab):
    org = make_org()
    make_service(org, "Drop-in advice", description="Includes some counselling.")
    make_service(org, "Counselling service", description="One to one.")
    assert names(search(ServiceQuery(keywords="counselling"))) == ["Counselling service", "Drop-in advice"]


def test_filters_combine(vocab):
    org = make_org()
    counselling = vocab[Vocabulary.SERVICE_TYPE]["Counselling"]
    youth = vocab[Vocabulary.SERVICE_TYPE]["Youth club and activities"]
    bullying = vocab[Vocabulary.NEED]["Bullying"]
    housing_need = vocab[Vocabulary.NEED]["Housing problems"]
    emotional = vocab[Vocabulary.ASSESSMENT_FRAMEWORK]["Emotional and behavioural development"]
    housing_dim = vocab[Vocabulary.ASSESSMENT_FRAMEWORK]["Housing"]
    make_service(org, "Teen counselling", terms=[counselling, bullying, emotional], minimum_age=11, maximum_age=18)
    make_service(org, "Child counselling", terms=[counselling, bullying, emotional], minimum_age=4, maximum_age=10)
    make_service(org, "Youth club", terms=[youth, bullying], minimum_age=11, maximum_age=19)
    make_service(org, "Housing help", terms=[housing_need, housing_dim])
    q = ServiceQuery
    assert names(search(q(terms=[str(counselling.pk)]))) == ["Child counselling", "Teen counselling"]
    # Two types: either will do.
    assert names(search(q(terms=[str(counselling.pk), str(youth.pk)]))) == ["Child counselling", "Teen counselling", "Youth club"]
    # A type and a need: both must hold.
    assert names(search(q(terms=[str(youth.pk), str(bullying.pk)]))) == ["Youth club"]
    assert names(search(q(terms=[str(counselling.pk)], age=14))) == ["Teen counselling"]
    assert names(search(q(terms=[str(bullying.pk)], age=12, keywords="club"))) == ["Youth club"]
    # A service without an age range is open to every age.
    assert "Housing help" in names(search(q(age=40)))
    # An Assessment Framework domain stands for its dimensions.
    domain = TaxonomyTerm.objects.get(pk=housing_dim.parent_id)
    assert names(search(q(terms=[str(domain.pk)]))) == ["Housing help"]
    developmental = TaxonomyTerm.objects.get(pk=emotional.parent_id)
    assert names(search(q(terms=[str(developmental.pk)], age=6))) == ["Child counselling"]
    assert names(search(q(terms=["not-a-uuid"]))) == []


def test_postcode_orders_nearest_first_with_distances(vocab, place):
    org = make_org()
    far = make_service(org, "Far service", lat=52.6, lon=-1.8170)
    near = make_service(org, "Near service", lat=52.6, lon=-1.8837)
    here = make_service(org, "Here service", lat=52.6, lon=-1.90)
    make_service(org, "Phone-only service")
    outcome = search(ServiceQuery(postcode="nb1 1aa"))
    assert names(outcome) == ["Here service", "Near service", "Far service", "Phone-only service"]
    assert outcome.distances_km[here.pk] == pytest.approx(0, abs=0.01)
    assert outcome.distances_km[near.pk] == pytest.approx(1.13, abs=0.05)
    assert outcome.distances_km[far.pk] == pytest.approx(5.65, abs=0.1)
    within = search(ServiceQuery(postcode="NB1 1AA", within_km=2))
    assert names(within) == ["Here service", "Near service"]
    unknown = search(ServiceQuery(postcode="ZZ1 1ZZ"))
    assert unknown.postcode_found is False and unknown.ids == []
    # A district alone uses the mean of its postcodes; so does an area's name.
    district = search(ServiceQuery(postcode="NB2"))
    assert names(district)[0] == "Far service"
    Postcode.objects.filter(postcode="NB2 1CC").update(area="Stonebridge")
    assert names(search(ServiceQuery(postcode="stonebridge")))[0] == "Far service"
    assert search(ServiceQuery(postcode="Atlantis")).postcode_found is False


def test_a_postcode_leaves_out_services_whose_area_does_not_cover_it(vocab, place):
    from isahub.directory.models import ServiceArea

    org = make_org()
    local = make_service(org, "NB1 only", lat=52.6, lon=-1.90)
    ServiceArea.objects.create(service=local, name="NB1")
    elsewhere = make_service(org, "NB2 only", lat=52.6, lon=-1.8837)
    ServiceArea.objects.create(service=elsewhere, name="NB2")
    both = make_service(org, "NB2 and borough", lat=52.6, lon=-1.8170)
    ServiceArea.objects.create(service=both, name="NB2")
    ServiceArea.objects.create(service=both, name="Northbrook")
    make_service(org, "No area stated", lat=52.6, lon=-1.8170)
    assert names(search(ServiceQuery(postcode="NB1 1AA"))) == ["NB1 only", "NB2 and borough", "No area stated"]
    assert names(search(ServiceQuery(postcode="NB2 1CC"))) == ["NB2 and borough", "No area stated", "NB2 only"]
    # An area's name is not a postcode: nothing is left out.
    Postcode.objects.filter(postcode="NB1 1AA").update(area="Hollins Park")
    assert len(search(ServiceQuery(postcode="Hollins Park")).ids) == 4


def test_only_listed_organisations_and_open_services_are_found(vocab):
    make_service(make_org("Listed"), "Listed counselling")
    make_service(make_org("Not agreed", agreed=False), "Unlisted counselling")
    make_service(make_org("Closed org"), "Closed counselling", status="defunct")
    make_service(make_org("Paused org"), "Paused counselling", status="temporarily closed")
    assert names(search(ServiceQuery(keywords="counselling"))) == ["Listed counselling", "Paused counselling"]
