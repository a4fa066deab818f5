"""Shared fixtures. Telemetry is off for every tool before anything imports them."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
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


def _newest_mtime(directory: Path) -> float:
    return max(
        (p.stat().st_mtime for p in directory.rglob("*")
         if p.suffix in {".sql", ".yml", ".csv"} and "target" not in p.parts and "logs" not in p.parts),
        default=0.0,
    )


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest() -> Path:
    """dagster-dbt reads dbt's manifest when the definitions load. `make` parses before the
    tests; a bare `pytest` after editing the dbt project parses here, once per session."""
    manifest = DBT_DIR / "target" / "manifest.json"
    if not manifest.exists() or manifest.stat().st_mtime < _newest_mtime(DBT_DIR):
        dbt = Path(sys.executable).with_name("dbt")
        subprocess.run([str(dbt), "parse", "--quiet", "--profiles-dir", str(DBT_DIR)], cwd=DBT_DIR, check=True)
    return manifest


@dataclass(frozen=True)
class SampleRun:
    instance: dg.DagsterInstance    # holds the run's event log (progress lines, metadata)
    run_id: str
    warehouse_dir: Path


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> SampleRun:
    """The bundled samples materialized once for the session (read-only use in tests)."""
    from tests.integration.pipeline import run_pipeline

    warehouse_dir = tmp_path_factory.mktemp("warehouse")
    instance = dg.DagsterInstance.ephemeral()
    result = run_pipeline(SAMPLES_DIR, warehouse_dir, instance=instance)
    assert result.success
    return SampleRun(instance, result.run_id, warehouse_dir)


@pytest.fixture(scope="session")
def sample_warehouse(sample_run: SampleRun) -> Path:
    return sample_run.warehouse_dir
