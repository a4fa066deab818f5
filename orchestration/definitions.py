"""The claimgrid code location: assembles assets, checks, resources, jobs, schedules, sensors."""
import dagster as dg

from orchestration.assets import (
    claim_mentions, claims, clean, dbt, ingest, language, outlets, publish, sentences, stories, text_reuse,
)
from orchestration.checks.asset_checks import all_checks
from orchestration.executors import build_executor
from orchestration.jobs import claimgrid_all, claimgrid_corpus, claimgrid_documents
from orchestration.partitions import SINGLE_RUN
from orchestration.resources import (
    ComputeResource, LandingResource, QuarantinePolicyResource, ReferenceDataResource, WarehouseResource,
    build_dbt_resource,
)
from orchestration.schedules import build_nightly_rebuild
from orchestration.sensors import landing_folder_sensor
from orchestration.settings import Settings, load_settings

# Every asset runs once per run, also in a run over a range of landing days: the document stages
# do each day of the range in one step, the rest once over all days. Declaring it on the
# unpartitioned assets too lets `dagster asset materialize --partition-range` take the whole graph.
all_assets = [
    a.with_attributes(backfill_policy=SINGLE_RUN) if isinstance(a, dg.AssetsDefinition) and a.backfill_policy is None else a
    for a in dg.load_assets_from_modules([ingest, clean, language, outlets, sentences, stories, text_reuse, claims,
                                  claim_mentions, dbt, publish])
]


def build_resources(settings: Settings) -> dict:
    return {
        "warehouse": WarehouseResource(warehouse_dir=str(settings.warehouse_dir), lake_dir=str(settings.lake_path)),
        "landing": LandingResource(
            landing_dir=str(settings.landing_dir),
            claim_catalog=str(settings.claim_catalog) if settings.claim_catalog else None,
            max_dump_bytes=settings.max_dump_bytes,
        ),
        "quarantine_policy": QuarantinePolicyResource(
            max_share=settings.quarantine_max_share, stage_shares=settings.quarantine_stage_shares,
            allowance=settings.quarantine_allowance,
        ),
        "reference": ReferenceDataResource(
            outlet_registry=str(settings.outlet_registry), stance_model=settings.stance_model,
            semantic_matcher=settings.semantic_matcher,
        ),
        "compute": ComputeResource(workers=settings.workers),
        "dbt": build_dbt_resource(),
    }


settings = load_settings()
defs = dg.Definitions(
    assets=all_assets,
    # Every step is in pool "duckdb" (limit 1), so steps run one at a time anyway; the in-process
    # executor still claims pool slots from the instance, and it saves the ~8 s per step that
    # the multiprocess executor spends starting a subprocess (run on the samples: 3m52s -> see README).
    # CLAIMGRID_EXECUTOR=celery: the production profile's workers (orchestration/executors.py).
    executor=build_executor(settings),
    asset_checks=all_checks,
    jobs=[claimgrid_all, claimgrid_documents, claimgrid_corpus],
    schedules=[build_nightly_rebuild(settings.schedule_timezone)],
    sensors=[landing_folder_sensor],
    resources=build_resources(settings),
)
