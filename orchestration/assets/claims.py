"""Stories, claims, claim mentions and text reuse: four stages, each its own asset.

Thin wrappers over orchestration.core: stories group documents about one event, the claim engine
groups sentences of different documents stating the same proposition (and matches the analyst
catalog with the same similarity), the stance classifier labels every mention, and text reuse
pairs documents that repeat each other's sentences.

Stories and claims read their own previous output (raw.stories, raw.claims) so ids stay when
dumps arrive. Dagster draws a dependency of an asset on itself only between partitions; the read
is declared in each asset's metadata (`reads_previous`) until the stages are partitioned.
"""

from collections import Counter

import dagster as dg

from orchestration.assets.common import raw_key, with_progress
from orchestration.core.claims.catalog import load_catalog
from orchestration.core.claims.discovery import discover_claims, match_catalog
from orchestration.core.stance.attribution import quote_contexts
from orchestration.core.stance.classify import classify_stance, load_model
from orchestration.core.claims.stories import assign_stories
from orchestration.core.claims.text_reuse import text_reuse
from orchestration.core.types import ClaimMentionRow, ClaimSentenceRow, Sentence, StoryRow
from orchestration.resources import DUCKDB_POOL, LandingResource, ReferenceDataResource, WarehouseResource
from orchestration.warehouse import read_records, replace_raw_table
from orchestration.versions import code_version

# one version for the module's assets: the code and data of every stage it holds
VERSION = code_version(__name__)

GROUP = "claims"
KINDS = {"python", "duckdb"}
ACCEPTED = "quarantine_reason IS NULL"


def read_sentences(conn) -> dict[str, list[Sentence]]:
    """raw.sentences as each document's sentences, in order."""
    by_document: dict[str, list[Sentence]] = {}
    for row in read_records(conn, "sentences", order_by="document_id, sentence_seq"):
        by_document.setdefault(row.document_id, []).append(row.sentence())
    return by_document


def read_documents(conn, doc_ids) -> dict:
    """document_id -> raw.documents record, for the documents that have sentences."""
    return {d.document_id: d for d in read_records(conn, "documents", where=ACCEPTED) if d.document_id in doc_ids}


@dg.asset(
    code_version=VERSION,
    key=raw_key("stories"),
    group_name=GROUP,
    deps=[raw_key("sentences"), raw_key("documents")],
    pool=DUCKDB_POOL,
    kinds=KINDS,
    metadata={"reads_previous": "raw.stories"},
    description="Documents about one event share a story: body TF-IDF and shared sentences (raw.sentences).",
)
def stories(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as conn:
        doc_sentences = read_sentences(conn)
        documents = read_documents(conn, doc_sentences.keys())
        previous = {r.document_id: r.story_id for r in read_records(conn, "stories")}
    bodies = {d: doc.body_text for d, doc in documents.items()}
    assigned = assign_stories(bodies, doc_sentences, previous=previous)
    rows = [StoryRow(d, s) for d, s in sorted(assigned.items())]
    with warehouse.connect() as conn:
        count = replace_raw_table(conn, "stories", rows)
    return dg.MaterializeResult(metadata={"dagster/row_count": count, "stories": len(set(assigned.values()))})


@dg.multi_asset(
    code_version=VERSION,
    name="claims",
    specs=[
        dg.AssetSpec(raw_key("claims"), group_name=GROUP, kinds=KINDS,
                     deps=[raw_key("sentences"), raw_key("stories")], metadata={"reads_previous": "raw.claims"},
                     description="Claims discovered across the documents of a story, and the analyst catalog's."),
        dg.AssetSpec(raw_key("claim_sentences"), group_name=GROUP, kinds=KINDS, deps=[raw_key("sentences")],
                     description="The sentences stating each claim, with their similarity to it."),
    ],
    pool=DUCKDB_POOL,
)
def claims(context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource):
    with warehouse.connect(read_only=True) as conn:
        doc_sentences = read_sentences(conn)
        story_of = {r.document_id: r.story_id for r in read_records(conn, "stories")}
        existing = read_records(conn, "claims", where="origin = 'discovered'")
    discovered, discovered_sentences = discover_claims(doc_sentences, story_of, existing=existing)
    catalog = load_catalog(landing.claim_catalog)
    catalog_claims, catalog_sentences = match_catalog(catalog, doc_sentences, story_of) if catalog else ([], [])
    all_claims = discovered + catalog_claims
    claim_sentences = [ClaimSentenceRow.of(m) for m in discovered_sentences + catalog_sentences]
    with warehouse.connect() as conn:
        claim_count = replace_raw_table(conn, "claims", all_claims)
        sentence_count = replace_raw_table(conn, "claim_sentences", claim_sentences)
    kept_ids = len({c.claim_id for c in existing} & {c.claim_id for c in discovered})
    yield dg.MaterializeResult(asset_key=raw_key("claims"), metadata={
        "dagster/row_count": claim_count,
        "origins": dg.MetadataValue.json(dict(Counter(c.origin for c in all_claims))),
        "claim_ids_kept_from_previous_run": kept_ids,
        "catalog_claims_loaded": len(catalog),
    })
    yield dg.MaterializeResult(asset_key=raw_key("claim_sentences"), metadata={"dagster/row_count": sentence_count})


@dg.asset(
    code_version=VERSION,
    key=raw_key("claim_mentions"),
    group_name=GROUP,
    deps=[raw_key("claims"), raw_key("claim_sentences"), raw_key("sentences"), raw_key("documents")],
    pool=DUCKDB_POOL,
    kinds=KINDS,
    description="Every sentence stating a claim, with its stance toward the claim and the source it names.",
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
    # Stance needs the quotation each sentence sits in, computed once per document.
    contexts = {d: quote_contexts(sentences, documents[d].body_text if d in documents else None)
                for d, sentences in doc_sentences.items()}
    rows = []
    for mention in with_progress(context, claim_sentences, "stance-labelled mentions"):
        sentence = sentence_at[(mention.document_id, mention.sentence_seq)]
        stance = classify_stance(
            sentence.text,
            claim_text=claim_text.get(mention.claim_id),
            quote_context=contexts[mention.document_id].get(mention.sentence_seq),
            model=model, use_model=model is not None,
        )
        rows.append(ClaimMentionRow(
            claim_id=mention.claim_id, document_id=mention.document_id, sentence_seq=mention.sentence_seq,
            similarity=mention.similarity, stance=stance.stance, attributed_to=stance.attributed_to,
            stance_cue=stance.cue,
        ))
    with warehouse.connect() as conn:
        count = replace_raw_table(conn, "claim_mentions", rows)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": count,
        "stances": dg.MetadataValue.json(dict(Counter(r.stance for r in rows))),
    })


@dg.asset(
    code_version=VERSION,
    key=raw_key("text_reuse"),
    group_name=GROUP,
    deps=[raw_key("sentences"), raw_key("documents")],
    pool=DUCKDB_POOL,
    kinds=KINDS,
    description="Documents that repeat sentences of an earlier document, with the share they repeat.",
)
def text_reuse_pairs(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as conn:
        doc_sentences = read_sentences(conn)
        documents = read_documents(conn, doc_sentences.keys())
    published_at = {d: doc.published_at for d, doc in documents.items()}
    rows = text_reuse(doc_sentences, published_at)
    with warehouse.connect() as conn:
        count = replace_raw_table(conn, "text_reuse", rows)
    return dg.MaterializeResult(metadata={"dagster/row_count": count})
