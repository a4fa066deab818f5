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
    validated_at TIMESTAMP NOT NULL
);
"""


def record_validation(
    conn: duckdb.DuckDBPyConnection, run_id: str, step: str, outcome: ValidationOutcome
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
                "row_count": outcome.row_count, "validated_at": now,
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
