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
