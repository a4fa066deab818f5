"""What the dbt step's marts cost on a built warehouse, and what the ways of cutting it measured
in docs/decisions/0036-the-marts-stay-full-rebuilds.md give:

    python benchmarks/mart_rebuilds.py WAREHOUSE_DIR [--rounds 2] [--threads 2,4]

WAREHOUSE_DIR is a warehouse the pipeline built (its `claimgrid.duckdb`, `lake/` and
`dbt_target/compiled`, e.g. a bench warehouse kept by `scale_speed.py --keep`). Its live file is
copied to a temporary folder first: nothing of it is written. Per large mart, in one process,
`--rounds` times:
- `CREATE TABLE AS` of the model's compiled SQL (what a full rebuild runs);
- an incremental model by difference: the model's rows into a temporary table, then one `MERGE`
  that updates the rows that differ, inserts the new ones and deletes those gone (dbt-duckdb's
  `merge` strategy with a `not matched by source` clause). On an unchanged warehouse nothing
  differs: the most favourable case for it.
Then the whole `dbt build` on the copy with each of `--threads`, alternated.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from scale_speed import QUIET_ENV  # noqa: E402

# the marts a 1% day spends most on, with the columns that identify a row
MARTS = {"fct_outlet_claims": ("outlet_id", "claim_id"), "fct_claim_mentions": ("mention_id",),
         "fct_text_reuse": ("document_id", "source_document_id")}
LIVE_DB = "claimgrid.duckdb"
MEMORY_LIMIT = "1GB"        # the dbt step's (WarehouseResource.dbt_memory_limit)


def timed(conn: duckdb.DuckDBPyConnection, sql: str) -> float:
    start = time.perf_counter()
    conn.execute(sql)
    return time.perf_counter() - start


def mart_costs(live: Path, compiled: Path, rounds: int) -> dict[str, dict[str, list[float]]]:
    conn = duckdb.connect(str(live))
    conn.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    results: dict[str, dict[str, list[float]]] = {}
    try:
        for mart, keys in MARTS.items():
            select = (compiled / f"{mart}.sql").read_text()
            columns = [c for (c,) in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
                "AND table_name = ? ORDER BY ordinal_position", [mart]).fetchall()]
            on = " AND ".join(f"d.{k} = s.{k}" for k in keys)
            differs = " OR ".join(f"d.{c} IS DISTINCT FROM s.{c}" for c in columns if c not in keys)
            figures = results.setdefault(mart, {"create_table_as": [], "rows_to_temp": [], "merge": []})
            for _ in range(rounds):
                figures["create_table_as"].append(timed(conn, f"CREATE OR REPLACE TABLE marts.{mart}__full AS {select}"))
                conn.execute(f"DROP TABLE marts.{mart}__full")
                figures["rows_to_temp"].append(timed(conn, f"CREATE OR REPLACE TEMP TABLE incoming AS {select}"))
                figures["merge"].append(timed(conn, (
                    f"MERGE INTO marts.{mart} AS d USING incoming AS s ON ({on}) "
                    f"WHEN MATCHED AND ({differs}) THEN UPDATE WHEN NOT MATCHED THEN INSERT "
                    "WHEN NOT MATCHED BY SOURCE THEN DELETE")))
                conn.execute("DROP TABLE incoming")
                conn.execute("CHECKPOINT")
    finally:
        conn.close()
    return results


def dbt_build_seconds(warehouse: Path, lake: Path, target: Path, threads: int) -> float:
    build_vars = {"warehouse_dir": str(warehouse), "lake_dir": str(lake), "duckdb_memory_limit": MEMORY_LIMIT}
    argv = [str(Path(sys.executable).with_name("dbt")), "build", "--profiles-dir", ".", "--vars",
            json.dumps(build_vars), "--threads", str(threads), "--log-level-file", "none", "--quiet",
            "--target-path", str(target)]
    start = time.perf_counter()
    subprocess.run(argv, cwd=REPO / "dbt_project", env={**os.environ, **QUIET_ENV}, check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("warehouse", type=Path, help="a warehouse folder the pipeline built")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", default="2,4", help="dbt --threads to alternate (default 2,4)")
    args = parser.parse_args()
    source = args.warehouse.resolve()
    compiled = source / "dbt_target" / "compiled" / "claimgrid" / "models" / "marts"
    with tempfile.TemporaryDirectory(prefix="mart_rebuilds_") as tmp:
        copy = Path(tmp)
        shutil.copy(source / LIVE_DB, copy / LIVE_DB)
        print(f"{'mart':22s} {'create table as':>16s} {'rows to temp':>13s} {'merge':>8s} {'by difference':>14s}")
        for mart, figures in mart_costs(copy / LIVE_DB, compiled, args.rounds).items():
            total = [t + m for t, m in zip(figures["rows_to_temp"], figures["merge"])]
            show = lambda values: " / ".join(f"{v:.2f}" for v in values)  # noqa: E731
            print(f"{mart:22s} {show(figures['create_table_as']):>16s} {show(figures['rows_to_temp']):>13s} "
                  f"{show(figures['merge']):>8s} {show(total):>14s}")
        threads = [int(t) for t in args.threads.split(",")]
        seconds: dict[int, list[float]] = {t: [] for t in threads}
        for _ in range(args.rounds):
            for t in threads:
                seconds[t].append(dbt_build_seconds(copy, source / "lake", copy / f"dbt_target_{t}", t))
        for t, values in seconds.items():
            print(f"dbt build, --threads {t}: " + " / ".join(f"{v:.1f} s" for v in values))


if __name__ == "__main__":
    main()
