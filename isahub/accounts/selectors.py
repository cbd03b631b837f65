from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from isahub.policy.engine import require
from isahub.policy.scopes import agencies_visible_to, users_manageable_by

from .models import Agency, ApiToken, User


def vetting_problems(user: User, *, today: dt.date) -> list[str]:
    return user.vetting_problems(
        today=today,
        max_age_days={
            "dbs": settings.ISAHUB_VETTING_DBS_MAX_AGE_DAYS,
            "training": settings.ISAHUB_VETTING_TRAINING_MAX_AGE_DAYS,
            "agreement": settings.ISAHUB_VETTING_AGREEMENT_MAX_AGE_DAYS,
        },
    )


def user_list(*, actor: User) -> QuerySet[User]:
    require(actor, "users.list")
    return users_manageable_by(actor)


def access_user(*, actor: User, user_id: int) -> User:
    """A user the actor manages; 404 for one that does not exist or is not theirs."""
    require(actor, "users.list")
    return get_object_or_404(users_manageable_by(actor), pk=user_id)


def agency_list(*, actor: User) -> QuerySet[Agency]:
    require(actor, "agencies.list")
    return agencies_visible_to(actor)


def access_agency_for_change(*, actor: User, agency_id: int) -> Agency:
    require(actor, "agency.manage")
    return get_object_or_404(agencies_visible_to(actor), pk=agency_id)


def api_token_list(*, actor: User) -> QuerySet[ApiToken]:
    require(actor, "account.use")
    return ApiToken.objects.filter(user=actor)


def access_own_token(*, actor: User, token_id: int) -> ApiToken:
    return get_object_or_404(ApiToken.objects.filter(user=actor), pk=token_id)


def demo_accounts_present() -> bool:
    return User.objects.filter(is_demo=True).exists()


def access_user_for_involvement(*, actor: User, user: User) -> User:
    """A practitioner the central team may record an involvement for."""
    require(actor, "involvement.register_on_behalf")
    if not user.is_active or user.agency_id is None:
        raise Http404("No such practitioner")
    return user
