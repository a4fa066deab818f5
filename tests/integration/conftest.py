from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLES_DIR
from tests.integration.pipeline import run_pipeline


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
