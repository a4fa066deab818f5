"""The production profile's tier: a real PostgreSQL, a real RabbitMQ and Celery worker processes
(orchestration/local_cluster.py), one cluster per module. CI runs as root and installs Debian's
packages when missing (ops/production/install_services.sh); elsewhere a missing package skips
with the command to install it."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from orchestration.local_cluster import INSTALL_SERVICES, local_cluster


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/distributed/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.distributed)


@pytest.fixture(scope="module")
def services_installed() -> None:
    installed = subprocess.run(["bash", str(INSTALL_SERVICES)], capture_output=True, text=True)
    if installed.returncode == 3:   # not root and a package is missing
        pytest.skip(installed.stderr.strip())
    assert installed.returncode == 0, installed.stdout + installed.stderr


@pytest.fixture(scope="module")
def cluster_warehouse(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("distributed_warehouse")


@pytest.fixture(scope="module")
def cluster(services_installed, cluster_warehouse: Path, tmp_path_factory):
    """PostgreSQL + RabbitMQ + worker1 and worker2, working on the bundled samples."""
    from tests.conftest import SAMPLES_DIR

    settings_env = {"CLAIMGRID_LANDING_DIR": str(SAMPLES_DIR), "CLAIMGRID_WAREHOUSE_DIR": str(cluster_warehouse),
                    "CLAIMGRID_WORKERS": "2"}
    with local_cluster(("worker1", "worker2"), settings_env=settings_env) as running:
        yield running
