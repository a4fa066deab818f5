"""Which documents the corpus stages (stories, claims, claim mentions, text reuse) have to look at.

The corpus stages are not per document: a story, a claim or a reuse pair spans documents. They are
still driven by the document ledger (pipeline.processed, the lake's ledger of every landing day,
orchestration/incremental.py): a document's corpus input key hashes the stage's code version with
the document's clean and sentences keys (its body, published_at and sentences), and each corpus
stage records the keys it last worked from under its own stage name in its own ledger,
pipeline.corpus_processed of the live warehouse (the corpus stages are not partitioned: their
tables, ledger and quarantine rows stay in DuckDB). So
- when no key changed, the stage does no work at all (no sentence is read);
- otherwise the documents whose key changed or that left are what the stage re-judges: stories
  for the new documents, claim discovery for the stories those documents are in, stance for the
  documents whose mentions changed, text reuse for the pairs with a changed document.
The rows, quarantine rows and ledger keys are written in one transaction (write_corpus_rows), so
a run that dies half-way leaves the previous rows and keys.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from itertools import islice

import duckdb
import pandas as pd

from orchestration.assets.quarantine import quarantined_document_ids
from orchestration.core.quarantine import QUARANTINE_IDENTITY, quarantine_rows
from orchestration.core.types import RAW_TABLES, QuarantineRecord, QuarantineRow
from orchestration.incremental import (
    StagePlan, full_plan, plan_stage, recorded_keys_sql, register_ids, tables_match, version_key,
    version_key_sql,
)
from orchestration.lake import CORPUS_QUARANTINE_TABLE, LEDGER_COLUMNS, LEDGER_SCHEMA
from orchestration.warehouse import RAW_SCHEMA, create_table_sql, frame_of, sql_string, table_columns, table_exists

# The document stages whose output the corpus stages read: clean (bodies, published_at) and
# sentences. A document quarantined before claims is not in the corpus.
CORPUS_INPUTS = ("clean", "sentences")
CORPUS_FIRST_STAGE = "claims"
CORPUS_LEDGER = "corpus_processed"
CORPUS_LEDGER_TABLE = f"{LEDGER_SCHEMA}.{CORPUS_LEDGER}"
# the touched documents' ids inside write_corpus_rows, for its `scopes`
TOUCHED_IDS_VIEW = "corpus_touched_ids"
# corpus_keys' relations: the documents quarantined before the corpus, each document's extra input
EXCLUDED_IDS_VIEW = "corpus_excluded_ids"
EXTRA_VIEW = "corpus_extra_inputs"
ROWS_PER_INSERT = 100_000


def corpus_keys(conn: duckdb.DuckDBPyConnection, stage_version: str,
                extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """document id -> the key of everything `stage_version`'s stage reads of that document
    (`extra`: one more input per document, e.g. its story or its mentions): version_key of the
    version and the clean and sentences keys, then of that and `extra`. Hashed in DuckDB: in
    Python the four corpus stages spent 2.1 s of a run with nothing new at 100k dumps on it."""
    inputs = [recorded_keys_sql(conn, stage) for stage in CORPUS_INPUTS]
    if any(query is None for query in inputs):
        return {}
    excluded = register_ids(conn, quarantined_document_ids(conn, before_stage=CORPUS_FIRST_STAGE), EXCLUDED_IDS_VIEW)
    names = [f"input_{i}" for i in range(len(inputs))]
    joined = " JOIN ".join(f"({query}) {name}" + (" USING (document_id)" if i else "")
                           for i, (name, query) in enumerate(zip(names, inputs)))
    key = version_key_sql(sql_string(stage_version), *(f"{name}.key" for name in names))
    query = f"SELECT document_id, {key} AS key FROM {joined} WHERE document_id NOT IN (SELECT document_id FROM {excluded})"
    try:
        if extra is None:
            return dict(conn.execute(query).fetchall())
        conn.register(EXTRA_VIEW, pd.DataFrame({"document_id": pd.Series(list(extra), dtype="object"),
                                                "extra": pd.Series(list(extra.values()), dtype="object")}))
        return dict(conn.execute(f"SELECT k.document_id, {version_key_sql('k.key', 'x.extra')} "
                                 f"FROM ({query}) k LEFT JOIN {EXTRA_VIEW} x USING (document_id)").fetchall())
    finally:
        conn.unregister(excluded)
        if extra is not None:
            conn.unregister(EXTRA_VIEW)


def keys_digest(wanted: Mapping[str, str]) -> str:
    """One value for the whole key map: the asset's data version (the same inputs, the same
    version, so Dagster does not show downstream assets stale after a run that changed nothing)."""
    return version_key("corpus", *(f"{doc}={key}" for doc, key in sorted(wanted.items())))


def mention_digests(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """document id -> digest of the claim sentences of the document and the text of their claims:
    what stance labelling reads besides the document itself. Not their similarity: stance does
    not read it, and rediscovery moves it for every sentence of a story that gained a document."""
    if not (table_exists(conn, "claim_sentences") and table_exists(conn, "claims")):
        return {}
    # count and sum of row hashes (order-free, as the dbt step's fingerprints): an md5 over the
    # rows joined as text, every claim's text repeated, took 4.2 s at 100k dumps, this 0.25 s
    rows = conn.execute(f"""
        SELECT s.document_id,
               count(*) || ':' || sum(hash(s.claim_id, s.sentence_seq, s.cross_language, coalesce(c.claim_text, ''))::HUGEINT)
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


