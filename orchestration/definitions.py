"""The claimgrid code location: assembles assets, checks, resources, jobs, schedules, sensors."""
import dagster as dg

from orchestration.assets import clean, claims, dbt, ingest, language, outlets, publish, sentences
from orchestration.checks.stage_checks import stage_checks
from orchestration.jobs import claimgrid_all
from orchestration.resources import LandingResource, WarehouseResource, build_dbt_resource
from orchestration.schedules import nightly_rebuild
from orchestration.sensors import landing_folder_sensor
from orchestration.settings import Settings, load_settings

all_assets = dg.load_assets_from_modules([ingest, clean, language, outlets, sentences, claims, dbt, publish])
all_checks = stage_checks


def build_resources(settings: Settings) -> dict:
    return {
        "warehouse": WarehouseResource(warehouse_dir=str(settings.warehouse_dir)),
        "landing": LandingResource(
            landing_dir=str(settings.landing_dir),
            claim_catalog=str(settings.claim_catalog) if settings.claim_catalog else None,
        ),
        "dbt": build_dbt_resource(settings.warehouse_dir),
    }


defs = dg.Definitions(
    assets=all_assets,
    asset_checks=all_checks,
    jobs=[claimgrid_all],
    schedules=[nightly_rebuild],
    sensors=[landing_folder_sensor],
    resources=build_resources(load_settings()),
)
