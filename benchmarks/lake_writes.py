"""Writing a landing day's rows: the Parquet lake (one file per day, rewritten and renamed) against
the DuckDB tables the document stages wrote before (per-document DELETE + INSERT in one
transaction on the live file), on the same rows, side by side in one run.

    python benchmarks/lake_writes.py --warehouse warehouse --days 30

The rows are a real run's raw.segments and raw.sentences (make run first), repeated with fresh
document ids to fill `days` days of `copies` copies each. Figures: seconds to write one more day
into an archive of `days` days, and to scan everything (what the corpus stages and dbt read).
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.lake import replace_rows, scan_sql, table_file
from orchestration.resources import WarehouseResource
from orchestration.warehouse import table_columns

TABLES = ("segments", "sentences")


def day_frames(base: dict[str, pd.DataFrame], day: int, copies: int) -> dict[str, pd.DataFrame]:
    frames = {}
    for table, frame in base.items():
        parts = []
        for copy in range(copies):
            part = frame.copy()
            part["document_id"] = part["document_id"] + f"-{day:04d}-{copy:03d}"
            parts.append(part)
        frames[table] = pd.concat(parts, ignore_index=True)
    return frames


def write_duckdb(conn, frames: dict[str, pd.DataFrame]) -> None:
    conn.execute("BEGIN TRANSACTION")
    for table, frame in frames.items():
        conn.register("incoming", frame)
        conn.register("ids", frame[["document_id"]].drop_duplicates())
        conn.execute(f"DELETE FROM {table} WHERE document_id IN (SELECT document_id FROM ids)")
        conn.execute(f"INSERT INTO {table} SELECT * FROM incoming")
        conn.unregister("incoming")
        conn.unregister("ids")
    conn.execute("COMMIT")


def write_lake(lake: Path, day: str, frames: dict[str, pd.DataFrame]) -> None:
    for table, frame in frames.items():
        replace_rows(table_file(lake, table, day), table_columns(table), frame, frame["document_id"].unique())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=Path("warehouse"))
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--copies", type=int, default=40)
    args = parser.parse_args()
    WarehouseResource(warehouse_dir=str(args.warehouse.resolve())).sync_views()
    source = duckdb.connect(str(args.warehouse / "claimgrid.duckdb"), read_only=True)
    base = {t: source.execute(f"SELECT * FROM raw.{t}").df() for t in TABLES}
    source.close()
    scratch = Path(tempfile.mkdtemp(prefix="lake-bench-"))
    try:
        db = duckdb.connect(str(scratch / "bench.duckdb"))
        for table, frame in base.items():
            db.register("shape", frame)
            db.execute(f"CREATE TABLE {table} AS SELECT * FROM shape WHERE false")
        lake = scratch / "lake"
        timings = {"duckdb": [], "parquet": []}
        for day in range(args.days + 1):
            frames = day_frames(base, day, args.copies)
            label = f"2026-{1 + day // 28:02d}-{1 + day % 28:02d}"
            started = time.perf_counter()
            write_duckdb(db, frames)
            timings["duckdb"].append(time.perf_counter() - started)
            started = time.perf_counter()
            write_lake(lake, label, frames)
            timings["parquet"].append(time.perf_counter() - started)
        rows = {t: len(f) for t, f in day_frames(base, 0, args.copies).items()}
        started = time.perf_counter()
        db_counts = [db.execute(f"SELECT count(*), count(DISTINCT document_id) FROM {t}").fetchone() for t in TABLES]
        scan_db = time.perf_counter() - started
        db.close()
        reader = duckdb.connect()
        started = time.perf_counter()
        lake_counts = [reader.execute(f"SELECT count(*), count(DISTINCT document_id) FROM {scan_sql(str(lake), t)}").fetchone()
                       for t in TABLES]
        scan_lake = time.perf_counter() - started
        assert db_counts == lake_counts, (db_counts, lake_counts)
        size_db = (scratch / "bench.duckdb").stat().st_size
        size_lake = sum(p.stat().st_size for p in lake.rglob("*.parquet"))
        print(f"rows per day: {rows}; archive: {args.days} days before the measured day")
        for kind in ("duckdb", "parquet"):
            first, last = timings[kind][0], timings[kind][-1]
            print(f"{kind:8} write one day: first {first:.3f} s, day {args.days + 1} {last:.3f} s, "
                  f"mean {sum(timings[kind]) / len(timings[kind]):.3f} s")
        print(f"scan all days (count, distinct ids): duckdb {scan_db:.3f} s, parquet {scan_lake:.3f} s")
        print(f"bytes on disk: duckdb {size_db:,}, parquet {size_lake:,}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