def _ensure_ledger(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {LEDGER_SCHEMA}")
    conn.execute(f"CREATE TABLE IF NOT EXISTS {CORPUS_LEDGER_TABLE} ("
                 + ", ".join(f"{n} {t} NOT NULL" for n, t in LEDGER_COLUMNS.items()) + ")")


def corpus_recorded_keys(conn: duckdb.DuckDBPyConnection, stage: str) -> dict[str, str]:
    """document id -> version key of every document corpus stage `stage` last worked from
    (read-only safe)."""
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [LEDGER_SCHEMA, CORPUS_LEDGER],
    ).fetchone()[0]
    if not exists:
        return {}
    return dict(conn.execute(
        f"SELECT document_id, version_key FROM {CORPUS_LEDGER_TABLE} WHERE stage = ?", [stage]).fetchall())


def corpus_plan(conn: duckdb.DuckDBPyConnection, stage: str, tables: Iterable[str],
                wanted: Mapping[str, str]) -> tuple[StagePlan, bool]:
    """(plan, rebuild) of a corpus stage: everything when a table is missing or has another
    shape than declared, else the documents whose key changed or that left."""
    if not tables_match(conn, tables):
        return full_plan(stage, wanted), True
    return plan_stage(stage, wanted, corpus_recorded_keys(conn, stage)), False


def _replace_quarantine(conn: duckdb.DuckDBPyConnection, plan: StagePlan, records: Sequence[QuarantineRecord],
                        run_id: str, rebuild: bool) -> None:
    """The stage's quarantine rows of the touched documents (all of them on a rebuild) replaced
    by `records`, first_seen_at kept from the rows replaced. The unpartitioned stages' rows live
    in the warehouse (lake.CORPUS_QUARANTINE_TABLE; raw.quarantine is a view over them and the
    lake's). Inside the caller's transaction."""
    wrong = next((r for r in records if r.stage != plan.stage or r.document_id not in plan.todo), None)
    if wrong is not None:
        raise ValueError(f"{plan.stage} may quarantine only the documents it processed, not {wrong}")
    conn.execute(create_table_sql(CORPUS_QUARANTINE_TABLE, QuarantineRow, replace=False))
    scope = "stage = ?" + ("" if rebuild else f" AND document_id IN (SELECT document_id FROM {TOUCHED_IDS_VIEW})")
    previous = conn.execute(
        f"SELECT {', '.join(QUARANTINE_IDENTITY)}, first_seen_at FROM {CORPUS_QUARANTINE_TABLE} "
        f"WHERE {scope}", [plan.stage]).fetchall()
    first_seen = {tuple(row[:len(QUARANTINE_IDENTITY)]): row[-1] for row in previous}
    conn.execute(f"DELETE FROM {CORPUS_QUARANTINE_TABLE} WHERE {scope}", [plan.stage])
    fresh = quarantine_rows(records, run_id, datetime.now(timezone.utc).replace(tzinfo=None), first_seen)
    if fresh:
        select_list = ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t in table_columns("quarantine").items())
        conn.register("incoming_quarantine", frame_of(fresh, QuarantineRow))
        conn.execute(f"INSERT INTO {CORPUS_QUARANTINE_TABLE} SELECT {select_list} FROM incoming_quarantine")
        conn.unregister("incoming_quarantine")


