"""A data manager's pages for proposed duplicate records in a real browser, each checked with
axe-core: the empty list, the list with a pair, the pair side by side (and the merge form's
errors), and merging from it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from isahub.children.models import RecordStatus
from isahub.children.tests.factories import add_child
from isahub.linkage.models import DuplicateProposal, LinkageModel, ProposalStatus

pytestmark = pytest.mark.browser


def goto(page, path: str):
    response = page.goto(path)
    assert response is not None and response.status == 200, f"{path}: HTTP {response and response.status}"


def propose(manager) -> DuplicateProposal:
    a = add_child(manager)
    b = add_child(manager, family_name="Hartly", address_line_1="4 Station Road", postcode="NB7 2QQ")
    first, second = sorted((a, b), key=lambda c: str(c.pk))
    model = LinkageModel.objects.create(
        version=1, model={}, splink_version="4", trained_at=timezone.now(), index_rows=2, u_pairs=1
    )
    values = {"forename": ("amelia", "amelia", 6.1, 6.1), "surname": ("hartley", "hartly", 3.2, 8.4)}
    values |= {"postcode": ("NB1 4AA", "NB7 2QQ", -4.5, 5.0), "nhs_number": ("", "", 0.0, 10.0)}
    comparisons = {
        name: {"level": "exact" if left == right else "other", "left": left, "right": right, "weight": w, "max": most}
        for name, (left, right, w, most) in values.items()
    }
    return DuplicateProposal.objects.create(
        child_a=first,
        child_b=second,
        probability=0.97,
        match_weight=5.2,
        comparisons=comparisons,
        model=model,
        proposed_at=timezone.now(),
    )


def test_the_empty_list(page, sign_in_as, assert_accessible, data_manager):
    sign_in_as(data_manager)
    goto(page, "/")
    page.click("text=Possible duplicate records")
    assert_accessible(page, heading="Possible duplicate records")
    expect(page.locator("[data-testid=empty]")).to_contain_text("No possible duplicates")


def test_comparing_a_pair_and_merging_it(page, sign_in_as, assert_accessible, data_manager):
    proposal = propose(data_manager)
    sign_in_as(data_manager, stepped_up=True)
    goto(page, "/linkage/duplicates/")
    assert_accessible(page, heading="Possible duplicate records")
    page.click(f"a[href='/linkage/duplicates/{proposal.pk}/']")
    assert_accessible(page, heading="Are these the same child?")
    expect(page.locator("[data-testid=comparison]")).to_contain_text("Agrees")
    expect(page.locator("[data-testid=comparison]")).to_contain_text("Disagrees")
    with page.expect_navigation():
        page.click("text=Merge the records")  # nothing chosen
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, heading="Are these the same child?")
    page.check(f"input[name='merge-survivor'][value='{proposal.child_a_id}']")
    page.fill("#id_merge-note", "Same child: the surname was mistyped")
    with page.expect_navigation():
        page.click("text=Merge the records")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The records are merged")
    assert_accessible(page, heading="Possible duplicate records")
    proposal.refresh_from_db()
    proposal.child_b.refresh_from_db()
    assert proposal.status == ProposalStatus.MERGED and proposal.child_b.status == RecordStatus.MERGED
