"""Faults of the run itself, for real: kill -9 mid-stage and mid-publish, two runs at once, a
warehouse disk that fills up, a batch that is mostly bad, a catalog that cannot be used.

Each asserts: a clear outcome, and the published snapshot byte-identical to before or, after a
rerun, equal to a clean run's. Runs that must be killed run in a child process
(tests/faults/run_pipeline_process.py) in their own process group, killed with SIGKILL as a
whole (dbt runs as a grandchild).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.assets.publish import analytics_snapshot
from orchestration.run_lock import LOCK_NAME, read_claim
from orchestration.settings import SNAPSHOT_DB_NAME
from orchestration.landed import landing_day_range
from orchestration.partitions import range_tags
from tests.conftest import REPO_ROOT, SAMPLES_DIR
from tests.faults.conftest import sha256_file
from tests.integration.pipeline import run_pipeline

pytestmark = pytest.mark.integration

MART_QUERIES = {
    "dim_document": "SELECT document_id, outlet_id, story_id, title, language FROM marts.dim_document ORDER BY 1",
    "dim_claim": "SELECT claim_id, story_id, claim_text, origin FROM marts.dim_claim ORDER BY 1",
    "fct_outlet_claims": "SELECT outlet_id, claim_id, is_covered, mention_count, stance FROM marts.fct_outlet_claims ORDER BY 1, 2",
    "fct_claim_mentions": "SELECT mention_id, stance, attributed_to FROM marts.fct_claim_mentions ORDER BY 1",
}
STEP_TIMEOUT = 240


def marts_of(path: Path) -> dict[str, list]:
    conn = duckdb.connect(str(path), read_only=True)
    try:
        return {name: conn.execute(sql).fetchall() for name, sql in MART_QUERIES.items()}
    finally:
        conn.close()


def failures(result: dg.ExecuteInProcessResult) -> list[str]:
    return [e.event_specific_data.error.message for e in result.all_events if e.event_type_value == "STEP_FAILURE"]


class ChildRun:
    """The pipeline in a child process group; `kill_when` SIGKILLs the group on a condition."""

    def __init__(self, landing: Path, warehouse: Path, hold_cleaning: Path | None = None):
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        hold = [str(hold_cleaning)] if hold_cleaning is not None else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.run_pipeline_process", str(landing), str(warehouse), *hold],
            cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )
        self.log: list[str] = []
        self._started: set[str] = set()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.log.append(line)
            if "STEP_START" in line:
                self._started.add(line.rsplit('"', 2)[-2] if line.count('"') >= 2 else line)

    def wait_for_step(self, step: str) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT
        while step not in self._started:
            if self.process.poll() is not None:
                raise AssertionError(f"run ended before step {step}:\n{''.join(self.log[-20:])}")
            assert time.monotonic() < deadline, f"step {step} never started"
            time.sleep(0.05)

    def wait_for_file(self, path: Path) -> None:
        deadline = time.monotonic() + STEP_TIMEOUT
        while not path.exists():
            assert self.process.poll() is None, f"run ended before {path} appeared"
            assert time.monotonic() < deadline
            time.sleep(0.002)

    def kill9(self) -> int:
        os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait(timeout=30)


@pytest.fixture
def warehouse(sample_warehouse: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "warehouse"
    shutil.copytree(sample_warehouse, copy)
    return copy


# ---- kill -9 mid-stage and in dbt, a second run meanwhile, then a rerun -----------------------

@dataclass
class KillScenario:
    before: str                     # snapshot sha256 before anything
    holder: dict                    # the first run's claim on the warehouse
    second_failures: list[str]
    second_materialized: set
    after_clean_kill: str
    after_dbt_kill: str
    rerun: dg.ExecuteInProcessResult
    rerun_marts: dict
    clean_marts: dict
    lock_left: bool
    seconds: float


@pytest.fixture(scope="module")
def killed_twice_then_rerun(sample_warehouse: Path, tmp_path_factory) -> KillScenario:
    """One warehouse: a run killed with SIGKILL in cleaning while a second run is started on
    the same warehouse, another run killed inside dbt's build, then a normal rerun."""
    warehouse = tmp_path_factory.mktemp("killed") / "warehouse"
    shutil.copytree(sample_warehouse, warehouse)
    snapshot = warehouse / SNAPSHOT_DB_NAME
    before = sha256_file(snapshot)
    started = time.perf_counter()

    # the first run is held in cleaning (it has claimed the warehouse) until it is killed: with
    # nothing new it could otherwise end before the second run comes to claim the warehouse
    hold = warehouse.parent / "hold-cleaning"
    hold.touch()
    first = ChildRun(SAMPLES_DIR, warehouse, hold_cleaning=hold)
    first.wait_for_step("cleaned_documents")
    holder = read_claim(warehouse)
    second = run_pipeline(SAMPLES_DIR, warehouse, raise_on_error=False)
    first.kill9()
    after_clean_kill = sha256_file(snapshot)

    third = ChildRun(SAMPLES_DIR, warehouse)
    third.wait_for_step("claimgrid_dbt_models")
    time.sleep(3)                   # dbt is building models in its own (grand)child process
    third.kill9()
    after_dbt_kill = sha256_file(snapshot)

    rerun = run_pipeline(SAMPLES_DIR, warehouse, raise_on_error=False)
    return KillScenario(
        before=before, holder=holder or {}, second_failures=failures(second),
        second_materialized={e.asset_key for e in second.get_asset_materialization_events()},
        after_clean_kill=after_clean_kill, after_dbt_kill=after_dbt_kill, rerun=rerun,
        rerun_marts=marts_of(snapshot) if rerun.success else {},
        clean_marts=marts_of(sample_warehouse / SNAPSHOT_DB_NAME),
        lock_left=(warehouse / LOCK_NAME).exists(), seconds=time.perf_counter() - started,
    )


