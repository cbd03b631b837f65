"""The child index over the API: the same services, selectors and rules as the pages."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Header, Router, Schema, Status
from ninja.errors import HttpError

from isahub.consent.selectors import agency_choices
from isahub.consent.services import SharingAnswer, involvement_register_with_sharing
from isahub.involvements import services as involvement_services
from isahub.involvements.selectors import access_involvement

from . import search as index_search
from . import services
from .selectors import ReasonRequired, RecordMoved, access_child, find_child

router = Router(tags=["children"])


class SearchIn(Schema):
    surname: str = ""
    forename: str = ""
    date_of_birth: dt.date | None = None
    sex: str = ""
    postcode: str = ""


class SearchResultOut(Schema):
    id: str
    name: str
    date_of_birth: dt.date
    postcode_district: str
    score: float


class SearchOut(Schema):
    status: str
    results: list[SearchResultOut]
    message: str = ""


class Error(Schema):
    detail: str


class InvolvementOut(Schema):
    id: str
    service: str
    practitioner: str
    role: str
    phone: str
    email: str
    started_on: dt.date
    ended_on: dt.date | None
    redacted: bool


class LeadOut(Schema):
    practitioner: str
    agency: str
    phone: str
    email: str
    deputy: str
    started_on: dt.date
    decided_by: str
    redacted: bool


class ChildOut(Schema):
    id: str
    status: str
    legal_name: str
    preferred_name: str
    other_names: list[str]
    date_of_birth: dt.date
    sex: str
    current_address: str
    previous_addresses: list[str]
    school_status: str
    school: str
    gp_practice: str
    identifiers: dict[str, str]
    agencies: list[str]
    involvements: list[InvolvementOut]
    lead_professional: LeadOut | None
    incomplete: bool
    withheld: list[str]


class NewChildIn(Schema):
    given_names: str
    family_name: str
    date_of_birth: dt.date
    sex: str = "unknown"
    address_line_1: str
    address_line_2: str = ""
    town: str
    postcode: str
    preferred_name: str = ""
    school_status: str = "not_of_school_age"
    school_id: int | None = None
    gp_practice_id: int | None = None
    nhs_number: str = ""
    upn: str = ""


class CreatedOut(Schema):
    id: str


class InvolvementIn(Schema):
    role: str
    phone: str
    email: str = ""
    started_on: dt.date | None = None
    # Does consent cover sharing it? "existing" (the consent recorded covers it), "lawful_basis"
    # (with basis, justification and who may see it), or "not_shared" (own agency only).
    # New consent is recorded first with POST /api/v1/consent/children/{id}.
    sharing: str = "not_shared"
    basis: str = ""
    justification: str = ""
    basis_all_agencies: bool = False
    basis_agency_ids: list[int] = []


class EndIn(Schema):
    reason: str
    safe_to_close: str = ""


def _invalid(error: ValidationError) -> HttpError:
    if hasattr(error, "error_dict"):
        text = " ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    else:
        text = " ".join(error.messages)
    return HttpError(400, text)


@router.post("/search", response={200: SearchOut, 400: Error}, summary="Search the index (minimum fields from the profile)")
def search(request, body: SearchIn):
    criteria = index_search.SearchCriteria(
        surname=body.surname.strip(),
        forename=body.forename.strip(),
        date_of_birth=body.date_of_birth,
        sex=body.sex.strip(),
        postcode=body.postcode.strip(),
    )
    try:
        outcome = index_search.child_search(actor=request.auth, criteria=criteria)
    except index_search.BelowMinimum as error:
        return Status(400, {"detail": error.message})
    return {
        "status": outcome.status,
        "message": outcome.message,
        "results": [
            {
                "id": r.child_id,
                "name": r.name,
                "date_of_birth": r.date_of_birth,
                "postcode_district": r.postcode_district,
                "score": r.score,
            }
            for r in outcome.results
        ],
    }


@router.get("/{child_id}", response={200: ChildOut, 403: Error, 404: Error}, summary="A child's record, as the caller may see it")
def record(request, child_id: str, x_access_reason: str = Header(default="", description="Why you are opening this record")):
    try:
        view = access_child(actor=request.auth, child_id=child_id, reason=x_access_reason)
    except ReasonRequired:
        return Status(403, {"detail": "Give a reason for opening this record in the X-Access-Reason header."})
    except RecordMoved as moved:
        view = access_child(actor=request.auth, child_id=moved.survivor_id, reason=x_access_reason)
    return {
        **{
            k: getattr(view, k)
            for k in (
                "id",
                "status",
                "legal_name",
                "preferred_name",
                "date_of_birth",
                "sex",
                "current_address",
                "previous_addresses",
                "school_status",
                "school",
                "gp_practice",
                "agencies",
                "incomplete",
                "withheld",
            )
        },
        "other_names": [name for _, name in view.other_names],
        "identifiers": dict(view.identifiers),
        "involvements": [vars(i) for i in view.involvements],
        "lead_professional": vars(view.lead) if view.lead else None,
    }


@router.post("", response={201: CreatedOut, 400: Error, 403: Error}, summary="Add a child (data managers and the central team)")
def create(request, body: NewChildIn):
    try:
        child = services.child_create(actor=request.auth, details=services.NewChild(**body.dict()))
    except ValidationError as error:
        raise _invalid(error) from None
    return Status(201, {"id": str(child.pk)})


@router.post(
    "/{child_id}/involvements", response={201: CreatedOut, 400: Error, 403: Error, 404: Error}, summary="Record your involvement"
)
def register_involvement(request, child_id: str, body: InvolvementIn, x_access_reason: str = Header(default="")):
    child = find_child(child_id)
    if not x_access_reason.strip():
        return Status(403, {"detail": "Give a reason in the X-Access-Reason header."})
    from django.utils import timezone

    if body.sharing not in ("existing", "lawful_basis", "not_shared"):
        return Status(400, {"detail": "sharing: choose existing, lawful_basis or not_shared."})
    wanted = set(body.basis_agency_ids)
    agencies = [a for a in agency_choices(actor=request.auth) if a.pk in wanted]
    answer = SharingAnswer(
        choice=body.sharing,
        basis=body.basis,
        justification=body.justification,
        basis_all_agencies=body.basis_all_agencies,
        basis_agencies=agencies,
    )
    try:
        with transaction.atomic():
            involvement = involvement_register_with_sharing(
                actor=request.auth,
                child=child,
                answer=answer,
                role=body.role,
                phone=body.phone,
                email=body.email,
                started_on=body.started_on or timezone.localdate(),
            )
    except ValidationError as error:
        raise _invalid(error) from None
    return Status(201, {"id": str(involvement.pk)})


@router.post(
    "/{child_id}/involvements/{involvement_id}/end",
    response={200: CreatedOut, 400: Error, 403: Error, 404: Error},
    summary="End an involvement (the last one needs a safe-to-close judgement)",
)
def end_involvement(request, child_id: str, involvement_id: str, body: EndIn, x_access_reason: str = Header(default="")):
    child = find_child(child_id)
    if not x_access_reason.strip():
        return Status(403, {"detail": "Give a reason in the X-Access-Reason header."})
    involvement = access_involvement(actor=request.auth, child=child, involvement_id=involvement_id)
    try:
        involvement_services.involvement_end(
            actor=request.auth, involvement=involvement, reason=body.reason, safe_to_close=body.safe_to_close
        )
    except ValidationError as error:
        raise _invalid(error) from None
    return Status(200, {"id": str(involvement.pk)})
