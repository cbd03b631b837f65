"""Rules for the child index, involvements and the lead professional."""

from __future__ import annotations

from isahub.accounts.models import Role
from isahub.children.models import RecordStatus
from isahub.profiles.loader import current_profile

from .. import inclusion, relationships
from ..decisions import Decision, Redaction
from .registry import is_role, rule

INDEX_USERS = (Role.PRACTITIONER, Role.CENTRAL_TEAM, Role.PANEL_CHAIR, Role.DATA_MANAGER)
NOT_AN_INDEX_USER = "Only practitioners, the central team, panel chairs and data managers use the child index."


@rule("child.search")
def _search(actor, target) -> Decision:
    if is_role(actor, *INDEX_USERS):
        return Decision.allow("You may search the index to find who is working with a child.")
    return Decision.refuse(NOT_AN_INDEX_USER)


@rule("child.create")
def _create(actor, target) -> Decision:
    if is_role(actor, Role.DATA_MANAGER, Role.CENTRAL_TEAM):
        return Decision.allow("Data managers and the central team add children to the index.")
    return Decision.refuse("Only data managers and the central team add children to the index.")


@rule("child.view")
def _view(actor, child) -> Decision:
    if not is_role(actor, *INDEX_USERS):
        return Decision.refuse(NOT_AN_INDEX_USER)
    where = inclusion.presence(child) if child.status in (RecordStatus.ACTIVE, RecordStatus.HIDDEN) else None
    if where == inclusion.SHOWN:
        # Basic details; anything more is decided item by item by `information.see`.
        return Decision.allow("Basic details are shared with every index user who gives a reason.")
    if relationships.has_break_glass(actor, child):
        return Decision.allow("You have emergency (break-glass) access to this record for a limited time.")
    if where == inclusion.HIDDEN:
        return Decision.refuse("This record is hidden because the family objects to it being shared.")
    if where == inclusion.ABSENT:
        return Decision.refuse(inclusion.ABSENT_REASON[current_profile().consent_model])
    return Decision.refuse("This record is archived and cannot be opened.")


@rule("child.break_glass")
def _break_glass(actor, child) -> Decision:
    if is_role(actor, Role.PRACTITIONER, Role.CENTRAL_TEAM):
        return Decision.allow("In an emergency you may open this record; the central team is told at once.")
    return Decision.refuse("Only practitioners and the central team may use emergency access.")


@rule("child.merge")
def _merge(actor, target) -> Decision:
    if is_role(actor, Role.DATA_MANAGER):
        return Decision.allow("Data managers merge and unmerge duplicate records.")
    return Decision.refuse("Only data managers merge or unmerge records.")


@rule("involvement.see_service")
def _see_service(actor, involvement) -> Decision:
    """Which service is involved, or only that "a service is involved"."""
    if not involvement.agency.is_sensitive_service:
        return Decision.allow("This service's involvement is shared with index users.")
    if actor.agency_id == involvement.agency_id:
        return Decision.allow("You work for this service.")
    return Decision.allow_with_redactions(
        "A sensitive service is involved; which one is shared only with that service.",
        (
            Redaction("service", "A service is involved", "The service is a sensitive one."),
            Redaction("practitioner", "", "The service is a sensitive one."),
        ),
    )


@rule("involvement.register")
def _register(actor, child) -> Decision:
    if is_role(actor, Role.PRACTITIONER, Role.CENTRAL_TEAM, Role.PANEL_CHAIR):
        return Decision.allow("Practitioners record their own involvement with a child.")
    return Decision.refuse("Only practitioners (or the central team on their behalf) record involvements.")


@rule("involvement.register_on_behalf")
def _register_on_behalf(actor, child) -> Decision:
    if is_role(actor, Role.CENTRAL_TEAM):
        return Decision.allow("The central team records involvements for practitioners who cannot.")
    return Decision.refuse("Only the central team records an involvement on someone else's behalf.")


@rule("involvement.end")
def _end(actor, involvement) -> Decision:
    if involvement.practitioner_id == actor.pk:
        return Decision.allow("You may end your own involvement.")
    if is_role(actor, Role.CENTRAL_TEAM):
        return Decision.allow("The central team may end an involvement on a practitioner's behalf.")
    return Decision.refuse("Only the practitioner, or the central team, may end this involvement.")


@rule("lead.assign")
def _lead_assign(actor, child) -> Decision:
    if is_role(actor, Role.CENTRAL_TEAM, Role.PANEL_CHAIR):
        return Decision.allow("The central team and panel chairs record lead professional decisions.")
    if is_role(actor, Role.PRACTITIONER) and relationships.is_involved(actor, child):
        return Decision.allow("An involved practitioner may record becoming the lead professional.")
    return Decision.refuse("Only an involved practitioner, the central team or a panel chair records the lead professional.")


@rule("child.close_case")
def _close_case(actor, child) -> Decision:
    if is_role(actor, Role.CENTRAL_TEAM) or relationships.is_lead_or_deputy(actor, child):
        return Decision.allow("The lead professional (or deputy) and the central team close a case.")
    return Decision.refuse("Only the lead professional, their deputy or the central team may close the case.")
