"""Ingest: every dump of a landing day, hashed, into that day's raw.dumps partition; then, over
all days, the run's configuration and what was retracted.

Each landing day (orchestration/core/landing_days.py) is ingested on its own: the files of that
day are read, identical content is one row, a document already landed on another day stays
there, and files that cannot be read are quarantined (stage `ingest`) with the rest of the day
ingested. Configuration (the manifest's lines, the analyst catalog's rows) is checked by the
unpartitioned retractions asset: what cannot be used is in raw.quarantine (stage `config`), and a
catalog that cannot be used at all stops the run, naming the file and the reason. A run that
will write the DuckDB warehouse claims it at its first step (orchestration/run_lock.py): a
second such run is refused there; runs of the document stages alone write only their days of
the lake and run side by side.
"""

from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from orchestration.assets.common import counts, partition_days, raw_key, stage_asset, stage_version, step_function
from orchestration.assets.quarantine import log_quarantine, quarantine_metadata, write_stage_quarantine
from orchestration.core.claims.catalog import check_catalog
from orchestration.core.ingest import MANIFEST_NAME, day_inputs_key, scan_landing_checked
from orchestration.core.landing_days import file_days, landing_name, manifest_entry
from orchestration.core.quarantine import ConfigError
from orchestration.core.retraction import manifest_retractions, no_longer_landed, updated_ledger, withhold_retracted
from orchestration.core.types import DumpRow
from orchestration.incremental import landed_day_current, replace_day_quarantine, write_landed_day
from orchestration.lake import LAKE_TABLES
from orchestration.resources import DUCKDB_POOL, LandingResource, WarehouseResource
from orchestration.run_lock import WarehouseBusy, claim_warehouse
from orchestration.versions import code_version
from orchestration.warehouse import published_rows, read_records, replace_raw_table

LANDED_COLUMNS = ["document_id", "source_file", "url", "content_sha256"]


def _catalog(landing: LandingResource):
    try:
        return check_catalog(landing.claim_catalog)
    except ConfigError as error:
        raise dg.Failure(description=f"configuration: {error}") from error


LAKE_KEYS = {raw_key(table) for table in LAKE_TABLES}


def claim_for_run(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> None:
    """Claim the warehouse for this run when the run will write the DuckDB file (its selection
    reaches past the lake's stages); a run of the document stages alone writes only its days of
    the lake and runs beside others. A stale claim is taken over: its run has ended as the
    instance records it (on any machine), or, for a run of another instance, its process is gone."""
    if set(context.job_def.asset_layer.selected_asset_keys) <= LAKE_KEYS:
        return
    try:
        taken_over = claim_warehouse(warehouse.warehouse_dir, context.run.run_id,
                                     run_state=lambda run_id: run_state(context.instance, run_id))
    except WarehouseBusy as busy:
        raise dg.Failure(description=str(busy)) from busy
    if taken_over:
        context.log.warning(f"took over the warehouse from run {taken_over.get('run_id')} "
                            f"(it ended without publishing, or its process pid {taken_over.get('pid')} is gone)")


def run_state(instance: dg.DagsterInstance, run_id: str) -> str | None:
    """What the instance records of a run holding the warehouse (run_lock.RunState)."""
    run = instance.get_run_by_id(run_id) if run_id else None
    if run is None:
        return None
    return "ended" if run.is_finished else "running"


def _retracting(landing_dir: Path) -> dict[str, dict]:
    manifest_path = landing_dir / MANIFEST_NAME
    return manifest_retractions(manifest_path.read_text(encoding="utf-8", errors="replace")
                                if manifest_path.is_file() else "")


@stage_asset(
    "dumps", "ingest",
    "Scan the landing day's files within size limits; sha256 each document; identical content is one "
    "row, kept in the first day it landed; unreadable files to raw.quarantine; files manifest.jsonl "
    "retracts are withheld. A day whose files (size, modification time), manifest lines and retractions "
    "are those its rows were made from is not read again.",
    partitioned=True,
)
def landed_dumps(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    landing_dir = Path(landing.landing_dir)
    claim_for_run(context, warehouse)
    _catalog(landing)      # a catalog that cannot be used at all stops the run before any work
    files, outside, manifest = landing.landed()
    day_of = file_days(landing_dir, files + outside, manifest.entries, datetime.now(timezone.utc).date())
    retracting = _retracting(landing_dir)
    ingested_at = datetime.now(timezone.utc).replace(tzinfo=None)
    lake, run_id = warehouse.lake_path, context.run.run_id
    # a day's dumps are held while it is written, never the range's: only their counts are kept
    written, size, formats, quarantined, files_seen, withheld, unchanged = 0, 0, Counter(), [], 0, 0, []
    for day in partition_days(context):
        day_files = {path for path, d in day_of.items() if d == day}
        inputs_key = day_inputs_key(landing_dir, day_files, manifest.entries, retracting, landing.limits,
                                    stage_version(context))
        current = landed_day_current(lake, day, inputs_key)
        if current is not None:
            # its files, their manifest lines and retractions are as when its rows were written:
            # not read again (what they quarantined stays in the day's quarantine file)
            unchanged.append(day)
            written += len(current)
            size += sum(byte_size for byte_size, _ in current)
            formats.update(source_format for _, source_format in current)
            files_seen += len(day_files)
            continue
        scan = scan_landing_checked(landing_dir, manifest.entries, landing.limits, only=day_files)
        dumps, retracted = withhold_retracted(scan.dumps, retracting)
        day_rows = write_landed_day(lake, day, [DumpRow.of(d, ingested_at) for d in dumps], inputs_key)
        replace_day_quarantine(lake, day, "ingest", scan.quarantined, run_id)
        written += len(day_rows)
        size += sum(r.byte_size for r in day_rows)
        formats.update(r.source_format for r in day_rows)
        quarantined += scan.quarantined
        files_seen += scan.files_seen
        withheld += len(retracted)
        del scan, dumps, day_rows
    log_quarantine(context, "ingest", quarantined)
    context.log.info(f"ingested {written} documents from {landing.landing_dir}; {withheld} withheld as retracted")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": written,
            "bytes": size,
            "landing_dir": dg.MetadataValue.path(landing.landing_dir),
            "landing_days": ", ".join(partition_days(context))[:400],
            "formats": counts(formats.elements()),
            "files_seen": files_seen,
            "landing_days_not_read_again": ", ".join(unchanged)[:400],
            "withheld_as_retracted": withheld,
            **quarantine_metadata(quarantined),
        }
    )


