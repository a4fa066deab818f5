"""Set-up traps: the wrong Python is refused with a fix before any venv is made, a venv made
with the wrong Python is made again, and `make clean` asks before it removes anything."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


def _check_python():
    spec = importlib.util.spec_from_file_location("check_python", REPO_ROOT / "ops" / "check_python.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_requires_python_is_read_from_pyproject_and_enforced():
    check = _check_python()
    spec = check.requires_python((REPO_ROOT / "pyproject.toml").read_text())
    assert spec == ">=3.11,<3.12"
    assert check.satisfies((3, 11, 7), spec)
    assert not check.satisfies((3, 12, 1), spec) and not check.satisfies((3, 10, 13), spec)
    assert check.satisfies(tuple(sys.version_info[:3]), spec)


def _wrong_python() -> str | None:
    """A working interpreter other than 3.11 (pyenv shims may name one that does not run)."""
    candidates = ["python3.12", "python3.13", "python3.10", *map(str, Path("/root/.pyenv/versions").glob("3.1[023]*/bin/python"))]
    for candidate in candidates:
        path = shutil.which(candidate)
        if not path:
            continue
        probe = subprocess.run([path, "-c", "import sys; print(*sys.version_info[:3])"], capture_output=True, text=True)
        if probe.returncode == 0 and not _check_python().satisfies(tuple(map(int, probe.stdout.split())), ">=3.11,<3.12"):
            return path
    return None


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    for name in ("Makefile", "pyproject.toml", "requirements.lock", "ops/check_python.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / name, tmp_path / name)
    return tmp_path


def _make(directory: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "CLAIMGRID_"))}
    return subprocess.run(["make", "--no-print-directory", "-C", str(directory), *args], input=stdin,
                          capture_output=True, text=True, env=env, timeout=300)


def test_a_wrong_python_is_refused_before_a_venv_exists_and_a_wrong_venv_is_remade(scratch: Path):
    wrong = _wrong_python()
    if wrong is None:
        pytest.skip("no Python other than 3.11 on this machine to try")
    refused = _make(scratch, "venv", f"PYTHON={wrong}")
    assert refused.returncode != 0
    assert "claimgrid needs Python >=3.11,<3.12" in refused.stderr and "PYTHON=python3.11" in refused.stderr
    assert not (scratch / ".venv").exists()

    subprocess.run([wrong, "-m", "venv", "--without-pip", str(scratch / ".venv")], check=True)
    remade = _make(scratch, "venv", f"PYTHON={sys.executable}")
    assert remade.returncode == 0, remade.stderr
    assert "made with another Python" in remade.stdout
    version = subprocess.run([str(scratch / ".venv" / "bin" / "python"), "-c", "import sys; print(sys.version_info[:2])"],
                             capture_output=True, text=True).stdout
    assert version.strip() == "(3, 11)"


def test_make_clean_asks_first_and_the_ci_variant_does_not(scratch: Path):
    warehouse = scratch / "warehouse"
    for path in (scratch / ".venv" / "bin" / "python", scratch / ".dagster_home" / "dagster.yaml",
                 warehouse / "analytics.duckdb", warehouse / "logs" / "run.log", warehouse / "queries" / "kept.sql",
                 warehouse / "dbt_target" / "partial_parse.msgpack",
                 warehouse / "analytics.lake" / "1-a" / "segments" / "day=2026-11-01" / "part.parquet"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    declined = _make(scratch, "clean", stdin="n\n")
    assert declined.returncode != 0 and "nothing removed" in declined.stdout
    assert (scratch / ".venv").exists() and (warehouse / "analytics.duckdb").exists()

    assert _make(scratch, "clean-ci").returncode == 0
    assert not (scratch / ".venv").exists() and not (scratch / ".dagster_home").exists()
    assert not (warehouse / "analytics.duckdb").exists() and not (warehouse / "logs").exists()
    assert not (warehouse / "dbt_target").exists() and not (warehouse / "analytics.lake").exists()
    assert (warehouse / "queries" / "kept.sql").exists(), "tracked queries stay"