def write_corpus_rows(
    conn: duckdb.DuckDBPyConnection, plan: StagePlan, rows: Mapping[str, Iterable], rebuild: bool = False,
    quarantine: Sequence[QuarantineRecord] = (), run_id: str = "", scopes: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """In one transaction of the live warehouse: the corpus stage's rows of every touched
    document replaced by `rows` (table -> records), its quarantine rows of those documents by
    `quarantine` (records of documents in plan.todo), its ledger entries set to the new keys;
    a table's records may be a stream, read once. `rebuild` recreates the tables and the stage's
    ledger and quarantine rows first. `scopes` (table -> SQL condition) names the rows replaced
    where they are not the touched documents' own (a corpus stage's rows span documents); tables
    are written in the order of `rows`. Returns each table's row count."""
    _ensure_ledger(conn)
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    register_ids(conn, plan.touched, TOUCHED_IDS_VIEW)
    conn.execute("BEGIN TRANSACTION")
    try:
        if rebuild:
            conn.execute(f"DELETE FROM {CORPUS_LEDGER_TABLE} WHERE stage = ?", [plan.stage])
        for table, records in rows.items():
            record = RAW_TABLES[table]
            conn.execute(create_table_sql(f"{RAW_SCHEMA}.{table}", record, replace=rebuild))
            if not rebuild:
                scope = (scopes or {}).get(table, f"document_id IN (SELECT document_id FROM {TOUCHED_IDS_VIEW})")
                conn.execute(f"DELETE FROM {RAW_SCHEMA}.{table} WHERE {scope}")
            select_list = ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t in table_columns(table).items())
            # a batch at a time: 1.6M rows inserted from one frame raised the process's peak by
            # 396 MB, by 93 MB in frames of 100,000 (1.1 s against 1.5-2.1 s; /work/bench25/write_mem2.py)
            stream = iter(records)
            while batch := list(islice(stream, ROWS_PER_INSERT)):
                conn.register("incoming_rows", frame_of(batch, record))
                conn.execute(f"INSERT INTO {RAW_SCHEMA}.{table} SELECT {select_list} FROM incoming_rows")
                conn.unregister("incoming_rows")
        _replace_quarantine(conn, plan, quarantine, run_id, rebuild)
        conn.execute(f"DELETE FROM {CORPUS_LEDGER_TABLE} WHERE stage = ? "
                     f"AND document_id IN (SELECT document_id FROM {TOUCHED_IDS_VIEW})", [plan.stage])
        if plan.todo:
            now = datetime.now(timezone.utc).replace(tzinfo=None)
            conn.register("incoming_keys", pd.DataFrame({
                "stage": plan.stage, "document_id": list(plan.todo), "version_key": list(plan.todo.values()),
                "processed_at": now,
            }))
            conn.execute(f"INSERT INTO {CORPUS_LEDGER_TABLE} SELECT stage, document_id, version_key, processed_at "
                         "FROM incoming_keys")
            conn.unregister("incoming_keys")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.unregister(TOUCHED_IDS_VIEW)
    return {table: conn.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{table}").fetchone()[0] for table in rows}