@dg.asset(
    key=raw_key("retractions"),
    group_name="ingest",
    deps=[raw_key("dumps")],
    pool=DUCKDB_POOL,
    kinds={"python", "duckdb"},
    code_version=code_version(__name__),
    description="Check the manifest and claim catalog (problems to raw.quarantine); documents that left the "
                "landing folder or that manifest.jsonl retracts, with when and why (raw.retractions).",
)
@step_function
def retractions(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    landing_dir = Path(landing.landing_dir)
    claim_for_run(context, warehouse)     # claimed at ingest already when the run has both
    catalog = _catalog(landing)
    files, _, manifest = landing.landed()
    config_problems = manifest.problems + catalog.problems
    for problem in config_problems:
        context.log.warning(f"config: {problem.source_file} row {problem.record_index}: {problem.detail}")
    retracting = _retracting(landing_dir)
    # only the files the manifest retracts are read, for the ids of the documents they held (a
    # manifest that retracts nothing: no file is looked up, 0.25 s at 97k files)
    retracted_files = {p for p in files if manifest_entry(retracting, landing_name(p, landing_dir))} if retracting else set()
    withheld = withhold_retracted(scan_landing_checked(landing_dir, manifest.entries, landing.limits,
                                                       only=retracted_files).dumps, retracting)[1] if retracted_files else []
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    # what analysts last got (the snapshot) against what every landing day now holds
    previous = published_rows(warehouse.snapshot_path, "dumps", LANDED_COLUMNS)
    with warehouse.connect() as conn:
        landed = list(conn.execute("SELECT document_id, source_file, content_sha256 FROM raw.dumps").df()
                      .itertuples(index=False))
        ledger = updated_ledger(read_records(conn, "retractions"), [*withheld, *no_longer_landed(previous, landed)],
                                {d.document_id for d in landed}, now)
        write_stage_quarantine(conn, "config", config_problems, context.run.run_id)
        replace_raw_table(conn, "retractions", ledger)
    context.log.info(f"{len(ledger)} documents retracted")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(ledger),
        "retracted_this_run": sum(r.retracted_at == now for r in ledger),
        "config_problems": dg.MetadataValue.json([
            {"file": p.source_file, "row": p.record_index, "reason": p.reason, "detail": p.detail[:200]}
            for p in config_problems[:20]
        ]),
        "catalog_encoding": catalog.encoding,
        "catalog_claims": len(catalog.claims),
    })
