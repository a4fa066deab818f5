"""quality.validation_results: every expectation outcome of every run, for analysts."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from dataclasses import dataclass

import duckdb

from orchestration.checks.gx_validation import ValidationOutcome
from orchestration.dbt_changes import BOOKKEEPING_COLUMNS
from orchestration.core.types import BigInt
from orchestration.warehouse import create_table_sql, frame_of

@dataclass(frozen=True)
class ValidationResultRow:
    """One expectation outcome (GX) or dbt test result of one run."""
    run_id: str
    step: str                       # the Dagster asset the suite guards
    suite: str
    expectation: str
    success: bool
    observed_value: str | None
    unexpected_count: BigInt | None
    failing_examples: str | None    # JSON list, sanitised and truncated
    row_count: BigInt | None
    validated_at: datetime
    blocking: bool | None           # a failure of a blocking suite or error-severity dbt test stops publish


VALIDATION_RESULTS_TABLE = "quality.validation_results"
# dbt's on-run-start hook runs the same statements (generated macro create_validation_results).
VALIDATION_RESULTS_DDL = (
    "CREATE SCHEMA IF NOT EXISTS quality;\n"
    + create_table_sql(VALIDATION_RESULTS_TABLE, ValidationResultRow, not_null=True) + ";\n"
    # warehouses created before the column existed
    + f"ALTER TABLE {VALIDATION_RESULTS_TABLE} ADD COLUMN IF NOT EXISTS blocking BOOLEAN;\n"
)


def _insert(conn: duckdb.DuckDBPyConnection, rows: list[ValidationResultRow]) -> int:
    conn.execute(VALIDATION_RESULTS_DDL)
    if not rows:
        return 0
    conn.register("validation_rows", frame_of(rows, ValidationResultRow))
    conn.execute(f"INSERT INTO {VALIDATION_RESULTS_TABLE} BY NAME SELECT * FROM validation_rows")
    conn.unregister("validation_rows")
    return len(rows)


def record_validation(
    conn: duckdb.DuckDBPyConnection, run_id: str, step: str, outcome: ValidationOutcome,
    blocking: bool = True,
) -> int:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return _insert(conn, [
        ValidationResultRow(
            run_id=run_id, step=step, suite=outcome.suite_name, expectation=o.expectation,
            success=o.success, observed_value=o.observed_value, unexpected_count=o.unexpected_count,
            failing_examples=json.dumps(o.examples, ensure_ascii=False) if o.examples else None,
            row_count=outcome.row_count, validated_at=now, blocking=blocking,
        )
        for o in outcome.outcomes
    ])


DBT_SUITE = "dbt"


def record_dbt_tests(
    conn: duckdb.DuckDBPyConnection, run_id: str, results: list[dict]
) -> int:
    """Record the dbt tests of a run beside the GX outcomes: suite 'dbt', expectation = the
    test's check name, step = the model it tests. `results` are dicts with step, test, passed
    and failed_rows (from dagster-dbt's AssetCheckResult events)."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    return _insert(conn, [
        ValidationResultRow(
            run_id=run_id, step=r["step"], suite=DBT_SUITE, expectation=r["test"], success=bool(r["passed"]),
            observed_value=None if r.get("failed_rows") is None else json.dumps(r["failed_rows"]),
            unexpected_count=r.get("failed_rows"), failing_examples=None, row_count=None,
            validated_at=now, blocking=bool(r.get("blocking", True)),
        )
        for r in results
    ])


def failed_blocking_results(conn: duckdb.DuckDBPyConnection, limit: int = 20) -> list[tuple]:
    """The audit before publish: for every (step, suite) ever validated, its latest run's
    failed blocking expectations. Empty means the live warehouse, as last validated, passed
    every gate. Looking at the latest result of each suite rather than only this run's catches a
    publish materialized on its own after a red run."""
    conn.execute(VALIDATION_RESULTS_DDL)
    return conn.execute(
        """
        WITH latest AS (
            SELECT step, suite, arg_max(run_id, validated_at) AS run_id
            FROM quality.validation_results GROUP BY step, suite
        )
        SELECT r.step, r.suite, r.expectation, r.unexpected_count, r.failing_examples, r.run_id
        FROM quality.validation_results r
        JOIN latest USING (step, suite, run_id)
        WHERE NOT r.success AND coalesce(r.blocking, true)
        ORDER BY r.validated_at, r.step, r.suite, r.expectation
        LIMIT ?
        """,
        [limit],
    ).fetchall()


