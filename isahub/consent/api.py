"""Consent over the API: the same services, selectors and rules as the pages."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Header, Router, Schema, Status
from ninja.errors import HttpError

from isahub.children.selectors import find_child

from . import selectors, services

router = Router(tags=["consent"])


class Error(Schema):
    detail: str


class ConsentOut(Schema):
    decision: str
    given_by: str
    given_on: dt.date
    method: str
    evidence: str
    scope: str
    review_on: dt.date | None
    expires_on: dt.date | None
    taken: str


class LawfulBasisOut(Schema):
    basis: str
    kinds: str
    recorded: str
    recorded_at: dt.datetime
    review_status: str


class HistoryOut(Schema):
    status: str
    summary: str
    consents: list[ConsentOut]
    lawful_bases: list[LawfulBasisOut]


class ConsentIn(Schema):
    decision: str
    given_by: str
    method: str
    evidence_location: str
    given_on: dt.date
    giver_name: str = ""
    sufficient_understanding: bool = False
    all_agencies: bool = False
    agency_ids: list[int] = []
    kinds: list[str] = []
    review_on: dt.date | None = None
    expires_on: dt.date | None = None
    note: str = ""


class CreatedOut(Schema):
    id: str


class AgreementOut(Schema):
    id: str
    kind: str
    title: str
    parties: list[str]
    starts_on: dt.date
    ends_on: dt.date | None
    access_level: str
    kinds: list[str]


def _invalid(error: ValidationError) -> HttpError:
    if hasattr(error, "error_dict"):
        return HttpError(400, " ".join(f"{f}: {' '.join(m)}" for f, m in error.message_dict.items()))
    return HttpError(400, " ".join(error.messages))


@router.get(
    "/children/{child_id}",
    response={200: HistoryOut, 403: Error, 404: Error},
    summary="A child's consent history (the central team and practitioners working with the child)",
)
def history(request, child_id: str, x_access_reason: str = Header(default="", description="Why you are looking")):
    child = find_child(child_id)
    if not x_access_reason.strip():
        return Status(403, {"detail": "Give a reason in the X-Access-Reason header."})
    found = selectors.consent_history(actor=request.auth, child=child)
    return {
        "status": found.summary.status,
        "summary": found.summary.headline,
        "consents": [
            {
                "decision": c.decision,
                "given_by": c.given_by,
                "given_on": c.given_on,
                "method": c.method,
                "evidence": c.evidence,
                "scope": c.scope,
                "review_on": c.review_on,
                "expires_on": c.expires_on,
                "taken": c.taken,
            }
            for c in found.consents
        ],
        "lawful_bases": [
            {
                "basis": b.basis,
                "kinds": b.kinds,
                "recorded": b.recorded,
                "recorded_at": b.recorded_at,
                "review_status": b.review_status,
            }
            for b in found.bases
        ],
    }


@router.post(
    "/children/{child_id}",
    response={201: CreatedOut, 400: Error, 403: Error, 404: Error},
    summary="Record consent, a refusal or a withdrawal (a new record; history is kept)",
)
def record(request, child_id: str, body: ConsentIn, x_access_reason: str = Header(default="")):
    child = find_child(child_id)
    if not x_access_reason.strip():
        return Status(403, {"detail": "Give a reason in the X-Access-Reason header."})
    data = body.dict()
    agency_ids = set(data.pop("agency_ids"))
    agencies = [a for a in selectors.agency_choices(actor=request.auth) if a.pk in agency_ids]
    if len(agencies) != len(agency_ids):
        raise HttpError(400, "agency_ids: an agency does not exist.")
    try:
        with transaction.atomic():
            made = services.consent_record(
                actor=request.auth, child=child, details=services.ConsentDetails(agencies=agencies, **data)
            )
    except ValidationError as error:
        raise _invalid(error) from None
    return Status(201, {"id": str(made.pk)})


@router.get("/agreements", response={200: list[AgreementOut]}, summary="Information-sharing agreements")
def agreements(request):
    return [
        {
            "id": str(a.pk),
            "kind": a.kind,
            "title": a.title,
            "parties": [p.name for p in a.parties.all()],
            "starts_on": a.starts_on,
            "ends_on": a.ends_on,
            "access_level": a.access_level,
            "kinds": a.kinds,
        }
        for a in selectors.agreements_list(actor=request.auth)
    ]
