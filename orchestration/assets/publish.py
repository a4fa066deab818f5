"""Publish: write-audit-publish's last step. Runs only when every upstream asset, blocking
check and dbt test of the run passed, and swaps in a fresh read-only snapshot atomically.

Two locks on the door: Dagster does not start this step when a blocking check upstream failed or
the dbt step failed (its tests are blocking checks and a failed build fails the step), and the
step itself audits quality.validation_results before copying anything, so a publish started on
its own after a red run refuses too. Refusing raises before the snapshot file is touched.
"""

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.assets.dbt import MART_KEYS
from orchestration.checks.history import failed_blocking_results
from orchestration.grid import largest_story_grids, preview_markdown
from orchestration.resources import DUCKDB_POOL, WarehouseResource
from orchestration.run_lock import release_warehouse
from orchestration.step_memory import reports_peak_memory
from orchestration.versions import code_version

# one version for the module's assets: the code and data of every stage it holds
VERSION = code_version(__name__)

# What analysts get: marts and quality in full; raw and staging so they can trace a figure back
# to the sentence and segment it came from (raw.dumps without the payload bytes).
PUBLISHED_SCHEMAS = ("marts", "quality", "staging", "raw", "reference")
# DuckDB's memory for the copy: on a copy of the 10k bench warehouse the copy peaked at 0.9-1.1 GB
# unbounded, 0.7 GB under 500MB in the same time (13-15 s); the step process adds what it inherits
PUBLISH_MEMORY_LIMIT = "1GB"
# the grid preview on the asset: the largest story's busiest corner
PREVIEW_CLAIMS, PREVIEW_OUTLETS = 8, 6


def publish_snapshot(live_path: Path, snapshot_path: Path) -> dict[str, int]:
    """Copy the published schemas of the live warehouse into a new file next to the snapshot,
    then rename it over the old one: readers see the old snapshot or the new one, never half."""
    tmp_path = snapshot_path.with_name(snapshot_path.name + ".tmp")
    tmp_path.unlink(missing_ok=True)
    copied: dict[str, int] = {}
    conn = duckdb.connect()  # in-memory: the live file attached read-only, the new file read-write
    spill = snapshot_path.with_name(snapshot_path.name + ".spill")
    try:
        # DuckDB's default memory_limit is 80% of RAM: bounded, the copy keeps the same speed and
        # spills what does not fit next to the snapshot, not in the current directory
        conn.execute(f"SET memory_limit = '{PUBLISH_MEMORY_LIMIT}'")
        conn.execute(f"SET temp_directory = {_sql_string(str(spill))}")
        # attached under its own name: dbt's views refer to the catalog by the file's stem
        live = live_path.stem
        conn.execute(f"ATTACH '{live_path}' AS \"{live}\" (READ_ONLY)")
        conn.execute(f"ATTACH '{tmp_path}' AS snapshot")
        relations = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = ? AND table_schema IN "
            f"({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) ORDER BY 1, 2",
            [live],
        ).fetchall()
        for schema, table in relations:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS snapshot."{schema}"')
            exclude = " EXCLUDE (payload)" if (schema, table) == ("raw", "dumps") else ""
            # views become tables: a view's SQL names the live catalog, which analysts never open
            conn.execute(
                f'CREATE TABLE snapshot."{schema}"."{table}" AS '
                f'SELECT *{exclude} FROM "{live}"."{schema}"."{table}"'
            )
            _copy_comments(conn, live, schema, table)
            copied[f"{schema}.{table}"] = conn.execute(
                f'SELECT count(*) FROM snapshot."{schema}"."{table}"'
            ).fetchone()[0]
        conn.execute("DETACH snapshot")
        conn.execute(f'DETACH "{live}"')
    finally:
        conn.close()
        shutil.rmtree(spill, ignore_errors=True)
    os.chmod(tmp_path, 0o444)
    os.replace(tmp_path, snapshot_path)
    return copied


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy_comments(conn: duckdb.DuckDBPyConnection, live: str, schema: str, table: str) -> None:
    """CREATE TABLE AS copies rows, not comments: carry dbt's persisted descriptions (table or
    view comment, column comments) over to the snapshot table, so analysts read them there."""
    relation_comment = conn.execute(
        "SELECT comment FROM duckdb_tables() WHERE database_name = $1 AND schema_name = $2 AND table_name = $3 "
        "UNION ALL SELECT comment FROM duckdb_views() WHERE database_name = $1 AND schema_name = $2 AND view_name = $3",
        [live, schema, table],
    ).fetchone()
    target = f'snapshot."{schema}"."{table}"'
    if relation_comment and relation_comment[0]:
        conn.execute(f"COMMENT ON TABLE {target} IS {_sql_string(relation_comment[0])}")
    for column, comment in conn.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? AND comment IS NOT NULL",
        [live, schema, table],
    ).fetchall():
        conn.execute(f'COMMENT ON COLUMN {target}."{column}" IS {_sql_string(comment)}')


# the reference and quality schemas are published too: their dbt nodes (the outlet registry seed,
# the last run's quality summary) feed the snapshot like the marts do
PUBLISHED_DBT_KEYS = [*MART_KEYS, dg.AssetKey(["reference", "outlet_registry"]), dg.AssetKey(["quality", "quality_last_run"])]


@dg.asset(
    code_version=VERSION,
    group_name="publish",
    deps=PUBLISHED_DBT_KEYS,
    pool=DUCKDB_POOL,
    kinds={"duckdb"},
    description="Atomically replace warehouse/analytics.duckdb (what analysts open) with the audited warehouse.",
)
@reports_peak_memory
def analytics_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as conn:
        failures = failed_blocking_results(conn)
    if failures:
        first = failures[0]
        raise dg.Failure(
            description=(
                f"not publishing: {len(failures)} blocking expectation(s) failed at their last "
                f"validation; first: {first[1]} on {first[0]}: {first[2]}"
            ),
            metadata={"failed": dg.MetadataValue.json([
                {"step": f[0], "suite": f[1], "expectation": f[2], "unexpected_count": f[3],
                 "examples": f[4], "run_id": f[5]}
                for f in failures
            ])},
        )
    copied = publish_snapshot(warehouse.live_path, warehouse.snapshot_path)
    # prove the published file opens read-only before announcing it
    check = duckdb.connect(str(warehouse.snapshot_path), read_only=True)
    try:
        grid_rows = check.execute("SELECT count(*) FROM marts.fct_outlet_claims").fetchone()[0]
        # what the preview shows of the largest story, not the whole grid (8 M rows at 10k dumps)
        grids, stories = largest_story_grids(check, max_stories=1, max_claims=PREVIEW_CLAIMS, max_outlets=PREVIEW_OUTLETS)
    finally:
        check.close()
    release_warehouse(warehouse.warehouse_dir, context.run.run_id)
    context.log.info(f"published {len(copied)} tables to {warehouse.snapshot_path}")
    return dg.MaterializeResult(
        metadata={
            "snapshot": dg.MetadataValue.path(str(warehouse.snapshot_path)),
            "tables": len(copied),
            "grid_rows": grid_rows,
            "row_counts": dg.MetadataValue.json(copied),
            "dagster/row_count": grid_rows,
            # what the analysts got, at a glance in the UI (cells escaped: claim text is dump text)
            "grid_preview": dg.MetadataValue.md(preview_markdown(grids, stories, PREVIEW_CLAIMS, PREVIEW_OUTLETS)),
        }
    )
