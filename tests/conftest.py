"""Shared fixtures. Telemetry is off for every tool before anything imports them."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = REPO_ROOT / "samples" / "landing"
SHARED_DIR = REPO_ROOT.parent / "shared"
DBT_DIR = REPO_ROOT / "dbt_project"


@pytest.fixture
def landing_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled sample dumps that a test may change."""
    target = tmp_path / "landing"
    shutil.copytree(SAMPLES_DIR, target)
    return target


@pytest.fixture(scope="session")
def shared_benchmarks() -> Path:
    path = SHARED_DIR / "benchmarks"
    if not path.exists():
        pytest.skip(f"benchmark data not present at {path}")
    return path


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """dagster-dbt needs dbt's manifest when the definitions load: parse once per session."""
    import subprocess
    import sys

    manifest = DBT_DIR / "target" / "manifest.json"
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [str(dbt), "parse", "--quiet", "--profiles-dir", str(DBT_DIR)], cwd=DBT_DIR, check=True
    )
    return manifest


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory, dbt_manifest: Path) -> Path:
    """The bundled samples materialized once for the session (read-only use in tests; the
    integration and fault suites share it)."""
    from tests.integration.pipeline import run_pipeline

    warehouse_dir = tmp_path_factory.mktemp("warehouse")
    result = run_pipeline(SAMPLES_DIR, warehouse_dir)
    assert result.success
    return warehouse_dir
