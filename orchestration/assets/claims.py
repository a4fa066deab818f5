"""Claims: stories, discovered and catalog claims, their mentions with stance, and text reuse.

A thin wrapper over orchestration.core: stories group documents about one event, the claim
engine groups sentences of different documents stating the same proposition (and matches the
analyst catalog with the same similarity), the stance classifier labels every mention. Ids
already in the warehouse are passed back in so stories and claims keep them when dumps arrive.
"""

import csv
from collections import Counter
from pathlib import Path

import dagster as dg

from orchestration.assets.common import raw_key, raw_specs, with_progress
from orchestration.core.claims import discover_claims, match_catalog
from orchestration.core.stance import classify_stance, quote_contexts
from orchestration.core.stories import assign_stories
from orchestration.core.text_reuse import text_reuse
from orchestration.core.types import CatalogClaim, ClaimMentionRow, ClaimRecord, Sentence, StoryRow
from orchestration.resources import DUCKDB_POOL, LandingResource, WarehouseResource
from orchestration.warehouse import read_table, replace_raw_table

CLAIM_TABLES = ("stories", "claims", "claim_mentions", "text_reuse")


def load_catalog(path: str | None) -> list[CatalogClaim]:
    """The analyst claim list: CSV with claim_id,claim_text[,story_hint]; absent means none."""
    if not path:
        return []
    catalog_path = Path(path)
    if not catalog_path.exists():
        raise FileNotFoundError(f"CLAIMGRID_CLAIM_CATALOG points to a missing file: {catalog_path}")
    with open(catalog_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"claim_id", "claim_text"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"claim catalog {catalog_path} lacks columns {sorted(missing)}")
        return [
            CatalogClaim(
                claim_id=row["claim_id"].strip(),
                claim_text=row["claim_text"].strip(),
                story_hint=(row.get("story_hint") or "").strip() or None,
            )
            for row in reader
            if (row.get("claim_id") or "").strip() and (row.get("claim_text") or "").strip()
        ]


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
        sentence_frame = read_table(conn, "sentences")
        documents = read_table(conn, "documents")
        previous_stories = read_table(conn, "stories")
        previous_claims = read_table(conn, "claims")
    doc_sentences = sentences_by_document(sentence_frame)
    accepted = documents[documents["document_id"].isin(doc_sentences.keys())]
    bodies = dict(zip(accepted.document_id, accepted.body_text))
    published_at = {
        row.document_id: row.published_at if isinstance(row.published_at, str) else None
        for row in accepted.itertuples(index=False)
    }

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

    # Stance needs the quotation each sentence sits in, computed once per document.
    sentence_at = {(d, s.seq): s for d, sentences in doc_sentences.items() for s in sentences}
    contexts = {d: quote_contexts(sentences, bodies.get(d)) for d, sentences in doc_sentences.items()}
    mention_rows = []
    for mention in with_progress(context, discovered_mentions + catalog_mentions, "stance-labelled mentions"):
        sentence = sentence_at[(mention.document_id, mention.sentence_seq)]
        stance = classify_stance(
            sentence.text,
            claim_text=claim_text.get(mention.claim_id),
            quote_context=contexts[mention.document_id].get(mention.sentence_seq),
        )
        mention_rows.append(ClaimMentionRow(
            claim_id=mention.claim_id, document_id=mention.document_id, sentence_seq=mention.sentence_seq,
            similarity=round(float(mention.similarity), 6), stance=stance.stance,
            attributed_to=stance.attributed_to, stance_cue=stance.cue,
        ))

    reuse = text_reuse(doc_sentences, published_at)
    rows = {
        "stories": [StoryRow(d, s) for d, s in sorted(stories.items())],
        "claims": all_claims,
        "claim_mentions": mention_rows,
        "text_reuse": reuse,
    }
    with warehouse.connect() as conn:
        counts = {table: replace_raw_table(conn, table, rows[table]) for table in CLAIM_TABLES}

    kept_ids = len({c.claim_id for c in existing} & {c.claim_id for c in discovered})
    extra = {
        "stories": {"stories": len(set(stories.values()))},
        "claims": {
            "origins": dg.MetadataValue.json(dict(Counter(c.origin for c in all_claims))),
            "claim_ids_kept_from_previous_run": kept_ids,
            "catalog_claims_loaded": len(catalog),
        },
        "claim_mentions": {"stances": dg.MetadataValue.json(dict(Counter(r.stance for r in mention_rows)))},
        "text_reuse": {},
    }
    for table in CLAIM_TABLES:
        yield dg.MaterializeResult(asset_key=raw_key(table), metadata={"dagster/row_count": counts[table], **extra[table]})
