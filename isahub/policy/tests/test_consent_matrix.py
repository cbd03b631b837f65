"""The consent matrix: role × agency × agreement × consent state × read path, from the outside.

One involvement is held by a youth offending team. A viewer of each index role, from the
same agency or from a school, reads the child's record through the page, the API, the
search results and their notifications. What they may see is worked out here by an
oracle written from the rule book (docs/consent.md, "The decision order") — not by calling
policy — and every case asserts both what shows and what must not leak.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from conftest import open_record, signed_in
from isahub.accounts.models import AgencyKind, Role
from isahub.accounts.tests.factories import AgencyFactory, UserFactory
from isahub.children.tests.factories import add_child
from isahub.consent.models import AccessLevel
from isahub.consent.tests.factories import agreement, consent, lawful_basis
from isahub.involvements.models import Involvement
from isahub.involvements.services import involvement_register
from isahub.messaging.models import Notification

TODAY = timezone.localdate()
YESTERDAY = TODAY - dt.timedelta(days=1)
ROLES = [Role.PRACTITIONER, Role.CENTRAL_TEAM, Role.PANEL_CHAIR, Role.DATA_MANAGER]
AGREEMENTS = ["none", "full", "summary", "expired_yesterday"]
CONSENTS = ["none", "partial_agencies", "partial_kinds", "full", "withdrawn", "expired", "lawful_basis", "child_only"]
PATHS = ["page", "api", "search", "notification"]
REASON = "A concern has been raised about this child"

# What the holder's involvement looks like in full, and the parts a summary keeps.
SERVICE, SERVICE_PHONE = "Northbrook Youth Offending Team", "01632 960400"
PRACTITIONER_SURNAME, ROLE_TEXT, DIRECT_LINE = "Quennell", "Youth justice worker", "01632 960444"


def expected(role: str, same_agency: bool, agreement_state: str, consent_state: str, involved: bool) -> str:
    """The rule book, restated: full, summary or hidden."""
    if same_agency:
        return "full"
    if role == Role.DATA_MANAGER:
        return "hidden"
    if consent_state not in ("full", "lawful_basis", "child_only"):
        return "hidden"
    if agreement_state in ("none", "expired_yesterday"):
        return "hidden"
    if agreement_state == "full" or involved:
        return "full"
    return "summary"


def expected_reason(role: str, agreement_state: str, consent_state: str) -> str:
    if role == Role.DATA_MANAGER:
        return "your role sees basic details only"
    reasons = {
        "none": "no consent to share involvement information",
        "partial_agencies": "not agreed to share involvement information with",
        "partial_kinds": "not agreed to share involvement information",
        "withdrawn": "withdrew consent",
        "expired": "consent to share information expired on",
    }
    if consent_state in reasons:
        return reasons[consent_state]
    return "ended on" if agreement_state == "expired_yesterday" else "no information-sharing agreement in force"


def _cases():
    for role, agreement_state, consent_state, path in itertools.product(ROLES, AGREEMENTS, CONSENTS, PATHS):
        yield pytest.param(
            role, False, agreement_state, consent_state, path, id=f"{role}-other-{agreement_state}-{consent_state}-{path}"
        )
    for role, consent_state, path in itertools.product(ROLES, CONSENTS, PATHS):
        yield pytest.param(role, True, "none", consent_state, path, id=f"{role}-same-none-{consent_state}-{path}")


CASES = list(_cases())


def test_matrix_size_is_reported(capsys):
    with capsys.disabled():
        print(f"\nconsent policy matrix: {len(CASES)} generated cases")
    assert len(CASES) >= 600


def _set_consent(state: str, child, by, school, third) -> None:
    if state == "partial_agencies":
        consent(child, by=by, agencies=[third])
    elif state == "partial_kinds":
        consent(child, by=by, kinds=["needs", "events"])
    elif state == "full":
        consent(child, by=by)
    elif state == "withdrawn":
        consent(child, by=by, given_on=TODAY - dt.timedelta(days=30))
        consent(child, by=by, decision="withdrawn", given_on=TODAY - dt.timedelta(days=2))
    elif state == "expired":
        consent(child, by=by, given_on=TODAY - dt.timedelta(days=200), expires_on=YESTERDAY)
    elif state == "lawful_basis":
        consent(child, by=by, decision="refused")  # the family said no; the law still allows it
        lawful_basis(child, by=by)
    elif state == "child_only":
        consent(child, by=by, given_by="child")


def _set_agreement(state: str, yot, school, by) -> None:
    if state == "full":
        agreement(yot, school, by=by, level=AccessLevel.FULL)
    elif state == "summary":
        agreement(yot, school, by=by, level=AccessLevel.SUMMARY)
    elif state == "expired_yesterday":
        agreement(yot, school, by=by, level=AccessLevel.FULL, starts_on=TODAY - dt.timedelta(days=400), ends_on=YESTERDAY)


def _assert_shows(body: str, outcome: str, *, reason: str, incomplete_marker: str) -> None:
    if outcome == "full":
        assert SERVICE in body and PRACTITIONER_SURNAME in body and ROLE_TEXT in body and DIRECT_LINE in body
    elif outcome == "summary":
        assert SERVICE in body and SERVICE_PHONE in body
        assert PRACTITIONER_SURNAME not in body and ROLE_TEXT not in body and DIRECT_LINE not in body
        assert incomplete_marker in body
    else:
        for leak in (SERVICE, PRACTITIONER_SURNAME, ROLE_TEXT, DIRECT_LINE, SERVICE_PHONE):
            assert leak not in body, leak
        assert incomplete_marker in body and reason in body.replace("&#x27;", "'")


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "same_agency", "agreement_state", "consent_state", "path"), CASES)
def test_consent_matrix(role, same_agency, agreement_state, consent_state, path, token_for, django_capture_on_commit_callbacks):
    school = AgencyFactory(name="Riverside Primary School")
    yot = AgencyFactory(name=SERVICE, kind=AgencyKind.YOUTH_OFFENDING, phone=SERVICE_PHONE)
    third = AgencyFactory(name="Northbrook Housing", kind=AgencyKind.HOUSING)
    holder = UserFactory(username="yot-worker", agency=yot, last_name=PRACTITIONER_SURNAME)
    registrar = UserFactory(username="registrar", agency=school, role=Role.DATA_MANAGER)
    viewer = UserFactory(username=f"viewer-{role}", role=role, agency=yot if same_agency else school)
    child = add_child(registrar)
    _set_consent(consent_state, child, holder, school, third)
    _set_agreement(agreement_state, yot, school, holder)
    involved = path == "notification"
    if involved:  # notifications go to those already working with the child
        Involvement.objects.create(
            child=child,
            practitioner=viewer,
            agency=viewer.agency,
            role="Already here",
            phone="1",
            started_on=TODAY,
            recorded_by=viewer,
        )
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        involvement_register(actor=holder, child=child, role=ROLE_TEXT, phone=DIRECT_LINE, started_on=TODAY)
    outcome = expected(role, same_agency, agreement_state, consent_state, involved)
    reason = expected_reason(role, agreement_state, consent_state)

    if path == "page":
        client = signed_in(viewer)
        open_record(client, child, reason=REASON)
        response = client.get(f"/children/{child.pk}/")
        assert response.status_code == 200
        _assert_shows(response.content.decode(), outcome, reason=reason, incomplete_marker="This picture may be incomplete")
    elif path == "api":
        response = Client().get(f"/api/v1/children/{child.pk}", HTTP_X_ACCESS_REASON=REASON, **token_for(viewer))
        assert response.status_code == 200
        data = response.json()
        assert data["incomplete"] == (outcome != "full")
        _assert_shows(response.content.decode(), outcome, reason=reason, incomplete_marker='"incomplete": true')
    elif path == "search":
        response = Client().post(
            "/api/v1/children/search",
            {"surname": "Hartley", "date_of_birth": "2015-03-27"},
            content_type="application/json",
            **token_for(viewer),
        )
        body = response.content.decode()
        assert response.status_code == 200 and "Amelia Hartley" in body  # basic details: every index user
        for leak in (SERVICE, PRACTITIONER_SURNAME, ROLE_TEXT, DIRECT_LINE):
            assert leak not in body  # search results never carry more than identifying details
    else:
        notes = list(Notification.objects.filter(recipient=viewer, kind="involvement_registered"))
        if outcome == "hidden":
            assert notes == [], "a notification must not tell what the page hides"
        else:
            assert len(notes) == 1 and SERVICE in notes[0].text
            assert (PRACTITIONER_SURNAME in notes[0].text) == (outcome == "full")
        for message in mail.outbox:  # e-mails leave the service: never a name or a service
            assert "Amelia" not in message.body and SERVICE not in message.body and PRACTITIONER_SURNAME not in message.body
