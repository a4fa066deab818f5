"""Publish: write-audit-publish's last step. Runs only when every upstream asset, blocking
check and dbt test of the run passed, and swaps in a fresh read-only snapshot atomically.

Two locks on the door: Dagster does not start this step when a blocking check upstream failed or
the dbt step failed (its tests are blocking checks and a failed build fails the step), and the
step itself audits quality.validation_results before copying anything, so a publish started on
its own after a red run refuses too. Refusing raises before the snapshot file is touched.
The lake's tables are published as views over hard links to their files
(docs/decisions/0025-the-snapshot-links-the-lake.md).
"""

import os
import re
import shutil
import time
import uuid
from pathlib import Path

import dagster as dg
import duckdb

from orchestration.assets.dbt import MART_KEYS
from orchestration.checks.history import failed_blocking_results
from orchestration.grid import largest_story_grids, preview_markdown
from orchestration.lake import LAKE_TABLES, folder_files, select_from
from orchestration.resources import DUCKDB_POOL, WarehouseResource
from orchestration.run_lock import release_warehouse
from orchestration.step_memory import reports_peak_memory
from orchestration.versions import code_version
from orchestration.warehouse import RAW_SCHEMA, sql_string, table_columns

# one version for the module's assets: the code and data of every stage it holds
VERSION = code_version(__name__)

# What analysts get: marts and quality in full; raw and staging so they can trace a figure back
# to the sentence and segment it came from (raw.dumps without the payload bytes).
PUBLISHED_SCHEMAS = ("marts", "quality", "staging", "raw", "reference")
# dbt's views stay views in the snapshot, over the snapshot's own tables: copied as rows they
# doubled it (stg_segments is raw.segments again: 1.2 GB of the 10k bench's snapshot was mostly
# the segment ledger twice). Quality's view is read at publish time, so it is copied as rows.
VIEW_SCHEMAS = ("staging",)
# DuckDB's memory for the copy is bounded (WarehouseResource.snapshot_memory_limit): on a copy of
# the 10k bench warehouse the copy peaked at 0.9-1.1 GB unbounded, 0.7 GB under 500MB in the same
# time (13-15 s); the step process adds what it inherits.
# Threads: DuckDB's default, every core. One thread was tried (c2a6d52): on the 10k bench
# warehouse the parallel ordered inserts leave 40% of the new file as free blocks (765 MB against
# 452 MB, 7.1 s against 6.1-6.6 s), but on the 100k one there are none either way (4.5 GB) and one
# thread takes 50.6-51.8 s against 31.9-34.0 s (alternated on an idle machine,
# /tmp/s14/publish_threads100k.py). Rows keep the live tables' order either way.
# The lake tables are not copied: each publish hard-links the lake's files into a folder of its
# own beside the snapshot and the snapshot's raw.<table> is a view over them (decision 0025).
# Lake files are never written in place, only replaced by a rename, so a linked file stays what
# it was when published. Two publishes' folders are kept: the snapshot's and the one a reader
# who opened the previous snapshot still reads.
PUBLISHED_LAKES_KEPT = 2
# what the snapshot leaves out of a raw table, a view or a copy: the dumps' bytes
UNPUBLISHED_COLUMNS = {"dumps": ("payload",)}
# the grid preview on the asset: the largest story's busiest corner
PREVIEW_CLAIMS, PREVIEW_OUTLETS = 8, 6


def published_lakes(snapshot_path: Path) -> Path:
    """The folder holding each publish's links to the lake files, beside the snapshot."""
    return snapshot_path.with_name(snapshot_path.stem + ".lake")


