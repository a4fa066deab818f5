"""Paraphrase pairs of benchmarks/data/paraphrase_pairs.tsv (written for this test, never the
samples) through the claim engine: each pair lands as two documents of two outlets in one story,
the lexical engine runs, then the semantic pass (orchestration/core/claims/semantic.py). A pair
is grouped when one claim holds a sentence of both documents. Prints precision/recall/F1 of
grouping for the lexical engine alone and with the semantic pass, and the cosine distribution.

    python benchmarks/paraphrase_f1.py [--pairs benchmarks/data/paraphrase_pairs.tsv]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from orchestration.core.claims.discovery import discover_claims  # noqa: E402
from orchestration.core.claims.semantic import PAIR_THRESHOLD, Embedder, paraphrase_claims  # noqa: E402
from orchestration.core.types import Sentence  # noqa: E402


def read_pairs(path: Path) -> list[tuple[str, str, int]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        a, b, label, *_ = line.split("\t")
        rows.append((a, b, int(label)))
    return rows


def scores(predicted: list[bool], gold: list[int]) -> str:
    tp = sum(p and g for p, g in zip(predicted, gold))
    fp = sum(p and not g for p, g in zip(predicted, gold))
    fn = sum(g and not p for p, g in zip(predicted, gold))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"precision {precision:.2f} recall {recall:.2f} F1 {f1:.2f} (tp {tp}, fp {fp}, fn {fn})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=Path, default=REPO / "benchmarks" / "data" / "paraphrase_pairs.tsv")
    args = parser.parse_args()
    pairs = read_pairs(args.pairs)
    embedder = Embedder()
    lexical, semantic, cosines = [], [], []
    for i, (a, b, _) in enumerate(pairs):
        docs = {f"p{i}-a": [Sentence(0, 0, len(a), a)], f"p{i}-b": [Sentence(0, 0, len(b), b)]}
        stories = {d: f"story-{i}" for d in docs}
        outlets = {f"p{i}-a": "outlet-a", f"p{i}-b": "outlet-b"}
        claims, mentions = discover_claims(docs, stories)
        lexical.append(any(len({m.document_id for m in mentions if m.claim_id == c.claim_id}) == 2 for c in claims))
        claims, mentions = paraphrase_claims(claims, mentions, docs, stories, outlets, embedder)
        semantic.append(any(len({m.document_id for m in mentions if m.claim_id == c.claim_id}) == 2 for c in claims))
        va, vb = embedder.encode([a, b])
        cosines.append(float(va @ vb))
    gold = [y for *_, y in pairs]
    print(f"{len(pairs)} pairs ({sum(gold)} same claim, {len(gold) - sum(gold)} not)")
    print(f"lexical engine alone: {scores(lexical, gold)}")
    print(f"lexical + semantic (pair threshold {PAIR_THRESHOLD}): {scores(semantic, gold)}")
    positive = sorted(c for c, y in zip(cosines, gold) if y)
    negative = sorted(c for c, y in zip(cosines, gold) if not y)
    print(f"cosine same claim: min {positive[0]:.3f} median {positive[len(positive) // 2]:.3f}; "
          f"not: median {negative[len(negative) // 2]:.3f} max {negative[-1]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
