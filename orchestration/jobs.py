"""Jobs: one that materializes everything, used by the schedule, the sensor and `make run`."""
import dagster as dg

# A nightly run on a day's dumps takes minutes; one still going after this many seconds hangs,
# and run monitoring (ops/dagster.yaml) fails it so the next night's run is not queued behind it.
MAX_RUNTIME_SECONDS = 6 * 3600

claimgrid_all = dg.define_asset_job(
    name="claimgrid_all",
    selection=dg.AssetSelection.all(),
    description="Ingest the landing folder and rebuild the warehouse; publish only if every gate passes.",
    tags={"dagster/max_runtime": str(MAX_RUNTIME_SECONDS)},
)
