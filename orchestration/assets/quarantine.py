"""raw.quarantine as the stages use it: each stage replaces its own rows, reads who is out.

Config replaces its rows as a whole on every run (in the warehouse); ingest replaces a landing
day's; the per-document stages (clean, language, outlets, sentences) replace the rows of the
documents they re-process, with those documents' rows, in the day's lake partition
(orchestration/incremental.py); stance labelling (claims) replaces the rows of the documents it
re-labels, in the same transaction as their rows, in the warehouse
(orchestration/corpus_ledger.py). So a document skipped as unchanged keeps its rows. Either way a
document re-admitted after a rule fix has no row any more; `first_seen_at` survives from the
previous rows of the same (stage, reason, file, record, document), so analysts see how long a
document has been waiting.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import dagster as dg
import duckdb

from orchestration.core.quarantine import quarantine_identity, quarantine_rows
from orchestration.core.types import QUARANTINE_STAGES, QuarantineRecord, QuarantineRow
from orchestration.lake import CORPUS_QUARANTINE_TABLE
from orchestration.warehouse import RAW_SCHEMA, frame_of, table_columns, table_exists

QUARANTINE_TABLE = "quarantine"
MAX_NAMED_IN_METADATA = 20


def write_stage_quarantine(conn: duckdb.DuckDBPyConnection, stage: str, records: list[QuarantineRecord],
                           run_id: str) -> int:
    """Replace `stage`'s rows of raw.quarantine with `records` (an unpartitioned stage: config;
    its rows live in the warehouse, the document stages' in the lake, and the view
    raw.quarantine shows both). Returns how many were written. (The document stages replace
    only the rows of the documents they processed, with their rows: orchestration/incremental.py,
    and stance labelling likewise in the warehouse: orchestration/corpus_ledger.py.)"""
    assert stage in QUARANTINE_STAGES, stage
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    columns = table_columns(QUARANTINE_TABLE)
    names = ", ".join(f'"{n}"' for n in columns)
    existing = [QuarantineRow(**dict(zip(columns, row))) for row in conn.execute(
        f"SELECT {names} FROM {CORPUS_QUARANTINE_TABLE} WHERE stage = ?", [stage]).fetchall()]
    first_seen = {quarantine_identity(r): r.first_seen_at for r in existing}
    fresh = quarantine_rows(records, run_id, now, first_seen)
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(f"DELETE FROM {CORPUS_QUARANTINE_TABLE} WHERE stage = ?", [stage])
        if fresh:
            conn.register("incoming_quarantine", frame_of(fresh, QuarantineRow))
            select_list = ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t in columns.items())
            conn.execute(f"INSERT INTO {CORPUS_QUARANTINE_TABLE} SELECT {select_list} FROM incoming_quarantine")
            conn.unregister("incoming_quarantine")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(fresh)


def quarantined_document_ids(conn: duckdb.DuckDBPyConnection, before_stage: str | None = None) -> set[str]:
    """Documents set aside by any stage (or only by the stages before `before_stage`)."""
    if not table_exists(conn, QUARANTINE_TABLE):
        return set()
    stages = QUARANTINE_STAGES[: QUARANTINE_STAGES.index(before_stage)] if before_stage else QUARANTINE_STAGES
    rows = conn.execute(
        f"SELECT DISTINCT document_id FROM {RAW_SCHEMA}.{QUARANTINE_TABLE} "
        f"WHERE document_id IS NOT NULL AND stage IN ({', '.join('?' for _ in stages)})",
        list(stages),
    ).fetchall()
    return {r[0] for r in rows}


def quarantine_metadata(records: list[QuarantineRecord]) -> dict:
    """What a stage's materialization says about what it set aside (values are JSON metadata,
    rendered escaped by the UI)."""
    if not records:
        return {"quarantined": 0}
    return {
        "quarantined": len(records),
        "quarantined_by_reason": dg.MetadataValue.json(dict(Counter(r.reason for r in records))),
        "quarantined_examples": dg.MetadataValue.json([
            {"document_id": r.document_id, "file": r.source_file, "record": r.record_index,
             "reason": r.reason, "detail": r.detail[:200]}
            for r in records[:MAX_NAMED_IN_METADATA]
        ]),
    }


def log_quarantine(context, stage: str, records: list[QuarantineRecord]) -> None:
    if records:
        reasons = ", ".join(f"{reason} {n}" for reason, n in Counter(r.reason for r in records).most_common())
        context.log.warning(f"{stage}: quarantined {len(records)} ({reasons}); see raw.quarantine")
