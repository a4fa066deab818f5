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
    WAREHOUSE_SCOPE, ValidatedFrame, files_fingerprint, frame_fingerprint, last_validated, record_frames,
    record_validation,
)
from orchestration.corpus_ledger import row_count
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


def frame_scopes(context: dg.AssetCheckExecutionContext, asset: dg.AssetKey) -> list[str]:
    """The frames a gate of `asset` validates in this run: for a document stage, each landing day
    of the run (its raw tables are those days' lake files, so a check validates what the run wrote
    and costs what the run costs, whatever the archive holds; a day is the batch that may stop a
    run, and is remembered on its own); for the rest, the live warehouse."""
    days = run_days(context.run.tags)
    return sorted(set(days)) if asset in LAKE_KEYS and days else [WAREHOUSE_SCOPE]


@contextmanager
def frame_source(warehouse: WarehouseResource, scope: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """Where the frame of a scope is read: one landing day of the lake, or the live warehouse."""
    if scope == WAREHOUSE_SCOPE:
        with warehouse.connect(read_only=True) as conn:
            yield conn
    else:
        with partition_connection(warehouse.lake_path, [scope]) as conn:
            yield conn


# A document stage's gate validates the run's landing days. A day whose files all repeat dumps of
# earlier days (identical content is one document, kept in the first day it landed) has no dump
# of its own, so every stage's frame of it is empty: nothing new, not a broken stage (the
# row-count minimum of the suites is for a stage that wrote nothing from what it was given). Days
# with no dump and no such repeat (an empty landing folder, every file unreadable or retracted)
# still fail that minimum.
NOTHING_NEW = ("Nothing to validate: every dump that landed on the run's days repeats one kept on an "
               "earlier day.")


# A corpus stage's gate validates the rows of the stage's last write (gates.LastBatch). A write
# with no row in the table (new documents that carry no claim, a removal) leaves nothing to
# validate: it passes when the table holds rows. An empty table still fails its row minimum.
NO_ROWS_IN_LAST_WRITE = "Nothing to validate: the stage's last write left no row in this table; earlier rows stay."


def _why_empty(source: duckdb.DuckDBPyConnection, warehouse: WarehouseResource, gate: Gate, scope: str) -> str | None:
    """Why an empty frame has nothing to validate (NOTHING_NEW, NO_ROWS_IN_LAST_WRITE), or None
    when its emptiness is for the suite to judge."""
    if scope != WAREHOUSE_SCOPE:
        return NOTHING_NEW if only_repeats_landed(source, warehouse.lake_path, [scope]) else None
    # a corpus gate's asset is its raw table (raw/claims: raw.claims)
    if gate.batch is not None and row_count(source, gate.asset.split("/")[1]) > 0:
        return NO_ROWS_IN_LAST_WRITE
    return None


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


def _plain(metadata: dict) -> dict:
    return {k: (v.value if isinstance(v, dg.MetadataValue) else v) for k, v in metadata.items()}


def _validate_scope(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, gate: Gate,
                    scope: str, suite_file: bytes | None, previous: ValidatedFrame | None,
                    ) -> tuple[ValidatedFrame, ValidationOutcome | None]:
    """The outcome of the gate on one scope's frame: the remembered one when the frame and suite
    are those of its last validation, else GX's (returned too, to be recorded)."""
    run_id = context.run.run_id
    # A landing day is fingerprinted by its lake files (their rows are not hashed again: 1 M
    # segment rows at 10k dumps; nothing is opened for a day remembered), the warehouse by the
    # frame's rows. A gate comparing with the published snapshot reads two files: always validated.
    fingerprint = "" if suite_file is None or scope == WAREHOUSE_SCOPE else files_fingerprint(
        partition_files_key(warehouse.lake_path, [scope], tables_read(gate.query)), gate.query, suite_file)
    if previous is not None and fingerprint and previous.fingerprint == fingerprint:
        return previous, None
    with frame_source(warehouse, scope) as source:
        if suite_file is not None and scope == WAREHOUSE_SCOPE:
            fingerprint = frame_fingerprint(source, gate.frame_query(source), suite_file)
            if previous is not None and previous.fingerprint == fingerprint:
                return previous, None
        if gate.compare_with_published:
            with published_snapshot(warehouse) as published:
                frame = gate.frame(source, published)
        else:
            frame = gate.frame(source)
        if frame.empty and (empty_because := _why_empty(source, warehouse, gate, scope)):
            return ValidatedFrame(run_id, fingerprint, True, empty_because,
                                  {"suite": gate.suite_name, "rows_validated": 0}), None
    outcome = validate_frame(gate.suite_name, frame)
    description = None if outcome.success else failure_summary(outcome)
    return ValidatedFrame(run_id, fingerprint, outcome.success, description, _plain(check_metadata(outcome))), outcome


def combined_result(gate: Gate, frames: dict[str, ValidatedFrame], run_id: str) -> tuple[bool, str | None, dict]:
    """One check result from the outcomes of every scope: passed when every one passed; with
    several landing days, rows summed and each failure naming its day."""
    if len(frames) == 1:
        ((scope, frame),) = frames.items()
        metadata = dict(frame.metadata)
        if scope != WAREHOUSE_SCOPE:
            metadata["landing_days"] = scope
        if frame.run_id != run_id:
            metadata["unchanged_since_run"] = frame.run_id
        return frame.success, frame.description, metadata
    failed = {day: f for day, f in frames.items() if not f.success}
    failures = [{"landing_day": day, **failure} for day, f in failed.items() for failure in f.metadata.get("failures", [])]
    metadata = {
        "suite": gate.suite_name,
        "rows_validated": sum(f.metadata.get("rows_validated") or 0 for f in frames.values()),
        "landing_days": ", ".join(frames)[:400],
        "landing_days_validated": sum(f.run_id == run_id for f in frames.values()),
        "landing_days_failed": len(failed),
        "expectations": max(f.metadata.get("expectations", 0) for f in frames.values()),
        "expectations_failed": len({failure["expectation"] for failure in failures}),
    }
    if failures:
        metadata["failures"] = failures[:MAX_FAILURES_IN_METADATA]
    if all(f.run_id != run_id for f in frames.values()):
        # every day as earlier runs left it: nothing was validated again
        metadata["unchanged_since_run"] = ", ".join(sorted({f.run_id for f in frames.values()}))[:400]
    if failed:
        description = f"{len(failed)} of {len(frames)} landing days failed: " + "; ".join(
            f"{day}: {f.description}" for day, f in list(failed.items())[:3])
    elif all(f.description == NOTHING_NEW for f in frames.values()):
        description = NOTHING_NEW
    else:
        description = None
    return not failed, description, metadata


def evaluate_gate(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                  gate: Gate) -> dg.AssetCheckResult:
    """Validate each of the gate's frames with its suite (unless remembered), record every
    outcome, say what failed."""
    asset = dg.AssetKey.from_user_string(gate.asset)
    check_name = f"gx_{gate.suite_name}"
    severity = dg.AssetCheckSeverity.ERROR if gate.blocking else dg.AssetCheckSeverity.WARN
    suite_file = None if gate.compare_with_published else (SUITES_DIR / f"{gate.suite_name}.json").read_bytes()
    remembered: dict[str, ValidatedFrame] = {}
    if suite_file is not None:
        with warehouse.connect(read_only=True) as conn:
            remembered = last_validated(conn, gate.asset, gate.suite_name)
    frames: dict[str, ValidatedFrame] = {}
    outcomes: dict[str, ValidationOutcome] = {}
    for scope in frame_scopes(context, asset):
        frames[scope], outcome = _validate_scope(context, warehouse, gate, scope, suite_file, remembered.get(scope))
        if outcome is not None:
            outcomes[scope] = outcome
    new_frames = {scope: f for scope, f in frames.items() if f.run_id == context.run.run_id}
    if new_frames:
        with warehouse.connect() as conn:
            for outcome in outcomes.values():
                record_validation(conn, context.run.run_id, gate.asset, outcome, blocking=gate.blocking)
            if suite_file is not None:
                record_frames(conn, gate.asset, gate.suite_name, new_frames)
    log = context.log.error if gate.blocking else context.log.warning
    for scope, outcome in outcomes.items():
        # the run log names the check and its first failing rows (sanitised values)
        for failure in outcome.failed[:3]:
            log(
                f"{check_name} on {gate.asset}{'' if scope == WAREHOUSE_SCOPE else f' ({scope})'}: {failure.expectation} failed"
                f" ({failure.unexpected_count or 0} unexpected); first: {failure.examples[:3]}"
                f" observed={failure.observed_value}"
            )
    passed, description, metadata = combined_result(gate, frames, context.run.run_id)
    if gate.batch is not None:
        metadata["frame"] = f"the rows of corpus stage {gate.batch.stage}'s last write"
    if "failures" in metadata:
        metadata["failures"] = dg.MetadataValue.json(metadata["failures"])
    return dg.AssetCheckResult(asset_key=asset, check_name=check_name, passed=passed, severity=severity,
                               description=description, metadata=metadata)