def publish_snapshot(live_path: Path, snapshot_path: Path, lake_path: Path,
                     memory_limit: str) -> tuple[dict[str, int], list[str]]:
    """Copy the published schemas of the live warehouse into a new file next to the snapshot,
    then rename it over the old one: readers see the old snapshot or the new one, never half.
    The lake's tables are views over this publish's links to their files, not copies.
    Returns the row count of every published relation, and which of them are views."""
    tmp_path = snapshot_path.with_name(snapshot_path.name + ".tmp")
    tmp_path.unlink(missing_ok=True)
    # named by time first, so the newest publishes sort last
    linked_lake = published_lakes(snapshot_path) / f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
    copied: dict[str, int] = {}
    as_views: list[str] = []
    conn = duckdb.connect()  # in-memory: the live file attached read-only, the new file read-write
    spill = snapshot_path.with_name(snapshot_path.name + ".spill")
    published = False
    try:
        # DuckDB's default memory_limit is 80% of RAM: bounded, the copy keeps the same speed and
        # spills what does not fit next to the snapshot, not in the current directory
        conn.execute(f"SET memory_limit = {sql_string(memory_limit)}")
        conn.execute(f"SET temp_directory = {sql_string(str(spill))}")
        # attached under its own name: dbt's views refer to the catalog by the file's stem
        live = live_path.stem
        conn.execute(f"ATTACH '{live_path}' AS \"{live}\" (READ_ONLY)")
        conn.execute(f"ATTACH '{tmp_path}' AS snapshot")
        relations = conn.execute(
            "SELECT table_schema, table_name, table_type = 'VIEW' FROM information_schema.tables "
            "WHERE table_catalog = ? AND table_schema IN "
            f"({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) ORDER BY 1, 2",
            [live],
        ).fetchall()
        for schema in sorted({schema for schema, _, _ in relations}):
            conn.execute(f'CREATE SCHEMA snapshot."{schema}"')
        deferred = [(schema, name) for schema, name, is_view in relations if is_view and schema in VIEW_SCHEMAS]
        for schema, table, is_view in relations:
            if (schema, table) in deferred:
                continue
            rows = (_linked_lake_view(conn, live, Path(lake_path), linked_lake, table)
                    if is_view and schema == RAW_SCHEMA and table in LAKE_TABLES else None)
            if rows is None:
                _copy_table(conn, live, schema, table)
            else:
                as_views.append(f"{schema}.{table}")
                copied[f"{schema}.{table}"] = rows
        # dbt's views over what was just copied, once each can bind (an int_ view reads stg_ views)
        unbound = deferred
        while unbound:
            outcomes = {relation: _portable_view(conn, live, lake_path, *relation) for relation in unbound}
            for (schema, view), rows in outcomes.items():
                if rows is not None and rows != NOT_PORTABLE:
                    as_views.append(f"{schema}.{view}")
                    copied[f"{schema}.{view}"] = rows
            if not any(rows is not None for rows in outcomes.values()):
                break
            unbound = [relation for relation, rows in outcomes.items() if rows is None]
        for schema, table in deferred:       # a view that does not carry over is copied as rows
            if f"{schema}.{table}" not in as_views:
                _copy_table(conn, live, schema, table)
        for schema, table, _ in relations:
            name = f"{schema}.{table}"
            _copy_comments(conn, live, schema, table, "VIEW" if name in as_views else "TABLE")
            if name not in copied:
                copied[name] = conn.execute(f'SELECT count(*) FROM snapshot."{schema}"."{table}"').fetchone()[0]
        conn.execute("DETACH snapshot")
        conn.execute(f'DETACH "{live}"')
        os.chmod(tmp_path, 0o444)
        os.replace(tmp_path, snapshot_path)
        published = True
    finally:
        conn.close()
        shutil.rmtree(spill, ignore_errors=True)
        if not published:
            shutil.rmtree(linked_lake, ignore_errors=True)
    _drop_old_lakes(published_lakes(snapshot_path))
    return copied, sorted(as_views)


def _linked_lake_view(conn: duckdb.DuckDBPyConnection, live: str, lake: Path, linked_lake: Path, table: str) -> int | None:
    """Create the snapshot's raw.<table> as a view over links to the lake table's files and
    return its rows; None (nothing created) when the live relation is not that lake table (a
    warehouse from before the lake, another lake): then it is copied as rows."""
    files = []
    for source in folder_files(lake, table):
        target = linked_lake / source.relative_to(lake)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:         # another file system, or one without hard links: a file copy
            shutil.copy2(source, target)
        files.append(target)
    left_out = UNPUBLISHED_COLUMNS.get(table, ())
    columns = {name: kind for name, kind in table_columns(table).items() if name not in left_out}
    target = f'snapshot."{RAW_SCHEMA}"."{table}"'
    conn.execute(f"CREATE VIEW {target} AS {select_from(files, columns)}")
    rows = conn.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
    live_columns = [c for c in _columns(conn, live, RAW_SCHEMA, table) if c[0] not in left_out]
    if (_columns(conn, "snapshot", RAW_SCHEMA, table) != live_columns
            or conn.execute(f'SELECT count(*) FROM "{live}"."{RAW_SCHEMA}"."{table}"').fetchone()[0] != rows):
        conn.execute(f"DROP VIEW {target}")
        return None
    return rows


def _drop_old_lakes(lakes: Path) -> None:
    """Remove the links of all but the newest PUBLISHED_LAKES_KEPT publishes (and of a publish
    that died before its rename, which sorts older than the next one)."""
    folders = sorted(p for p in lakes.iterdir() if p.is_dir()) if lakes.is_dir() else []
    for folder in folders[:-PUBLISHED_LAKES_KEPT]:
        shutil.rmtree(folder, ignore_errors=True)


def portable_view_sql(view_sql: str, live_catalog: str, lake_root: str) -> str | None:
    """The SELECT of a live view (duckdb_views().sql) as it reads in the snapshot: the live
    catalog's qualifier dropped (a view binds to its own catalog) and every scan of a lake table
    replaced by that table, which the snapshot holds as rows. None when it is not a plain view."""
    head = re.match(r"\s*CREATE VIEW [\w.\"]+ AS\s", view_sql)
    if head is None:
        return None
    select = view_sql[head.end():].strip().removesuffix(";")
    select = _lake_scan(lake_root).sub(lambda m: f'raw."{m.group(1)}"', select)
    qualifier = re.compile(rf'(?<![\w."])(?:"{re.escape(live_catalog)}"|{re.escape(live_catalog)})\.(?=["\w])')
    # outside string literals only (the odd parts of the split)
    parts = re.split(r"('(?:[^']|'')*')", select)
    return "".join(part if i % 2 else qualifier.sub("", part) for i, part in enumerate(parts))


