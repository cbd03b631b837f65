"""Rules for accounts, agencies and the audit trail."""

from __future__ import annotations

from isahub.accounts.models import Role

from ..decisions import Decision
from .registry import is_role as _is
from .registry import rule

ROLES_ONLY_SYSTEM_ADMINISTRATORS_GRANT = {Role.SYSTEM_ADMINISTRATOR, Role.AUDITOR}


@rule("account.use")
def _account_use(actor, target) -> Decision:
    return Decision.allow("Every signed-in, vetted user may use their own account pages.")


@rule("users.list")
def _users_list(actor, target) -> Decision:
    if _is(actor, Role.SYSTEM_ADMINISTRATOR):
        return Decision.allow("System administrators manage every agency's users.")
    if _is(actor, Role.AGENCY_ADMINISTRATOR):
        return Decision.allow("Agency administrators manage their own agency's users.")
    return Decision.refuse("Only agency administrators and system administrators manage user accounts.")


@rule("user.manage")
def _user_manage(actor, target) -> Decision:
    if _is(actor, Role.SYSTEM_ADMINISTRATOR):
        return Decision.allow("System administrators manage every agency's users.")
    if _is(actor, Role.AGENCY_ADMINISTRATOR):
        if target is not None and target.agency_id == actor.agency_id:
            return Decision.allow("This user belongs to your agency.")
        return Decision.refuse("You can only manage users of your own agency.")
    return Decision.refuse("Only agency administrators and system administrators manage user accounts.")


@rule("user.grant_role")
def _user_grant_role(actor, role) -> Decision:
    if _is(actor, Role.SYSTEM_ADMINISTRATOR):
        return Decision.allow("System administrators may grant any role.")
    if _is(actor, Role.AGENCY_ADMINISTRATOR) and role not in ROLES_ONLY_SYSTEM_ADMINISTRATORS_GRANT:
        return Decision.allow("Agency administrators may grant this role within their agency.")
    return Decision.refuse("Only a system administrator can give someone the auditor or system administrator role.")


@rule("agencies.list")
def _agencies_list(actor, target) -> Decision:
    return Decision.allow("Every vetted user may see which agencies take part.")


@rule("agency.manage")
def _agency_manage(actor, target) -> Decision:
    if _is(actor, Role.SYSTEM_ADMINISTRATOR):
        return Decision.allow("System administrators manage the list of agencies.")
    return Decision.refuse("Only system administrators add or change agencies.")


@rule("audit.view")
def _audit_view(actor, target) -> Decision:
    if _is(actor, Role.AUDITOR):
        return Decision.allow("Auditors read the audit trail.")
    return Decision.refuse("Only auditors can read the audit trail.")


@rule("audit.export")
def _audit_export(actor, target) -> Decision:
    return _audit_view(actor, target)
