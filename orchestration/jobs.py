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

# The production profile (issue 14) runs the same assets as two jobs, so that a backfill spreads:
# one run per landing day of the partitioned document stages (no DuckDB pool: days run side by
# side, on different Celery workers, each writing its own Parquet partition), then one run of the
# corpus stages, dbt and publish over every day, one DuckDB writer at a time.
DOCUMENT_STAGES = dg.AssetSelection.from_string("kind:parquet")

claimgrid_documents = dg.define_asset_job(
    name="claimgrid_documents",
    selection=DOCUMENT_STAGES,
    description="The document stages of one landing day, into the Parquet lake (a backfill: one run per day).",
    tags={"dagster/max_runtime": str(MAX_RUNTIME_SECONDS)},
)

claimgrid_corpus = dg.define_asset_job(
    name="claimgrid_corpus",
    selection=dg.AssetSelection.all() - DOCUMENT_STAGES,
    description="The corpus stages, dbt and publish over every landing day in the lake.",
    tags={"dagster/max_runtime": str(MAX_RUNTIME_SECONDS)},
)
