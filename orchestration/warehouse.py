"""The raw tables as DuckDB sees them, and the one way Python assets write and read them.

Each raw table's columns and types come from its record in orchestration/core/types.py
(RAW_TABLES), so an empty stage still yields a typed table (a DataFrame with no rows has no types
to infer) and dbt sources never change shape. Loads replace the whole table from a pandas frame in
one statement: a rerun on the same dumps leaves every row count the same, and frame loads are
~45x faster than executemany.
"""
from __future__ import annotations

import types as pytypes
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from orchestration.core.types import RAW_TABLES, as_columns

RAW_SCHEMA = "raw"
R = TypeVar("R")

_DUCKDB_TYPES = {str: "VARCHAR", int: "INTEGER", float: "DOUBLE", bool: "BOOLEAN", bytes: "BLOB",
                 datetime: "TIMESTAMP", date: "DATE"}


def _column(hint: Any) -> tuple[str, bool]:
    """(DuckDB type, nullable) of a record field's type hint."""
    nullable = False
    if typing.get_origin(hint) in (typing.Union, pytypes.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(hint))
        hint = args[0]
    if typing.get_origin(hint) is typing.Annotated:
        return hint.__metadata__[0], nullable
    return _DUCKDB_TYPES[hint], nullable


@cache
def record_columns(record: type) -> dict[str, tuple[str, bool]]:
    """column -> (DuckDB type, nullable) of a record dataclass, in field order."""
    hints = typing.get_type_hints(record, include_extras=True)
    return {f.name: _column(hints[f.name]) for f in fields(record)}


def table_columns(table: str) -> dict[str, str]:
    """column -> DuckDB type of raw.<table>."""
    return {name: dtype for name, (dtype, _) in record_columns(RAW_TABLES[table]).items()}


def create_table_sql(qualified_name: str, record: type, not_null: bool = False, replace: bool = False) -> str:
    """CREATE TABLE for a record; `not_null` turns the record's non-optional fields into NOT NULL."""
    columns = ",\n    ".join(
        f"{name} {dtype}" + (" NOT NULL" if not_null and not nullable else "")
        for name, (dtype, nullable) in record_columns(record).items()
    )
    verb = "CREATE OR REPLACE TABLE" if replace else "CREATE TABLE IF NOT EXISTS"
    return f"{verb} {qualified_name} (\n    {columns}\n)"


def frame_of(records: Iterable, record: type) -> pd.DataFrame:
    """`records` (instances of `record`, checked) as a frame of its columns: a stream of records
    is never held, nor a tuple per row (the claims step's 770k mention rows of a 1% day at 100k)."""
    return pd.DataFrame(as_columns(records, record), columns=list(record_columns(record)))


class TableColumns:
    """The rows of some raw tables gathered as columns, part by part (a pool worker sends back a
    document's rows as `as_columns` columns; a batch joins them here)."""

    def __init__(self, tables: Iterable[str]) -> None:
        self.tables: dict[str, dict[str, list]] = {t: {name: [] for name in table_columns(t)} for t in tables}

    def extend(self, part: Mapping[str, Mapping[str, list]]) -> None:
        for table, columns in part.items():
            target = self.tables[table]
            if columns.keys() != target.keys():
                raise TypeError(f"raw.{table} has the columns {list(target)}, not {list(columns)}")
            for name, values in columns.items():
                target[name].extend(values)


def replace_raw_table(conn: duckdb.DuckDBPyConnection, table: str, records: Iterable) -> int:
    """Replace raw.<table> with `records` (instances of its record). Returns the row count."""
    record = RAW_TABLES[table]
    frame = frame_of(records, record)
    columns = table_columns(table)
    select_list = ", ".join(f'CAST("{name}" AS {dtype}) AS "{name}"' for name, dtype in columns.items())
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    conn.execute("BEGIN TRANSACTION")
    conn.execute(create_table_sql(f"{RAW_SCHEMA}.{table}", record, replace=True))
    if len(frame):
        conn.register("incoming_rows", frame)
        conn.execute(f"INSERT INTO {RAW_SCHEMA}.{table} SELECT {select_list} FROM incoming_rows")
        conn.unregister("incoming_rows")
    conn.execute("COMMIT")
    return len(frame)


