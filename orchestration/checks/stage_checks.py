"""Each gate of orchestration/checks/gates.py as a Dagster asset check.

A blocking check (severity ERROR) that fails stops every downstream asset in the run, so bad
data stays where it was found and publish never runs. Each check reads its frame from DuckDB
(for a document stage: the run's landing days of the lake) with the gate's SQL (GX 1.x cannot
read DuckDB), validates it with the gate's suite from
expectations/, records every outcome in quality.validation_results and attaches counts plus a
few sanitised failing examples to the check's metadata.
"""
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from orchestration.assets.common import raw_key
from orchestration.assets.dbt import MART_KEYS
from orchestration.checks.gates import Gate
from orchestration.checks.gx_validation import ValidationOutcome, validate_frame
from orchestration.checks.history import record_validation
from orchestration.lake import LAKE_TABLES, partition_connection
from orchestration.partitions import run_days
from orchestration.resources import WarehouseResource


MAX_FAILURES_IN_METADATA = 10


def check_metadata(outcome: ValidationOutcome) -> dict:
    """Counts plus, per failed expectation, its unexpected count and a few failing values. Every
    value that came from the data was sanitised (escaped, truncated) by gx_validation."""
    failed = outcome.failed
    metadata: dict = {
        "suite": outcome.suite_name,
        "rows_validated": outcome.row_count,
        "expectations": len(outcome.outcomes),
        "expectations_failed": len(failed),
    }
    if failed:
        metadata["failures"] = dg.MetadataValue.json(
            [
                {"expectation": f.expectation, "observed": f.observed_value,
                 "unexpected_count": f.unexpected_count, "examples": f.examples}
                for f in failed[:MAX_FAILURES_IN_METADATA]
            ]
        )
    return metadata


def failure_summary(outcome: ValidationOutcome) -> str:
    """One line naming the failed expectations and their counts: no data values, because check
    descriptions may be rendered as markdown (the values are in the JSON metadata)."""
    parts = [
        f"{f.expectation}" + (f" ({f.unexpected_count} unexpected)" if f.unexpected_count else "")
        for f in outcome.failed[:MAX_FAILURES_IN_METADATA]
    ]
    return f"{len(outcome.failed)} of {len(outcome.outcomes)} expectations failed: " + "; ".join(parts)


@contextmanager
def published_snapshot(warehouse: WarehouseResource) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """The last published snapshot, read-only (analysts may have it open too), or None before
    the first publish."""
    if not warehouse.snapshot_path.exists():
        yield None
        return
    conn = duckdb.connect(str(warehouse.snapshot_path), read_only=True)
    try:
        yield conn
    finally:
        conn.close()


LAKE_KEYS = {raw_key(table) for table in LAKE_TABLES}


@contextmanager
def frame_source(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                 asset: dg.AssetKey) -> Iterator[duckdb.DuckDBPyConnection]:
    """Where a check reads its frame: for a document stage, the landing days of the run (its
    raw tables are those days' lake files, so a check validates what the run wrote and costs
    what the run costs, whatever the archive holds); for the rest, the live warehouse."""
    days = run_days(context.run.tags)
    if asset in LAKE_KEYS and days:
        with partition_connection(warehouse.lake_path, days) as conn:
            yield conn
    else:
        with warehouse.connect(read_only=True) as conn:
            yield conn


def gate_spec(gate: Gate) -> dg.AssetCheckSpec:
    """The asset check of a gate: `gx_<suite>` on the asset it guards."""
    asset = dg.AssetKey.from_user_string(gate.asset)
    # a gate over the marts reads all of them (they are built by one dbt step anyway)
    reads = [key for key in MART_KEYS if key != asset] if gate.compare_with_published else []
    return dg.AssetCheckSpec(f"gx_{gate.suite_name}", asset=asset, description=gate.description,
                             blocking=gate.blocking, additional_deps=reads)


def evaluate_gate(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                  gate: Gate) -> dg.AssetCheckResult:
    """Validate the gate's frame with its suite, record every outcome, say what failed."""
    asset = dg.AssetKey.from_user_string(gate.asset)
    with frame_source(context, warehouse, asset) as source:
        if gate.compare_with_published:
            with published_snapshot(warehouse) as published:
                frame = gate.frame(source, published)
        else:
            frame = gate.frame(source)
    outcome = validate_frame(gate.suite_name, frame)
    with warehouse.connect() as conn:
        record_validation(conn, context.run.run_id, gate.asset, outcome, blocking=gate.blocking)
    if not outcome.success:
        # the run log names the check and its first failing rows (sanitised values)
        log = context.log.error if gate.blocking else context.log.warning
        for failure in outcome.failed[:3]:
            log(
                f"gx_{gate.suite_name} on {gate.asset}: {failure.expectation} failed"
                f" ({failure.unexpected_count or 0} unexpected); first: {failure.examples[:3]}"
                f" observed={failure.observed_value}"
            )
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=f"gx_{gate.suite_name}",
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR if gate.blocking else dg.AssetCheckSeverity.WARN,
        description=None if outcome.success else failure_summary(outcome),
        metadata=check_metadata(outcome),
    )