def _lake_scan(lake_root: str) -> re.Pattern:
    """A scan of a lake table in a view's SQL (group 1: the table), as dbt's sources write it."""
    return re.compile(r"read_parquet\('" + re.escape(lake_root.rstrip("/")) + r"/(\w+)/[^']*'"
                      r"(?:[^()']|\((?:[^()]|\([^()]*\))*\))*\)")


def _copy_table(conn: duckdb.DuckDBPyConnection, live: str, schema: str, table: str) -> None:
    left_out = UNPUBLISHED_COLUMNS.get(table, ()) if schema == RAW_SCHEMA else ()
    exclude = f" EXCLUDE ({', '.join(left_out)})" if left_out else ""
    # a view becomes a table here: its SQL names the live catalog, which analysts never open
    conn.execute(f'CREATE TABLE snapshot."{schema}"."{table}" AS SELECT *{exclude} FROM "{live}"."{schema}"."{table}"')


def _columns(conn: duckdb.DuckDBPyConnection, catalog: str, schema: str, name: str) -> list[tuple[str, str]]:
    return conn.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = ? "
                        "AND schema_name = ? AND table_name = ? ORDER BY column_index", [catalog, schema, name]).fetchall()


# _portable_view's answer for a view that binds but differs from the live one: copy its rows
NOT_PORTABLE = -1


def _portable_view(conn: duckdb.DuckDBPyConnection, live: str, lake_path: Path, schema: str, view: str) -> int | None:
    """Create the live view `schema.view` in the snapshot over the snapshot's own relations and
    return its rows; None while it does not bind (it may read a view not made yet), NOT_PORTABLE
    (view dropped) when it lacks the live view's columns, or the rows of a lake table it scans,
    or its SQL is not a plain view."""
    (view_sql,) = conn.execute("SELECT sql FROM duckdb_views() WHERE database_name = ? AND schema_name = ? "
                               "AND view_name = ?", [live, schema, view]).fetchone()
    select = portable_view_sql(view_sql, live, str(lake_path))
    if select is None:
        return NOT_PORTABLE
    target = f'snapshot."{schema}"."{view}"'
    try:
        conn.execute(f"CREATE VIEW {target} AS {select}")
    except duckdb.Error:
        return None
    rows = conn.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
    # Rows are compared only where a lake scan was replaced by the snapshot's table: a view that
    # reads other relations reads their published copies or links, checked themselves, with the
    # same SQL. (Counting the live int_claim_mentions again was 0.9 s of each publish at 100k.)
    if (_columns(conn, "snapshot", schema, view) != _columns(conn, live, schema, view)
            or (_lake_scan(str(lake_path)).search(view_sql) is not None
                and conn.execute(f'SELECT count(*) FROM "{live}"."{schema}"."{view}"').fetchone()[0] != rows)):
        conn.execute(f"DROP VIEW {target}")
        return NOT_PORTABLE
    return rows


def _copy_comments(conn: duckdb.DuckDBPyConnection, live: str, schema: str, table: str,
                   kind: str = "TABLE") -> None:
    """CREATE TABLE AS copies rows, not comments: carry dbt's persisted descriptions (table or
    view comment, column comments) over to the snapshot relation (a `kind`), so analysts read
    them there."""
    relation_comment = conn.execute(
        "SELECT comment FROM duckdb_tables() WHERE database_name = $1 AND schema_name = $2 AND table_name = $3 "
        "UNION ALL SELECT comment FROM duckdb_views() WHERE database_name = $1 AND schema_name = $2 AND view_name = $3",
        [live, schema, table],
    ).fetchone()
    target = f'snapshot."{schema}"."{table}"'
    if relation_comment and relation_comment[0]:
        conn.execute(f"COMMENT ON {kind} {target} IS {sql_string(relation_comment[0])}")
    for column, comment in conn.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? AND comment IS NOT NULL",
        [live, schema, table],
    ).fetchall():
        conn.execute(f'COMMENT ON COLUMN {target}."{column}" IS {sql_string(comment)}')


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
    copied, views = publish_snapshot(warehouse.live_path, warehouse.snapshot_path, warehouse.lake_path,
                                     warehouse.snapshot_memory_limit)
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
            "published_as_views": dg.MetadataValue.json(views),
            "dagster/row_count": grid_rows,
            # what the analysts got, at a glance in the UI (cells escaped: claim text is dump text)
            "grid_preview": dg.MetadataValue.md(preview_markdown(grids, stories, PREVIEW_CLAIMS, PREVIEW_OUTLETS)),
        }
    )
