"""Who reaches each consent page: every role, through the page, with refusals audited."""

from __future__ import annotations

import pytest

from conftest import open_record
from isahub.accounts.models import Role
from isahub.audit.models import AuditEntry

ALL = set(Role.values)
CENTRAL = {Role.CENTRAL_TEAM}
RECORDERS = {Role.PRACTITIONER, Role.CENTRAL_TEAM, Role.PANEL_CHAIR}

PAGES = [
    ("dashboard", "/consent/", CENTRAL, False),
    ("agreements", "/consent/agreements/", ALL, False),
    ("new agreement", "/consent/agreements/new/", CENTRAL, False),
    ("notices", "/consent/notices/", CENTRAL, False),
    ("new notice", "/consent/notices/new/", CENTRAL, False),
    ("toolkit", "/consent/toolkit/", ALL, False),
    ("new toolkit page", "/consent/toolkit/new/", CENTRAL, False),
    ("consent history", "/consent/children/{child}/", CENTRAL, True),
    ("record consent", "/consent/children/{child}/new/", RECORDERS, True),
    ("lawful basis", "/consent/children/{child}/lawful-basis/", RECORDERS, True),
    ("not for parents", "/consent/children/{child}/not-for-parents/", RECORDERS, True),
    ("index decision", "/consent/children/{child}/index-decision/", CENTRAL, True),
]
CASES = [
    pytest.param(name, url, allowed, about_child, role, id=f"{name}-{role}")
    for name, url, allowed, about_child in PAGES
    for role in Role.values
]


def test_matrix_size_is_reported(capsys):
    with capsys.disabled():
        print(f"\nconsent pages matrix: {len(CASES)} generated cases")
    assert len(CASES) >= 80


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "url", "allowed", "about_child", "role"), CASES)
def test_consent_pages(name, url, allowed, about_child, role, users, client_for, add_child):
    actor = users["school"][role]
    client = client_for(actor)
    child = add_child() if about_child else None
    if child is not None:
        open_record(client, child)
    refusals = AuditEntry.objects.filter(action="access.refused", actor_id=actor.pk).count()
    response = client.get(url.format(child=child.pk if child else ""))
    if role in allowed:
        assert response.status_code == 200, (name, role, response.status_code)
        return
    assert response.status_code == 403, (name, role, response.status_code)
    assert AuditEntry.objects.filter(action="access.refused", actor_id=actor.pk).count() == refusals + 1
    body = response.content.decode()
    assert "Only" in body or "only" in body  # the reason, in words
    if child is not None:
        assert "Amelia" not in body and "Hartley" not in body
