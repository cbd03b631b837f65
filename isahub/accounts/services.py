"""Account use cases. Each checks policy, changes data and audits in one transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from isahub.audit.services import audit_record
from isahub.policy.engine import require

from .models import Agency, ApiToken, User
from .tokens import new_token, token_hash

USER_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "job_title",
    "phone",
    "role",
    "is_active",
    "dbs_checked_on",
    "training_completed_on",
    "user_agreement_signed_on",
)


def api_token_create(*, user: User, name: str, actor: User | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns the record and the token, which is never stored."""
    name = name.strip()
    if not name:
        raise ValueError("Give the token a name, so you can recognise it later.")
    token = new_token()
    with transaction.atomic():
        record = ApiToken.objects.create(user=user, name=name[:100], prefix=token[:12], token_hash=token_hash(token))
        audit_record(
            action="token.created", actor=actor or user, target=record, details={"owner": user.pk, "prefix": record.prefix}
        )
    return record, token


def api_token_revoke(*, token: ApiToken, actor: User) -> None:
    require(actor, "account.use")
    if token.user_id != actor.pk:
        # Same answer as a token that does not exist: nothing to learn by guessing ids.
        raise ApiToken.DoesNotExist
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(action="token.revoked", actor=actor, target=token, details={"prefix": token.prefix})


def user_create(*, actor: User, username: str, agency: Agency, role: str, password: str | None = None, **fields) -> User:
    require(actor, "users.list")
    require(actor, "user.grant_role", role)
    candidate = User(username=username, agency=agency, role=role)
    require(actor, "user.manage", candidate)
    with transaction.atomic():
        user = User(username=username, agency=agency, role=role, **{k: v for k, v in fields.items() if k in USER_FIELDS})
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean()
        user.save()
        audit_record(action="user.created", actor=actor, target=user, details={"role": role, "agency": agency.pk})
    return user


def user_update(*, actor: User, user: User, changes: dict) -> User:
    require(actor, "user.manage", user)
    if "role" in changes and changes["role"] != user.role:
        require(actor, "user.grant_role", changes["role"])
    changed = {}
    for field, value in changes.items():
        if field not in USER_FIELDS:
            raise ValueError(f"{field} cannot be changed here")
        if getattr(user, field) != value:
            changed[field] = _loggable(value)
            setattr(user, field, value)
    if not changed:
        return user
    with transaction.atomic():
        user.full_clean()
        user.save()
        # Only which fields changed, and roles/dates: never free text into the audit details.
        audit_record(action="user.updated", actor=actor, target=user, details={"changed": sorted(changed), "role": user.role})
    return user


def _loggable(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def agency_create(
    *,
    actor: User,
    name: str,
    kind: str,
    parent: Agency | None = None,
    is_sensitive_service: bool = False,
    phone: str = "",
    email: str = "",
) -> Agency:
    require(actor, "agency.manage")
    with transaction.atomic():
        agency = Agency(name=name, kind=kind, parent=parent, is_sensitive_service=is_sensitive_service, phone=phone, email=email)
        agency.full_clean()
        agency.save()
        audit_record(action="agency.created", actor=actor, target=agency, details={"kind": kind})
    return agency


def agency_update(*, actor: User, agency: Agency, changes: dict) -> Agency:
    require(actor, "agency.manage", agency)
    allowed = {"name", "kind", "parent", "is_sensitive_service", "phone", "email"}
    for field, value in changes.items():
        if field not in allowed:
            raise ValueError(f"{field} cannot be changed here")
        setattr(agency, field, value)
    with transaction.atomic():
        agency.full_clean()
        agency.save()
        audit_record(action="agency.updated", actor=actor, target=agency, details={"changed": sorted(changes)})
    return agency
