"""Running Splink (DuckDB, in process): training a model, and scoring pairs with one.

Pure of Django: records in (standardised dicts, see standardise.py), model JSON and pairs out.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd
from splink import DuckDBAPI, Linker, block_on

from . import spec
from .standardise import COLUMNS

log = logging.getLogger(__name__)
# Splink logs every EM iteration, and levels a small sample never shows, at INFO and WARNING.
logging.getLogger("splink").setLevel(logging.ERROR)


def frame(records: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    return df


def _connection(threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    return con


@dataclass
class Trained:
    model: dict[str, Any]
    rows: int
    u_pairs: int
    em_sessions: list[str]


def train(
    records: list[dict],
    *,
    link_to: list[dict] | None = None,
    u_pairs: int = 2_000_000,
    seed: int = 42,
    probability_two_random_records_match: float | None = None,
) -> Trained:
    """u by random sampling over the index; m by expectation maximisation over each training rule.

    `records` is the index (deduplicated against itself); with `link_to` (rows of recent extracts)
    EM runs on the links between the index and those rows instead, where true matches are common
    enough for EM to find them (see docs/linkage.md, "Training")."""
    link_type = "link_only" if link_to else "dedupe_only"
    n = len(records)
    prior = probability_two_random_records_match
    if prior is None:
        # One true match per extract row among all index records (link), or about one duplicate
        # per hundred records in the index (dedupe).
        prior = (1.0 / max(n, 2)) if link_to else min(0.5, 0.01 * 2 / max(n - 1, 1))
    settings = spec.settings(link_type=link_type, probability_two_random_records_match=prior)
    con = _connection()
    db = DuckDBAPI(con)
    tables: list[Any] = [frame(records)] + ([frame(link_to)] if link_to else [])
    linker = Linker(tables if link_to else tables[0], settings, db, set_up_basic_logging=False)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    sessions = []
    for rule in spec.TRAINING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
        sessions.append(" & ".join(rule))
    model = floor_probabilities(linker.misc.save_model_to_json(out_path=None))
    con.close()
    return Trained(model=model, rows=n + (len(link_to) if link_to else 0), u_pairs=u_pairs, em_sessions=sessions)


M_FLOOR = 0.0005  # EM can drive a level's m to 0 (a weight of minus infinity): no level is impossible
U_FLOOR = 0.000001


PRIOR_M_BEST = 0.95  # a comparison EM never saw (no extract carried NHS numbers): its best level


def floor_probabilities(model: dict[str, Any]) -> dict[str, Any]:
    """No m or u below a floor, each comparison's levels renormalised to sum to 1. A comparison
    whose m EM could not estimate at all gets a prior: its best level PRIOR_M_BEST, the rest shared."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        if all(lv.get("m_probability") is None for lv in levels):
            rest = (1 - PRIOR_M_BEST) / max(len(levels) - 1, 1)
            for i, level in enumerate(levels):
                level["m_probability"] = PRIOR_M_BEST if i == 0 else rest
        for key, floor in (("m_probability", M_FLOOR), ("u_probability", U_FLOOR)):
            values = [max(float(lv.get(key) or 0.0), floor) for lv in levels]
            total = sum(values)
            for level, value in zip(levels, values, strict=True):
                level[key] = value / total
    return model


@dataclass(frozen=True)
class Pair:
    left: str
    right: str
    match_probability: float
    match_weight: float
    comparisons: dict[str, dict]  # output column -> {level, weight, max, left, right}


def _levels(model: dict[str, Any]) -> dict[str, dict]:
    """Per comparison: gamma value -> label, and the best weight any of its levels gives."""
    out: dict[str, dict] = {}
    for comparison in model["comparisons"]:
        name = comparison["output_column_name"]
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        labels: dict[int, str] = {-1: "not given"}
        best = 0.0
        for i, level in enumerate(levels):
            labels[len(levels) - 1 - i] = level.get("label_for_charts", "")
            m, u = level.get("m_probability"), level.get("u_probability")
            if m and u:
                best = max(best, math.log2(m / u))
        out[name] = {"labels": labels, "max": best}
    return out


_SHOWN = {
    "forename": "forename",
    "surname": "surname",
    "date_of_birth": "dob",
    "sex": "sex",
    "postcode": "postcode",
    "nhs": "nhs",
    "upn": "upn",
}


def predict(
    model: dict[str, Any],
    records: list[dict],
    *,
    link_to: list[dict] | None = None,
    threshold: float = 0.01,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> list[Pair]:
    """Pairs scoring at least `threshold`: `link_to` rows against `records` (left = record,
    right = row), or `records` against each other when `link_to` is None (dedupe)."""
    if not records or (link_to is not None and not link_to):
        return []
    link_type = "link_only" if link_to is not None else "dedupe_only"
    settings = spec.for_link_type(model, link_type)
    settings["retain_intermediate_calculation_columns"] = True
    settings["retain_matching_columns"] = True
    con = _connection(threads, memory_limit)
    db = DuckDBAPI(con)
    left, right = frame(records), frame(link_to) if link_to is not None else None
    if right is not None:
        linker = Linker([left, right], settings, db, set_up_basic_logging=False, input_table_aliases=["index", "feed"])
    else:
        linker = Linker(left, settings, db, set_up_basic_logging=False)
    df = linker.inference.predict(threshold_match_probability=threshold).as_pandas_dataframe()
    con.close()
    levels = _levels(model)
    pairs = []
    for row in df.to_dict("records"):
        flipped = row.get("source_dataset_l") == "feed"
        a, b = ("r", "l") if flipped else ("l", "r")
        left_id, right_id = str(row[f"unique_id_{a}"]), str(row[f"unique_id_{b}"])
        comparisons = {}
        for name, info in levels.items():
            gamma = int(row[f"gamma_{name}"])
            bf = float(row[f"bf_{name}"])
            column = _SHOWN.get(name, name)
            comparisons[name] = {
                "level": info["labels"].get(gamma, str(gamma)),
                "weight": round(math.log2(bf), 2) if bf > 0 else -99.0,
                "max": round(info["max"], 2),
                "left": _text(row.get(f"{column}_{a}")),
                "right": _text(row.get(f"{column}_{b}")),
            }
        pairs.append(
            Pair(
                left=left_id,
                right=right_id,
                match_probability=float(row["match_probability"]),
                match_weight=float(row["match_weight"]),
                comparisons=comparisons,
            )
        )
    return pairs


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)
