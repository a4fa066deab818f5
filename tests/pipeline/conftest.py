"""The asset tier: the code location loads, and assets materialize on a tiny landing folder.

No dbt build, no GX check and no publish here: those belong to the end-to-end tier. Each test
materializes only the Python stages it needs, so a run takes seconds instead of a minute."""
from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.resources import WarehouseResource
from orchestration.settings import LIVE_DB_NAME
from tests.conftest import SAMPLES_DIR
from tests.integration.pipeline import run_pipeline

# Every Python stage writes raw.<table>; dbt models, checks and publish are left out.
PYTHON_STAGES = dg.AssetSelection.key_prefixes("raw") - dg.AssetSelection.all_asset_checks()


def materialize(landing: Path, warehouse: Path, selection=PYTHON_STAGES, catalog: Path | None = None):
    result = run_pipeline(landing, warehouse, catalog=catalog, selection=selection)
    assert result.success
    return result


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    """`sql` on the live warehouse, its raw views brought up to date with the lake first (a run
    of the document stages alone writes only the lake)."""
    WarehouseResource(warehouse_dir=str(warehouse)).sync_views()
    conn = duckdb.connect(str(warehouse / LIVE_DB_NAME), read_only=True)
    try:
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()


def execute(warehouse: Path, sql: str) -> None:
    """`sql` on the live warehouse, read-write (a test setting the state a run meets)."""
    conn = duckdb.connect(str(warehouse / LIVE_DB_NAME))
    try:
        conn.execute(sql)
    finally:
        conn.close()


@pytest.fixture
def one_dump_landing(tmp_path: Path) -> Path:
    """A landing folder with a single sample dump: the plain-text one with a caption."""
    landing = tmp_path / "landing"
    landing.mkdir()
    sample = next(p for p in sorted(SAMPLES_DIR.iterdir()) if "Photo:" in p.read_text(encoding="utf-8"))
    shutil.copy(sample, landing / sample.name)
    return landing
