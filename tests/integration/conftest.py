"""The end-to-end tier: the whole graph materialized once per session on the bundled samples.

Content assertions read that one run; failure-injection tests copy its warehouse and re-run only
the part of the graph after the injected stage."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.conftest import SAMPLES_DIR
from tests.integration.pipeline import run_pipeline


@dataclass(frozen=True)
class SampleRun:
    instance: dg.DagsterInstance    # holds the run's event log (progress lines, metadata)
    run_id: str
    warehouse_dir: Path


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> SampleRun:
    """The bundled samples materialized once for the session (read-only use in tests)."""
    warehouse_dir = tmp_path_factory.mktemp("warehouse")
    instance = dg.DagsterInstance.ephemeral()
    result = run_pipeline(SAMPLES_DIR, warehouse_dir, instance=instance)
    assert result.success
    return SampleRun(instance, result.run_id, warehouse_dir)


@pytest.fixture(scope="session")
def sample_warehouse(sample_run: SampleRun) -> Path:
    return sample_run.warehouse_dir


@pytest.fixture
def snapshot(sample_warehouse: Path):
    conn = duckdb.connect(str(sample_warehouse / "analytics.duckdb"), read_only=True)
    yield conn
    conn.close()
