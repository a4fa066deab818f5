from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import DBT_DIR, SAMPLES_DIR
from tests.integration.pipeline import run_pipeline


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest() -> Path:
    """dagster-dbt needs dbt's manifest when the definitions load: parse once per session."""
    manifest = DBT_DIR / "target" / "manifest.json"
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt), "parse", "--quiet", "--profiles-dir", str(DBT_DIR)], cwd=DBT_DIR, check=True
    )
    return manifest


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory) -> Path:
    """The bundled samples materialized once for the session (read-only use in tests)."""
    warehouse_dir = tmp_path_factory.mktemp("warehouse")
    result = run_pipeline(SAMPLES_DIR, warehouse_dir)
    assert result.success
    return warehouse_dir


@pytest.fixture
def snapshot(sample_warehouse: Path):
    conn = duckdb.connect(str(sample_warehouse / "analytics.duckdb"), read_only=True)
    yield conn
    conn.close()
