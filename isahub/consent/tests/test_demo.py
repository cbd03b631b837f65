"""The demo borough's consent story is there, tells what it says, and a second run changes nothing."""

import pytest
from django.core.management import call_command

from isahub.children.models import ChildName, HiddenRecordProbe
from isahub.consent.models import (
    ConsentRecord,
    FairProcessingNotice,
    InclusionRecord,
    LawfulBasisRecord,
    NoticeIssue,
    ParentConfidentiality,
    SharingAgreement,
    ToolkitPage,
)
from isahub.policy.sharing import agreement_facts, consent_state

pytestmark = pytest.mark.django_db
MODELS = (
    ConsentRecord,
    LawfulBasisRecord,
    SharingAgreement,
    ParentConfidentiality,
    InclusionRecord,
    FairProcessingNotice,
    NoticeIssue,
    ToolkitPage,
)


def story(family):
    return ChildName.objects.get(family_name=family, kind="legal", child__source="demo").child


def test_demo_consent_story_is_seeded_once(capsys):
    call_command("seed_demo", children=40)
    counts = [model.objects.count() for model in MODELS]
    call_command("seed_demo", children=40)
    assert [model.objects.count() for model in MODELS] == counts
    assert "Demo consent and agreements are already there" in capsys.readouterr().out

    assert consent_state(story("Whitcombe")).status == "withdrawn"
    assert consent_state(story("Okonkwo-Reid")).record.given_by == "child"
    mason = consent_state(story("Delacroix-Hill"))
    assert mason.status == "given" and not mason.record.all_agencies and len(mason.agency_ids) == 4
    assert LawfulBasisRecord.objects.filter(child=story("Okonkwo-Reid"), review_status="awaiting").exists()
    assert ParentConfidentiality.objects.filter(child=story("Okonkwo-Reid")).exists()
    assert HiddenRecordProbe.objects.filter(child=story("Penhaligon")).count() >= 3
    police = SharingAgreement.objects.get(title__startswith="Police").parties.get(name__contains="Police")
    facts = agreement_facts(police.pk)
    assert len(facts.in_force) == 1
    family_friends = SharingAgreement.objects.get(title__startswith="Family Friends").parties.get(
        name="Family Friends Northbrook"
    )
    lapsed = agreement_facts(family_friends.pk)
    assert not lapsed.in_force and len(lapsed.ended) == 1
    assert ToolkitPage.objects.filter(kind="framework").exists()
