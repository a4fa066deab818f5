"""Stories, claims, claim mentions and text reuse: four stages, each its own asset.

Thin wrappers over orchestration.core: stories group documents about one event, the claim engine
groups sentences of different documents stating the same proposition (and matches the analyst
catalog with the same similarity), the stance classifier labels every mention, and text reuse
pairs documents that repeat each other's sentences.

Stories and claims read their own previous output (raw.stories, raw.claims) so ids stay when
dumps arrive. Dagster draws a dependency of an asset on itself only between partitions; the read
is declared in each asset's metadata (`reads_previous`) until the stages are partitioned.
"""

import dagster as dg

from orchestration.versions import code_version
from orchestration.assets.common import STAGE_KINDS, counts, raw_key, stage_asset, with_progress, write_stage
from orchestration.assets.quarantine import (
    log_quarantine, quarantine_metadata, quarantined_document_ids, write_stage_quarantine,
)
from orchestration.core.claims.catalog import load_catalog
from orchestration.core.claims.discovery import discover_claims, match_catalog
from orchestration.core.claims.semantic import (
    MODEL_NAME, Embedder, cross_language_mentions, model_files, paraphrase_claims, semantic_catalog_mentions,
)
from orchestration.core.language.detect import process_detector
from orchestration.core.stance.attribution import quote_contexts
from orchestration.core.stance.classify import classify_stance, load_model
from orchestration.core.claims.stories import assign_stories
from orchestration.core.claims.text_reuse import text_reuse
from orchestration.core.quarantine import ConfigError, isolate
from orchestration.core.types import ClaimMentionRow, ClaimSentenceRow, Sentence, StoryRow
from orchestration.resources import DUCKDB_POOL, LandingResource, ReferenceDataResource, WarehouseResource
from orchestration.warehouse import append_raw_rows, read_records, table_exists

GROUP = "claims"
ACCEPTED = "quarantine_reason IS NULL"


def read_sentences(conn) -> dict[str, list[Sentence]]:
    """raw.sentences as each document's sentences, in order; documents an earlier stage
    quarantined are left out."""
    excluded = quarantined_document_ids(conn, before_stage="claims")
    by_document: dict[str, list[Sentence]] = {}
    for row in read_records(conn, "sentences", order_by="document_id, sentence_seq"):
        if row.document_id not in excluded:
            by_document.setdefault(row.document_id, []).append(row.sentence())
    return by_document


def read_documents(conn, doc_ids) -> dict:
    """document_id -> raw.documents record, for the documents that have sentences."""
    return {d.document_id: d for d in read_records(conn, "documents", where=ACCEPTED) if d.document_id in doc_ids}


