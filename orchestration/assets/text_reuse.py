"""Text reuse: documents that repeat sentences of an earlier one (orchestration.core.claims.text_reuse)."""
import dagster as dg

from orchestration.assets.common import stage_asset, stage_version
from orchestration.assets.corpus import GROUP, REUSE_STAGE, planned_work, unchanged, written
from orchestration.core.claims.text_reuse import reach_keys, text_reuse
from orchestration.corpus_ledger import TOUCHED_IDS_VIEW, write_corpus_rows
from orchestration.corpus_reads import ACCEPTED, READ_IDS, reach_inputs
from orchestration.gc_pause import without_cyclic_gc
from orchestration.incremental import register_ids
from orchestration.resources import WarehouseResource
from orchestration.token_store import store_tokens
from orchestration.warehouse import RAW_SCHEMA


@stage_asset(
    "text_reuse", GROUP, "Documents that repeat sentences of an earlier document, with the share they repeat.",
    deps=("sentences", "documents"),
)
@without_cyclic_gc
def text_reuse_pairs(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as conn:
        wanted, plan, rebuild = planned_work(conn, REUSE_STAGE, ["text_reuse"], stage_version(context))
        if not plan.touched:
            return unchanged(conn, "text_reuse", plan, wanted)
        focus = None if rebuild else set(plan.todo)
        doc_sentences, corpus, counts = reach_inputs(conn, focus, reach_keys)
        ids = register_ids(conn, doc_sentences.keys(), READ_IDS)
        published_at = dict(conn.execute(
            f"SELECT document_id, published_at FROM {RAW_SCHEMA}.documents "
            f"WHERE {ACCEPTED} AND document_id IN (SELECT document_id FROM {ids})").fetchall())
    rows = text_reuse(doc_sentences, published_at, focus=focus, corpus=corpus, sentence_counts=counts)
    with warehouse.connect() as conn:
        tokenised = store_tokens(conn)
        count = write_corpus_rows(conn, plan, {"text_reuse": rows}, rebuild, scopes={"text_reuse": (
            f"document_id IN (SELECT document_id FROM {TOUCHED_IDS_VIEW}) "
            f"OR source_document_id IN (SELECT document_id FROM {TOUCHED_IDS_VIEW})")})["text_reuse"]
    return written("text_reuse", count, plan, wanted, pairs_written=len(rows), texts_tokenised=tokenised,
                   sentences_read=sum(len(sentences) for sentences in doc_sentences.values()))
