"""Rules for agency data feeds (DOMAIN.md §2 and §15).

Data managers load their agency's feeds, read its load reports and work its review and
conflict queues; a data manager of the multi-agency hub does so for every agency. The central
team "resolves data conflicts" (DOMAIN.md §2), so it reads every load report and resolves
conflicts, but does not decide record matches (a data manager's job). Nobody else sees feeds:
the rows hold personal data the index has not accepted yet.

`feed_agency_scope` is the queryset twin: the agencies whose loads, queue items and conflicts
an actor may list (None: all of them).
"""

from __future__ import annotations

from typing import Any

from isahub.accounts.models import AgencyKind, Role

from ..decisions import Decision
from .registry import is_role, rule

ONLY_DATA_MANAGERS = "Only data managers load agency feeds and decide uncertain record matches."


def _is_hub(actor: Any) -> bool:
    agency = getattr(actor, "agency", None)
    return agency is not None and agency.kind == AgencyKind.HUB


def feed_agency_scope(actor: Any, action: str) -> set[int] | None:
    """The agency ids whose feed records the actor may list for this action; None means all."""
    if is_role(actor, Role.DATA_MANAGER):
        return None if _is_hub(actor) else {actor.agency_id}
    if is_role(actor, Role.CENTRAL_TEAM) and action in ("feed.view_loads", "feed.conflict_resolve"):
        return None
    return set()


def _covers(actor: Any, action: str, agency_id: int | None) -> bool:
    scope = feed_agency_scope(actor, action)
    return scope is None or (agency_id is not None and agency_id in scope)


@rule("feed.load")
def _load(actor: Any, agency: Any) -> Decision:
    if not is_role(actor, Role.DATA_MANAGER):
        return Decision.refuse(ONLY_DATA_MANAGERS)
    if agency is not None and not _covers(actor, "feed.load", agency.pk):
        return Decision.refuse("You load your own agency's feeds; the hub's data managers load any agency's.")
    return Decision.allow("Data managers load their agency's extracts.")


@rule("feed.view_loads")
def _view_loads(actor: Any, load: Any) -> Decision:
    if not is_role(actor, Role.DATA_MANAGER, Role.CENTRAL_TEAM):
        return Decision.refuse("Only data managers and the central team read feed load reports.")
    if load is not None and not _covers(actor, "feed.view_loads", load.agency_id):
        return Decision.refuse("This load belongs to another agency.")
    return Decision.allow("Data managers read their agency's load reports; the central team reads every agency's.")


@rule("feed.review")
def _review(actor: Any, item: Any) -> Decision:
    if not is_role(actor, Role.DATA_MANAGER):
        return Decision.refuse(ONLY_DATA_MANAGERS)
    if item is not None and not _covers(actor, "feed.review", item.load.agency_id):
        return Decision.refuse("This row came from another agency's feed.")
    return Decision.allow("Data managers decide uncertain record matches from their agency's feeds.")


@rule("feed.conflict_resolve")
def _conflict(actor: Any, conflict: Any) -> Decision:
    if not is_role(actor, Role.DATA_MANAGER, Role.CENTRAL_TEAM):
        return Decision.refuse("Only data managers and the central team verify conflicting updates.")
    if conflict is not None and not _covers(actor, "feed.conflict_resolve", conflict.load.agency_id):
        return Decision.refuse("This update came from another agency's feed.")
    return Decision.allow("Data managers and the central team verify conflicting updates before they are applied.")
