import datetime as dt

from ninja import Router, Schema

from isahub.profiles.loader import current_profile

from . import selectors

router = Router(tags=["accounts"])


class AgencyOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None


class Me(Schema):
    id: int
    username: str
    name: str
    role: str
    role_name: str
    agency: AgencyOut | None


class UserOut(Schema):
    id: int
    username: str
    name: str
    role: str
    agency_id: int | None
    is_active: bool
    dbs_checked_on: dt.date | None
    training_completed_on: dt.date | None
    user_agreement_signed_on: dt.date | None


def _user_out(user) -> dict:
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.display_name,
        "role": user.role,
        "agency_id": user.agency_id,
        "is_active": user.is_active,
        "dbs_checked_on": user.dbs_checked_on,
        "training_completed_on": user.training_completed_on,
        "user_agreement_signed_on": user.user_agreement_signed_on,
    }


@router.get("/me", response=Me, summary="The signed-in user")
def me(request):
    user = request.auth
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.display_name,
        "role": user.role,
        "role_name": current_profile().role_name(user.role),
        "agency": user.agency,
    }


@router.get("/users", response=list[UserOut], summary="Users the caller manages")
def users(request):
    return [_user_out(user) for user in selectors.user_list(actor=request.auth)]


@router.get("/users/{user_id}", response=UserOut, summary="One user the caller manages")
def user_detail(request, user_id: int):
    return _user_out(selectors.access_user(actor=request.auth, user_id=user_id))


@router.get("/agencies", response=list[AgencyOut], summary="Agencies taking part")
def agencies(request):
    return list(selectors.agency_list(actor=request.auth))
