"""The semantic catalog tier's contested threshold and margin, and the margin by which a sentence
joins the claim whose mentions it restates, chosen under cross-validation by claim on Emergent
(each headline its own document, the held-out claims as the catalog).

For each of 5 folds (GroupKFold on claimId, as stance_pipeline.py), the (threshold, margin) of
the grid that covers most (headline, claim) pairs of the OTHER folds without more wrong-claim
mentions per headline than the lexical engine alone makes there, is applied to the fold's
headlines: the figures printed are those held-out folds'. Then, with each fold's contested
setting, the join margin is chosen the same way (most pairs of the other folds with no more
wrong-claim mentions than without the join). The values shipped in semantic.py are the same
rules' choice on all folds (printed last). The matching is the pipeline's own code
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
JOIN_MARGINS = (0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08)
NO_JOIN = float("inf")
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


class _Fold:
    """One fold's headlines (each its own document) with their own claims as the catalog."""

    def __init__(self, rows: list[dict], embedder) -> None:
        from orchestration.core.claims.discovery import match_catalog
        from orchestration.core.text.sentences import split_sentences
        from orchestration.core.types import CatalogClaim

        self.catalog = [CatalogClaim(c, t) for c, t in sorted({(r["claimId"], r["claimHeadline"]) for r in rows})]
        self.documents = {r["articleId"]: split_sentences(r["articleHeadline"].strip()) for r in rows}
        self.gold = {(r["articleId"], r["claimId"]) for r in rows}
        self.embedder = embedder
        _, self.lexical = match_catalog(self.catalog, self.documents)

    def outcome(self, mentions) -> tuple[int, int]:
        pairs = {(m.document_id, m.claim_id) for m in mentions}
        return len(pairs & self.gold), len(pairs - self.gold)

    def semantic(self, threshold: float, margin: float, join_margin: float) -> tuple[int, int]:
        from orchestration.core.claims.semantic import semantic_catalog_mentions

        return self.outcome(semantic_catalog_mentions(
            self.catalog, self.lexical, self.documents, self.embedder, contested_threshold=threshold,
            contested_margin=margin, join_margin=join_margin))


def fold_outcomes(fold: _Fold) -> dict[tuple[float, float], tuple[int, int]]:
    """(threshold, margin) -> (covered pairs, wrong-claim mentions) without the join; (inf, inf)
    is the lexical engine alone."""
    results = {(NO_JOIN, NO_JOIN): fold.outcome(fold.lexical)}
    for threshold in THRESHOLDS:
        for margin in MARGINS:
            results[(threshold, margin)] = fold.semantic(threshold, margin, NO_JOIN)
    return results


def join_outcomes(fold: _Fold, setting: tuple[float, float]) -> dict[float, tuple[int, int]]:
    """join margin -> (covered pairs, wrong-claim mentions) at the contested `setting`; inf is no join."""
    return {join_margin: fold.semantic(*setting, join_margin) for join_margin in (NO_JOIN, *JOIN_MARGINS)}


def choose(outcomes: list[dict], headlines: int) -> tuple[float, float]:
    """The setting covering most pairs of the summed outcomes with no more wrong-claim mentions
    than the lexical engine alone (ties: the higher threshold, then the higher margin)."""
    summed = {key: tuple(sum(o[key][i] for o in outcomes) for i in (0, 1)) for key in outcomes[0]}
    lexical_wrong = summed[(float("inf"), float("inf"))][1]
    allowed = [key for key, (_, wrong) in summed.items() if wrong <= lexical_wrong and key[0] != float("inf")]
    return max(allowed, key=lambda key: (summed[key][0], key[0], key[1]))


def choose_join(outcomes: list[dict]) -> float:
    """The join margin covering most pairs of the summed outcomes with no more wrong-claim
    mentions than without the join (ties: the higher margin)."""
    summed = {key: tuple(sum(o[key][i] for o in outcomes) for i in (0, 1)) for key in outcomes[0]}
    allowed = [key for key, (_, wrong) in summed.items() if wrong <= summed[NO_JOIN][1]]
    return max(allowed, key=lambda key: (summed[key][0], key))


def chosen(rows: list[dict]) -> tuple[list[tuple[float, float, float]], list[dict], list[dict], tuple[float, float, float]]:
    """For each fold, (contested threshold, contested margin, join margin) chosen on the other
    folds; each fold's outcomes of the contested grid and of the join margins at its own choice;
    and the same rules' choice on all folds (what semantic.py ships)."""
    embedder = cached_embedder()
    splits = folds(rows)
    fold_data = [_Fold([rows[i] for i in test], embedder) for _, test in splits]
    outcomes = [fold_outcomes(fold) for fold in fold_data]
    settings = [choose([o for j, o in enumerate(outcomes) if j != k], 0) for k in range(len(splits))]
    shipped = choose(outcomes, 0)
    # the join margin of fold k is chosen on the other folds at fold k's own contested setting
    joins = {setting: [join_outcomes(fold, setting) for fold in fold_data] for setting in {*settings, shipped}}
    save_cache(embedder)
    chosen_settings = [(*settings[k], choose_join([o for j, o in enumerate(joins[settings[k]]) if j != k]))
                       for k in range(len(splits))]
    join_held_out = [joins[settings[k]][k] for k in range(len(splits))]
    return chosen_settings, outcomes, join_held_out, (*shipped, choose_join(joins[shipped]))


def chosen_per_fold(rows: list[dict]) -> list[tuple[float, float, float]]:
    """For each fold, (contested threshold, contested margin, join margin) chosen on the other folds."""
    return chosen(rows)[0]


def main() -> int:
    if not EMERGENT.exists():
        print(f"{EMERGENT} absent: skipped")
        return 0
    rows = load_rows()
    splits = folds(rows)
    settings, outcomes, join_held_out, shipped = chosen(rows)
    lexical = (NO_JOIN, NO_JOIN)
    covered = wrong = lexical_covered = lexical_wrong = joined_covered = joined_wrong = 0
    for k, (_, test) in enumerate(splits):
        threshold, margin, join_margin = settings[k]
        c, w = outcomes[k][(threshold, margin)]
        jc, jw = join_held_out[k][join_margin]
        covered, wrong, joined_covered, joined_wrong = covered + c, wrong + w, joined_covered + jc, joined_wrong + jw
        lexical_covered += outcomes[k][lexical][0]
        lexical_wrong += outcomes[k][lexical][1]
        print(f"fold {k}: chosen on the other folds: threshold {threshold}, margin {margin}, join margin "
              f"{join_margin}; held out: {c}/{len(test)} pairs covered, {w} wrong-claim mentions without the "
              f"join, {jc}/{len(test)} and {jw} with it")
    total = len(rows)
    print(f"held-out folds, {total} headlines: lexical alone coverage {lexical_covered / total:.3f} "
          f"({lexical_wrong} wrong-claim); with the semantic tier coverage {covered / total:.3f} ({wrong} wrong-claim); "
          f"with the join too {joined_covered / total:.3f} ({joined_wrong} wrong-claim)")
    print(f"chosen on all folds (the shipped values): threshold {shipped[0]}, margin {shipped[1]}, "
          f"join margin {shipped[2]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
