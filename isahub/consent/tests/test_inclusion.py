"""The four index-inclusion consent models (profile `consent.model`), through search and the record."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from conftest import open_record
from isahub.accounts.models import Role
from isahub.children.models import HiddenRecordProbe
from isahub.consent import services
from isahub.profiles.loader import Profile, current_profile

pytestmark = pytest.mark.django_db
REASON = "A concern has been raised about this child"
SEARCH = {"surname": "Hartley", "date_of_birth_day": "27", "date_of_birth_month": "3", "date_of_birth_year": "2015"}


@pytest.fixture
def consent_model(monkeypatch):
    """Run with the deployment profile's consent model changed, as the search tests change theirs."""

    def change(model: str):
        profile = current_profile()
        data = {**profile.data, "consent": {"model": model}}
        changed = Profile(path=profile.path, data=data)
        monkeypatch.setattr("isahub.policy.inclusion.current_profile", lambda: changed)
        monkeypatch.setattr("isahub.policy.rules.children.current_profile", lambda: changed)

    return change


def decide_inclusion(child, central, decision):
    with transaction.atomic():
        services.inclusion_record(
            actor=central, child=child, decision=decision, given_by="parent", method="written", evidence_location="Central file"
        )


def found(client, token) -> tuple[bool, bool]:
    page = "Amelia Hartley" in client.post("/children/search/", SEARCH).content.decode()
    api = Client().post(
        "/api/v1/children/search", {"surname": "Hartley", "date_of_birth": "2015-03-27"}, content_type="application/json", **token
    )
    return page, "Amelia Hartley" in api.content.decode()


def record(client, child):
    open_record(client, child, reason=REASON)
    return client.get(f"/children/{child.pk}/")


@pytest.fixture
def people(users, client_for, token_for):
    practitioner = users["school"][Role.PRACTITIONER]
    return users["school"][Role.CENTRAL_TEAM], practitioner, client_for(practitioner), token_for(practitioner)


def test_c1_an_opted_out_child_is_not_on_the_index(consent_model, add_child, people):
    consent_model("C1")
    central, practitioner, client, token = people
    child = add_child()
    assert found(client, token) == (True, True)
    decide_inclusion(child, central, "opts_out")
    assert found(client, token) == (False, False)
    assert not HiddenRecordProbe.objects.exists()  # not on the index: nothing to count
    refused = record(client, child)
    assert refused.status_code == 403 and "opted out" in refused.content.decode() and "Amelia" not in refused.content.decode()
    decide_inclusion(child, central, "withdraws")
    assert found(client, token) == (True, True)


def test_c2_an_objection_hides_the_record_and_probes_are_counted(consent_model, add_child, people, client_for):
    consent_model("C2")
    central, practitioner, client, token = people
    child = add_child()
    decide_inclusion(child, central, "objects")
    for _ in range(2):
        assert found(client, token) == (False, False)
    assert HiddenRecordProbe.objects.filter(child=child).count() == 4
    refused = record(client, child)
    assert refused.status_code == 403 and "hidden because the family objects" in refused.content.decode()
    dashboard = client_for(central).get("/consent/").content.decode()
    assert f"Reference {str(child.pk)[:8]}: 4 searches" in dashboard


def test_c3_an_objection_is_recorded_but_the_record_stays(consent_model, add_child, people):
    consent_model("C3")
    central, practitioner, client, token = people
    child = add_child()
    decide_inclusion(child, central, "objects")
    assert found(client, token) == (True, True)
    assert record(client, child).status_code == 200
    assert not HiddenRecordProbe.objects.exists()


def test_c4_only_children_referred_with_consent_are_on_the_index(consent_model, add_child, people):
    consent_model("C4")
    central, practitioner, client, token = people
    child = add_child()
    assert found(client, token) == (False, False)
    assert "only children referred with the family" in record(client, child).content.decode()
    assert not HiddenRecordProbe.objects.exists()
    decide_inclusion(child, central, "consents")
    assert found(client, token) == (True, True)
    assert record(client, child).status_code == 200


def test_the_default_profile_is_c2_and_a_status_hidden_record_stays_hidden_under_every_model(
    consent_model, add_child, people, data_manager
):
    from isahub.children.services import child_change_fact

    assert current_profile().consent_model == "C2"
    central, practitioner, client, token = people
    child = add_child()
    child_change_fact(actor=data_manager, child=child, field_name="status", value="hidden")
    for model in ("C1", "C3", "C4"):
        consent_model(model)
        assert found(client, token) == (False, False)


def test_only_the_central_team_records_the_familys_decision_about_the_index(add_child, people, client_for):
    central, practitioner, client, token = people
    child = add_child()
    form = {"decision": "objects", "given_by": "parent", "method": "written", "evidence_location": "Letter on file"}
    assert client.post(f"/consent/children/{child.pk}/index-decision/", form).status_code == 403
    assert client_for(central).post(f"/consent/children/{child.pk}/index-decision/", form).status_code == 302
    assert found(client, token) == (False, False)
