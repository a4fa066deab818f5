"""Jobs: one that materializes everything, used by the schedule, the sensor and `make run`.

Its document stages are partitioned by landing day, so every run names its days: one partition
(the schedule, the sensor), or a range (`make run`, a backfill); the corpus stages, dbt and
publish run once per run over every day."""
import dagster as dg

# A nightly run on a day's dumps takes minutes; one still going after this many seconds hangs,
# and run monitoring (ops/dagster.yaml) fails it so the next night's run is not queued behind it.
MAX_RUNTIME_SECONDS = 6 * 3600

claimgrid_all = dg.define_asset_job(
    name="claimgrid_all",
    selection=dg.AssetSelection.all(),
    description="Ingest the run's landing days, bring the warehouse up to date; publish only if every gate passes.",
    tags={"dagster/max_runtime": str(MAX_RUNTIME_SECONDS)},
)
