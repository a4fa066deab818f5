"""Stories: documents about one event share a story (orchestration.core.claims.stories)."""
import dagster as dg

from orchestration.assets.common import stage_asset, stage_version
from orchestration.assets.corpus import GROUP, STORIES_STAGE, planned_work, unchanged, written
from orchestration.core.claims.stories import assign_stories
from orchestration.core.claims.text_reuse import reach_keys
from orchestration.core.types import StoryRow
from orchestration.corpus_ledger import write_corpus_rows
from orchestration.corpus_reads import corpus_document_ids, reach_inputs, read_body_counts
from orchestration.gc_pause import without_cyclic_gc
from orchestration.resources import WarehouseResource
from orchestration.token_store import store_body_terms, store_tokens
from orchestration.warehouse import read_records


@stage_asset(
    "stories", GROUP, "Documents about one event share a story: body TF-IDF and shared sentences (raw.sentences).",
    deps=("sentences", "documents"), metadata={"reads_previous": "raw.stories"},
)
@without_cyclic_gc
def stories(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as conn:
        wanted, plan, rebuild = planned_work(conn, STORIES_STAGE, ["stories"], stage_version(context))
        if not plan.touched:
            return unchanged(conn, "stories", plan, wanted)
        # every body's token counts (a new document may join any story, and body weights are
        # the corpus'), read back as numbers from the token store: the bodies stay in DuckDB
        # but those never counted. The sentences of the new documents and those they reach, the
        # rest counted in DuckDB.
        bodies, new_body_terms = read_body_counts(conn, corpus_document_ids(conn))
        previous = {} if rebuild else {r.document_id: r.story_id for r in read_records(conn, "stories")}
        doc_sentences, corpus, _ = reach_inputs(conn, None if rebuild else set(bodies.document_ids) - set(previous),
                                                 reach_keys)
    assigned = assign_stories(bodies, doc_sentences, previous=previous, corpus=corpus)
    # previous documents keep their story: only the documents processed get rows written
    rows = [StoryRow(d, assigned[d]) for d in sorted(plan.todo) if d in assigned]
    with warehouse.connect() as conn:
        count = write_corpus_rows(conn, plan, {"stories": rows}, rebuild)["stories"]
        tokenised = store_tokens(conn) + store_body_terms(conn, new_body_terms)
    return written("stories", count, plan, wanted, stories=len(set(assigned.values())), texts_tokenised=tokenised,
                   stories_assigned=len({s for d, s in assigned.items() if d in plan.todo}),
                   sentences_read=sum(len(sentences) for sentences in doc_sentences.values()))
