"""quality.validation_results: every expectation outcome of every run, for analysts."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import duckdb
import pandas as pd

from orchestration.checks.gx_validation import ValidationOutcome

VALIDATION_RESULTS_DDL = """
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS quality.validation_results (
    run_id VARCHAR NOT NULL,
    step VARCHAR NOT NULL,          -- the Dagster asset the suite guards
    suite VARCHAR NOT NULL,
    expectation VARCHAR NOT NULL,
    success BOOLEAN NOT NULL,
    observed_value VARCHAR,
    unexpected_count BIGINT,
    failing_examples VARCHAR,       -- JSON list, sanitised and truncated
    row_count BIGINT,
    validated_at TIMESTAMP NOT NULL,
    blocking BOOLEAN                -- a failure of a blocking suite or error-severity dbt test stops publish
);
ALTER TABLE quality.validation_results ADD COLUMN IF NOT EXISTS blocking BOOLEAN;
"""


def record_validation(
    conn: duckdb.DuckDBPyConnection, run_id: str, step: str, outcome: ValidationOutcome,
    blocking: bool = True,
) -> int:
    conn.execute(VALIDATION_RESULTS_DDL)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    frame = pd.DataFrame(
        [
            {
                "run_id": run_id, "step": step, "suite": outcome.suite_name,
                "expectation": o.expectation, "success": o.success,
                "observed_value": o.observed_value, "unexpected_count": o.unexpected_count,
                "failing_examples": json.dumps(o.examples, ensure_ascii=False) if o.examples else None,
                "row_count": outcome.row_count, "validated_at": now, "blocking": blocking,
            }
            for o in outcome.outcomes
        ]
    )
    if frame.empty:
        return 0
    conn.register("validation_rows", frame)
    conn.execute("INSERT INTO quality.validation_results BY NAME SELECT * FROM validation_rows")
    conn.unregister("validation_rows")
    return len(frame)


DBT_SUITE = "dbt"


def record_dbt_tests(
    conn: duckdb.DuckDBPyConnection, run_id: str, results: list[dict]
) -> int:
    """Record the dbt tests of a run beside the GX outcomes: suite 'dbt', expectation = the
    test's check name, step = the model it tests. `results` are dicts with step, test, passed
    and failed_rows (from dagster-dbt's AssetCheckResult events)."""
    conn.execute(VALIDATION_RESULTS_DDL)
    if not results:
        return 0
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    frame = pd.DataFrame(
        [
            {
                "run_id": run_id, "step": r["step"], "suite": DBT_SUITE, "expectation": r["test"],
                "success": bool(r["passed"]),
                "observed_value": None if r.get("failed_rows") is None else json.dumps(r["failed_rows"]),
                "unexpected_count": r.get("failed_rows"), "failing_examples": None,
                "row_count": None, "validated_at": now, "blocking": bool(r.get("blocking", True)),
            }
            for r in results
        ]
    )
    conn.register("dbt_test_rows", frame)
    conn.execute("INSERT INTO quality.validation_results BY NAME SELECT * FROM dbt_test_rows")
    conn.unregister("dbt_test_rows")
    return len(frame)


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
