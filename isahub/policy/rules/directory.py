"""Rules for keeping the service directory current (DOMAIN.md §13; research SD-05).

Reading the public directory needs no rule: it is public. Changing it does. An agency's
administrators change their own organisation's entries directly; a named directory officer
changes any; anyone else signed in may propose a change, which waits for the officer.
"""

from __future__ import annotations

from isahub.accounts.models import Role
from isahub.directory.models import ChangeStatus, DirectoryOfficer

from ..decisions import Decision
from .registry import is_role, rule


def is_directory_officer(actor) -> bool:
    return DirectoryOfficer.objects.filter(user_id=actor.pk).exists()


def owns(actor, service) -> bool:
    return (
        is_role(actor, Role.AGENCY_ADMINISTRATOR)
        and service.organization.agency_id is not None
        and service.organization.agency_id == actor.agency_id
    )


@rule("directory.manage")
def _manage(actor, target) -> Decision:
    if is_directory_officer(actor):
        return Decision.allow("Directory officers keep every entry current.")
    if is_role(actor, Role.AGENCY_ADMINISTRATOR):
        return Decision.allow("Agency administrators keep their own organisation's entries current.")
    return Decision.refuse("Only agency administrators and the directory officer manage directory entries.")


@rule("directory.propose_change")
def _propose(actor, service) -> Decision:
    if service is None:
        return Decision.refuse("There is no such directory entry.")
    return Decision.allow("Anyone signed in may suggest a correction to a directory entry.")


@rule("directory.edit_directly")
def _edit_directly(actor, service) -> Decision:
    if service is None:
        return Decision.refuse("There is no such directory entry.")
    if is_directory_officer(actor):
        return Decision.allow("Directory officers change any entry.")
    if owns(actor, service):
        return Decision.allow("This entry belongs to your agency.")
    return Decision.refuse("This entry belongs to another agency: your change will go to the directory officer for approval.")


@rule("directory.verify")
def _verify(actor, service) -> Decision:
    return _edit_directly(actor, service)


@rule("directory.approve")
def _approve(actor, change) -> Decision:
    if not is_directory_officer(actor):
        return Decision.refuse("Only the directory officer approves changes to other agencies' entries.")
    if change is not None and change.status != ChangeStatus.PENDING:
        return Decision.refuse("This change has already been decided.")
    if change is not None and change.requested_by_id == actor.pk:
        return Decision.refuse("Someone else must approve a change you proposed.")
    return Decision.allow("Directory officers approve changes proposed by other agencies.")


@rule("directory.import")
def _import(actor, target) -> Decision:
    if is_directory_officer(actor) or is_role(actor, Role.DATA_MANAGER):
        return Decision.allow("Data managers and the directory officer load directories.")
    return Decision.refuse("Only data managers and the directory officer load or export the whole directory.")


@rule("directory.export")
def _export(actor, target) -> Decision:
    return _import(actor, target)


def directory_services_editable_by(actor):
    """The queryset twin of directory.edit_directly: entries a user changes directly."""
    from isahub.directory.models import Service

    if is_directory_officer(actor):
        return Service.objects.all()
    if is_role(actor, Role.AGENCY_ADMINISTRATOR) and actor.agency_id:
        return Service.objects.filter(organization__agency_id=actor.agency_id)
    return Service.objects.none()
