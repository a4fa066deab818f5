"""Ingest: every dump in the landing folder, hashed, into raw.dumps; documents no longer landed
or retracted in the manifest into the retraction ledger raw.retractions."""

from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from orchestration.assets.common import raw_key, stage_multi_asset
from orchestration.core.ingest import read_manifest, scan_landing
from orchestration.core.retraction import no_longer_landed, updated_ledger, withhold_retracted
from orchestration.core.types import DumpRow
from orchestration.resources import LandingResource, WarehouseResource
from orchestration.warehouse import published_rows, read_records, read_table, replace_raw_table

LANDED_COLUMNS = ["document_id", "source_file", "url"]


@stage_multi_asset("landed_dumps", ("dumps", "retractions"), "ingest",
                   "Scan the landing folder: sha256 each document, identical content is one row (raw.dumps); "
                   "documents that left the folder or that manifest.jsonl retracts, with when and why "
                   "(raw.retractions, kept across runs).")
def landed_dumps(context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource):
    dumps, withheld = withhold_retracted(scan_landing(landing.landing_dir), read_manifest(Path(landing.landing_dir)))
    ingested_at = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [DumpRow.of(d, ingested_at) for d in dumps]
    # what was landed before: the last ingest's, and what analysts last got (the snapshot), so a
    # removal is recorded even when a run in between ingested nothing or failed before publish
    previous = published_rows(warehouse.snapshot_path, "dumps", LANDED_COLUMNS)
    with warehouse.connect() as conn:
        previous += read_table(conn, "dumps", LANDED_COLUMNS).to_dict("records")
        ledger = updated_ledger(
            read_records(conn, "retractions"),
            [*withheld, *no_longer_landed(previous, dumps)],
            {d.document_id for d in dumps}, ingested_at,
        )
        count = replace_raw_table(conn, "dumps", rows)
        replace_raw_table(conn, "retractions", ledger)
    context.log.info(f"ingested {count} documents from {landing.landing_dir}; {len(ledger)} retracted")
    yield dg.MaterializeResult(
        asset_key=raw_key("retractions"),
        metadata={
            "dagster/row_count": len(ledger),
            "retracted_this_run": sum(r.retracted_at == ingested_at for r in ledger),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("dumps"),
        metadata={
            "dagster/row_count": count,
            "bytes": sum(r.byte_size for r in rows),
            "landing_dir": dg.MetadataValue.path(landing.landing_dir),
            "formats": dg.MetadataValue.json(dict(Counter(r.source_format for r in rows))),
        },
    )
