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
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.assets.common import raw_key
from orchestration.assets.dbt import MART_KEYS
from orchestration.checks.gates import Gate
from orchestration.checks.gx_validation import ValidationOutcome, validate_frame
from orchestration.checks.history import (
    files_fingerprint, frame_fingerprint, last_validated, record_frame, record_validation,
)
from orchestration.incremental import left_to_other_days
from orchestration.lake import LAKE_TABLES, partition_connection, partition_files_key, tables_read
from orchestration.partitions import run_days
from orchestration.resources import WarehouseResource
from orchestration.settings import EXPECTATIONS_DIR


MAX_FAILURES_IN_METADATA = 10
SUITES_DIR = EXPECTATIONS_DIR / "gx" / "expectations"


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
                 asset: dg.AssetKey, query: str) -> Iterator[tuple[duckdb.DuckDBPyConnection, str | None]]:
    """Where a check reads its frame, and a key of the files `query` reads when there is one: for
    a document stage, the landing days of the run (its raw tables are those days' lake files, so a
    check validates what the run wrote and costs what the run costs, whatever the archive holds);
    for the rest, the live warehouse."""
    days = run_days(context.run.tags)
    if asset in LAKE_KEYS and days:
        files_key = partition_files_key(warehouse.lake_path, days, tables_read(query))
        with partition_connection(warehouse.lake_path, days) as conn:
            yield conn, files_key
    else:
        with warehouse.connect(read_only=True) as conn:
            yield conn, None


# A document stage's gate validates the run's landing days. A day whose files all repeat dumps of
# earlier days (identical content is one document, kept in the first day it landed) has no dump
# of its own, so every stage's frame of it is empty: nothing new, not a broken stage (the
# row-count minimum of the suites is for a stage that wrote nothing from what it was given). Days
# with no dump and no such repeat (an empty landing folder, every file unreadable or retracted)
# still fail that minimum.
NOTHING_NEW = ("Nothing to validate: every dump that landed on the run's days repeats one kept on an "
               "earlier day.")


def only_repeats_landed(source: duckdb.DuckDBPyConnection, lake: Path, days: list[str]) -> bool:
    """Whether the days of a partition connection hold no dump while their files carried dumps
    another day keeps."""
    return (source.execute("SELECT count(*) FROM raw.dumps").fetchone()[0] == 0
            and any(left_to_other_days(lake, day) for day in days))


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
    check_name = f"gx_{gate.suite_name}"
    severity = dg.AssetCheckSeverity.ERROR if gate.blocking else dg.AssetCheckSeverity.WARN
    # A frame and suite identical to those of the last validation have the same outcome: it
    # is reported again without GX. (A gate comparing with the published snapshot reads two
    # files: always validated.)
    suite_file = None if gate.compare_with_published else (SUITES_DIR / f"{gate.suite_name}.json").read_bytes()
    previous = None
    if suite_file is not None:
        with warehouse.connect(read_only=True) as conn:
            previous = last_validated(conn, gate.asset, gate.suite_name)
    with frame_source(context, warehouse, asset, gate.query) as (source, files_key):
        # fingerprinted where the frame is read: a document stage's by the run's days of the lake
        # as files (their rows are not hashed again: 1 M segment rows at 10k dumps), the rest by
        # the frame's rows
        fingerprint = None if suite_file is None else (
            files_fingerprint(files_key, gate.query, suite_file) if files_key is not None
            else frame_fingerprint(source, gate.query, suite_file))
        if previous is not None and previous.fingerprint == fingerprint:
            failures = previous.metadata.pop("failures", None)
            return dg.AssetCheckResult(
                asset_key=asset, check_name=check_name,
                passed=previous.success, severity=severity, description=previous.description,
                metadata={**previous.metadata, "unchanged_since_run": previous.run_id,
                          "frame_fingerprint": fingerprint,
                          **({"failures": dg.MetadataValue.json(failures)} if failures else {})})
        if gate.compare_with_published:
            with published_snapshot(warehouse) as published:
                frame = gate.frame(source, published)
        else:
            frame = gate.frame(source)
        days = run_days(context.run.tags)
        if files_key is not None and frame.empty and only_repeats_landed(source, warehouse.lake_path, days):
            return dg.AssetCheckResult(
                asset_key=asset, check_name=check_name, passed=True, severity=severity,
                description=NOTHING_NEW, metadata={"suite": gate.suite_name, "rows_validated": 0,
                                                   "landing_days": ", ".join(days)[:400]})
    outcome = validate_frame(gate.suite_name, frame)
    metadata = check_metadata(outcome)
    description = None if outcome.success else failure_summary(outcome)
    with warehouse.connect() as conn:
        record_validation(conn, context.run.run_id, gate.asset, outcome, blocking=gate.blocking)
        if fingerprint is not None:
            plain = {k: (v.value if isinstance(v, dg.MetadataValue) else v) for k, v in metadata.items()}
            record_frame(conn, context.run.run_id, gate.asset, gate.suite_name, fingerprint, outcome.success,
                         description, plain)
    if not outcome.success:
        # the run log names the check and its first failing rows (sanitised values)
        log = context.log.error if gate.blocking else context.log.warning
        for failure in outcome.failed[:3]:
            log(
                f"{check_name} on {gate.asset}: {failure.expectation} failed"
                f" ({failure.unexpected_count or 0} unexpected); first: {failure.examples[:3]}"
                f" observed={failure.observed_value}"
            )
    return dg.AssetCheckResult(asset_key=asset, check_name=check_name, passed=outcome.success, severity=severity,
                               description=description, metadata=metadata)
