"""dbt models (staging -> intermediate -> marts) as Dagster assets; dbt tests become asset checks."""

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.dbt_project import dbt_project
from orchestration.lib.dbt_translator import dbt_translator
from orchestration.resources import DUCKDB_POOL


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    pool=DUCKDB_POOL,
)
def claimgrid_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    # `build` runs seeds, models and tests in DAG order; a failing test fails this step, so
    # publish (downstream) never copies a warehouse whose tests did not pass.
    yield from dbt.cli(["build"], context=context).stream()
