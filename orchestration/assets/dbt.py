"""dbt models (staging -> intermediate -> marts) as Dagster assets; dbt tests become asset checks."""

import graphlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.checks.history import record_dbt_tests
from orchestration.dbt_changes import (
    BuildPlan, LakeFileRows, excluded_nodes, keep_file_rows, known_file_rows, last_build, manifest_sources,
    missing_models, plan_build, project_version, record_build, source_fingerprints, unpublished_build,
)
from orchestration.dbt_project import dbt_project, dbt_translator
from orchestration.resources import DUCKDB_POOL, ComputeResource, WarehouseResource
from orchestration.run_lock import release_warehouse
from orchestration.step_memory import reports_peak_memory


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    pool=DUCKDB_POOL,
)
@reports_peak_memory
def claimgrid_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource,
                         compute: ComputeResource):
    # `build` runs seeds, models, unit tests and data tests in DAG order. Every event is yielded
    # first (so each dbt test shows as an asset check), the tests are recorded in
    # quality.validation_results, and only then does a failed build fail this step, so publish
    # (downstream) never copies a warehouse whose tests did not pass. Error-severity tests are
    # blocking checks too, which fails the step on its own.
    build_vars = {"warehouse_dir": str(warehouse.warehouse_dir), "lake_dir": str(warehouse.lake_path),
                  "duckdb_memory_limit": warehouse.dbt_memory_limit}
    # raw.quarantine, which dbt reads from the warehouse, sees the lake's files; so do the raw
    # views over the lake that the source fingerprints below read
    warehouse.sync_views()
    manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    version = project_version(manifest)
    with warehouse.connect(read_only=True) as conn:
        # the lake's files read only when they changed since the last build
        lake_files = LakeFileRows(warehouse.lake_path, known_file_rows(conn))
        fingerprints = source_fingerprints(conn, manifest_sources(manifest), lake_files)
        plan = plan_build(last_build(conn), version, fingerprints, missing_models(conn, manifest))
    context.log.info(f"dbt sources fingerprinted: {lake_files.files_read} of {len(lake_files.current)} lake files read")
    if context.is_subset:
        plan = BuildPlan(None, plan.changed, "a subset of the models or tests was asked for: built as asked")
    if plan.skips:
        snapshot = warehouse.snapshot_path
        if lake_files.files_read:   # files rewritten with the same rows: not read again next time
            with warehouse.connect() as conn:
                keep_file_rows(conn, lake_files.current)
        with warehouse.connect(read_only=True) as conn:
            unpublished = unpublished_build(conn, snapshot.stat().st_mtime if snapshot.exists() else None)
        if unpublished is None:
            # Nothing downstream runs: the mart checks and publish are skipped, the snapshot stays.
            context.log.info(f"dbt build skipped: {plan.reason}; the marts and the published snapshot stay as they are")
            release_warehouse(warehouse.warehouse_dir, context.run.run_id)
            return
        # The last build never reached the snapshot: its models go to the checks and publish again.
        context.log.info(f"dbt build skipped: {plan.reason}; the build of run {unpublished} was not published yet")
        yield from unchanged_models(context, set(context.selected_asset_keys),
                                    f"unchanged since the build of run {unpublished}, not yet published")
        return
    context.log.info(f"dbt build of {'everything' if plan.select is None else ' '.join(plan.select)}: {plan.reason}")
    # No dbt.log: every event of the build reaches Dagster as JSON on stdout (the run's log); the
    # file's debug copy of them cost a seventh of the build's CPU and 4 MB per run.
    args = ["build", "--vars", json.dumps(build_vars), "--threads", str(max(1, compute.workers)),
            "--log-level-file", "none"]
    if plan.select is not None:
        args += ["--exclude", " ".join(excluded_nodes(manifest, plan.select))]
    invocation = dbt.cli(args, context=context, raise_on_error=False, target_path=warehouse.dbt_target_path)
    # (with_table_row_counts holds every event until the build has ended anyway)
    events = list(with_table_row_counts(context, invocation.stream(), warehouse))
    error = invocation.get_error()
    built = {context.asset_key_for_output(e.output_name) for e in events if isinstance(e, dg.Output)}
    if plan.select is not None and error is None:
        # Models none of whose sources changed are as the last build left them: say so, so
        # publish (which reads them all) runs on this build. They are upstream of nothing that
        # was rebuilt, so they come first, in their own dependency order.
        yield from unchanged_models(context, set(context.selected_asset_keys) - built,
                                    "none of the dbt sources it reads changed since the last build")
    tests = []
    for event in events:
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
        if error is None:
            record_build(conn, context.run.run_id, version, fingerprints, plan, lake_files.current)
    if error is not None:
        failed = [t["test"] for t in tests if not t["passed"]]
        node_errors = errored_nodes(invocation)
        raise dg.Failure(
            description=(f"dbt build failed; failing tests: {failed or 'none'}; "
                         f"errors: {'; '.join(node_errors) or 'none reported'}")[:2000],
            metadata={"failed_tests": dg.MetadataValue.json(failed), "dbt_errors": str(error)[:4000]},
        )


def unchanged_models(context: dg.AssetExecutionContext, keys: set[dg.AssetKey], why: str) -> Iterator[dg.MaterializeResult]:
    """A materialization saying 'not rebuilt' for each of `keys`, in dependency order (Dagster
    wants a multi-asset's outputs in topological order)."""
    deps = context.assets_def.asset_deps
    order = graphlib.TopologicalSorter({key: set(deps.get(key, ())) & keys for key in keys}).static_order()
    for key in order:
        yield dg.MaterializeResult(asset_key=key, metadata={"dbt_rebuilt": False, "why": why})


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
