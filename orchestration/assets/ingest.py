"""Ingest: every dump in the landing folder, hashed, into raw.dumps."""

from collections import Counter
from datetime import datetime, timezone

import dagster as dg

from orchestration.assets.common import stage_asset
from orchestration.core.ingest import scan_landing
from orchestration.core.types import DumpRow
from orchestration.resources import LandingResource, WarehouseResource
from orchestration.warehouse import replace_raw_table


@stage_asset("dumps", "ingest", "Scan the landing folder; sha256 each document; identical content is one row (raw.dumps).")
def landed_dumps(
    context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    dumps = scan_landing(landing.landing_dir)
    ingested_at = datetime.now(timezone.utc).replace(tzinfo=None)
    rows = [DumpRow.of(d, ingested_at) for d in dumps]
    with warehouse.connect() as conn:
        count = replace_raw_table(conn, "dumps", rows)
    context.log.info(f"ingested {count} documents from {landing.landing_dir}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": count,
            "bytes": sum(r.byte_size for r in rows),
            "landing_dir": dg.MetadataValue.path(landing.landing_dir),
            "formats": dg.MetadataValue.json(dict(Counter(r.source_format for r in rows))),
        }
    )