@stage_asset(
    "stories", GROUP, "Documents about one event share a story: body TF-IDF and shared sentences (raw.sentences).",
    deps=("sentences", "documents"), metadata={"reads_previous": "raw.stories"},
)
def stories(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as conn:
        doc_sentences = read_sentences(conn)
        documents = read_documents(conn, doc_sentences.keys())
        previous = {r.document_id: r.story_id for r in read_records(conn, "stories")}
    bodies = {d: doc.body_text for d, doc in documents.items()}
    assigned = assign_stories(bodies, doc_sentences, previous=previous)
    rows = [StoryRow(d, s) for d, s in sorted(assigned.items())]
    return write_stage(warehouse, "stories", rows, stories=len(set(assigned.values())))


def read_embeddings(conn) -> dict[str, bytes]:
    """The embedding cache: text key -> vector, for the model in use."""
    if not table_exists(conn, "sentence_embeddings"):
        return {}
    return dict(conn.execute("SELECT text_key, embedding FROM raw.sentence_embeddings WHERE model = ?",
                             [MODEL_NAME]).fetchall())


@dg.multi_asset(
    code_version=code_version(__name__, model_files()),
    name="claims",
    specs=[
        dg.AssetSpec(raw_key("claims"), group_name=GROUP, kinds=STAGE_KINDS,
                     deps=[raw_key("sentences"), raw_key("stories")], metadata={"reads_previous": "raw.claims"},
                     description="Claims discovered across the documents of a story, and the analyst catalog's."),
        dg.AssetSpec(raw_key("claim_sentences"), group_name=GROUP, kinds=STAGE_KINDS, deps=[raw_key("sentences")],
                     description="The sentences stating each claim, with their similarity to it."),
        dg.AssetSpec(raw_key("sentence_embeddings"), group_name=GROUP, kinds=STAGE_KINDS, deps=[raw_key("sentences")],
                     description="Embeddings of the sentences the semantic matcher compared, by text hash "
                                 "(append-only: a text is embedded once)."),
    ],
    pool=DUCKDB_POOL,
)
def claims(context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource,
           reference: ReferenceDataResource):
    with warehouse.connect(read_only=True) as conn:
        doc_sentences = read_sentences(conn)
        story_of = {r.document_id: r.story_id for r in read_records(conn, "stories")}
        existing = read_records(conn, "claims", where="origin = 'discovered'")
        outlet_of = dict(conn.execute("SELECT document_id, outlet_id FROM raw.document_outlets").fetchall())
        embedder = Embedder(read_embeddings(conn))
        sentence_language = {(d, seq): language for d, seq, language in conn.execute(
            "SELECT document_id, sentence_seq, language FROM raw.sentences").fetchall()}
    discovered, discovered_sentences = discover_claims(doc_sentences, story_of, existing=existing)
    semantic = reference.semantic_matcher
    if semantic:
        # paraphrases: the lexical claims of multi-outlet stories, gathered by sentence embeddings
        discovered, discovered_sentences = paraphrase_claims(discovered, discovered_sentences, doc_sentences,
                                                             story_of, outlet_of, embedder,
                                                             seen=[c.claim_id for c in existing])
    else:
        context.log.info("semantic matcher off (CLAIMGRID_SEMANTIC_MATCHER=off): lexical matches only")
    try:
        catalog = load_catalog(landing.claim_catalog)      # bad rows were reported at ingest
    except ConfigError as error:
        raise dg.Failure(description=f"configuration: {error}") from error
    catalog_claims, catalog_sentences = match_catalog(catalog, doc_sentences, story_of) if catalog else ([], [])
    all_claims = discovered + catalog_claims
    all_mentions = discovered_sentences + catalog_sentences
    if semantic:
        all_mentions = discovered_sentences + semantic_catalog_mentions(catalog, catalog_sentences, doc_sentences,
                                                                        embedder)
        # sentences in another language than a claim: matched to the claim they translate
        all_mentions = cross_language_mentions(all_claims, all_mentions, doc_sentences, sentence_language,
                                               lambda text: process_detector().detect(text).language, embedder)
    claim_sentences = [ClaimSentenceRow.of(m) for m in all_mentions]
    kept_ids = len({c.claim_id for c in existing} & {c.claim_id for c in discovered})
    yield write_stage(warehouse, "claims", all_claims, asset=True, origins=counts(c.origin for c in all_claims),
                      claim_ids_kept_from_previous_run=kept_ids, catalog_claims_loaded=len(catalog))
    yield write_stage(warehouse, "claim_sentences", claim_sentences, asset=True)
    new_embeddings = embedder.new_rows()
    with warehouse.connect() as conn:
        append_raw_rows(conn, "sentence_embeddings", new_embeddings)
        cached = conn.execute("SELECT count(*) FROM raw.sentence_embeddings").fetchone()[0]
    yield dg.MaterializeResult(asset_key=raw_key("sentence_embeddings"),
                               metadata={"dagster/row_count": cached, "embedded_this_run": len(new_embeddings),
                                         "model": MODEL_NAME, "semantic_matcher": "on" if semantic else "off",
                                         "texts_the_model_could_not_encode": len(embedder.failed)})


@stage_asset(
    "claim_mentions", GROUP, "Every sentence stating a claim, with its stance toward the claim and the source it names.",
    deps=("claims", "claim_sentences", "sentences", "documents"),
)
def claim_mentions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, reference: ReferenceDataResource
) -> dg.MaterializeResult:
    model = load_model(reference.stance_model)
    with warehouse.connect(read_only=True) as conn:
        doc_sentences = read_sentences(conn)
        documents = read_documents(conn, doc_sentences.keys())
        claim_text = {c.claim_id: c.claim_text for c in read_records(conn, "claims")}
        claim_sentences = read_records(conn, "claim_sentences", order_by="claim_id, document_id, sentence_seq")
    sentence_at = {(d, s.seq): s for d, sentences in doc_sentences.items() for s in sentences}
    # Stance needs the quotation each sentence sits in, computed once per document; a document
    # this (or the stance of one of its sentences) fails on is quarantined as a whole.
    prepared = isolate(
        sorted(doc_sentences.items()),
        # quotations run through the body only: the title stands apart from it
        lambda item: (item[0], quote_contexts([s for s in item[1] if s.section == "body"],
                                              documents[item[0]].body_text if item[0] in documents else None)),
        "claims", document_id=lambda item: item[0])
    contexts = dict(prepared.results)

    def label(mention) -> ClaimMentionRow:
        sentence = sentence_at[(mention.document_id, mention.sentence_seq)]
        stance = classify_stance(
            sentence.text,
            claim_text=claim_text.get(mention.claim_id),
            quote_context=contexts[mention.document_id].get(mention.sentence_seq),
            model=model, use_model=model is not None,
        )
        return ClaimMentionRow(
            claim_id=mention.claim_id, document_id=mention.document_id, sentence_seq=mention.sentence_seq,
            similarity=mention.similarity, stance=stance.stance, attributed_to=stance.attributed_to,
            stance_cue=stance.cue, cross_language=mention.cross_language,
        )

    labelled = isolate(with_progress(context, [m for m in claim_sentences if m.document_id in contexts],
                                     "stance-labelled mentions"),
                       label, "claims", document_id=lambda mention: mention.document_id)
    quarantined = prepared.quarantined + labelled.quarantined
    out = prepared.quarantined_ids | labelled.quarantined_ids
    rows = [r for r in labelled.results if r.document_id not in out]
    with warehouse.connect() as conn:
        write_stage_quarantine(conn, "claims", quarantined, context.run.run_id)
    log_quarantine(context, "claims", quarantined)
    return write_stage(warehouse, "claim_mentions", rows, stances=counts(r.stance for r in rows),
                       **quarantine_metadata(quarantined))


@stage_asset(
    "text_reuse", GROUP, "Documents that repeat sentences of an earlier document, with the share they repeat.",
    deps=("sentences", "documents"),
)
def text_reuse_pairs(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as conn:
        doc_sentences = read_sentences(conn)
        documents = read_documents(conn, doc_sentences.keys())
    published_at = {d: doc.published_at for d, doc in documents.items()}
    return write_stage(warehouse, "text_reuse", text_reuse(doc_sentences, published_at))
