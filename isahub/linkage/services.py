"""Training and storing linkage models; the dedupe run; decisions on proposed duplicates. Audited."""

from __future__ import annotations

import time
from dataclasses import dataclass
from uuid import UUID

import splink
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from isahub.accounts.models import User
from isahub.audit.services import audit_record
from isahub.children.models import Child, RecordStatus
from isahub.children.services import child_merge
from isahub.feeds.validation import CleanRow
from isahub.policy.engine import require

from . import engine, index
from .models import DuplicateProposal, LinkageModel, ProposalStatus
from .scoring import latest_model
from .spec import TRAINING_RULES
from .standardise import person_from_row, standardise

_COMMAND = "manage.py"


class NotEnoughData(ValueError):
    pass


def train_model(
    *, extract_rows: list[CleanRow] | None = None, u_pairs: int = 2_000_000, actor: User | None = None, seed: int = 42
) -> LinkageModel:
    """Train on the index (and, if given, extract rows EM links to it) and store the next version."""
    started = time.monotonic()
    children = index.records()
    if len(children) < 2:
        raise NotEnoughData("The index needs at least two children to train a linkage model.")
    extract = [standardise(person_from_row(f"x{i}", row.values)) for i, row in enumerate(extract_rows or [])]
    trained = engine.train(children, link_to=extract or None, u_pairs=u_pairs, seed=seed)
    with transaction.atomic():
        version = (LinkageModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        stored = LinkageModel.objects.create(
            version=version,
            model=trained.model,
            splink_version=splink.__version__,
            trained_at=timezone.now(),
            trained_by=actor,
            index_rows=len(children),
            extract_rows=len(extract),
            u_pairs=u_pairs,
            em_rules=[" & ".join(rule) for rule in TRAINING_RULES],
            seconds=round(time.monotonic() - started, 3),
        )
        audit_record(
            action="linkage.model_trained",
            actor=actor,
            actor_username="" if actor else _COMMAND,
            target=stored,
            details={"version": version, "index_rows": len(children), "extract_rows": len(extract), "u_pairs": u_pairs},
        )
    return stored


@dataclass
class DedupeResult:
    pairs_scored: int
    proposed: int
    already_known: int
    seconds: float


def find_duplicates(*, threshold: float, actor: User | None = None, stored: LinkageModel | None = None) -> DedupeResult:
    """Splink dedupe over the index: pairs at or above `threshold` become open proposals."""
    started = time.monotonic()
    stored = stored or latest_model()
    if stored is None:
        raise NotEnoughData("No linkage model is trained: run train_linkage_model first.")
    pairs = engine.predict(stored.model, index.records(), threshold=threshold)
    known = {frozenset((str(a), str(b))) for a, b in DuplicateProposal.objects.values_list("child_a_id", "child_b_id")}
    created = 0
    now = timezone.now()
    with transaction.atomic():
        for pair in sorted(pairs, key=lambda p: -p.match_probability):
            key = frozenset((pair.left, pair.right))
            if key in known:
                continue
            known.add(key)
            a, b = sorted((pair.left, pair.right))
            DuplicateProposal.objects.create(
                child_a_id=UUID(a),
                child_b_id=UUID(b),
                probability=pair.match_probability,
                match_weight=pair.match_weight,
                comparisons=pair.comparisons if a == pair.left else _flip(pair.comparisons),
                model=stored,
                proposed_at=now,
            )
            created += 1
        result = DedupeResult(len(pairs), created, len(pairs) - created, round(time.monotonic() - started, 3))
        audit_record(
            action="linkage.duplicates_proposed",
            actor=actor,
            actor_username="" if actor else _COMMAND,
            target=stored,
            details={"threshold": threshold, "pairs": result.pairs_scored, "proposed": created, "model": stored.version},
        )
    return result


def _flip(comparisons: dict) -> dict:
    return {name: {**d, "left": d["right"], "right": d["left"]} for name, d in comparisons.items()}


def open_proposals():
    return DuplicateProposal.objects.filter(status=ProposalStatus.OPEN).select_related("child_a", "child_b", "model")


def merge_proposal(*, actor: User, proposal: DuplicateProposal, survivor: Child, note: str) -> None:
    """Merge the pair through the child index's merge (which checks the actor may merge)."""
    if proposal.status != ProposalStatus.OPEN:
        raise ValidationError("This pair has already been decided.")
    if survivor.pk not in (proposal.child_a_id, proposal.child_b_id):
        raise ValidationError("The surviving record must be one of the pair.")
    duplicate = proposal.child_b if survivor.pk == proposal.child_a_id else proposal.child_a
    with transaction.atomic():
        child_merge(actor=actor, survivor=survivor, duplicate=duplicate, reason=note or "Proposed by the dedupe run")
        _close(proposal, actor, ProposalStatus.MERGED, note)


def dismiss_proposal(*, actor: User, proposal: DuplicateProposal, note: str) -> None:
    require(actor, "child.merge")
    if proposal.status != ProposalStatus.OPEN:
        raise ValidationError("This pair has already been decided.")
    if not note.strip():
        raise ValidationError({"note": "Say why these are two different children."})
    with transaction.atomic():
        _close(proposal, actor, ProposalStatus.NOT_DUPLICATE, note)


def _close(proposal: DuplicateProposal, actor: User, status: str, note: str) -> None:
    proposal.status, proposal.decided_by, proposal.decided_at, proposal.note = status, actor, timezone.now(), note
    proposal.save(update_fields=["status", "decided_by", "decided_at", "note"])
    audit_record(
        action="linkage.duplicate_decided",
        actor=actor,
        target=proposal,
        details={"status": status, "child_a": str(proposal.child_a_id), "child_b": str(proposal.child_b_id)},
    )


def stale_proposals() -> int:
    """Open proposals naming a record merged since (closed by nobody: they just no longer apply)."""
    return open_proposals().filter(Q(child_a__status=RecordStatus.MERGED) | Q(child_b__status=RecordStatus.MERGED)).count()
