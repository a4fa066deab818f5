"""Emergent through the whole pipeline: each article headline a dump, its outlet in
manifest.jsonl, the claims as an analyst catalog (CLAIMGRID_CLAIM_CATALOG). Scores what an
analyst would read in marts.fct_claim_mentions against the gold headline stance.

Gold mapping: for -> asserts, observing -> reports, against -> denies (`questions` is scored
as `reports`: both report a claim without taking it on, and Emergent has no separate class).

    python benchmarks/stance_pipeline.py [--limit N]
    CLAIMGRID_STANCE_MODEL=none python benchmarks/stance_pipeline.py   # rules only
    python benchmarks/stance_pipeline.py --folds 5    # model fitted per fold without the scored claims

The stance model shipped in orchestration/core/stance_model.json was fitted on Emergent, so
with it this run scores headlines the model has seen: an optimistic figure. The cross-validated
(by claim) accuracy is benchmarks/stance_emergent.py's; the rules-only run and --folds are
leak-free (--folds fits a model per fold on the other claims' headlines and points the pipeline
at it through CLAIMGRID_STANCE_MODEL).

By default each dump is a neutral title line ("Emergent article <id>") and the headline as its
body (how the figures before issue 15 were taken: a headline-only dump was quarantined then);
--headline-only lands the headline alone, a headline-only dump whose title is its only sentence.

Prints: catalog-match coverage (gold pairs whose headline got a mention of its own claim),
wrong-claim mentions, and 3-class stance accuracy on the covered pairs and on all pairs.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

EMERGENT = REPO.parent / "shared" / "benchmarks" / "emergent_train" / "emergent_train.csv"
GOLD_TO_STANCE = {"for": "asserts", "observing": "reports", "against": "denies"}
SCORED_AS = {"asserts": "asserts", "reports": "reports", "questions": "reports", "denies": "denies"}


def build_landing(rows: list[dict], landing: Path, headline_only: bool = False) -> Path:
    """One .txt dump per article, manifest.jsonl with its outlet, a catalog CSV of claims.
    `headline_only`: the headline alone (a headline-only dump, read as the document's title)."""
    landing.mkdir(parents=True, exist_ok=True)
    with open(landing / "manifest.jsonl", "w", encoding="utf-8") as manifest:
        for row in rows:
            name = f"{row['articleId']}.txt"
            dump_text = (f"{row['articleHeadline'].strip()}\n" if headline_only else
                         f"Emergent article {row['articleId']}\n\n{row['articleHeadline'].strip()}\n")
            (landing / name).write_text(dump_text, encoding="utf-8")
            manifest.write(json.dumps({"file": name, "outlet": row["source"], "url": row["url"]}) + "\n")
    catalog = landing.parent / "catalog.csv"
    claims = {row["claimId"]: row["claimHeadline"] for row in rows}
    with open(catalog, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["claim_id", "claim_text"])
        writer.writerows(sorted(claims.items()))
    return catalog


def run_pipeline(rows: list[dict], stance_model: str | None = None,
                 headline_only: bool = False) -> tuple[list[tuple[str, str, str]], dict[str, str], bool, float]:
    """Land `rows` as dumps, materialize every asset and check, and read the mentions back:
    ((source_file, claim_id, stance) rows, {source_file: quarantine reason}, run success, wall seconds).
    `stance_model`: a model JSON path or 'none' (default: $CLAIMGRID_STANCE_MODEL, else the shipped one)."""
    import duckdb

    from tests.integration.pipeline import run_pipeline as run_all_assets

    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp) / "landing"
        warehouse = Path(tmp) / "warehouse"
        catalog = build_landing(rows, landing, headline_only)
        started = time.perf_counter()
        # every landing day, as `make run` does (the ingest stages are partitioned by day)
        result = run_all_assets(landing, warehouse, catalog, raise_on_error=False, extra_env={
            "CLAIMGRID_STANCE_MODEL": stance_model or os.environ.get("CLAIMGRID_STANCE_MODEL", ""),
            # landed as a body (the neutral-title mode), a headline too short to tell its language
            # is quarantined (unknown_language) as in production and counted here as no mention;
            # the language gate's 2% would stop the run on such a batch (~6% of Emergent's)
            "CLAIMGRID_QUARANTINE_STAGE_SHARES": "language=0.5",
        })
        wall = time.perf_counter() - started
        db = warehouse / ("analytics.duckdb" if result.success else "claimgrid.duckdb")
        conn = duckdb.connect(str(db), read_only=True)
        try:
            mentions = conn.execute(
                "SELECT d.source_file, m.claim_id, m.stance FROM marts.fct_claim_mentions m "
                "JOIN marts.dim_document d USING (document_id)"
            ).fetchall() if result.success else []
            quarantined = dict(conn.execute(
                "SELECT source_file, min(stage || ':' || reason) FROM marts.fct_quarantine "
                "WHERE source_file IS NOT NULL GROUP BY source_file").fetchall()) if result.success else {}
        finally:
            conn.close()
    return mentions, quarantined, result.success, wall


