"""The semantic catalog tier's contested threshold and margin, chosen under cross-validation by
claim on Emergent (each headline its own document, the held-out claims as the catalog).

For each of 5 folds (GroupKFold on claimId, as stance_pipeline.py), the (threshold, margin) of
the grid that covers most (headline, claim) pairs of the OTHER folds without more wrong-claim
mentions per headline than the lexical engine alone makes there, is applied to the fold's
headlines: the figures printed are those held-out folds'. The values shipped in semantic.py are
the same rule's choice on all folds (printed last). The matching is the pipeline's own code
(match_catalog, then semantic_catalog_mentions); only the thresholds vary.

    python benchmarks/catalog_thresholds.py

Embeddings are kept in a cache file in the temp directory (the model runs ~10-20 texts/s here).
"""
from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

EMERGENT = REPO.parent / "shared" / "benchmarks" / "emergent_train" / "emergent_train.csv"
GOLD = ("for", "observing", "against")
FOLDS = 5
THRESHOLDS = tuple(round(0.80 + 0.01 * i, 2) for i in range(12))     # 0.80 .. 0.91
MARGINS = (0.0, 0.01, 0.02, 0.03, 0.04, 0.05)
CACHE = Path(tempfile.gettempdir()) / "claimgrid-benchmark-embeddings.npz"


def load_rows() -> list[dict]:
    with open(EMERGENT, encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["articleHeadlineStance"] in GOLD]


def folds(rows: list[dict]) -> list[tuple[list[int], list[int]]]:
    from sklearn.model_selection import GroupKFold

    return list(GroupKFold(n_splits=FOLDS).split(rows, groups=[r["claimId"] for r in rows]))


def cached_embedder():
    from orchestration.core.claims.semantic import Embedder

    cached = {}
    if CACHE.exists():
        data = np.load(CACHE)
        cached = {key: data[key].tobytes() for key in data.files}
    return Embedder(cached)


def save_cache(embedder) -> None:
    if embedder.new:
        np.savez(CACHE, **{key: vector for key, vector in embedder.vectors.items() if vector.any()})


def fold_outcomes(rows: list[dict], embedder) -> dict[tuple[float, float], tuple[int, int]]:
    """(threshold, margin) -> (covered pairs, wrong-claim mentions) on `rows`, their own claims
    the catalog; (inf, inf) is the lexical engine alone."""
    from orchestration.core.claims.discovery import match_catalog
    from orchestration.core.claims.semantic import semantic_catalog_mentions
    from orchestration.core.text.sentences import split_sentences
    from orchestration.core.types import CatalogClaim

    catalog = [CatalogClaim(c, t) for c, t in sorted({(r["claimId"], r["claimHeadline"]) for r in rows})]
    documents = {r["articleId"]: split_sentences(r["articleHeadline"].strip()) for r in rows}
    gold = {(r["articleId"], r["claimId"]) for r in rows}
    _, lexical = match_catalog(catalog, documents)

    def outcome(mentions) -> tuple[int, int]:
        pairs = {(m.document_id, m.claim_id) for m in mentions}
        return len(pairs & gold), len(pairs - gold)

    results = {(float("inf"), float("inf")): outcome(lexical)}
    for threshold in THRESHOLDS:
        for margin in MARGINS:
            results[(threshold, margin)] = outcome(semantic_catalog_mentions(
                catalog, lexical, documents, embedder, contested_threshold=threshold, contested_margin=margin))
    return results


def choose(outcomes: list[dict], headlines: int) -> tuple[float, float]:
    """The setting covering most pairs of the summed outcomes with no more wrong-claim mentions
    than the lexical engine alone (ties: the higher threshold, then the higher margin)."""
    summed = {key: tuple(sum(o[key][i] for o in outcomes) for i in (0, 1)) for key in outcomes[0]}
    lexical_wrong = summed[(float("inf"), float("inf"))][1]
    allowed = [key for key, (_, wrong) in summed.items() if wrong <= lexical_wrong and key[0] != float("inf")]
    return max(allowed, key=lambda key: (summed[key][0], key[0], key[1]))


def chosen_per_fold(rows: list[dict]) -> list[tuple[float, float]]:
    """For each fold, the setting chosen on the other folds."""
    embedder = cached_embedder()
    splits = folds(rows)
    outcomes = [fold_outcomes([rows[i] for i in test], embedder) for _, test in splits]
    save_cache(embedder)
    return [choose([o for j, o in enumerate(outcomes) if j != k], 0) for k in range(len(splits))]


def main() -> int:
    if not EMERGENT.exists():
        print(f"{EMERGENT} absent: skipped")
        return 0
    rows = load_rows()
    embedder = cached_embedder()
    splits = folds(rows)
    outcomes = [fold_outcomes([rows[i] for i in test], embedder) for _, test in splits]
    save_cache(embedder)
    lexical = (float("inf"), float("inf"))
    covered = wrong = lexical_covered = lexical_wrong = 0
    for k, (_, test) in enumerate(splits):
        setting = choose([o for j, o in enumerate(outcomes) if j != k], 0)
        c, w = outcomes[k][setting]
        covered, wrong = covered + c, wrong + w
        lexical_covered += outcomes[k][lexical][0]
        lexical_wrong += outcomes[k][lexical][1]
        print(f"fold {k}: chosen on the other folds: threshold {setting[0]}, margin {setting[1]}; "
              f"held out: {c}/{len(test)} pairs covered, {w} wrong-claim mentions")
    total = len(rows)
    print(f"held-out folds, {total} headlines: lexical alone coverage {lexical_covered / total:.3f} "
          f"({lexical_wrong} wrong-claim); with the semantic tier coverage {covered / total:.3f} ({wrong} wrong-claim)")
    print(f"chosen on all folds (the shipped values): threshold {choose(outcomes, 0)[0]}, margin {choose(outcomes, 0)[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
