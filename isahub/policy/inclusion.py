"""Is a child on the index at all? The deployment's consent model decides (CON-02).

  C1  the family may opt out: an opted-out child is absent (not found, not counted);
  C2  recorded but hidden when the family objects: hidden, and searches that would have
      found the record are counted and reported (hidden-record probes);
  C3  no opt-out, families informed: an objection is recorded but the record stays;
  C4  only children referred with consent: a child without a recorded consent to
      inclusion is absent.

A record whose status is "hidden" (set by a data manager) is hidden under every model.
The answer for one child and for a list of children comes from the same function, so the
record page and search can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from isahub.children.models import RecordStatus
from isahub.consent.models import InclusionDecision, InclusionRecord
from isahub.profiles.loader import current_profile

SHOWN, HIDDEN, ABSENT = "shown", "hidden", "absent"

ABSENT_REASON = {
    "C1": "This child is not on the index: the family opted out.",
    "C4": "This child is not on the index: only children referred with the family's consent are.",
}


def presence_by_id(children: Iterable[tuple[Any, str]]) -> dict[Any, str]:
    """(child id, record status) pairs → shown / hidden / absent for each."""
    pairs = list(children)
    model = current_profile().consent_model
    latest: dict[Any, str | None] = {}
    if model in ("C1", "C2", "C4"):
        rows = (
            InclusionRecord.objects.filter(child_id__in=[cid for cid, _ in pairs])
            .order_by("recorded_at")
            .values_list("child_id", "decision")
        )
        for child_id, made in rows:
            latest[child_id] = made
    answer = {}
    for child_id, status in pairs:
        decision = latest.get(child_id)
        if status not in (RecordStatus.ACTIVE, RecordStatus.HIDDEN):
            answer[child_id] = ABSENT  # merged or archived: never a search result
        elif status == RecordStatus.HIDDEN:
            answer[child_id] = HIDDEN
        elif model == "C1" and decision == InclusionDecision.OPTS_OUT:
            answer[child_id] = ABSENT
        elif model == "C2" and decision in (InclusionDecision.OBJECTS, InclusionDecision.OPTS_OUT):
            answer[child_id] = HIDDEN
        elif model == "C4" and decision != InclusionDecision.CONSENTS:
            answer[child_id] = ABSENT
        else:
            answer[child_id] = SHOWN
    return answer


def presence(child: Any) -> str:
    return presence_by_id([(child.pk, child.status)])[child.pk]
