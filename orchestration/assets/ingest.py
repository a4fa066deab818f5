"""Ingest: check the run's configuration, then every dump in the landing folder, hashed, into raw.dumps.

Configuration first (the manifest's lines, the analyst catalog's rows): what cannot be used is
in raw.quarantine (stage `config`) before a single dump is read, and a catalog that cannot be
used at all stops the run here, naming the file and the reason. Files that cannot be read are
quarantined (stage `ingest`) and the rest of the folder is ingested. Ingest also claims the
warehouse for this run (orchestration/run_lock.py): a second run on it is refused here.
"""

from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from orchestration.assets.common import counts, raw_key, stage_multi_asset
from orchestration.assets.quarantine import log_quarantine, quarantine_metadata, write_stage_quarantine
from orchestration.core.claims.catalog import check_catalog
from orchestration.core.ingest import MANIFEST_NAME, list_landed, scan_landing_checked
from orchestration.core.manifest import check_manifest
from orchestration.core.quarantine import ConfigError
from orchestration.core.retraction import manifest_retractions, no_longer_landed, updated_ledger, withhold_retracted
from orchestration.core.types import DumpRow
from orchestration.resources import LandingResource, WarehouseResource
from orchestration.run_lock import WarehouseBusy, claim_warehouse
from orchestration.warehouse import published_rows, read_records, read_table, replace_raw_table

LANDED_COLUMNS = ["document_id", "source_file", "url"]


@stage_multi_asset(
    "landed_dumps", ("dumps", "retractions"), "ingest",
    "Check the manifest and claim catalog; scan the landing folder within size limits; sha256 each "
    "document; identical content is one row (raw.dumps); unreadable files to raw.quarantine; documents "
    "that left the folder or that manifest.jsonl retracts, with when and why (raw.retractions).",
)
def landed_dumps(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    landing_dir = Path(landing.landing_dir)
    try:
        taken_over = claim_warehouse(warehouse.warehouse_dir, context.run.run_id)
    except WarehouseBusy as busy:
        raise dg.Failure(description=str(busy)) from busy
    if taken_over:
        context.log.warning(f"took over the warehouse from run {taken_over.get('run_id')} "
                            f"(pid {taken_over.get('pid')} is gone: killed or ended without publishing)")
    try:
        catalog = check_catalog(landing.claim_catalog)
    except ConfigError as error:
        raise dg.Failure(description=f"configuration: {error}") from error
    manifest = check_manifest(landing_dir, list_landed(landing_dir)[0])
    config_problems = manifest.problems + catalog.problems
    for problem in config_problems:
        context.log.warning(f"config: {problem.source_file} row {problem.record_index}: {problem.detail}")

    scan = scan_landing_checked(landing_dir, manifest.entries, landing.limits)
    manifest_path = landing_dir / MANIFEST_NAME
    retracting = manifest_retractions(manifest_path.read_text(encoding="utf-8", errors="replace")
                                      if manifest_path.is_file() else "")
    dumps, withheld = withhold_retracted(scan.dumps, retracting)
    ingested_at = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [DumpRow.of(d, ingested_at) for d in dumps]
    run_id = context.run.run_id
    # what was landed before: the last ingest's, and what analysts last got (the snapshot), so a
    # removal is recorded even when a run in between ingested nothing or failed before publish
    previous = published_rows(warehouse.snapshot_path, "dumps", LANDED_COLUMNS)
    with warehouse.connect() as conn:
        previous += read_table(conn, "dumps", LANDED_COLUMNS).to_dict("records")
        ledger = updated_ledger(read_records(conn, "retractions"), [*withheld, *no_longer_landed(previous, dumps)],
                                {d.document_id for d in dumps}, ingested_at)
        write_stage_quarantine(conn, "config", config_problems, run_id)
        write_stage_quarantine(conn, "ingest", scan.quarantined, run_id)
        count = replace_raw_table(conn, "dumps", rows)
        replace_raw_table(conn, "retractions", ledger)
    log_quarantine(context, "ingest", scan.quarantined)
    context.log.info(f"ingested {count} documents from {landing.landing_dir}; {len(ledger)} retracted")
    yield dg.MaterializeResult(
        asset_key=raw_key("retractions"),
        metadata={"dagster/row_count": len(ledger),
                  "retracted_this_run": sum(r.retracted_at == ingested_at for r in ledger)},
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("dumps"),
        metadata={
            "dagster/row_count": count,
            "bytes": sum(r.byte_size for r in rows),
            "landing_dir": dg.MetadataValue.path(landing.landing_dir),
            "formats": counts(r.source_format for r in rows),
            "files_seen": scan.files_seen,
            "config_problems": dg.MetadataValue.json([
                {"file": p.source_file, "row": p.record_index, "reason": p.reason, "detail": p.detail[:200]}
                for p in config_problems[:20]
            ]),
            "catalog_encoding": catalog.encoding,
            "catalog_claims": len(catalog.claims),
            **quarantine_metadata(scan.quarantined),
        }
    )
