"""Linking a feed row to a child: a deterministic, explainable rule.

1. A national identifier (NHS number, unique pupil number) held by exactly one child links
   to that child. Identifiers pointing at two different children go to review.
2. Otherwise a `Scorer` proposes candidates with a score from 0 to 1 and an explanation
   (per-field agreement and weight). The best candidate
   - at or above the upper threshold links automatically, unless a second candidate is also
     above it (twins, or a duplicate already in the index) or the candidate holds a different
     identifier of the same kind: then review;
   - between the thresholds goes to the review queue;
   - below the lower threshold: a new child (feeds that may add children) or the review queue.

The scorer is an interface: `MatcherScorer` uses the child index's own matcher (blocking keys
and field weights, isahub/children/matching.py). The next part of issue 8 replaces it with a
Splink model (DuckDB) that implements the same `candidates()`; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from django.conf import settings

from isahub.children import matching
from isahub.children.indexing import match_records_following_merges
from isahub.children.models import Child, ChildIdentifier, RecordStatus, SearchKey

from .validation import CleanRow

LINK = "link"
REVIEW = "review"
CREATE = "create"
MAX_CANDIDATES_KEPT = 5
CANDIDATE_CAP = 500


@dataclass(frozen=True)
class Candidate:
    child_id: UUID
    score: float
    explanation: dict = field(default_factory=dict, compare=False)
    identifier_clash: str = ""  # e.g. "holds a different NHS number"

    def as_dict(self) -> dict:
        return {
            "child_id": str(self.child_id),
            "score": round(self.score, 4),
            "explanation": self.explanation,
            "identifier_clash": self.identifier_clash,
        }


class Scorer(Protocol):
    """Proposes the children a feed row may be, best first."""

    name: str

    def candidates(self, row: CleanRow) -> list[Candidate]: ...


def query_for(row: CleanRow) -> matching.Query:
    return matching.Query(
        surname=str(row["family_name"]),
        forename=str(row["given_names"]),
        date_of_birth=row["date_of_birth"] or None,
        sex=str(row["sex"] or ""),
        postcode=str(row["postcode"] or ""),
    )


class MatcherScorer:
    """The child index matcher: blocking keys for candidates, its field weights for the score."""

    name = "child-index matcher v1"

    def candidates(self, row: CleanRow) -> list[Candidate]:
        query = query_for(row)
        tier0, tier1 = matching.query_key_tiers(query)
        ids: dict[UUID, None] = {}
        for child_id in SearchKey.objects.filter(key__in=tier0 + tier1).values_list("child_id", flat=True)[: CANDIDATE_CAP * 4]:
            ids.setdefault(child_id, None)
            if len(ids) >= CANDIDATE_CAP:
                break
        records = match_records_following_merges(list(ids))
        prepared = matching.prepare(query)
        ranked = sorted(((prepared.score(record), child_id) for child_id, record in records.items()), key=lambda p: -p[0])
        return [
            Candidate(child_id=child_id, score=score, explanation=prepared.explain(records[child_id]))
            for score, child_id in ranked[:MAX_CANDIDATES_KEPT]
            if score > 0
        ]


@dataclass
class LinkDecision:
    outcome: str  # LINK | REVIEW | CREATE
    why: str
    child_id: UUID | None = None
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def best_score(self) -> float:
        return self.candidates[0].score if self.candidates else 0.0


def thresholds() -> tuple[float, float]:
    """(lower, upper), from settings (docs/feeds.md says what each trades)."""
    return settings.ISAHUB_FEED_LINK_LOWER, settings.ISAHUB_FEED_LINK_UPPER


def _survivor(child_id: UUID) -> UUID:
    """A merged record answers with the record it was merged into."""
    seen = set()
    while child_id not in seen:
        seen.add(child_id)
        merged_into = (
            Child.objects.filter(pk=child_id, status=RecordStatus.MERGED).values_list("merged_into_id", flat=True).first()
        )
        if not merged_into:
            return child_id
        child_id = merged_into
    return child_id


def identifiers_of(row: CleanRow) -> dict[str, str]:
    return {kind: row[column] for kind, column in (("nhs", "nhs_number"), ("upn", "upn")) if row[column]}


class Linker:
    def __init__(self, scorer: Scorer | None = None, *, lower: float | None = None, upper: float | None = None) -> None:
        default_lower, default_upper = thresholds()
        self.scorer: Scorer = scorer or MatcherScorer()
        self.lower = default_lower if lower is None else lower
        self.upper = default_upper if upper is None else upper
        if not 0 <= self.lower <= self.upper <= 1:
            raise ValueError("Link thresholds must satisfy 0 <= lower <= upper <= 1")

    def decide(self, row: CleanRow, *, may_create: bool) -> LinkDecision:
        wanted = identifiers_of(row)
        if wanted:
            holders = {
                (kind, _survivor(child_id))
                for kind, child_id in ChildIdentifier.objects.filter(
                    kind__in=list(wanted), value__in=list(wanted.values())
                ).values_list("kind", "child_id")
            }
            children = {child_id for _, child_id in holders}
            if len(children) == 1:
                (child_id,) = children
                kinds = " and ".join(sorted("NHS number" if k == "nhs" else "unique pupil number" for k, _ in holders))
                return LinkDecision(LINK, f"the {kinds} matches", child_id=child_id)
            if len(children) > 1:
                candidates = [Candidate(child_id=c, score=1.0, identifier_clash="") for c in sorted(children, key=str)]
                return LinkDecision(REVIEW, "the row's identifiers belong to two different records", candidates=candidates)
        candidates = self._with_identifier_clashes(self.scorer.candidates(row), wanted)
        if not candidates or candidates[0].score < self.lower:
            why = f"no candidate scores {self.lower:.2f} or more"
            return LinkDecision(
                CREATE if may_create else REVIEW,
                why + ("" if may_create else "; this feed never adds children"),
                candidates=candidates,
            )
        best = candidates[0]
        if best.score < self.upper:
            return LinkDecision(
                REVIEW, f"the best candidate scores {best.score:.2f}, between the thresholds", candidates=candidates
            )
        if best.identifier_clash:
            return LinkDecision(REVIEW, f"the best candidate {best.identifier_clash}", candidates=candidates)
        if len(candidates) > 1 and candidates[1].score >= self.upper:
            return LinkDecision(
                REVIEW, "two records score above the upper threshold (twins, or a duplicate in the index)", candidates=candidates
            )
        return LinkDecision(
            LINK,
            f"the best candidate scores {best.score:.2f}, above the upper threshold",
            child_id=best.child_id,
            candidates=candidates,
        )

    def _with_identifier_clashes(self, candidates: list[Candidate], wanted: dict[str, str]) -> list[Candidate]:
        if not wanted or not candidates:
            return candidates
        held: dict[tuple[UUID, str], str] = {
            (child_id, kind): value
            for child_id, kind, value in ChildIdentifier.objects.filter(
                child_id__in=[c.child_id for c in candidates], kind__in=list(wanted)
            ).values_list("child_id", "kind", "value")
        }
        out = []
        for candidate in candidates:
            clash = [
                "NHS number" if kind == "nhs" else "unique pupil number"
                for kind, value in wanted.items()
                if held.get((candidate.child_id, kind), value) != value
            ]
            out.append(
                Candidate(candidate.child_id, candidate.score, candidate.explanation, f"holds a different {' and '.join(clash)}")
                if clash
                else candidate
            )
        return out


def default_linker() -> Linker:
    """The linker a load uses. ISAHUB_FEED_LINKER "splink" scores with the newest trained Splink
    model (isahub/linkage, docs/linkage.md), with its own thresholds; with no model trained, or
    "matcher", this module's matcher scorer and thresholds."""
    if settings.ISAHUB_FEED_LINKER == "splink":
        from isahub.linkage.scoring import splink_linker

        linker = splink_linker()
        if linker is not None:
            return linker
    return Linker()
