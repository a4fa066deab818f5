"""Run the whole asset graph in-process against a landing folder and a warehouse folder."""
from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.definitions import all_assets, all_checks, build_resources
from orchestration.landed import landing_day_range
from orchestration.partitions import range_tags
from orchestration.settings import load_settings


def pipeline_resources(landing_dir: Path, warehouse_dir: Path, catalog: Path | None = None,
                       extra_env: dict[str, str] | None = None) -> dict:
    env = {"CLAIMGRID_LANDING_DIR": str(landing_dir), "CLAIMGRID_WAREHOUSE_DIR": str(warehouse_dir),
           **(extra_env or {})}
    if catalog:
        env["CLAIMGRID_CLAIM_CATALOG"] = str(catalog)
    return build_resources(load_settings(env))


def run_pipeline(
    landing_dir: Path,
    warehouse_dir: Path,
    catalog: Path | None = None,
    raise_on_error: bool = True,
    instance: dg.DagsterInstance | None = None,
    selection=None,
    extra_env: dict[str, str] | None = None,
    days: tuple[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """One run over `days` (first, last), by default every landing day of the folder, as `make run` does."""
    return dg.materialize(
        [*all_assets, *all_checks],
        resources=pipeline_resources(landing_dir, warehouse_dir, catalog, extra_env),
        raise_on_error=raise_on_error,
        instance=instance,
        selection=selection,
        tags=range_tags(*(days or landing_day_range(landing_dir))),
    )
