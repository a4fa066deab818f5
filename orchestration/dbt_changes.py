"""What the dbt step has to build: only what the rows of its sources changed since its last
successful build.

`dbt build` costs 20-40 s on this machine whatever changed, and `state:modified` compares code,
not data. So the dbt step fingerprints every table its sources name (row count plus the sum of
row hashes: order-free, duplicates counted) and compares them with the fingerprints recorded at
its last successful build (pipeline.dbt_builds):
- no source changed and the project is the same: nothing to build — the step materializes
  nothing, so the mart checks and publish are skipped and the published snapshot stays (unless
  the last build was never published: then its models are reported unchanged, so the mart
  checks and publish run on them);
- some sources changed: the models downstream of them (`source:<name>+`), plus the quality
  models, which read what this run's checks recorded;
- first build, a changed project (models, seeds, macros) or a model missing in the warehouse:
  everything.
Columns that say when a run looked at a row rather than what the row holds (BOOKKEEPING_COLUMNS)
are left out of the fingerprints: a run that re-reads the same dumps changes no fact.

A lake table's fingerprint is the sum of its files' (LakeFileRows): the row count and hash sum
of a file are read once and kept (pipeline.dbt_source_files) under its path, size and
modification time (a lake file is only ever replaced by a rename: a new file, a new time), so
the step reads the files written since the last build, not the whole lake. Counts and sums add
up, so the fingerprint is the one a read of the whole table gives (docs/decisions/0023).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.incremental import LEDGER_SCHEMA
from orchestration.lake import LAKE_TABLES, folder_files
from orchestration.warehouse import RAW_SCHEMA, table_exists

BUILDS_TABLE = f"{LEDGER_SCHEMA}.dbt_builds"
# the rows of each lake file the last build read: file key -> "count:sum" (LakeFileRows)
SOURCE_FILES_TABLE = f"{LEDGER_SCHEMA}.dbt_source_files"
# When ingest last saw a dump, which run last (re)quarantined a file, when a check ran.
BOOKKEEPING_COLUMNS = frozenset({"ingested_at", "last_seen_at", "run_id", "validated_at"})
# Sources whose changes never call for a build on their own (the checks of every run write them);
# the models below them are built with every build.
FOLLOWER_SOURCES = frozenset({"quality"})


@dataclass(frozen=True, order=True)
class DbtSource:
    source_name: str
    table: str
    schema: str
    identifier: str

    @property
    def selector(self) -> str:
        return f"source:{self.source_name}.{self.table}+"


@dataclass(frozen=True)
class BuildPlan:
    """`select`: dbt selectors to build (None: everything; empty: nothing), and why."""
    select: list[str] | None
    changed: list[str]
    reason: str

    @property
    def skips(self) -> bool:
        return self.select == []


def manifest_sources(manifest: Mapping) -> list[DbtSource]:
    return sorted(DbtSource(s["source_name"], s["name"], s["schema"], s.get("identifier") or s["name"])
                  for s in manifest.get("sources", {}).values())


def project_version(manifest: Mapping) -> str:
    """The version of what dbt would run: every node's checksum (models, seeds, tests) and the
    project's macros. (Its vars, warehouse_dir and lake_dir, say where the warehouse and the
    lake are, not what to compute: a warehouse copied elsewhere is the same warehouse.)"""
    digest = hashlib.sha256()
    for unique_id, node in sorted(manifest.get("nodes", {}).items()):
        digest.update(f"{unique_id}\0{node.get('checksum', {}).get('checksum', '')}\0".encode())
    project = manifest.get("metadata", {}).get("project_name")
    for unique_id, macro in sorted(manifest.get("macros", {}).items()):
        if macro.get("package_name") == project:
            digest.update(f"{unique_id}\0{macro.get('macro_sql', '')}\0".encode())
    return digest.hexdigest()[:16]


def model_relations(manifest: Mapping) -> list[tuple[str, str]]:
    """(schema, name) of every model dbt materializes as a table or view."""
    return sorted((n["schema"], n.get("alias") or n["name"]) for n in manifest.get("nodes", {}).values()
                  if n.get("resource_type") in ("model", "seed"))


def _relations(conn: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[str]]:
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in conn.execute(
            "SELECT table_schema, table_name, column_name FROM information_schema.columns "
            "WHERE table_catalog = current_database() ORDER BY table_schema, table_name, ordinal_position").fetchall():
        columns.setdefault((schema, table), []).append(column)
    return columns


def _row_sums(conn: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> tuple[int, int]:
    """(row count, sum of the rows' hashes over `columns`) of a relation: order-free, duplicates
    counted, and additive over the parts of a table."""
    row = ", ".join(f'"{c}"' for c in columns)
    return conn.execute(f"SELECT count(*), coalesce(sum(hash({row})::HUGEINT), 0) FROM {relation}").fetchone()


@dataclass
class LakeFileRows:
    """The row count and hash sum of each file of the lake at `lake`, by file key (path in the
    lake, size, modification time and the columns hashed): `known` from the last build,
    `current` what source_fingerprints looked up or read this time (what record_build keeps)."""
    lake: Path
    known: Mapping[str, str] = field(default_factory=dict)
    current: dict[str, str] = field(default_factory=dict)
    files_read: int = 0

    def table_sums(self, conn: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> tuple[int, int] | None:
        """(rows, hash sum) of every file of the lake table, as lake.scan_sql reads them; None when a
        file is replaced while it is looked at (the caller reads the view instead)."""
        columns_key = hashlib.sha256("\0".join(columns).encode()).hexdigest()[:12]
        count = total = 0
        for path in folder_files(self.lake, table):
            try:
                stat = path.stat()
            except OSError:
                return None
            key = f"{path.relative_to(self.lake).as_posix()}:{stat.st_size}:{stat.st_mtime_ns}:{columns_key}"
            sums = self.known.get(key)
            if sums is None:
                try:
                    quoted = str(path).replace("'", "''")
                    file_count, file_total = _row_sums(
                        conn, f"read_parquet('{quoted}', hive_partitioning = true)", columns)
                except duckdb.IOException:
                    return None
                sums = f"{file_count}:{file_total}"
                self.files_read += 1
            self.current[key] = sums
            file_count, file_total = (int(part) for part in sums.split(":"))
            count, total = count + file_count, total + file_total
        return count, total


def source_fingerprints(conn: duckdb.DuckDBPyConnection, sources: list[DbtSource],
                        lake_files: LakeFileRows | None = None) -> dict[str, str]:
    """source selector -> fingerprint of its table's rows ('absent' when there is no table). The
    lake's tables, which dbt reads as external Parquet sources, are read through the live
    warehouse's views over the same files (lake.sync_warehouse_views), so the views must be up
    to date first; with `lake_files`, file by file, each file read only when it is not known."""
    relations = _relations(conn)
    out = {}
    for source in sources:
        columns = [c for c in relations.get((source.schema, source.identifier), []) if c not in BOOKKEEPING_COLUMNS]
        if not columns:
            out[source.selector] = "absent"
            continue
        sums = None
        if lake_files is not None and source.schema == RAW_SCHEMA and source.identifier in LAKE_TABLES:
            sums = lake_files.table_sums(conn, source.identifier, columns)
        if sums is None:
            sums = _row_sums(conn, f'"{source.schema}"."{source.identifier}"', columns)
        out[source.selector] = f"{sums[0]}:{sums[1]}:{len(columns)}"
    return out


def keep_file_rows(conn: duckdb.DuckDBPyConnection, file_rows: Mapping[str, str]) -> None:
    """Replace the kept file rows by `file_rows` (LakeFileRows.current)."""
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {LEDGER_SCHEMA}")
    conn.execute(f"CREATE OR REPLACE TABLE {SOURCE_FILES_TABLE} (file_key VARCHAR NOT NULL, sums VARCHAR NOT NULL)")
    if file_rows:
        conn.register("kept_file_rows", pa.table({"file_key": list(file_rows), "sums": list(file_rows.values())}))
        conn.execute(f"INSERT INTO {SOURCE_FILES_TABLE} SELECT file_key, sums FROM kept_file_rows")
        conn.unregister("kept_file_rows")


def known_file_rows(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The file rows the last build kept (LakeFileRows.known)."""
    if not table_exists(conn, "dbt_source_files", LEDGER_SCHEMA):
        return {}
    return dict(conn.execute(f"SELECT file_key, sums FROM {SOURCE_FILES_TABLE}").fetchall())


def missing_models(conn: duckdb.DuckDBPyConnection, manifest: Mapping) -> list[str]:
    present = set(_relations(conn))
    return [f"{schema}.{name}" for schema, name in model_relations(manifest) if (schema, name) not in present]


def last_build(conn: duckdb.DuckDBPyConnection) -> tuple[str, dict[str, str]] | None:
    """(project version, source fingerprints) of the last successful build, if any."""
    if not table_exists(conn, "dbt_builds", LEDGER_SCHEMA):
        return None
    row = conn.execute(f"SELECT project_version, fingerprints FROM {BUILDS_TABLE} "
                       "ORDER BY built_at DESC LIMIT 1").fetchone()
    return (row[0], json.loads(row[1])) if row else None


def unpublished_build(conn: duckdb.DuckDBPyConnection, snapshot_mtime: float | None) -> str | None:
    """The run id of the last successful build when the published snapshot is older than it (the
    run that built it stopped before publishing: a failed check, a full disk), else None."""
    row = conn.execute(f"SELECT run_id, built_at FROM {BUILDS_TABLE} ORDER BY built_at DESC LIMIT 1").fetchone() \
        if table_exists(conn, "dbt_builds", LEDGER_SCHEMA) else None
    if row is None:
        return None
    built = row[1].replace(tzinfo=timezone.utc).timestamp()
    return row[0] if snapshot_mtime is None or snapshot_mtime < built else None


def excluded_nodes(manifest: Mapping, selectors: list[str]) -> list[str]:
    """`fqn:` selectors of every model, seed, snapshot, test and unit test that no source of
    `selectors` (`source:<name>.<table>+`) reaches. dagster-dbt always passes its own
    `--select fqn:*` and dbt unions selections, so a partial build is told what to leave out."""
    project = manifest.get("metadata", {}).get("project_name")
    children = manifest.get("child_map", {})
    todo = [f"source.{project}.{s.split(':', 1)[1].rstrip('+')}" for s in selectors]
    reached: set[str] = set()
    while todo:
        node = todo.pop()
        if node not in reached:
            reached.add(node)
            todo.extend(children.get(node, ()))
    nodes = {**manifest.get("nodes", {}), **manifest.get("unit_tests", {})}
    for unique_id, unit_test in manifest.get("unit_tests", {}).items():
        # a unit test runs with its model
        if any(parent in reached for parent in unit_test.get("depends_on", {}).get("nodes", ())):
            reached.add(unique_id)
    return sorted("fqn:" + ".".join(node["fqn"]) for unique_id, node in nodes.items()
                  if unique_id not in reached and node.get("resource_type") in
                  ("model", "seed", "snapshot", "test", "unit_test"))


def record_build(conn: duckdb.DuckDBPyConnection, run_id: str, version: str, fingerprints: Mapping[str, str],
                 plan: BuildPlan, file_rows: Mapping[str, str] | None = None) -> None:
    """Record a successful build; `file_rows` (LakeFileRows.current) replace the kept file rows."""
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {LEDGER_SCHEMA}")
    if file_rows is not None:
        keep_file_rows(conn, file_rows)
    conn.execute(f"""CREATE TABLE IF NOT EXISTS {BUILDS_TABLE} (
        run_id VARCHAR NOT NULL, built_at TIMESTAMP NOT NULL, project_version VARCHAR NOT NULL,
        fingerprints VARCHAR NOT NULL, selection VARCHAR NOT NULL)""")
    conn.execute(f"INSERT INTO {BUILDS_TABLE} VALUES (?, ?, ?, ?, ?)", [
        run_id, datetime.now(timezone.utc).replace(tzinfo=None), version, json.dumps(dict(fingerprints)),
        "everything" if plan.select is None else " ".join(plan.select)])


def plan_build(previous: tuple[str, Mapping[str, str]] | None, version: str, fingerprints: Mapping[str, str],
               missing: list[str]) -> BuildPlan:
    if previous is None:
        return BuildPlan(None, sorted(fingerprints), "no successful build recorded")
    if previous[0] != version:
        return BuildPlan(None, sorted(fingerprints), "the dbt project or its vars changed")
    if missing:
        return BuildPlan(None, sorted(fingerprints), f"models missing in the warehouse: {', '.join(missing[:5])}")
    changed = sorted(s for s, fp in fingerprints.items() if previous[1].get(s) != fp)
    leading = [s for s in changed if s.split(":", 1)[1].split(".", 1)[0] not in FOLLOWER_SOURCES]
    if not leading:
        return BuildPlan([], changed, "no source table changed since the last build")
    followers = sorted(s for s in fingerprints if s.split(":", 1)[1].split(".", 1)[0] in FOLLOWER_SOURCES)
    return BuildPlan([*leading, *followers], changed, f"{len(leading)} source table(s) changed")