def append_raw_rows(conn: duckdb.DuckDBPyConnection, table: str, records: Iterable) -> int:
    """Add `records` to raw.<table> (made if missing); for append-only tables such as caches."""
    record = RAW_TABLES[table]
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    conn.execute(create_table_sql(f"{RAW_SCHEMA}.{table}", record))
    frame = frame_of(records, record)
    if len(frame):
        conn.register("appended_rows", frame)
        try:
            conn.execute(f"INSERT INTO {RAW_SCHEMA}.{table} SELECT * FROM appended_rows")
        finally:
            conn.unregister("appended_rows")
    return len(frame)


def sql_string(text: str) -> str:
    """`text` as a DuckDB string literal."""
    return "'" + text.replace("'", "''") + "'"


def table_exists(conn: duckdb.DuckDBPyConnection, table: str, schema: str = RAW_SCHEMA) -> bool:
    return bool(conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema, table],
    ).fetchone()[0])


def stored_columns(conn: duckdb.DuckDBPyConnection, table: str, schema: str) -> dict[str, str]:
    """column -> DuckDB type of <schema>.<table> as the warehouse holds it (empty when absent)."""
    return dict(conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position", [schema, table]).fetchall())


def has_columns(conn: duckdb.DuckDBPyConnection, table: str, schema: str, columns: dict[str, str]) -> bool:
    """Whether <schema>.<table> exists with exactly `columns`, in their order."""
    return list(stored_columns(conn, table, schema).items()) == list(columns.items())


def ensure_cache_table(conn: duckdb.DuckDBPyConnection, table: str, schema: str, columns: dict[str, str]) -> None:
    """Create the cache table; one with other columns (written by older code) is dropped first:
    its rows can all be computed again, and a warehouse upgraded under it must not stop a run."""
    conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    stored = stored_columns(conn, table, schema)
    if stored and list(stored.items()) != list(columns.items()):
        conn.execute(f"DROP TABLE {schema}.{table}")
    conn.execute(f"CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                 + ", ".join(f"{name} {kind}" for name, kind in columns.items()) + ")")


def read_tuples(conn: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str], where: str = "",
              order_by: str = "") -> list[tuple]:
    """`columns` of raw.<table> as plain tuples in that order (SQL NULL as None); an absent table
    reads as no rows. For a step that reads a few fields of a million rows: a record (a frozen
    dataclass) costs a few microseconds to build, a tuple nothing more than the fetch."""
    declared = table_columns(table)
    unknown = [c for c in columns if c not in declared]
    if unknown:
        raise KeyError(f"raw.{table} has no columns {unknown}")
    if not table_exists(conn, table):
        return []
    names = ", ".join(f'"{n}"' for n in columns)
    sql = f"SELECT {names} FROM {RAW_SCHEMA}.{table}"
    sql += f" WHERE {where}" if where else ""
    sql += f" ORDER BY {order_by}" if order_by else ""
    return conn.execute(sql).fetchall()


def read_records(conn: duckdb.DuckDBPyConnection, table: str, where: str = "", order_by: str = "") -> list:
    """raw.<table> as records (SQL NULL as None); an absent table reads as no records."""
    record = RAW_TABLES[table]
    columns = list(record_columns(record))
    # by keyword: a record may take some fields by keyword only (DumpRow's inherited ones)
    return [record(**dict(zip(columns, row))) for row in read_tuples(conn, table, columns, where, order_by)]


def read_table(conn: duckdb.DuckDBPyConnection, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    """raw.<table> (or some of its columns) as a frame; an absent table reads as empty with its
    declared columns."""
    columns = columns or list(table_columns(table))
    if not table_exists(conn, table):
        return pd.DataFrame(columns=columns)
    select_list = ", ".join(f'"{c}"' for c in columns)
    return conn.execute(f"SELECT {select_list} FROM {RAW_SCHEMA}.{table}").df()


def published_rows(snapshot_path: Path, table: str, columns: list[str]) -> list[dict]:
    """Rows of raw.<table> in the published snapshot (read-only: analysts may have it open),
    or none when nothing was published yet."""
    if not Path(snapshot_path).exists():
        return []
    conn = duckdb.connect(str(snapshot_path), read_only=True)
    try:
        return read_table(conn, table, columns).to_dict("records")
    finally:
        conn.close()