def test_two_runs_at_once_the_second_is_refused_clearly_and_changes_nothing(killed_twice_then_rerun):
    scenario = killed_twice_then_rerun
    message = " ".join(scenario.second_failures)
    assert "is in use by run" in message and scenario.holder["run_id"] in message
    assert scenario.second_materialized == set()


def test_kill_9_mid_stage_leaves_the_snapshot_as_it_was(killed_twice_then_rerun):
    assert killed_twice_then_rerun.after_clean_kill == killed_twice_then_rerun.before


def test_kill_9_inside_dbt_leaves_the_snapshot_as_it_was(killed_twice_then_rerun):
    assert killed_twice_then_rerun.after_dbt_kill == killed_twice_then_rerun.before


def test_a_rerun_after_the_kills_equals_a_clean_run_and_releases_the_warehouse(killed_twice_then_rerun):
    scenario = killed_twice_then_rerun
    assert scenario.rerun.success, failures(scenario.rerun)
    assert scenario.rerun_marts == scenario.clean_marts
    assert not scenario.lock_left


def test_kill_9_during_publish_leaves_the_old_or_the_new_snapshot_never_a_mix(
        sample_warehouse: Path, warehouse: Path, tmp_path: Path):
    snapshot = warehouse / SNAPSHOT_DB_NAME
    before = sha256_file(snapshot)
    # a changed batch, so old and new snapshots differ: one sample fewer
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES_DIR, landing)
    sorted(landing.iterdir())[-1].unlink()
    child = ChildRun(landing, warehouse)
    child.wait_for_file(warehouse / (SNAPSHOT_DB_NAME + ".tmp"))    # publish is writing the copy
    child.kill9()

    after = sha256_file(snapshot)
    conn = duckdb.connect(str(snapshot), read_only=True)       # opens, whole
    documents = conn.execute("SELECT count(*) FROM marts.dim_document").fetchone()[0]
    conn.close()
    assert (after == before and documents == 5) or documents == 4

    # rerun the publish step alone: it discards the half-written copy and publishes the new batch
    rerun = run_pipeline(landing, warehouse, raise_on_error=False,
                         selection=dg.AssetSelection.assets(analytics_snapshot.key))
    assert rerun.success, failures(rerun)
    conn = duckdb.connect(str(snapshot), read_only=True)
    assert conn.execute("SELECT count(*) FROM marts.dim_document").fetchone()[0] == 4
    conn.close()
    assert not (warehouse / (SNAPSHOT_DB_NAME + ".tmp")).exists()


# ---- a full disk ------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path: Path):
    mount = tmp_path / "small_disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or 'mount refused'}): needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_warehouse_disk_fails_the_run_clearly_and_keeps_the_last_snapshot(
        sample_warehouse: Path, small_disk: Path, tmp_path: Path):
    warehouse = small_disk / "warehouse"
    shutil.copytree(sample_warehouse, warehouse)
    # one dump more than the warehouse holds: a run with nothing new writes nothing, and succeeds
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES_DIR, landing)
    first = sorted(SAMPLES_DIR.glob("*.txt"))[0]
    (landing / "new_dump.txt").write_text(first.read_text(encoding="utf-8") + "\nOne more paragraph landed later.\n",
                                          encoding="utf-8")
    snapshot = warehouse / SNAPSHOT_DB_NAME
    before = sha256_file(snapshot)
    # fill the disk, leaving a few hundred KB: the run can start but cannot write its tables
    free = shutil.disk_usage(small_disk).free
    with open(small_disk / "filler", "wb") as handle:
        handle.write(bytes(max(free - 300_000, 0)))
    result = run_pipeline(landing, warehouse, raise_on_error=False)
    assert not result.success
    message = " ".join(failures(result)).lower()
    assert "space" in message or "disk" in message or "no space left" in message, message
    assert sha256_file(snapshot) == before
    conn = duckdb.connect(str(snapshot), read_only=True)
    assert conn.execute("SELECT count(*) FROM marts.dim_document").fetchone()[0] == 5
    conn.close()


# ---- a batch that is mostly bad, and configuration that cannot be used ------------------------

