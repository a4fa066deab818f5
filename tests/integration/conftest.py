from __future__ import annotations

from pathlib import Path

import duckdb
import pytest


@pytest.fixture(scope="session", autouse=True)
def parsed_dbt(dbt_manifest: Path) -> Path:
    return dbt_manifest


@pytest.fixture
def snapshot(sample_warehouse: Path):
    conn = duckdb.connect(str(sample_warehouse / "analytics.duckdb"), read_only=True)
    yield conn
    conn.close()
