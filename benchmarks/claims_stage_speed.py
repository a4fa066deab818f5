"""The claims stage on ~900 generated documents against a ~900-claim analyst catalog: the
lexical engine alone and with the semantic pass (cold embedding cache, then warm), timed side by
side in one process on the same sentences.

    python benchmarks/claims_stage_speed.py [--size 900] [--claims 900]

Documents: benchmarks/corpus.py (real text only). Catalog: the Emergent claim headlines, then
Emergent article headlines, then the first sentence of each article_extraction ground-truth body,
up to --claims (real analyst-style claims; none written for this). The Python stages up to
sentences and stories run once through Dagster; the claim functions are then timed directly.
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

SHARED = REPO.parent / "shared" / "benchmarks"


def catalog_texts(limit: int) -> list[str]:
    texts: list[str] = []
    with open(SHARED / "emergent_train" / "emergent_train.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    texts += sorted({r["claimHeadline"].strip() for r in rows})
    texts += [r["articleHeadline"].strip() for r in rows]
    truth = json.loads((SHARED / "article_extraction" / "ground-truth.json").read_text(encoding="utf-8"))
    from orchestration.core.text.sentences import split_sentences
    for key in sorted(truth):
        first = split_sentences(truth[key].get("articleBody") or "")
        if first:
            texts.append(first[0].text)
    return list(dict.fromkeys(t for t in texts if t))[:limit]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=900)
    parser.add_argument("--claims", type=int, default=900)
    args = parser.parse_args()
    if not (SHARED / "emergent_train").exists():
        print(f"{SHARED} absent: skipped")
        return 0
    import dagster as dg
    import duckdb

    from corpus import build_corpus, load_sources, write_landing
    from orchestration.assets.claims import read_sentences
    from orchestration.core.claims.discovery import discover_claims, match_catalog
    from orchestration.core.claims.semantic import Embedder, paraphrase_claims, semantic_catalog_mentions
    from orchestration.core.types import CatalogClaim
    from orchestration.settings import LIVE_DB_NAME
    from tests.integration.pipeline import run_pipeline

    catalog = [CatalogClaim(f"cat-{i:04d}", text) for i, text in enumerate(catalog_texts(args.claims))]
    with tempfile.TemporaryDirectory() as tmp:
        landing, warehouse = Path(tmp) / "landing", Path(tmp) / "warehouse"
        write_landing(landing, build_corpus(args.size, sources=load_sources()))
        stages = dg.AssetSelection.assets(*[dg.AssetKey(["raw", t]) for t in (
            "dumps", "retractions", "documents", "segments", "reader_comments", "captions", "embedded_blobs",
            "embedded_items", "related_articles", "segment_languages", "document_languages", "document_outlets",
            "sentences", "stories")])
        # the generated corpus has a few percent of documents too short to tell a language: the
        # language gate's 2% is a production policy, not what this timing is about
        result = run_pipeline(landing, warehouse, selection=stages, raise_on_error=False,
                              extra_env={"CLAIMGRID_QUARANTINE_STAGE_SHARES": "language=0.1"})
        conn = duckdb.connect(str(warehouse / LIVE_DB_NAME), read_only=True)
        try:
            doc_sentences = read_sentences(conn)
            story_of = dict(conn.execute("SELECT document_id, story_id FROM raw.stories").fetchall())
            outlet_of = dict(conn.execute("SELECT document_id, outlet_id FROM raw.document_outlets").fetchall())
        finally:
            conn.close()
    sentences = sum(len(s) for s in doc_sentences.values())
    print(f"{len(doc_sentences)} documents, {sentences} sentences, {len(set(story_of.values()))} stories, "
          f"{len(catalog)} catalog claims (stages ok: {result.success})")

    started = time.perf_counter()
    discovered, mentions = discover_claims(doc_sentences, story_of)
    _, catalog_mentions = match_catalog(catalog, doc_sentences, story_of)
    lexical = time.perf_counter() - started
    print(f"lexical engine alone: {lexical:.1f}s ({len(discovered)} claims, {len(mentions)} + "
          f"{len(catalog_mentions)} catalog mentions)")
    cache: dict[str, bytes] = {}
    for label in ("cold cache", "warm cache"):
        embedder = Embedder(cache)
        started = time.perf_counter()
        claims, claim_mentions = paraphrase_claims(discovered, mentions, doc_sentences, story_of, outlet_of, embedder)
        semantic_catalog = semantic_catalog_mentions(catalog, catalog_mentions, doc_sentences, embedder)
        semantic = time.perf_counter() - started
        print(f"+ semantic pass, {label}: {semantic:.1f}s more ({len(embedder.new)} texts embedded; "
              f"{len(claims)} claims, {len(claim_mentions)} + {len(semantic_catalog)} catalog mentions)")
        cache = {row.text_key: row.embedding for row in embedder.new_rows()}
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
