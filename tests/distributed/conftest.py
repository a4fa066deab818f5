"""The production profile's tier: a real PostgreSQL, a real RabbitMQ, Celery worker processes and
the Dagster daemon (orchestration/local_cluster.py, orchestration/cluster_runs.py), one cluster
per module, on a landing folder of several landing days made by benchmarks/corpus.py. CI runs as
root and installs Debian's packages when missing (ops/production/install_services.sh); elsewhere
a missing package skips with the command that installs it."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.local_cluster import INSTALL_SERVICES, local_cluster

REPO = Path(__file__).resolve().parents[2]
# Each worker plays a one-core machine: one process for the per-document stages.
CORES_PER_WORKER = "1"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/distributed/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.distributed)


def _benchmark_corpus():
    spec = importlib.util.spec_from_file_location("benchmark_corpus", REPO / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module          # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def services_installed() -> None:
    installed = subprocess.run(["bash", str(INSTALL_SERVICES)], capture_output=True, text=True)
    if installed.returncode == 3:   # not root and a package is missing
        pytest.skip(installed.stderr.strip())
    assert installed.returncode == 0, installed.stdout + installed.stderr


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """Five landing days of generated dumps (real text: the benchmark pages, Emergent, the samples)."""
    corpus = _benchmark_corpus()
    folder = tmp_path_factory.mktemp("distributed_landing")
    corpus.write_landing(folder, corpus.build_corpus(30, seed=14, days=5, markup_debris=False))
    return folder


@pytest.fixture(scope="module")
def cluster_warehouse(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("distributed_warehouse")


@pytest.fixture(scope="module")
def cluster(services_installed, landing: Path, cluster_warehouse: Path):
    """PostgreSQL + RabbitMQ + worker1 and worker2, on `landing` and `cluster_warehouse`."""
    settings_env = {"CLAIMGRID_LANDING_DIR": str(landing), "CLAIMGRID_WAREHOUSE_DIR": str(cluster_warehouse),
                    "CLAIMGRID_WORKERS": CORES_PER_WORKER}
    with local_cluster(("worker1", "worker2"), settings_env=settings_env) as running:
        yield running
