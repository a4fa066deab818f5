"""The Parquet lake: what the document stages write, one folder per table, one sub-folder per
landing day, so partitions are written side by side without DuckDB's single writer
(docs/decisions/0009-partitions-and-parquet-lake.md).

    <lake>/<table>/day=YYYY-MM-DD/part.parquet       a raw table's rows of the day
    <lake>/quarantine/day=YYYY-MM-DD/<stage>.parquet  a stage's raw.quarantine rows of the day
    <lake>/processed/day=YYYY-MM-DD/<stage>.parquet   a stage's ledger of the day (incremental.py)
    <lake>/outputs/day=YYYY-MM-DD/<stage>.parquet     a digest of each document's rows there (incremental.py)

Every file is written to a hidden temporary name in its folder and renamed over the old one, so
a reader sees the previous file or the new one, never half. A stage writes its tables first and
its ledger last: a run that dies between two renames leaves ledger keys that no longer match,
and the next run re-processes those documents.

Readers see the files through DuckDB views named like the tables (`raw.<table>`): over the whole
lake in the live warehouse (corpus stages, dbt's quarantine source, publish), over the days of a
run in an in-memory connection (the document stages and their checks). dbt reads the lake tables
as external sources (the generated _sources.yml, with the same scan_sql).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import re
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.warehouse import RAW_SCHEMA, table_columns

# The tables each document stage writes, per stage: the stage asset, the lake folders and the
# dbt external sources all read this.
STAGE_TABLES: dict[str, tuple[str, ...]] = {
    "ingest": ("dumps",),
    "clean": ("documents", "segments", "reader_comments", "captions", "embedded_blobs", "embedded_items",
              "related_articles"),
    "language": ("segment_languages", "document_languages"),
    "outlets": ("document_outlets",),
    "sentences": ("sentences",),
}
LAKE_TABLES: tuple[str, ...] = tuple(t for tables in STAGE_TABLES.values() for t in tables)
PARTITIONED_STAGES: tuple[str, ...] = tuple(STAGE_TABLES)

QUARANTINE = "quarantine"
LEDGER = "processed"
LEDGER_SCHEMA = "pipeline"
LEDGER_COLUMNS = {"stage": "VARCHAR", "document_id": "VARCHAR", "version_key": "VARCHAR", "processed_at": "TIMESTAMP"}
# pipeline.outputs: what a document stage wrote of each document it processed, as one key
# (incremental.output_keys); a file of its own beside the ledger, so ledgers written before it
# existed are read as they are
OUTPUTS = "outputs"
OUTPUT_COLUMNS = {"stage": "VARCHAR", "document_id": "VARCHAR", "output_key": "VARCHAR"}
# the pipeline.<kind> views over the stages' files, and their columns
_STAGE_FILE_COLUMNS = {LEDGER: LEDGER_COLUMNS, OUTPUTS: OUTPUT_COLUMNS}
# raw.quarantine rows of the unpartitioned stages (config, claims), in the live warehouse; the
# view raw.quarantine is them plus the lake's
CORPUS_QUARANTINE_TABLE = f"{LEDGER_SCHEMA}.corpus_quarantine"
# the lake_views_digest the warehouse's views were last made for
VIEWS_DIGEST_TABLE = f"{LEDGER_SCHEMA}.lake_views"
PART_FILE = "part.parquet"


def day_folder(day: str) -> str:
    return f"day={day}"


def table_file(lake: Path, table: str, day: str) -> Path:
    return Path(lake) / table / day_folder(day) / PART_FILE


def stage_file(lake: Path, kind: str, stage: str, day: str) -> Path:
    """The quarantine or ledger file of `stage` for `day`."""
    return Path(lake) / kind / day_folder(day) / f"{stage}.parquet"


# Every file of a lake folder (a table, the quarantine, the ledger): one per day folder and stage.
FILES_GLOB = "*/*.parquet"


def scan_sql(lake_root: str, table: str) -> str:
    """The DuckDB table function reading every partition of a lake table, with its `day`."""
    return f"read_parquet('{lake_root}/{table}/{FILES_GLOB}', hive_partitioning = true)"


def folder_files(lake: Path, folder: str) -> list[Path]:
    """Every file of a lake folder, sorted: what scan_sql reads of a table."""
    return sorted((Path(lake) / folder).glob(FILES_GLOB))


def has_files(lake: Path, folder: str) -> bool:
    return next((Path(lake) / folder).glob(FILES_GLOB), None) is not None


def _typed_empty(columns: Mapping[str, str]) -> str:
    return "SELECT " + ", ".join(f'CAST(NULL AS {t}) AS "{n}"' for n, t in columns.items()) + " WHERE false"


def select_from(files: Sequence[Path], columns: Mapping[str, str]) -> str:
    """The declared columns of `files`, or a typed empty relation when there are none."""
    if not files:
        return _typed_empty(columns)
    names = ", ".join(f'"{n}"' for n in columns)
    listed = ", ".join(f"'{f}'" for f in files)
    return f"SELECT {names} FROM read_parquet([{listed}])"


def _stage_files(lake: Path, kind: str, days: Iterable[str]) -> list[Path]:
    return sorted(f for day in days for f in (Path(lake) / kind / day_folder(day)).glob("*.parquet"))


def tables_read(query: str) -> list[str]:
    """The lake tables (raw.quarantine, pipeline.processed and pipeline.outputs included) a query over
    partition_connection names."""
    named = set(re.findall(rf"\b{RAW_SCHEMA}\.(\w+)", query))
    tables = [t for t in (*LAKE_TABLES, QUARANTINE) if t in named]
    return tables + [kind for kind in _STAGE_FILE_COLUMNS if re.search(rf"\b{LEDGER_SCHEMA}\.{kind}\b", query)]


def partition_files_key(lake: Path, days: Iterable[str], tables: Iterable[str]) -> str:
    """A key of what partition_connection(lake, days) holds of `tables` (tables_read): each
    file's path, size and modification time (a lake file is only ever replaced by a rename: a new
    file, a new time), and this module's code. The same key, the same relations."""
    lake, days = Path(lake), sorted(set(days))
    digest = hashlib.sha256(Path(__file__).read_bytes())
    files = []
    for table in sorted(set(tables)):
        if table in (QUARANTINE, *_STAGE_FILE_COLUMNS):
            files += _stage_files(lake, table, days)
        else:
            files += [f for day in days if (f := table_file(lake, table, day)).exists()]
    for path in files:
        try:
            stat = path.stat()
        except OSError:             # replaced meanwhile: a key no earlier read had
            return f"unstable:{uuid.uuid4().hex}"
        digest.update(f"\x1e{path.relative_to(lake).as_posix()}\x1f{stat.st_size}\x1f{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


@contextmanager
def partition_connection(lake: Path, days: Iterable[str]) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB whose raw.<table>, raw.quarantine and pipeline.processed are the
    lake's files of `days` only: what a document stage reads for its partitions, and the frame
    its checks validate. Stage code written against the warehouse runs unchanged on it."""
    days = list(days)
    conn = duckdb.connect()
    try:
        conn.execute(f"CREATE SCHEMA {RAW_SCHEMA}")
        conn.execute(f"CREATE SCHEMA {LEDGER_SCHEMA}")
        for table in LAKE_TABLES:
            files = [f for day in days if (f := table_file(lake, table, day)).exists()]
            conn.execute(f"CREATE VIEW {RAW_SCHEMA}.{table} AS {select_from(files, table_columns(table))}")
        conn.execute(f"CREATE VIEW {RAW_SCHEMA}.{QUARANTINE} AS "
                     f"{select_from(_stage_files(lake, QUARANTINE, days), table_columns(QUARANTINE))}")
        for kind, kind_columns in _STAGE_FILE_COLUMNS.items():
            conn.execute(f"CREATE VIEW {LEDGER_SCHEMA}.{kind} AS "
                         f"{select_from(_stage_files(lake, kind, days), kind_columns)}")
        yield conn
    finally:
        conn.close()


def lake_views_digest(lake: Path) -> str:
    """What the warehouse's views over the lake are made from: the lake's path, which tables have
    a file yet (a table with none is a typed empty view), the declared columns and this module's
    code. The same digest, the same views."""
    lake = Path(lake)
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(str(lake).encode())
    for table in (*LAKE_TABLES, QUARANTINE, *_STAGE_FILE_COLUMNS):
        columns = _STAGE_FILE_COLUMNS.get(table) or table_columns(table)
        digest.update(f"\0{table}:{has_files(lake, table)}:{sorted(columns.items())}".encode())
    return digest.hexdigest()[:32]


def warehouse_views_current(conn: duckdb.DuckDBPyConnection, lake: Path) -> bool:
    """Whether the warehouse's views over the lake were last made for what the lake holds now
    (read-only safe): then a step opens the warehouse without the read-write open that remakes them."""
    try:
        row = conn.execute(f"SELECT digest FROM {VIEWS_DIGEST_TABLE}").fetchone()
    except duckdb.CatalogException:
        return False
    return row is not None and row[0] == lake_views_digest(lake)


def sync_warehouse_views(conn: duckdb.DuckDBPyConnection, lake: Path) -> None:
    """Make raw.<table> of the live warehouse a view over every partition of the lake table
    (raw.quarantine the lake's rows plus the unpartitioned stages', pipeline.processed the
    lake's ledger of every day). Run on each read-write
    connection: a table with no file yet is an empty typed view until it has one. Views made for
    the lake as it is (lake_views_digest) are left as they are."""
    lake = Path(lake)
    if warehouse_views_current(conn, lake):
        return
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {LEDGER_SCHEMA}")
    columns = table_columns(QUARANTINE)
    conn.execute(f"CREATE TABLE IF NOT EXISTS {CORPUS_QUARANTINE_TABLE} ("
                 + ", ".join(f'"{n}" {t}' for n, t in columns.items()) + ")")
    kinds = dict(conn.execute(
        "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = ?", [RAW_SCHEMA]
    ).fetchall())
    names = {}
    for table in (*LAKE_TABLES, QUARANTINE):
        if kinds.get(table) == "BASE TABLE":    # a warehouse from before the lake
            conn.execute(f"DROP TABLE {RAW_SCHEMA}.{table}")
        names[table] = ", ".join(f'"{n}"' for n in table_columns(table))
    for table in LAKE_TABLES:
        body = (f"SELECT {names[table]} FROM {scan_sql(str(lake), table)}" if has_files(lake, table)
                else _typed_empty(table_columns(table)))
        conn.execute(f"CREATE OR REPLACE VIEW {RAW_SCHEMA}.{table} AS {body}")
    lake_quarantine = (f"SELECT {names[QUARANTINE]} FROM read_parquet('{lake}/{QUARANTINE}/{FILES_GLOB}') UNION ALL "
                       if has_files(lake, QUARANTINE) else "")
    conn.execute(f"CREATE OR REPLACE VIEW {RAW_SCHEMA}.{QUARANTINE} AS "
                 f"{lake_quarantine}SELECT {names[QUARANTINE]} FROM {CORPUS_QUARANTINE_TABLE}")
    # pipeline.processed and pipeline.outputs: the document stages' ledgers and output keys of
    # every day, which the corpus stages key on
    ledger_kind = conn.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [LEDGER_SCHEMA, LEDGER]).fetchone()
    if ledger_kind and ledger_kind[0] == "BASE TABLE":    # a warehouse from before the lake
        conn.execute(f"DROP TABLE {LEDGER_SCHEMA}.{LEDGER}")
    for kind, kind_columns in _STAGE_FILE_COLUMNS.items():
        kind_names = ", ".join(f'"{n}"' for n in kind_columns)
        body = (f"SELECT {kind_names} FROM read_parquet('{lake}/{kind}/{FILES_GLOB}')"
                if has_files(lake, kind) else _typed_empty(kind_columns))
        conn.execute(f"CREATE OR REPLACE VIEW {LEDGER_SCHEMA}.{kind} AS {body}")
    conn.execute(f"CREATE OR REPLACE TABLE {VIEWS_DIGEST_TABLE} AS SELECT ? AS digest", [lake_views_digest(lake)])


def _replace_file(conn: duckdb.DuckDBPyConnection, select_sql: str, path: Path,
                  footer: Mapping[str, str] | None = None) -> None:
    """COPY the query to a temporary name beside `path`, then rename it over `path` (`footer`:
    key-value pairs for the Parquet footer, renamed in with the rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pairs = ", ".join(f"{key}: '{_sql_escaped(value)}'" for key, value in (footer or {}).items())
    try:
        conn.execute(f"COPY ({select_sql}) TO '{tmp}' (FORMAT parquet, COMPRESSION zstd"
                     + (f", KV_METADATA {{{pairs}}}" if pairs else "") + ")")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _sql_escaped(text: str) -> str:
    return text.replace("'", "''")


def _cast_list(columns: Mapping[str, str]) -> str:
    return ", ".join(f'CAST("{n}" AS {t}) AS "{n}"' for n, t in columns.items())


def replace_rows(path: Path, columns: Mapping[str, str], fresh: pd.DataFrame | Sequence[Path],
                 drop_ids: Collection[str] | None, key_order: str = "document_id",
                 footer: Mapping[str, str] | None = None) -> int:
    """Rewrite the Parquet file at `path`: its rows but those of the documents in `drop_ids`
    (all of them when None) plus `fresh` (a frame, or Parquet files staged batch by batch: read
    by DuckDB as it writes, never held), ordered by `key_order`. Returns the rows written."""
    conn = duckdb.connect()
    try:
        if isinstance(fresh, pd.DataFrame):
            conn.register("fresh_rows", fresh)
            parts = [f"SELECT {_cast_list(columns)} FROM fresh_rows"]
        else:
            parts = [select_from(list(fresh), columns)]
        if drop_ids is not None and path.exists():
            conn.register("dropped_ids", pd.DataFrame({"document_id": pd.Series(list(drop_ids), dtype="object")}))
            names = ", ".join(f'"{n}"' for n in columns)
            parts.insert(0, f"SELECT {names} FROM read_parquet('{path}') "
                            "WHERE document_id IS NULL OR document_id NOT IN (SELECT document_id FROM dropped_ids)")
        _replace_file(conn, " UNION ALL ".join(parts) + f" ORDER BY {key_order}", path, footer)
    finally:
        conn.close()
    return parquet_row_count(path)


def write_parquet(rows: pd.DataFrame | Mapping[str, list], columns: Mapping[str, str], path: Path) -> None:
    """`rows` (a frame, or columns: name -> values) as a Parquet file of the declared column types
    (a staged batch of a partition). Columns go to DuckDB as Arrow, which reads a column of
    strings as it is where pandas copies it into objects first (decision 0030); a column Arrow
    cannot type alone (mixed values) goes through pandas, as every batch did before."""
    if not isinstance(rows, pd.DataFrame):
        try:
            rows = pa.Table.from_pydict(dict(rows))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            rows = pd.DataFrame(dict(rows))
    conn = duckdb.connect()
    try:
        conn.register("frame_rows", rows)
        _replace_file(conn, f"SELECT {_cast_list(columns)} FROM frame_rows", path)
    finally:
        conn.close()


# Footers are read with pyarrow: a DuckDB connection per file cost 28 ms, pyarrow 0.3 ms (189 lake
# files of the 10k bench warehouse: 5.2 s against 0.05 s), and a run with nothing new reads the
# footer of every table of every day it covers.
def parquet_row_count(path: Path) -> int:
    """Rows of one lake file, from its Parquet footer (none when it does not exist)."""
    if not path.exists():
        return 0
    return pq.read_metadata(path).num_rows


def read_footer(path: Path) -> dict[str, str]:
    """The key-value pairs of a lake file's Parquet footer ({} when it does not exist)."""
    if not path.exists():
        return {}
    pairs = pq.read_metadata(path).metadata or {}
    return {key.decode(): value.decode() for key, value in pairs.items()}


def read_rows(path: Path, columns: Sequence[str]) -> list[dict]:
    """The rows of one lake file as dicts (none when it does not exist)."""
    if not path.exists():
        return []
    conn = duckdb.connect()
    try:
        names = ", ".join(f'"{n}"' for n in columns)
        return [dict(zip(columns, row)) for row in conn.execute(f"SELECT {names} FROM read_parquet('{path}')").fetchall()]
    finally:
        conn.close()


@contextmanager
def table_lock(lake: Path, table: str) -> Iterator[None]:
    """Hold the lake table's lock file (`<lake>/<table>/.lock`, an fcntl lock: it holds across
    processes, and across machines on a shared file system that supports POSIX locks, as NFSv4
    does). For a decision that reads other partitions of the table and writes one: partitions
    are written side by side, so without it two days would each decide on what the other had not
    yet written."""
    folder = Path(lake) / table
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.lockf(handle, fcntl.LOCK_UN)


def lake_document_ids(lake: Path, table: str, other_than: str) -> set[str]:
    """Document ids of every partition of a lake table but day `other_than` (ingest keeps a
    document in the first day it landed)."""
    files = [p for p in folder_files(lake, table) if p.parent.name != day_folder(other_than)]
    if not files:
        return set()
    conn = duckdb.connect()
    try:
        listed = ", ".join(f"'{f}'" for f in files)
        return {r[0] for r in conn.execute(f"SELECT DISTINCT document_id FROM read_parquet([{listed}])").fetchall()}
    finally:
        conn.close()
