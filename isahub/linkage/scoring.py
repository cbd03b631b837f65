"""The Splink scorer for feeds: feed rows scored against candidate children with the stored model.

It implements the feeds' `Scorer` protocol (isahub/feeds/linking.py): `candidates(row)` returns
the children a row may be, best first, with Splink's match probability as the score and each
comparison's match weight as the explanation the review queue shows. `prepare(rows)` scores a
whole extract in one DuckDB run before the load walks its rows (one Splink run per row would be
far slower); a row not prepared is scored on its own.

Candidates come from the database by blocking keys (ISAHUB_LINKAGE_CANDIDATES = "keys": the
child index's own search keys for every row, then the model's blocking rules among them), or the
whole index is registered in DuckDB ("index"). docs/linkage.md has the measured trade.

The twin rule: a candidate whose first name disagrees outright (Splink's "all other
comparisons" level) never scores at or above the upper threshold, whatever else agrees. Twins
and siblings share surname, address and (twins) date of birth, which the model — assuming
fields independent — counts as overwhelming evidence. Such a row goes to the review queue.
"""

from __future__ import annotations

import time
from uuid import UUID

from django.conf import settings

from isahub.feeds.linking import MAX_CANDIDATES_KEPT, Candidate, Linker, query_for
from isahub.feeds.validation import CleanRow

from . import engine, index
from .models import LinkageModel
from .spec import COMPARISON_LABELS
from .standardise import person_from_row, standardise

# The review page's field names for the model's comparisons (isahub/feeds/selectors.py).
_FIELDS = {"forename": "forename", "surname": "surname", "date_of_birth": "date_of_birth", "sex": "sex", "postcode": "postcode"}
_FIELDS |= {"nhs": "nhs_number", "upn": "upn"}
ELSE_LEVEL = "All other comparisons"


def thresholds() -> tuple[float, float]:
    return settings.ISAHUB_LINKAGE_LOWER, settings.ISAHUB_LINKAGE_UPPER


def latest_model() -> LinkageModel | None:
    return LinkageModel.objects.order_by("-version").first()


def explanation(pair: engine.Pair, *, capped: bool) -> dict:
    fields = {}
    for name, detail in pair.comparisons.items():
        if detail["level"] == "not given":
            continue
        fields[_FIELDS.get(name, name)] = {
            "label": COMPARISON_LABELS.get(name, name),
            "matched": detail["left"],
            "agreement": detail["level"],
            "weight": detail["weight"],
            "max": detail["max"],
        }
    out = {
        "score": round(pair.match_probability, 6),
        "total_weight": round(pair.match_weight, 2),
        "fields": fields,
        "model": "splink",
    }
    if capped:
        out["twin_rule"] = "the first name disagrees: twins and siblings share the rest, so this never links automatically"
    return out


class SplinkScorer:
    def __init__(self, stored: LinkageModel, *, upper: float | None = None, candidates: str | None = None) -> None:
        self.stored = stored
        self.name = f"splink model v{stored.version}"
        self.upper = settings.ISAHUB_LINKAGE_UPPER if upper is None else upper
        self.mode = candidates or settings.ISAHUB_LINKAGE_CANDIDATES
        self._prepared: dict[tuple[int, str], list[Candidate]] = {}
        self.timings: dict[str, float] = {}

    def _candidate(self, pair: engine.Pair) -> Candidate:
        capped = pair.comparisons["forename"]["level"] == ELSE_LEVEL and pair.match_probability >= self.upper
        score = min(pair.match_probability, max(0.0, self.upper - 0.001)) if capped else pair.match_probability
        return Candidate(child_id=UUID(pair.left), score=score, explanation=explanation(pair, capped=capped))

    def score_rows(self, rows: list[CleanRow]) -> dict[tuple[int, str], list[Candidate]]:
        """Every row's candidates, best first, in one Splink run."""
        started = time.monotonic()
        feed = [standardise(person_from_row(f"r{i}", row.values)) for i, row in enumerate(rows)]
        if self.mode == "index":
            children = index.records()
        else:
            ids = index.candidate_ids(query_for(row) for row in rows)
            children = index.records(ids)
        pulled = time.monotonic()
        pairs = engine.predict(self.stored.model, children, link_to=feed, threshold=0.001)
        by_row: dict[int, list[Candidate]] = {}
        for pair in pairs:
            by_row.setdefault(int(pair.right[1:]), []).append(self._candidate(pair))
        out = {}
        for i, row in enumerate(rows):
            found = sorted(by_row.get(i, []), key=lambda c: -c.score)[:MAX_CANDIDATES_KEPT]
            out[(row.line, row.row_hash)] = found
        self.timings = {"candidates_seconds": pulled - started, "splink_seconds": time.monotonic() - pulled}
        self.timings["candidate_children"] = float(len(children))
        return out

    def prepare(self, rows: list[CleanRow]) -> None:
        self._prepared.update(self.score_rows(rows))

    def candidates(self, row: CleanRow) -> list[Candidate]:
        key = (row.line, row.row_hash)
        if key not in self._prepared:
            self._prepared.update(self.score_rows([row]))
        return self._prepared.pop(key)


def splink_linker(stored: LinkageModel | None = None) -> Linker | None:
    """A feeds Linker scoring with the stored Splink model, or None when no model is trained."""
    stored = stored or latest_model()
    if stored is None:
        return None
    lower, upper = thresholds()
    return Linker(scorer=SplinkScorer(stored, upper=upper), lower=lower, upper=upper)


def describe_linker() -> str:
    """What the feeds link with now, in words (for the upload page)."""
    if settings.ISAHUB_FEED_LINKER != "splink":
        return "the deterministic matcher (ISAHUB_FEED_LINKER is not 'splink')"
    stored = latest_model()
    if stored is None:
        return "the deterministic matcher: no Splink linkage model has been trained yet"
    return f"Splink model v{stored.version}, trained {stored.trained_at:%d %b %Y} on {stored.index_rows:,} children"


__all__ = ["SplinkScorer", "describe_linker", "latest_model", "splink_linker"]
