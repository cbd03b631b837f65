"""Rules for consent, lawful basis, sharing agreements, notices and the toolkit, and the
rule every read path asks before showing information beyond basic details."""

from __future__ import annotations

from isahub.accounts.models import Role

from .. import relationships
from ..decisions import Decision
from ..sharing import FamilyViewer, Item, family_decision, sharing_decision
from .registry import is_role, rule

RECORDERS = (Role.PRACTITIONER, Role.CENTRAL_TEAM, Role.PANEL_CHAIR)


@rule("information.see")
def _information_see(actor, item: Item) -> Decision:
    """Information beyond basic details: see isahub/policy/sharing.py for the order."""
    if isinstance(actor, FamilyViewer):
        return family_decision(actor, item)
    return sharing_decision(actor, item)


@rule("family.see")
def _family_see(viewer, item: Item) -> Decision:
    """The family view (not built yet) must ask this for every item it shows a parent."""
    if not isinstance(viewer, FamilyViewer):
        return Decision.refuse("Only the child and their family use the family view.")
    return family_decision(viewer, item)


@rule("consent.record")
def _consent_record(actor, child) -> Decision:
    if is_role(actor, *RECORDERS):
        return Decision.allow("Practitioners and the central team record consent, refusal and withdrawal.")
    return Decision.refuse("Only practitioners, panel chairs and the central team record consent.")


@rule("lawful_basis.record")
def _lawful_basis_record(actor, child) -> Decision:
    if is_role(actor, *RECORDERS):
        return Decision.allow("Practitioners record a lawful basis for sharing without consent; the central team reviews it.")
    return Decision.refuse("Only practitioners, panel chairs and the central team record a lawful basis.")


@rule("consent.history")
def _consent_history(actor, child) -> Decision:
    """Who agreed to what is itself information about the family: the central team, and the
    practitioners working with the child, see it."""
    if is_role(actor, Role.CENTRAL_TEAM):
        return Decision.allow("The central team keeps consent records.")
    if is_role(actor, *RECORDERS) and (relationships.is_involved(actor, child) or relationships.is_lead_or_deputy(actor, child)):
        return Decision.allow("You work with this child.")
    if is_role(actor, *RECORDERS) and relationships.has_break_glass(actor, child):
        return Decision.allow("You have emergency access to this record.")
    return Decision.refuse("Only the central team and practitioners working with the child see the consent history.")


@rule("consent.inclusion")
def _consent_inclusion(actor, child) -> Decision:
    if is_role(actor, Role.CENTRAL_TEAM):
        return Decision.allow("The central team records a family's decision about the index.")
    return Decision.refuse("Only the central team records a family's opt-out, objection or consent to the index.")


def _central(reason_allowed: str, reason_refused: str):
    def decide(actor, target) -> Decision:
        if is_role(actor, Role.CENTRAL_TEAM):
            return Decision.allow(reason_allowed)
        return Decision.refuse(reason_refused)

    return decide


rule("lawful_basis.review")(
    _central("The central team reviews every lawful-basis record.", "Only the central team reviews lawful-basis records.")
)
rule("consent.dashboard")(
    _central("The central team watches consent, lawful basis and probes.", "Only the central team uses the consent dashboard.")
)
rule("agreement.manage")(
    _central("The central team keeps the information-sharing agreements.", "Only the central team changes sharing agreements.")
)
rule("notice.manage")(
    _central("The central team keeps the fair processing notices.", "Only the central team manages fair processing notices.")
)
rule("toolkit.edit")(_central("The central team edits the toolkit.", "Only the central team edits the toolkit."))


@rule("agreement.view")
def _agreement_view(actor, target) -> Decision:
    return Decision.allow("Every signed-in user may see which sharing agreements are in force.")


@rule("toolkit.view")
def _toolkit_view(actor, target) -> Decision:
    return Decision.allow("Every signed-in user may read the information-sharing toolkit.")
