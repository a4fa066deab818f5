"""A backfill of two landing days through the `dagster` CLI, as an engineer would start one
without the UI: `dagster asset materialize --partition-range`, against a scratch DAGSTER_HOME."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.conftest import REPO_ROOT, SAMPLES_DIR

pytestmark = pytest.mark.integration

DAYS = ("2026-11-28", "2026-11-29")


def test_a_two_day_backfill_from_the_cli_writes_both_days_and_the_marts(tmp_path: Path):
    landing, warehouse, home = tmp_path / "landing", tmp_path / "warehouse", tmp_path / "dagster_home"
    shutil.copytree(SAMPLES_DIR, landing)
    home.mkdir()
    shutil.copy(REPO_ROOT / "ops" / "dagster.yaml", home / "dagster.yaml")
    dumps = sorted(p for p in landing.iterdir() if p.name != "manifest.jsonl")
    day_of = {}
    for index, path in enumerate(dumps):     # the files land on two days, by modification time
        day_of[path.name] = DAYS[index % 2]
        stamp = datetime.fromisoformat(f"{DAYS[index % 2]}T12:00:00").replace(tzinfo=timezone.utc).timestamp()
        os.utime(path, (stamp, stamp))
    env = {**os.environ, "DAGSTER_HOME": str(home), "CLAIMGRID_LANDING_DIR": str(landing),
           "CLAIMGRID_WAREHOUSE_DIR": str(warehouse)}
    env.pop("CLAIMGRID_LAKE_DIR", None)
    cli = Path(sys.executable).with_name("dagster")
    result = subprocess.run(
        [str(cli), "asset", "materialize", "-m", "orchestration.definitions", "--select", "*",
         "--partition-range", f"{DAYS[0]}...{DAYS[1]}"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]

    # each day's partition of each document stage is its own Parquet file, holding that day's files
    lake = warehouse / "lake"
    conn = duckdb.connect()
    for day in DAYS:
        for table in ("dumps", "documents", "segments", "document_languages", "document_outlets", "sentences"):
            assert (lake / table / f"day={day}" / "part.parquet").is_file(), (table, day)
        landed = conn.execute(f"SELECT source_file FROM read_parquet('{lake}/dumps/day={day}/part.parquet')").fetchall()
        assert sorted(f for (f,) in landed) == sorted(f for f, d in day_of.items() if d == day)
    conn.close()

    # the marts read both days
    snapshot = duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True)
    try:
        assert snapshot.execute("SELECT count(*) FROM marts.dim_document").fetchone()[0] == len(dumps)
        assert snapshot.execute("SELECT count(*) FROM marts.fct_outlet_claims").fetchone()[0] > 0
        assert snapshot.execute("SELECT count(*) FROM raw.sentences").fetchone()[0] > 0
    finally:
        snapshot.close()

    # the instance knows both partitions as materialized: the UI's partition bar shows them green
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        materialized = instance.get_materialized_partitions(dg.AssetKey(["raw", "sentences"]))
    finally:
        instance.dispose()
    assert set(DAYS) <= set(materialized)
