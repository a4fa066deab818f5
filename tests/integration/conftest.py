"""The end-to-end tier: the whole graph materialized once per session on the bundled samples.

Content assertions read that one run; failure-injection tests copy its warehouse and re-run only
the part of the graph after the injected stage. The session run itself (sample_run,
sample_warehouse) is in tests/conftest.py, shared with tests/faults."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest


@pytest.fixture
def snapshot(sample_warehouse: Path):
    conn = duckdb.connect(str(sample_warehouse / "analytics.duckdb"), read_only=True)
    yield conn
    conn.close()