# A gate whose frame and suite are those of its last validation has the same outcome again: the
# same rows under the same expectations. One memory per frame a gate validates (its scope): the
# live warehouse (WAREHOUSE_SCOPE), or one landing day of the lake for a document stage, so a run
# over every day after a nightly run of one re-validates no day. Kept beside the ledger (pipeline
# schema), not published; one row per gate and day, not per document.
VALIDATED_FRAMES_TABLE = "pipeline.validated_frames"
WAREHOUSE_SCOPE = ""
VALIDATED_FRAMES_DDL = f"""
CREATE SCHEMA IF NOT EXISTS pipeline;
CREATE TABLE IF NOT EXISTS {VALIDATED_FRAMES_TABLE} (
    step VARCHAR NOT NULL, suite VARCHAR NOT NULL, fingerprint VARCHAR NOT NULL, run_id VARCHAR NOT NULL,
    success BOOLEAN NOT NULL, description VARCHAR, metadata VARCHAR NOT NULL, validated_at TIMESTAMP NOT NULL,
    scope VARCHAR NOT NULL DEFAULT '');
-- warehouses from before scopes: their one frame per gate was the warehouse's or the run's days'
ALTER TABLE {VALIDATED_FRAMES_TABLE} ADD COLUMN IF NOT EXISTS scope VARCHAR DEFAULT '';
"""


def frame_fingerprint(conn: duckdb.DuckDBPyConnection, query: str, suite_file: bytes) -> str:
    """Row count and order-free sum of row hashes of `query`'s result, with the suite's text.
    Bookkeeping columns (when a run looked at a row) that no expectation of the suite names are
    left out: they cannot change the outcome."""
    columns = [d[0] for d in conn.execute(f"SELECT * FROM ({query}) AS frame LIMIT 0").description]
    ignored = [c for c in columns if c in BOOKKEEPING_COLUMNS and c.encode() not in suite_file]
    kept = f"* EXCLUDE ({', '.join(repr(c) for c in ignored)})" if ignored else "*"
    count, total = conn.execute(
        f"SELECT count(*), coalesce(sum(hash(frame)::HUGEINT), 0) FROM (SELECT {kept} FROM ({query})) AS frame"
    ).fetchone()
    return f"{count}:{total}:{hashlib.sha256(suite_file).hexdigest()[:16]}"


def files_fingerprint(files_key: str, query: str, suite_file: bytes) -> str:
    """The fingerprint of a frame read by `query` from files of key `files_key` (the same
    files, the same query, the same rows), with the suite's text."""
    query_key = hashlib.sha256(query.encode()).hexdigest()[:16]
    return f"files:{files_key}:{query_key}:{hashlib.sha256(suite_file).hexdigest()[:16]}"


@dataclass(frozen=True)
class ValidatedFrame:
    run_id: str
    fingerprint: str
    success: bool
    description: str | None
    metadata: dict


def last_validated(conn: duckdb.DuckDBPyConnection, step: str, suite: str) -> dict[str, ValidatedFrame]:
    """The last validation of each scope of (step, suite) recorded by record_frames: its outcome
    holds again for a frame of the same fingerprint."""
    exists = conn.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'pipeline' "
                          "AND table_name = 'validated_frames'").fetchone()[0]
    if not exists:
        return {}
    has_scope = conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'pipeline' "
                             "AND table_name = 'validated_frames' AND column_name = 'scope'").fetchone()[0]
    scope = "coalesce(scope, '')" if has_scope else "''"
    rows = conn.execute(f"SELECT {scope}, run_id, fingerprint, success, description, metadata "
                        f"FROM {VALIDATED_FRAMES_TABLE} WHERE step = ? AND suite = ?", [step, suite]).fetchall()
    return {row[0]: ValidatedFrame(row[1], row[2], row[3], row[4], json.loads(row[5])) for row in rows}


def record_frames(conn: duckdb.DuckDBPyConnection, step: str, suite: str,
                  frames: dict[str, ValidatedFrame]) -> None:
    """The outcome of validating (step, suite) on each scope's frame; metadata plain JSON."""
    if not frames:
        return
    conn.execute(VALIDATED_FRAMES_DDL)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    conn.execute(f"DELETE FROM {VALIDATED_FRAMES_TABLE} WHERE step = ? AND suite = ? "
                 "AND list_contains(?, coalesce(scope, ''))", [step, suite, list(frames)])
    conn.executemany(
        f"INSERT INTO {VALIDATED_FRAMES_TABLE} (step, suite, fingerprint, run_id, success, description, metadata, "
        "validated_at, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[step, suite, f.fingerprint, f.run_id, f.success, f.description, json.dumps(f.metadata, default=str), now,
          scope] for scope, f in frames.items()])
