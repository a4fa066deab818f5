"""dbt models (staging -> intermediate -> marts) as Dagster assets; dbt tests become asset checks."""

import json
from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.checks.history import record_dbt_tests
from orchestration.dbt_project import dbt_project, dbt_translator
from orchestration.resources import DUCKDB_POOL, WarehouseResource


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    pool=DUCKDB_POOL,
)
def claimgrid_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    # `build` runs seeds, models, unit tests and data tests in DAG order. Every event is yielded
    # first (so each dbt test shows as an asset check), the tests are recorded in
    # quality.validation_results, and only then does a failed build fail this step, so publish
    # (downstream) never copies a warehouse whose tests did not pass. Error-severity tests are
    # blocking checks too, which fails the step on its own.
    warehouse_vars = json.dumps({"warehouse_dir": str(warehouse.warehouse_dir), "lake_dir": str(warehouse.lake_path)})
    warehouse.sync_views()     # raw.quarantine, which dbt reads from the warehouse, sees the lake's files
    invocation = dbt.cli(["build", "--vars", warehouse_vars], context=context, raise_on_error=False)
    tests = []
    for event in with_table_row_counts(context, invocation.stream(), warehouse):
        if isinstance(event, (dg.AssetCheckResult, dg.AssetCheckEvaluation)):
            failed_rows = (event.metadata or {}).get("dagster_dbt/failed_row_count")
            tests.append({
                "step": event.asset_key.to_user_string() if event.asset_key else "dbt",
                "test": event.check_name, "passed": event.passed,
                "blocking": event.severity == dg.AssetCheckSeverity.ERROR,
                "failed_rows": getattr(failed_rows, "value", failed_rows),
            })
        yield event
    with warehouse.connect() as conn:
        record_dbt_tests(conn, context.run.run_id, tests)
    error = invocation.get_error()
    if error is not None:
        failed = [t["test"] for t in tests if not t["passed"]]
        node_errors = errored_nodes(invocation)
        raise dg.Failure(
            description=(f"dbt build failed; failing tests: {failed or 'none'}; "
                         f"errors: {'; '.join(node_errors) or 'none reported'}")[:2000],
            metadata={"failed_tests": dg.MetadataValue.json(failed), "dbt_errors": str(error)[:4000]},
        )


def errored_nodes(invocation) -> list[str]:
    """`node: message` of every model, seed or unit test dbt reports as errored (a full disk, a
    broken model), so the run's failure says why and not only that."""
    try:
        results = invocation.get_artifact("run_results.json").get("results", [])
    except (OSError, ValueError):   # dbt died before writing its results
        return []
    return [f"{r.get('unique_id')}: {' '.join(str(r.get('message') or '').split())[:300]}"
            for r in results if r.get("status") == "error"]


def with_table_row_counts(context: dg.AssetExecutionContext, events: Iterable[Any], warehouse) -> Iterator[Any]:
    """dbt's events with `dagster/row_count` added to each materialization of a table (views are
    not counted: that would run their SQL again).

    DuckDB admits no reader while dbt writes, so the events are held until the build has ended,
    then counted through one read-only connection that is closed before they are yielded.
    dagster-dbt's own fetch_row_counts() does the same but leaves its in-process dbt adapter
    connection open, and the step's next DuckDB connection then fails ("different configuration").
    """
    held = list(events)
    keys: dict[int, dg.AssetKey] = {}
    for index, event in enumerate(held):
        if isinstance(event, dg.Output):
            keys[index] = context.asset_key_for_output(event.output_name)
        elif isinstance(event, dg.AssetMaterialization):
            keys[index] = event.asset_key
    counts: dict[dg.AssetKey, int] = {}
    if keys:
        with warehouse.connect(read_only=True) as conn:
            tables = set(conn.execute(
                "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
            ).fetchall())
            for key in set(keys.values()):
                relation = (key.path[0], key.path[-1])
                if len(key.path) >= 2 and relation in tables:
                    counts[key] = conn.execute(
                        f'SELECT count(*) FROM "{relation[0]}"."{relation[1]}"'
                    ).fetchone()[0]
    for index, event in enumerate(held):
        key = keys.get(index)
        if key in counts:
            event = event.with_metadata({**(event.metadata or {}), "dagster/row_count": counts[key]})
        yield event


# The marts are the models of dbt_project/models/marts/: their list is dbt's, read from the manifest.
MART_KEYS = sorted((key for key in claimgrid_dbt_models.keys if key.path[0] == "marts"), key=lambda k: k.path)
