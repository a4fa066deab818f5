"""Which documents a document stage has to process, and writing only theirs.

Every document a stage processed is recorded in `pipeline.processed` with a version key: the hash
of the stage's code version (orchestration/versions.py) and of the keys of the document's inputs
(the ingest key of its dump for clean; clean's key for language; ...). On the next run a
document whose key is unchanged is skipped, so:
- a run over the same landing folder processes no document again;
- a changed rule file changes the version of the stages that read it, so exactly those stages
  re-process, and their downstream stages follow document by document because the input keys
  of those documents changed;
- a document no longer in a stage's input (it left the landing folder) has its rows removed.

A stage's rows are replaced per document in one transaction together with its ledger entries
and its raw.quarantine rows of those documents, so a run that dies half-way leaves the previous
rows and keys, never rows without keys; a document skipped as unchanged keeps its quarantine
rows, a re-processed one gets fresh ones.
"""
from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import duckdb
import pandas as pd

from orchestration.core.quarantine import QUARANTINE_IDENTITY, quarantine_rows
from orchestration.core.types import RAW_TABLES, QuarantineRecord, QuarantineRow
from orchestration.warehouse import RAW_SCHEMA, create_table_sql, frame_of, table_columns

LEDGER_SCHEMA = "pipeline"
LEDGER_TABLE = f"{LEDGER_SCHEMA}.processed"
QUARANTINE_TABLE = f"{RAW_SCHEMA}.quarantine"
_IDS_VIEW = "stage_document_ids"
TOUCHED_IDS_VIEW = _IDS_VIEW   # the touched documents' ids inside write_document_rows, for `scopes`


def version_key(stage_version: str, *input_keys: str | None) -> str:
    digest = hashlib.sha256(stage_version.encode())
    for key in input_keys:
        digest.update(b"\0" + (key or "").encode())
    return digest.hexdigest()[:16]


def _ensure_ledger(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {LEDGER_SCHEMA}")
    conn.execute(f"""CREATE TABLE IF NOT EXISTS {LEDGER_TABLE} (
        stage VARCHAR NOT NULL, document_id VARCHAR NOT NULL, version_key VARCHAR NOT NULL,
        processed_at TIMESTAMP NOT NULL)""")


def recorded_keys(conn: duckdb.DuckDBPyConnection, stage: str) -> dict[str, str]:
    """document id -> version key of every document `stage` has processed (read-only safe)."""
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = 'processed'",
        [LEDGER_SCHEMA],
    ).fetchone()[0]
    if not exists:
        return {}
    return dict(conn.execute(
        f"SELECT document_id, version_key FROM {LEDGER_TABLE} WHERE stage = ?", [stage]
    ).fetchall())


@dataclass(frozen=True)
class StagePlan:
    """What a stage does this run: `todo` (id -> new key) to process, `gone` to remove."""
    stage: str
    todo: dict[str, str]
    gone: list[str]
    skipped: int

    @property
    def touched(self) -> list[str]:
        return [*self.todo, *self.gone]

    def metadata(self) -> dict:
        return {"documents_processed": len(self.todo), "documents_skipped": self.skipped,
                "documents_removed": len(self.gone)}


def plan_stage(stage: str, wanted: Mapping[str, str], recorded: Mapping[str, str]) -> StagePlan:
    """Compare the keys the inputs ask for with the keys recorded at the last run."""
    todo = {doc: key for doc, key in wanted.items() if recorded.get(doc) != key}
    gone = sorted(doc for doc in recorded if doc not in wanted)
    return StagePlan(stage, todo, gone, skipped=len(wanted) - len(todo))


def tables_match(conn: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> bool:
    """Whether every raw table exists with the columns its record declares today (a changed
    record means the stage's rows must all be rebuilt; its code version changed anyway)."""
    for table in tables:
        found = conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [RAW_SCHEMA, table],
        ).fetchall()
        if [(name, dtype) for name, dtype in found] != list(table_columns(table).items()):
            return False
    return True


def full_plan(stage: str, wanted: Mapping[str, str]) -> StagePlan:
    return StagePlan(stage, dict(wanted), [], skipped=0)


def register_ids(conn: duckdb.DuckDBPyConnection, document_ids: Iterable[str], name: str = _IDS_VIEW) -> str:
    """Register the ids as a one-column relation `name` for `WHERE document_id IN (SELECT ...)`."""
    conn.register(name, pd.DataFrame({"document_id": pd.Series(list(document_ids), dtype="object")}))
    return name


