"""Jobs: one that materializes everything, used by the schedule, the sensor and `make run`."""
import dagster as dg

claimgrid_all = dg.define_asset_job(
    name="claimgrid_all",
    selection=dg.AssetSelection.all(),
    description="Ingest the landing folder and rebuild the warehouse; publish only if every gate passes.",
)