def test_a_mostly_quarantined_batch_stops_at_the_rate_gate_and_keeps_the_snapshot(
        warehouse: Path, tmp_path: Path):
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLES_DIR, landing)
    for i in range(8):
        (landing / f"broken_{i}.txt.gz").write_bytes(os.urandom(512))
    before = sha256_file(warehouse / SNAPSHOT_DB_NAME)
    result = run_pipeline(landing, warehouse, raise_on_error=False)     # default policy: 2 % or 3
    assert not result.success
    gate = next(e.event_specific_data for e in result.all_events
                if e.event_type_value == "ASSET_CHECK_EVALUATION"
                and e.event_specific_data.check_name == "quarantine_rate_ingest")
    assert gate.passed is False
    named = gate.metadata["quarantined_rows"].value
    assert sorted(r["file"] for r in named) == [f"broken_{i}.txt.gz" for i in range(8)]
    assert analytics_snapshot.key not in {e.asset_key for e in result.get_asset_materialization_events()}
    assert sha256_file(warehouse / SNAPSHOT_DB_NAME) == before


def test_a_catalog_without_its_columns_stops_the_run_at_the_start_naming_file_and_column(
        warehouse: Path, tmp_path: Path):
    catalog = tmp_path / "claims.csv"
    catalog.write_text("id,text\nc1,Something happened\n", encoding="utf-8")
    before = sha256_file(warehouse / SNAPSHOT_DB_NAME)
    result = run_pipeline(SAMPLES_DIR, warehouse, catalog=catalog, raise_on_error=False)
    assert not result.success
    message = " ".join(failures(result))
    assert "claims.csv" in message and "claim_id" in message and "claim_text" in message
    assert {e.asset_key for e in result.get_asset_materialization_events()} == set()   # stopped first
    assert sha256_file(warehouse / SNAPSHOT_DB_NAME) == before


def test_run_monitoring_and_max_runtime_are_set():
    """No run stays STARTED forever: the instance template turns run monitoring on and the job
    carries dagster/max_runtime (the daemon fails a run past it or whose worker died)."""
    import yaml

    from orchestration.jobs import claimgrid_all

    instance = yaml.safe_load((REPO_ROOT / "ops" / "dagster.yaml").read_text(encoding="utf-8"))
    assert instance["run_monitoring"]["enabled"] is True
    assert int(claimgrid_all.tags["dagster/max_runtime"]) > 0


def test_a_killed_run_does_not_stay_started_the_daemon_fails_it(tmp_path: Path, monkeypatch):
    """For real: `dagster job execute` killed with SIGKILL mid-stage leaves its run STARTED in
    the instance; the daemon's run monitoring (ops/dagster.yaml turns it on) fails it once it is
    past its dagster/max_runtime (6 h on the job; 2 s here, set on the run)."""
    import yaml

    home = tmp_path / "dagster_home"
    home.mkdir()
    settings = yaml.safe_load((REPO_ROOT / "ops" / "dagster.yaml").read_text(encoding="utf-8"))
    settings["run_monitoring"]["poll_interval_seconds"] = 1
    (home / "dagster.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    empty = tmp_path / "empty_landing"
    empty.mkdir()
    env = {**os.environ, "DAGSTER_HOME": str(home), "CLAIMGRID_WAREHOUSE_DIR": str(tmp_path / "warehouse"),
           "CLAIMGRID_LANDING_DIR": str(SAMPLES_DIR)}
    bin_dir = Path(sys.executable).parent
    run = subprocess.Popen(
        [str(bin_dir / "dagster"), "job", "execute", "-m", "orchestration.definitions", "-j", "claimgrid_all",
         "--tags", json.dumps({"dagster/max_runtime": "2", **range_tags(*landing_day_range(SAMPLES_DIR))})],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    deadline = time.monotonic() + STEP_TIMEOUT
    for line in run.stderr:
        if 'STEP_START - Started execution of step "cleaned_documents"' in line:
            break
        assert time.monotonic() < deadline
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=30)

    monkeypatch.setenv("DAGSTER_HOME", str(home))
    instance = dg.DagsterInstance.get()
    [record] = instance.get_runs()
    assert record.status == dg.DagsterRunStatus.STARTED          # what a kill -9 leaves behind

    # the daemon, with a landing folder that has nothing to trigger the sensor
    daemon = subprocess.Popen([str(bin_dir / "dagster-daemon"), "run", "-w", "workspace.yaml"],
                              cwd=REPO_ROOT, env={**env, "CLAIMGRID_LANDING_DIR": str(empty)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        # STARTED -> CANCELING (terminate finds no worker) -> FAILURE
        while instance.get_run_by_id(record.run_id).status in (dg.DagsterRunStatus.STARTED,
                                                               dg.DagsterRunStatus.CANCELING):
            assert time.monotonic() < deadline, "the daemon never failed the dead run"
            time.sleep(1)
    finally:
        os.killpg(daemon.pid, signal.SIGKILL)
        daemon.wait(timeout=30)
    assert instance.get_run_by_id(record.run_id).status == dg.DagsterRunStatus.FAILURE
