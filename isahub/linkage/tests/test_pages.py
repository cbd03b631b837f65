"""The duplicate-proposal pages from outside: who may see and decide them (refusals audited),
the side-by-side comparison with its weights, merging and dismissing with their audit rows, and
the errors a data manager can meet. Proposals are stored as the dedupe run stores them (its
comparisons' shape), so no model is trained here; the run itself is tested in test_linkage.py."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from isahub.accounts.models import Role
from isahub.audit.models import AuditEntry
from isahub.children.models import Child, RecordStatus
from isahub.linkage.models import DuplicateProposal, LinkageModel, ProposalStatus

pytestmark = pytest.mark.django_db

COMPARISONS = {
    "forename": {"level": "exact", "weight": 6.1, "max": 6.1, "left": "amelia", "right": "amelia"},
    "surname": {"level": "Jaro-Winkler >= 0.92", "weight": 3.2, "max": 8.4, "left": "hartley", "right": "hartly"},
    "date_of_birth": {"level": "exact", "weight": 9.0, "max": 9.0, "left": "2015-03-27", "right": "2015-03-27"},
    "sex": {"level": "exact", "weight": 0.9, "max": 0.9, "left": "female", "right": "female"},
    "postcode": {"level": "all other comparisons", "weight": -4.5, "max": 5.0, "left": "NB1 4AA", "right": "NB7 2QQ"},
    "nhs_number": {"level": "null", "weight": 0.0, "max": 10.0, "left": "", "right": ""},
}


@pytest.fixture
def proposal(add_child):
    a = add_child()
    b = add_child(family_name="Hartly", address_line_1="4 Station Road", postcode="NB7 2QQ")
    first, second = sorted((a, b), key=lambda c: str(c.pk))  # the dedupe run stores the pair in id order
    flipped = {k: {**v, "left": v["right"], "right": v["left"]} for k, v in COMPARISONS.items()}
    comparisons = COMPARISONS if first == a else flipped
    model = LinkageModel.objects.create(
        version=1, model={}, splink_version="4", trained_at=timezone.now(), index_rows=2, u_pairs=1
    )
    return DuplicateProposal.objects.create(
        child_a=first,
        child_b=second,
        probability=0.9731,
        match_weight=5.2,
        comparisons=comparisons,
        model=model,
        proposed_at=timezone.now(),
    )


@pytest.fixture
def manager(client_for, data_manager):
    return client_for(data_manager, stepped_up=True)


def pages(proposal):
    return (
        "/linkage/duplicates/",
        f"/linkage/duplicates/{proposal.pk}/",
    )


def test_the_list_is_empty_with_a_helpful_message(manager):
    response = manager.get("/linkage/duplicates/")
    assert response.status_code == 200
    assert b"No possible duplicates are waiting for a decision" in response.content


def test_the_list_shows_open_pairs_with_both_names_and_the_probability(manager, proposal):
    response = manager.get("/linkage/duplicates/")
    html = response.content.decode()
    assert f"/linkage/duplicates/{proposal.pk}/" in html
    assert "Amelia Hartley" in html and "Amelia Hartly" in html
    assert "0.973" in html and "1 pair waiting" in html
    proposal.status, proposal.decided_at = ProposalStatus.NOT_DUPLICATE, timezone.now()
    proposal.save()
    assert b"No possible duplicates" in manager.get("/linkage/duplicates/").content


def test_the_data_managers_home_page_links_to_the_list(manager):
    assert b'href="/linkage/duplicates/"' in manager.get("/").content


@pytest.mark.parametrize(
    "role",
    [
        Role.PRACTITIONER,
        Role.AUDITOR,
        Role.CENTRAL_TEAM,
        Role.AGENCY_ADMINISTRATOR,
        Role.PANEL_CHAIR,
        Role.SYSTEM_ADMINISTRATOR,
    ],
)
def test_other_roles_are_refused_every_page_and_action_and_the_refusal_is_audited(client_for, make_user, role, proposal):
    user = make_user(role=role, username=f"someone-{role}")
    client = client_for(user, stepped_up=True)
    for path in pages(proposal):
        assert client.get(path).status_code == 403, (role, path)
    merge = client.post(
        f"/linkage/duplicates/{proposal.pk}/merge/", {"merge-survivor": str(proposal.child_a_id), "merge-note": "same"}
    )
    dismiss = client.post(f"/linkage/duplicates/{proposal.pk}/dismiss/", {"dismiss-note": "twins"})
    assert merge.status_code == 403 and dismiss.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert Child.objects.filter(status=RecordStatus.MERGED).count() == 0
    refusals = AuditEntry.objects.filter(action="access.refused", actor_id=user.pk)
    assert refusals.count() == 4
    assert {json.loads(e.details)["action"] for e in refusals} == {"child.merge"}
    assert not AuditEntry.objects.filter(action="linkage.duplicate_viewed").exists()


def test_the_pair_is_shown_side_by_side_with_each_comparisons_weight(manager, proposal, data_manager):
    response = manager.get(f"/linkage/duplicates/{proposal.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Are these the same child?" in html
    for text in ("Amelia Hartley", "Amelia Hartly", "27 March 2015", "Female", "12 Mill Lane", "4 Station Road", "NB7 2QQ"):
        assert text in html, text
    assert "0.973" in html and "5.2" in html  # probability and total match weight
    assert "3.2 of 8.4" in html and "-4.5 of 5.0" in html  # each comparison's weight beside its most
    assert html.count("govuk-tag--green") == 4 and html.count("govuk-tag--red") == 1  # NHS number: no evidence
    assert "Jaro-Winkler &gt;= 0.92" in html
    assert 'name="merge-survivor"' in html and 'name="dismiss-note"' in html
    viewed = AuditEntry.objects.get(action="linkage.duplicate_viewed")
    assert viewed.actor_id == data_manager.pk and json.loads(viewed.details)["child_a"] == str(proposal.child_a_id)


def test_an_unknown_pair_is_not_found(manager):
    assert manager.get("/linkage/duplicates/999999/").status_code == 404
    assert manager.post("/linkage/duplicates/999999/merge/", {}).status_code == 404


def test_decisions_are_post_only_and_need_the_csrf_token(client_for, data_manager, proposal):
    client = client_for(data_manager, stepped_up=True)
    assert client.get(f"/linkage/duplicates/{proposal.pk}/merge/").status_code == 405
    assert client.get(f"/linkage/duplicates/{proposal.pk}/dismiss/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = client.cookies
    response = strict.post(f"/linkage/duplicates/{proposal.pk}/dismiss/", {"dismiss-note": "twins"})
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN


def test_deciding_asks_for_recent_authentication(client_for, data_manager, proposal):
    client = client_for(data_manager)  # signed in, not stepped up
    response = client.post(f"/linkage/duplicates/{proposal.pk}/dismiss/", {"dismiss-note": "twins"})
    assert response.status_code == 302 and "confirm" in response.url
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN


def test_merging_through_the_page_keeps_the_chosen_record_and_audits(manager, proposal, data_manager):
    survivor, duplicate = proposal.child_b, proposal.child_a
    response = manager.post(
        f"/linkage/duplicates/{proposal.pk}/merge/",
        {"merge-survivor": str(survivor.pk), "merge-note": "Same child: surname mistyped by one agency"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/linkage/duplicates/"
    kept = survivor.names.get(kind="legal").full_name
    assert f"The records are merged: {kept}'s record is kept." in response.content.decode().replace("&#x27;", "'")
    proposal.refresh_from_db()
    duplicate.refresh_from_db()
    assert proposal.status == ProposalStatus.MERGED and proposal.decided_by == data_manager
    assert proposal.note == "Same child: surname mistyped by one agency"
    assert duplicate.status == RecordStatus.MERGED and duplicate.merged_into_id == survivor.pk
    merged = AuditEntry.objects.get(action="child.merged")
    assert merged.actor_id == data_manager.pk
    decided = AuditEntry.objects.get(action="linkage.duplicate_decided")
    assert decided.actor_id == data_manager.pk and json.loads(decided.details)["status"] == "merged"
    # The pair is decided: the page says so, and a second merge is refused in words.
    page = manager.get(f"/linkage/duplicates/{proposal.pk}/").content.decode()
    assert "Decided: Merged" in page and 'name="merge-survivor"' not in page
    again = manager.post(f"/linkage/duplicates/{proposal.pk}/merge/", {"merge-survivor": str(survivor.pk), "merge-note": "again"})
    assert again.status_code == 200 and "This pair has already been decided." in again.content.decode()
    assert AuditEntry.objects.filter(action="child.merged").count() == 1


def test_merging_needs_a_record_to_keep_and_a_reason(manager, proposal):
    response = manager.post(f"/linkage/duplicates/{proposal.pk}/merge/", {"merge-note": "  "})
    html = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in html
    assert "Choose the record to keep." in html and "Say why these records are the same child." in html
    response = manager.post(
        f"/linkage/duplicates/{proposal.pk}/merge/", {"merge-survivor": "not-one-of-them", "merge-note": "same"}
    )
    assert "Choose one of the two records." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    assert not AuditEntry.objects.filter(action__in=["child.merged", "linkage.duplicate_decided"]).exists()


def test_dismissing_through_the_page_needs_a_reason_and_audits(manager, proposal, data_manager):
    response = manager.post(f"/linkage/duplicates/{proposal.pk}/dismiss/", {"dismiss-note": " "})
    assert "Say why these are two different children." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN
    response = manager.post(
        f"/linkage/duplicates/{proposal.pk}/dismiss/", {"dismiss-note": "Twins: Amelia and her sister"}, follow=True
    )
    assert "Recorded: these are two different children." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.NOT_DUPLICATE and proposal.decided_by == data_manager
    assert proposal.note == "Twins: Amelia and her sister"
    assert Child.objects.filter(status=RecordStatus.MERGED).count() == 0
    decided = AuditEntry.objects.get(action="linkage.duplicate_decided")
    assert decided.actor_id == data_manager.pk and json.loads(decided.details)["status"] == "not_duplicate"


def test_a_pair_whose_record_was_merged_since_cannot_be_merged_here(manager, proposal, data_manager, add_child):
    from django.db import transaction

    from isahub.children.services import child_merge

    other = add_child(given_names="Amy")
    with transaction.atomic():
        child_merge(actor=data_manager, survivor=other, duplicate=proposal.child_b, reason="Merged from the record page")
    page = manager.get(f"/linkage/duplicates/{proposal.pk}/").content.decode()
    assert "has since been merged into another record" in page and 'name="merge-survivor"' not in page
    assert "Merged since" in manager.get("/linkage/duplicates/").content.decode()
    response = manager.post(
        f"/linkage/duplicates/{proposal.pk}/merge/", {"merge-survivor": str(proposal.child_a_id), "merge-note": "same"}
    )
    assert "One of these records has already been merged into another." in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN


def test_the_two_forms_on_the_pair_page_have_no_ids_in_common(manager, proposal):
    import re

    html = manager.get(f"/linkage/duplicates/{proposal.pk}/").content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
