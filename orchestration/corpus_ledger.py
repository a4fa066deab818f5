"""Which documents the corpus stages (stories, claims, claim mentions, text reuse) have to look at.

The corpus stages are not per document: a story, a claim or a reuse pair spans documents. They are
still driven by the document ledger (pipeline.processed, orchestration/incremental.py): a
document's corpus input key hashes the stage's code version with the document's clean and
sentences keys (its body, published_at and sentences), and each corpus stage records the keys it
last worked from under its own stage name. So
- when no key changed, the stage does no work at all (no sentence is read);
- otherwise the documents whose key changed or that left are what the stage re-judges: stories
  for the new documents, claim discovery for the stories those documents are in, stance for the
  documents whose mentions changed, text reuse for the pairs with a changed document.
The rows and the ledger keys are written in one transaction (write_document_rows), so a run that
dies half-way leaves the previous rows and keys.
"""
from __future__ import annotations

from collections.abc import Mapping

import duckdb

from orchestration.assets.quarantine import quarantined_document_ids
from orchestration.incremental import combined_keys, recorded_keys, version_key
from orchestration.warehouse import RAW_SCHEMA, table_exists

# The document stages whose output the corpus stages read: clean (bodies, published_at) and
# sentences. A document quarantined before claims is not in the corpus.
CORPUS_INPUTS = ("clean", "sentences")
CORPUS_FIRST_STAGE = "claims"


def corpus_keys(conn: duckdb.DuckDBPyConnection, stage_version: str,
                extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """document id -> the key of everything `stage_version`'s stage reads of that document
    (`extra`: one more input per document, e.g. its story or its mentions)."""
    excluded = quarantined_document_ids(conn, before_stage=CORPUS_FIRST_STAGE)
    keys = combined_keys(stage_version, *(recorded_keys(conn, stage) for stage in CORPUS_INPUTS),
                         excluded=excluded)
    if extra is not None:
        keys = {doc: version_key(key, extra.get(doc)) for doc, key in keys.items()}
    return keys


def keys_digest(wanted: Mapping[str, str]) -> str:
    """One value for the whole key map: the asset's data version (the same inputs, the same
    version, so Dagster does not show downstream assets stale after a run that changed nothing)."""
    return version_key("corpus", *(f"{doc}={key}" for doc, key in sorted(wanted.items())))


def mention_digests(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """document id -> digest of the claim sentences of the document and the text of their claims:
    what stance labelling reads besides the document itself."""
    if not (table_exists(conn, "claim_sentences") and table_exists(conn, "claims")):
        return {}
    rows = conn.execute(f"""
        SELECT s.document_id,
               md5(string_agg(s.claim_id || '|' || s.sentence_seq || '|' || s.similarity || '|'
                              || coalesce(c.claim_text, ''), chr(10)
                              ORDER BY s.claim_id, s.sentence_seq))
        FROM {RAW_SCHEMA}.claim_sentences s
        LEFT JOIN (SELECT claim_id, any_value(claim_text) AS claim_text FROM {RAW_SCHEMA}.claims
                   GROUP BY claim_id) c USING (claim_id)
        GROUP BY s.document_id
    """).fetchall()
    return dict(rows)


def row_count(conn: duckdb.DuckDBPyConnection, table: str) -> int:
    if not table_exists(conn, table):
        return 0
    return conn.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{table}").fetchone()[0]
