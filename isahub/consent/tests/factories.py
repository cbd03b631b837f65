"""Consent and agreements for tests, written straight to the tables (the services have
their own tests): `share_all` is what "the family agreed and the agencies signed" means."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from isahub.accounts.models import Agency, User
from isahub.consent.models import (
    KIND_FIELDS,
    AccessLevel,
    AgreementKind,
    ConsentDecision,
    ConsentMethod,
    ConsentRecord,
    GivenBy,
    InformationKind,
    LawfulBasisRecord,
    SharingAgreement,
)

ALL_KINDS = [k.value for k in InformationKind]


def _kinds(kinds) -> dict[str, bool]:
    chosen = set(kinds)
    return {name: kind.value in chosen for kind, name in KIND_FIELDS.items()}


def consent(
    child,
    *,
    by: User,
    decision: str = ConsentDecision.GIVEN,
    agencies: list[Agency] | None = None,
    kinds=ALL_KINDS,
    given_by: str = GivenBy.PARENT,
    given_on: dt.date | None = None,
    expires_on: dt.date | None = None,
) -> ConsentRecord:
    """Consent (or refusal, withdrawal); `agencies=None` means all agencies taking part."""
    today = timezone.localdate()
    given_on = given_on or today - dt.timedelta(days=10)
    given = decision == ConsentDecision.GIVEN
    record = ConsentRecord.objects.create(
        child=child,
        decision=decision,
        given_by=given_by,
        sufficient_understanding=given_by == GivenBy.CHILD,
        all_agencies=given and agencies is None,
        method=ConsentMethod.WRITTEN,
        evidence_location="Case file",
        taken_by=by,
        taken_for=by.agency,
        given_on=given_on,
        review_on=given_on + dt.timedelta(days=365) if given else None,
        expires_on=expires_on,
        recorded_at=timezone.now(),
        **_kinds(kinds if given else []),
    )
    if given and agencies is not None:
        record.agencies.set(agencies)
    return record


def agreement(
    *parties: Agency,
    by: User,
    level: str = AccessLevel.FULL,
    kinds=ALL_KINDS,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    title: str = "Northbrook information sharing protocol",
) -> SharingAgreement:
    today = timezone.localdate()
    made = SharingAgreement.objects.create(
        kind=AgreementKind.PROTOCOL,
        title=title,
        starts_on=starts_on or today - dt.timedelta(days=100),
        ends_on=ends_on,
        access_level=level,
        recorded_by=by,
        **_kinds(kinds),
    )
    made.parties.set(parties)
    return made


def lawful_basis(child, *, by: User, agencies: list[Agency] | None = None, kinds=ALL_KINDS, basis="child_protection"):
    record = LawfulBasisRecord.objects.create(
        child=child,
        basis=basis,
        justification="Section 47 enquiry opened after a disclosure at school.",
        all_agencies=agencies is None,
        recorded_by=by,
        recorded_for=by.agency,
        recorded_at=timezone.now(),
        **_kinds(kinds),
    )
    if agencies is not None:
        record.agencies.set(agencies)
    return record


def share_all(child, *agencies: Agency, by: User, level: str = AccessLevel.FULL) -> None:
    """The family agreed to share everything with every agency, and the agencies signed."""
    consent(child, by=by)
    agreement(*agencies, by=by, level=level)