def _replace_quarantine(conn: duckdb.DuckDBPyConnection, plan: StagePlan, records: Sequence[QuarantineRecord],
                        run_id: str, rebuild: bool) -> None:
    """The stage's raw.quarantine rows of the touched documents (all of them on a rebuild)
    replaced by `records`, first_seen_at kept from the rows replaced. Inside the caller's transaction."""
    wrong = next((r for r in records if r.stage != plan.stage or r.document_id not in plan.todo), None)
    if wrong is not None:
        raise ValueError(f"{plan.stage} may quarantine only the documents it processed, not {wrong}")
    conn.execute(create_table_sql(QUARANTINE_TABLE, QuarantineRow, replace=False))
    scope = "stage = ?" + ("" if rebuild else f" AND document_id IN (SELECT document_id FROM {_IDS_VIEW})")
    previous = conn.execute(
        f"SELECT {', '.join(QUARANTINE_IDENTITY)}, first_seen_at FROM {QUARANTINE_TABLE} "
        f"WHERE {scope}", [plan.stage]).fetchall()
    first_seen = {tuple(row[:5]): row[5] for row in previous}
    conn.execute(f"DELETE FROM {QUARANTINE_TABLE} WHERE {scope}", [plan.stage])
    fresh = quarantine_rows(records, run_id, datetime.now(timezone.utc).replace(tzinfo=None), first_seen)
    if fresh:
        select_list = ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t in table_columns("quarantine").items())
        conn.register("incoming_quarantine", frame_of(fresh, QuarantineRow))
        conn.execute(f"INSERT INTO {QUARANTINE_TABLE} SELECT {select_list} FROM incoming_quarantine")
        conn.unregister("incoming_quarantine")


def write_document_rows(
    conn: duckdb.DuckDBPyConnection, plan: StagePlan, rows: Mapping[str, list], rebuild: bool = False,
    quarantine: Sequence[QuarantineRecord] = (), run_id: str = "", scopes: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """In one transaction: the stage's rows of every touched document replaced by `rows` (table
    -> records), its raw.quarantine rows of those documents by `quarantine` (records of documents
    in plan.todo), its ledger entries set to the new keys. `rebuild` recreates the tables and
    the stage's ledger and quarantine rows first. `scopes` (table -> SQL condition) names the
    rows replaced where they are not the touched documents' own (a corpus stage's rows span
    documents); tables are written in the order of `rows`. Returns each table's row count."""
    _ensure_ledger(conn)
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    register_ids(conn, plan.touched)
    conn.execute("BEGIN TRANSACTION")
    try:
        if rebuild:
            conn.execute(f"DELETE FROM {LEDGER_TABLE} WHERE stage = ?", [plan.stage])
        for table, records in rows.items():
            record = RAW_TABLES[table]
            conn.execute(create_table_sql(f"{RAW_SCHEMA}.{table}", record, replace=rebuild))
            if not rebuild:
                scope = (scopes or {}).get(table, f"document_id IN (SELECT document_id FROM {_IDS_VIEW})")
                conn.execute(f"DELETE FROM {RAW_SCHEMA}.{table} WHERE {scope}")
            if records:
                wrong = next((r for r in records if not isinstance(r, record)), None)
                if wrong is not None:
                    raise TypeError(f"raw.{table} takes {record.__name__} records, not {type(wrong).__name__}")
                select_list = ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t in table_columns(table).items())
                conn.register("incoming_rows", frame_of(records, record))
                conn.execute(f"INSERT INTO {RAW_SCHEMA}.{table} SELECT {select_list} FROM incoming_rows")
                conn.unregister("incoming_rows")
        _replace_quarantine(conn, plan, quarantine, run_id, rebuild)
        conn.execute(f"DELETE FROM {LEDGER_TABLE} WHERE stage = ? AND document_id IN (SELECT document_id FROM {_IDS_VIEW})",
                     [plan.stage])
        if plan.todo:
            now = datetime.now(timezone.utc).replace(tzinfo=None)
            conn.register("incoming_keys", pd.DataFrame({
                "stage": plan.stage, "document_id": list(plan.todo), "version_key": list(plan.todo.values()),
                "processed_at": now,
            }))
            conn.execute(f"INSERT INTO {LEDGER_TABLE} SELECT stage, document_id, version_key, processed_at FROM incoming_keys")
            conn.unregister("incoming_keys")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.unregister(_IDS_VIEW)
    return {table: conn.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{table}").fetchone()[0] for table in rows}


def plan_for(conn: duckdb.DuckDBPyConnection, stage: str, tables: Iterable[str],
             wanted: Mapping[str, str]) -> tuple[StagePlan, bool]:
    """(plan, rebuild): everything when a table is missing or has another shape than declared."""
    if not tables_match(conn, tables):
        return full_plan(stage, wanted), True
    return plan_stage(stage, wanted, recorded_keys(conn, stage)), False


def dump_keys(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """document id -> key of everything ingest knows about the dump: content and manifest fields."""
    if not tables_match(conn, ["dumps"]):
        return {}
    rows = conn.execute(
        f"SELECT document_id, content_sha256, url, outlet_hint, fetched_at, title_hint, source_file, "
        f"CAST(record_index AS VARCHAR) FROM {RAW_SCHEMA}.dumps"
    ).fetchall()
    return {row[0]: version_key("dump", *row[1:]) for row in rows}


def combined_keys(stage_version: str, *inputs: Mapping[str, str], excluded: Collection[str] = ()) -> dict[str, str]:
    """The version key of every document present in all input key maps and not `excluded` (set
    aside by an earlier stage: its rows here are removed like those of a document that left)."""
    first, *rest = inputs
    return {doc: version_key(stage_version, key, *(other[doc] for other in rest))
            for doc, key in first.items() if doc not in excluded and all(doc in other for other in rest)}
