"""Claims: stories, discovered and catalog claims, their mentions with stance, and text reuse.

A thin wrapper over orchestration.core: stories group documents about one event, the claim
engine groups sentences of different documents stating the same proposition (and matches the
analyst catalog with the same similarity), the stance classifier labels every mention. Ids
already in the warehouse are passed back in so stories and claims keep them when dumps arrive.
"""

from collections import Counter

import dagster as dg

from orchestration.assets.common import raw_key, raw_specs, with_progress
from orchestration.assets.quarantine import (
    log_quarantine, quarantine_metadata, quarantined_document_ids, write_stage_quarantine,
)
from orchestration.core.manifest import ConfigError, check_catalog
from orchestration.core.quarantine import isolate
from orchestration.core.claims import discover_claims, match_catalog
from orchestration.core.stance import classify_stance, quote_contexts
from orchestration.core.stories import assign_stories
from orchestration.core.text_reuse import text_reuse
from orchestration.core.types import CatalogClaim, ClaimRecord, Sentence
from orchestration.resources import DUCKDB_POOL, LandingResource, WarehouseResource
from orchestration.warehouse import read_table, replace_raw_table

CLAIM_TABLES = ("stories", "claims", "claim_mentions", "text_reuse")


def load_catalog(path: str | None) -> list[CatalogClaim]:
    """The analyst claim list (CSV claim_id,claim_text[,story_hint]), its unusable rows left
    out (ingest reported them when the run started); absent means none."""
    try:
        return check_catalog(path).claims
    except ConfigError as error:
        raise dg.Failure(description=f"configuration: {error}") from error


def sentences_by_document(frame) -> dict[str, list[Sentence]]:
    by_document: dict[str, list[Sentence]] = {}
    for row in frame.sort_values(["document_id", "sentence_seq"]).itertuples(index=False):
        by_document.setdefault(row.document_id, []).append(
            Sentence(seq=int(row.sentence_seq), start=int(row.start_char), end=int(row.end_char),
                     text=row.text, continues_quote=bool(row.continues_quote))
        )
    return by_document


@dg.multi_asset(
    name="claims",
    specs=raw_specs(CLAIM_TABLES, "claims", [raw_key("sentences"), raw_key("documents"), raw_key("document_outlets")], "Claims"),
    pool=DUCKDB_POOL,
    description=(
        "Stories by document similarity; claims discovered across documents of a story (and "
        "catalog claims matched by the same engine); a stance and source for every mention."
    ),
)
def claims(context: dg.AssetExecutionContext, warehouse: WarehouseResource, landing: LandingResource):
    with warehouse.connect(read_only=True) as conn:
        excluded = quarantined_document_ids(conn, before_stage="claims")
        sentence_frame = read_table(conn, "sentences")
        documents = conn.execute("SELECT document_id, body_text, published_at FROM raw.documents").fetchall()
        previous_stories = read_table(conn, "stories")
        previous_claims = read_table(conn, "claims")
    doc_sentences = {d: s for d, s in sentences_by_document(sentence_frame).items() if d not in excluded}
    bodies = {d: body for d, body, _ in documents if d in doc_sentences}
    published_at = {d: published for d, _, published in documents if d in doc_sentences}

    # The per-document part (quotation context for stance) runs isolated, before claims are
    # grouped: a document it fails on is quarantined and takes no part in any claim.
    prepared = isolate(sorted(doc_sentences.items()), lambda item: (item[0], quote_contexts(item[1], bodies.get(item[0]))),
                       "claims", document_id=lambda item: item[0])
    quarantined = list(prepared.quarantined)
    contexts = dict(prepared.results)
    doc_sentences = {d: s for d, s in doc_sentences.items() if d in contexts}

    stories = assign_stories(bodies, previous=dict(zip(previous_stories.document_id, previous_stories.story_id)))
    existing = [
        ClaimRecord(claim_id=r.claim_id, story_id=r.story_id, claim_text=r.claim_text, origin=r.origin)
        for r in previous_claims.itertuples(index=False)
        if r.origin == "discovered"
    ]
    discovered, discovered_mentions = discover_claims(doc_sentences, stories, existing=existing)
    catalog = load_catalog(landing.claim_catalog)
    catalog_claims, catalog_mentions = match_catalog(catalog, doc_sentences, stories) if catalog else ([], [])
    all_claims = discovered + catalog_claims
    claim_text = {c.claim_id: c.claim_text for c in all_claims}

    sentence_at = {(d, s.seq): s for d, sentences in doc_sentences.items() for s in sentences}

    def label(mention) -> dict:
        sentence = sentence_at[(mention.document_id, mention.sentence_seq)]
        stance = classify_stance(
            sentence.text,
            claim_text=claim_text.get(mention.claim_id),
            quote_context=contexts[mention.document_id].get(mention.sentence_seq),
        )
        return {
            "claim_id": mention.claim_id, "document_id": mention.document_id,
            "sentence_seq": mention.sentence_seq, "similarity": round(float(mention.similarity), 6),
            "stance": stance.stance, "attributed_to": stance.attributed_to, "stance_cue": stance.cue,
        }

    labelled = isolate(with_progress(context, discovered_mentions + catalog_mentions, "stance-labelled mentions"),
                       label, "claims", document_id=lambda mention: mention.document_id)
    quarantined.extend(labelled.quarantined)
    # a document whose stance failed on one mention is out as a whole, not half in the grid
    mention_rows = [r for r in labelled.results if r["document_id"] not in labelled.quarantined_ids]

    reuse = text_reuse(doc_sentences, published_at)
    rows = {
        "stories": [{"document_id": d, "story_id": s} for d, s in sorted(stories.items())],
        "claims": [
            {"claim_id": c.claim_id, "story_id": c.story_id, "claim_text": c.claim_text, "origin": c.origin}
            for c in all_claims
        ],
        "claim_mentions": mention_rows,
        "text_reuse": [
            {"document_id": r.document_id, "source_document_id": r.source_document_id,
             "shared_sentences": r.shared_sentences, "reused_share": r.reused_share}
            for r in reuse
        ],
    }
    with warehouse.connect() as conn:
        counts = {table: replace_raw_table(conn, table, rows[table]) for table in CLAIM_TABLES}
        write_stage_quarantine(conn, "claims", quarantined, context.run.run_id)
    log_quarantine(context, "claims", quarantined)

    kept_ids = len({c.claim_id for c in existing} & {c.claim_id for c in discovered})
    extra = {
        "stories": {"stories": len(set(stories.values()))},
        "claims": {
            "origins": dg.MetadataValue.json(dict(Counter(c.origin for c in all_claims))),
            "claim_ids_kept_from_previous_run": kept_ids,
            "catalog_claims_loaded": len(catalog),
        },
        "claim_mentions": {"stances": dg.MetadataValue.json(dict(Counter(r["stance"] for r in mention_rows))),
                           **quarantine_metadata(quarantined)},
        "text_reuse": {},
    }
    for table in CLAIM_TABLES:
        yield dg.MaterializeResult(asset_key=raw_key(table), metadata={"dagster/row_count": counts[table], **extra[table]})