def fit_fold_model(train_rows: list[dict], path: Path) -> float:
    """Fit the stance model on the training claims' headlines only (C chosen by an inner
    GroupKFold, as in stance_emergent.py) and store it where CLAIMGRID_STANCE_MODEL will point."""
    from stance_emergent import choose_C   # this script's folder is on sys.path when it runs

    from stance_training import fit_stance_model_on_features

    from orchestration.core.stance.classify import featurize

    features = [featurize(r["articleHeadline"], r["claimHeadline"]) for r in train_rows]
    labels = [GOLD_TO_STANCE[r["articleHeadlineStance"]] for r in train_rows]
    C = choose_C(features, labels, [r["claimId"] for r in train_rows])
    model = fit_stance_model_on_features(features, labels, C=C)
    path.write_text(json.dumps(model.to_json()), encoding="utf-8")
    return C


def score(rows: list[dict], mentions: list[tuple[str, str, str]], quarantined: dict[str, str],
          misses: Path | None = None) -> None:
    predicted: dict[tuple[str, str], Counter] = {}
    for source_file, claim_id, stance in mentions:
        predicted.setdefault((source_file.removesuffix(".txt"), claim_id), Counter())[stance] += 1
    gold_pairs = {(r["articleId"], r["claimId"]): GOLD_TO_STANCE[r["articleHeadlineStance"]] for r in rows}
    covered = correct = 0
    confusion: Counter = Counter()
    for pair, gold in gold_pairs.items():
        stances = predicted.get(pair)
        if not stances:
            confusion[(gold, "no mention")] += 1
            continue
        covered += 1
        guess = SCORED_AS[stances.most_common(1)[0][0]]
        confusion[(gold, guess)] += 1
        correct += guess == gold
    # discovered claims (headlines restating each other) are not the catalog's: only a catalog
    # claim mentioned by a headline it does not belong to is a wrong match
    catalog_ids = {claim_id for _, claim_id in gold_pairs}
    wrong_claim = sum(1 for pair in predicted if pair[1] in catalog_ids and pair not in gold_pairs)
    total = len(gold_pairs)
    print(f"accepted documents: {len(rows) - len(quarantined)} of {len(rows)} dumps; quarantined: "
          f"{dict(Counter(quarantined.values()))}")
    print(f"coverage: {covered}/{total} = {covered / total:.3f} of gold (headline, claim) pairs got a mention")
    accepted_pairs = [pair for pair in gold_pairs if f"{pair[0]}.txt" not in quarantined]
    accepted_covered = sum(1 for pair in accepted_pairs if predicted.get(pair))
    print(f"coverage of the accepted documents' pairs: {accepted_covered}/{len(accepted_pairs)} = "
          f"{accepted_covered / max(1, len(accepted_pairs)):.3f}")
    print(f"mentions of another claim than the headline's own: {wrong_claim}")
    if misses:
        with open(misses, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t")
            writer.writerow(["article_id", "claim_id", "gold", "quarantined", "mentioned_claims",
                             "claim", "headline"])
            for row in rows:
                pair = (row["articleId"], row["claimId"])
                if predicted.get(pair):
                    continue
                others = sorted(c for (a, c) in predicted if a == row["articleId"])
                writer.writerow([*pair, gold_pairs[pair], quarantined.get(f"{pair[0]}.txt", ""),
                                 " ".join(others), row["claimHeadline"], row["articleHeadline"]])
        print(f"uncovered pairs written to {misses}")
    if covered:
        print(f"stance accuracy on covered pairs: {correct / covered:.3f}")
    print(f"stance accuracy on all pairs (no mention = wrong): {correct / total:.3f}")
    labels = ["asserts", "reports", "denies", "no mention"]
    print("confusion (rows gold, columns predicted):")
    print(f"{'':>10}" + "".join(f"{c:>12}" for c in labels))
    for g in labels[:3]:
        print(f"{g:>10}" + "".join(f"{confusion[(g, p)]:>12}" for p in labels))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, help="only the first N rows (a quick look)")
    parser.add_argument("--folds", type=int, default=0,
                        help="cross-validate by claim: per fold, fit the stance model on the other "
                             "folds' claims and run the pipeline on this fold's headlines")
    parser.add_argument("--misses", type=Path, help="write the pairs that got no mention here (TSV)")
    parser.add_argument("--headline-only", action="store_true",
                        help="land each headline alone (a headline-only dump) instead of under a neutral title")
    args = parser.parse_args()
    if not EMERGENT.exists():
        print(f"{EMERGENT} absent: skipped")
        return 0
    with open(EMERGENT, encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["articleHeadlineStance"] in GOLD_TO_STANCE][: args.limit]

    if not args.folds:
        mentions, quarantined, success, wall = run_pipeline(rows, headline_only=args.headline_only)
        model = os.environ.get("CLAIMGRID_STANCE_MODEL") or "shipped model (fitted on Emergent: optimistic)"
        print(f"pipeline on {len(rows)} headline dumps, stance model: {model}: success={success} in {wall:.1f}s")
        score(rows, mentions, quarantined, args.misses)
        return 0

    from sklearn.model_selection import GroupKFold

    groups = [r["claimId"] for r in rows]
    all_mentions: list[tuple[str, str, str]] = []
    all_quarantined: dict[str, str] = {}
    # the semantic catalog tier's contested threshold and margin and its join margin, chosen on the
    # training folds (catalog_thresholds.py) and set for the in-process run of the held-out fold
    from catalog_thresholds import FOLDS, chosen_per_fold

    from orchestration.core.claims import semantic

    settings = chosen_per_fold(rows) if args.folds == FOLDS else None
    with tempfile.TemporaryDirectory() as tmp:
        for fold, (train, test) in enumerate(GroupKFold(n_splits=args.folds).split(rows, groups=groups)):
            model_path = Path(tmp) / f"stance_model_fold{fold}.json"
            C = fit_fold_model([rows[i] for i in train], model_path)
            if settings:
                semantic.CONTESTED_THRESHOLD, semantic.CONTESTED_MARGIN, semantic.CATALOG_JOIN_MARGIN = settings[fold]
            test_rows = [rows[i] for i in test]
            mentions, quarantined, success, wall = run_pipeline(test_rows, stance_model=str(model_path),
                                                                headline_only=args.headline_only)
            print(f"fold {fold}: model fitted on {len(train)} headlines (C={C}), catalog tier "
                  f"{semantic.CONTESTED_THRESHOLD}/{semantic.CONTESTED_MARGIN}, join margin "
                  f"{semantic.CATALOG_JOIN_MARGIN}, pipeline on "
                  f"{len(test_rows)} headline dumps of unseen claims: success={success} in {wall:.1f}s")
            all_mentions += mentions
            all_quarantined.update(quarantined)
    print(f"\n{args.folds}-fold by claim, stance model and catalog thresholds fitted without the scored claims:")
    score(rows, all_mentions, all_quarantined, args.misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
