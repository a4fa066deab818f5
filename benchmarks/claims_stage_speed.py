"""The claims stage on ~900 generated documents against a ~900-claim analyst catalog: the
lexical engine, then the semantic pass (paraphrases, catalog tier, cross-language) with a warm
embedding cache, timed side by side in one process on the same sentences, in wall and CPU
seconds (on a shared machine the CPU seconds are what the code costs).

A warm cache is the steady state (a text is embedded once in the warehouse's life); its pass is
timed with stand-in vectors (seeded by the text's hash) so that the run does not first spend
minutes in the model: the pass's own cost, not its matches. The cold-cache cost is the model's:
the texts a cold cache embeds are counted, the model's rate is measured on --model-sample of
them, and the product is printed. --cold runs the real model on all of them instead.

    python benchmarks/claims_stage_speed.py [--size 900] [--claims 900] [--model-sample 200] [--cold]

Documents: benchmarks/corpus.py (real text only). Catalog: the Emergent claim headlines, then
Emergent article headlines, then the first sentence of each article_extraction ground-truth body,
up to --claims (real analyst-style claims; none written for this). The Python stages up to
sentences and stories run once through Dagster; the claim functions are then timed directly.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

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


class Clock:
    """Wall and CPU seconds since the last lap."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def seconds(self) -> tuple[float, float]:
        now_wall, now_cpu = time.perf_counter(), time.process_time()
        spent = (now_wall - self.wall, now_cpu - self.cpu)
        self.wall, self.cpu = now_wall, now_cpu
        return spent

    def lap(self) -> str:
        wall, cpu = self.seconds()
        return f"{wall:.1f}s wall, {cpu:.1f} CPU-s"


def _never(texts: list[str]) -> np.ndarray:
    raise AssertionError(f"a warm cache embedded {len(texts)} texts")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=900)
    parser.add_argument("--claims", type=int, default=900)
    parser.add_argument("--model-sample", type=int, default=200)
    parser.add_argument("--cold", action="store_true", help="embed every text with the real model (minutes)")
    args = parser.parse_args()
    if not (SHARED / "emergent_train").exists():
        print(f"{SHARED} absent: skipped")
        return 0
    import dagster as dg
    import duckdb

    from corpus import build_corpus, load_sources, write_landing
    from orchestration.corpus_reads import read_sentences
    from orchestration.core.claims.discovery import discover_claims, match_catalog
    from orchestration.core.claims.semantic import (
        DIMENSIONS, Embedder, cross_language_mentions, paraphrase_claims, semantic_catalog_mentions,
    )
    from orchestration.core.language.detect import process_detector
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
            sentence_language = {(d, seq): language for d, seq, language in conn.execute(
                "SELECT document_id, sentence_seq, language FROM raw.sentences").fetchall()}
        finally:
            conn.close()
    sentences = sum(len(s) for s in doc_sentences.values())
    print(f"{len(doc_sentences)} documents, {sentences} sentences, {len(set(story_of.values()))} stories, "
          f"{len(catalog)} catalog claims (stages ok: {result.success})")

    process_detector()      # the language profiles, loaded once per process (also by the language stage)
    clock = Clock()
    discovered, mentions = discover_claims(doc_sentences, story_of)
    catalog_claims, catalog_mentions = match_catalog(catalog, doc_sentences, story_of)
    print(f"lexical engine: {clock.lap()} ({len(discovered)} claims, {len(mentions)} + "
          f"{len(catalog_mentions)} catalog mentions)")

    def semantic_pass(embedder):
        claims, claim_mentions = paraphrase_claims(discovered, mentions, doc_sentences, story_of, outlet_of, embedder)
        all_mentions = claim_mentions + semantic_catalog_mentions(catalog, catalog_mentions, doc_sentences, embedder)
        return cross_language_mentions(claims + catalog_claims, all_mentions, doc_sentences, sentence_language,
                                       lambda text: process_detector().detect(text).language, embedder)

    to_embed: list[str] = []

    def stand_in(texts: list[str]) -> np.ndarray:
        to_embed.extend(texts)
        return np.stack([np.random.default_rng(int(hashlib.sha256(t.encode()).hexdigest()[:12], 16))
                         .standard_normal(DIMENSIONS) for t in texts]).astype(np.float32)

    counting = Embedder(encode_texts=stand_in)
    semantic_pass(counting)
    warm = Embedder({row.text_key: row.embedding for row in counting.new_rows()}, encode_texts=_never)
    clock.lap()
    semantic_pass(warm)
    print(f"+ semantic pass, warm cache (stand-in vectors): {clock.lap()}")
    if args.cold:
        clock.lap()
        semantic_pass(Embedder())
        print(f"+ semantic pass, cold cache (the real model on {len(to_embed)} texts): {clock.lap()}")
        return 0
    sample = to_embed[:: max(1, len(to_embed) // max(1, args.model_sample))][: args.model_sample]
    clock.lap()
    Embedder().encode(sample)
    wall, cpu = clock.seconds()
    print(f"model: {len(sample)} of the texts in {wall:.1f}s wall, {cpu:.1f} CPU-s "
          f"({len(sample) / cpu:.1f} texts per CPU-second); a cold cache embeds {len(to_embed)} texts: "
          f"~{len(to_embed) / len(sample) * cpu:.0f} CPU-s more")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
