"""Shared fixtures. Telemetry is off for every tool before anything imports them."""
from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest
from filelock import FileLock

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

# Test files on a RAM file system when the machine has one with room (docs/decisions/0014): the
# tests' Dagster instances keep their event logs in SQLite, which commits and fsyncs every event,
# and that waiting was a third of the dirty run's wall time. Set before pytest makes its temporary
# folders and before any subprocess starts (dbt, dagster dev, PostgreSQL, Chromium inherit it).
RAM_TMP = Path("/dev/shm")
RAM_TMP_NEEDED = 8 << 30


def _use_ram_tmp() -> None:
    if os.environ.get("PYTEST_XDIST_WORKER") or "PYTEST_DEBUG_TEMPROOT" in os.environ:
        return                  # the controller chose already, or the user did
    try:
        roomy = os.access(RAM_TMP, os.W_OK) and shutil.disk_usage(RAM_TMP).free >= RAM_TMP_NEEDED
    except OSError:
        roomy = False
    if roomy:
        import tempfile

        os.environ["PYTEST_DEBUG_TEMPROOT"] = os.environ["TMPDIR"] = str(RAM_TMP)
        tempfile.tempdir = None     # gettempdir() reads TMPDIR again


_use_ram_tmp()

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = REPO_ROOT / "samples" / "landing"
SHARED_DIR = REPO_ROOT.parent / "shared"
DBT_DIR = REPO_ROOT / "dbt_project"


# The tiers, fastest first, so a broken core fails in seconds: the pure core, the assets on tiny
# inputs, the whole graph on the samples (one shared run, failure injections on copies of its
# warehouse), input and process faults, the browser, the production profile.
#
# Under xdist the order is the other way round, longest first, so the two workers finish together
# instead of one running a long file alone at the end (the longest-processing-time rule). `make
# test` runs two workers with `--dist loadfile --no-loadscope-reorder`: a test file stays on one
# worker, so a run its tests share (a module fixture) happens once, and xdist keeps this order
# instead of sorting files by their number of tests (which started the two longest files, two
# tests each, last). The session's run on the samples is shared through a file lock (sample_run).
# (Not loadgroup: with pytest 9.2 xdist ignores its groups, xdist#1386.)
TIERS = ("unit", "pipeline", "integration", "faults", "ui", "distributed")
# The files that take longest, longest first (their share of one `make test`, in seconds of one
# worker: the cluster and its one-machine reference, the dirty run, a run driven from the browser,
# the kill -9 runs, a backfill from the CLI). The session's `make run` (sample_run) starts with
# the first test that reads it.
LONGEST_FILES = (
    "distributed/test_production_profile.py",
    "faults/test_inputs.py",
    "ui/test_dagster_ui.py",
    "faults/test_process_faults.py",
    "integration/test_backfill.py",
)


# How many times a Dagster instance was entered in this process (see the fixture below).
_instances_entered = 0
_enter_instance = dg.DagsterInstance.__enter__


def _counted_enter(self):
    global _instances_entered
    _instances_entered += 1
    return _enter_instance(self)


dg.DagsterInstance.__enter__ = _counted_enter


@pytest.fixture(autouse=True)
def _no_dagster_instance_left_entered():
    """A test leaves no Dagster instance entered. Entering one (`with instance`, or a sensor or
    schedule context that opens one from its ref) sets the definitions-state storage of the
    thread's context; one never left is left when the collector frees it, and that resets the
    storage to what it was before, possibly the storage of an instance that is gone: the next
    `dg.materialize` in that worker then failed with "Attempted to resolve undefined DagsterInstance
    weakref", now and then. Here the test that leaves one fails every time. A full collection
    costs ~0.2 s, so only after a test that entered an instance. Use build_sensor_context and
    build_schedule_context as context managers (sensor_tick)."""
    from dagster._core.storage.defs_state.base import DefsStateStorage, _current_storage

    storage_before, entered_before = DefsStateStorage.get(), _instances_entered
    yield
    if _instances_entered != entered_before:
        gc.collect()
    if DefsStateStorage.get() is not storage_before:
        _current_storage.set(storage_before)     # the next test starts as this one did
        pytest.fail("the test left a Dagster instance entered (its definitions-state storage is still set)")


def sensor_tick(sensor: dg.SensorDefinition, landing_dir: Path | str, cursor: str | None = None):
    """(what `sensor` returns, its new cursor) for one tick over `landing_dir`, its context left
    before returning."""
    from orchestration.resources import LandingResource

    with dg.build_sensor_context(cursor=cursor, resources={"landing": LandingResource(landing_dir=str(landing_dir))}) as context:
        return sensor(context), context.cursor


def _path_in_tests(item: pytest.Item) -> str:
    return Path(str(item.fspath)).relative_to(REPO_ROOT / "tests").as_posix()


def _tier(item: pytest.Item) -> str:
    parts = _path_in_tests(item).split("/")
    return parts[0] if len(parts) > 1 and parts[0] in TIERS else "unit"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    parallel = bool(os.environ.get("PYTEST_XDIST_WORKER")) or bool(getattr(config.option, "numprocesses", None))

    def order(item: pytest.Item) -> tuple[int, int]:
        tier = TIERS.index(_tier(item))
        if not parallel:
            return (0, tier)
        path = _path_in_tests(item)
        if path in LONGEST_FILES:
            return (LONGEST_FILES.index(path), 0)
        return (len(LONGEST_FILES), -tier)

    items.sort(key=order)


@pytest.fixture
def landing_copy(tmp_path: Path) -> Path:
    """A private copy of the bundled sample dumps that a test may change, every dump landed now.
    A dump's landing day is its file's modification day (the samples have no manifest), so a
    copy that kept the checkout's times would put a file the test writes on another day than the
    others whenever the repository was checked out on an earlier day than the test runs."""
    target = tmp_path / "landing"
    shutil.copytree(SAMPLES_DIR, target, copy_function=shutil.copy)
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


def session_root(tmp_path_factory) -> Path:
    """A folder of this test session that every xdist worker sees (the base temp folder of the
    session, not of one worker)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest(tmp_path_factory) -> Path:
    """dagster-dbt reads dbt's manifest when the definitions load. `make` parses before the
    tests; a bare `pytest` after editing the dbt project parses here, once per session (one
    xdist worker parses, the other waits for it)."""
    manifest = DBT_DIR / "target" / "manifest.json"
    with FileLock(str(session_root(tmp_path_factory) / "dbt_parse.lock")):
        if not manifest.exists() or manifest.stat().st_mtime < _newest_mtime(DBT_DIR):
            dbt = Path(sys.executable).with_name("dbt")
            subprocess.run([str(dbt), "parse", "--quiet", "--profiles-dir", str(DBT_DIR)], cwd=DBT_DIR, check=True)
    return manifest


@dataclass(frozen=True)
class SampleRun:
    instance: dg.DagsterInstance    # holds the run's event log (progress lines, metadata)
    run_id: str
    warehouse_dir: Path
    terminal: str                   # what `make run` printed (stdout and stderr)


# `make run` draws the grid for the terminal's width, which a piped run takes from COLUMNS:
# a 120-column terminal here (pytest-xdist sets COLUMNS=80 in its workers).
TERMINAL_COLUMNS = "120"


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> SampleRun:
    """The bundled samples materialized once for the whole session by `make run`, the command a
    new user types (tests/integration/test_make_run.py reads its terminal; the content tests read
    its warehouse and its instance's event log). Under xdist the first worker that needs it runs
    it while the other waits. Why: docs/decisions/0016."""
    root = session_root(tmp_path_factory) / "sample_run"
    warehouse_dir, home = root / "warehouse", root / "dagster_home"
    terminal, exit_code = root / "terminal.txt", root / "exit_code"
    with FileLock(str(root) + ".lock"):
        if not exit_code.exists():
            shutil.rmtree(root, ignore_errors=True)
            home.mkdir(parents=True)
            # the defaults, but for where it writes: no CLAIMGRID_* setting of the caller's shell
            env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMGRID_") and k != "MAKEFLAGS"}
            env.update({"CLAIMGRID_LANDING_DIR": str(SAMPLES_DIR), "CLAIMGRID_WAREHOUSE_DIR": str(warehouse_dir),
                        "CLAIMGRID_DAGSTER_HOME": str(home), "COLUMNS": TERMINAL_COLUMNS})
            result = subprocess.run(["make", "--no-print-directory", "run"], cwd=REPO_ROOT, env=env,
                                    capture_output=True, text=True, timeout=1800)
            terminal.write_text(result.stdout + result.stderr, encoding="utf-8")
            exit_code.write_text(str(result.returncode), encoding="utf-8")
    output = terminal.read_text(encoding="utf-8")
    assert exit_code.read_text(encoding="utf-8") == "0", f"make run failed:\n{output[-3000:]}"
    instance = dg.DagsterInstance.local_temp(tempdir=str(home))
    [run] = instance.get_runs()
    yield SampleRun(instance, run.run_id, warehouse_dir, output)
    instance.dispose()


@pytest.fixture(scope="session")
def sample_warehouse(sample_run: SampleRun) -> Path:
    return sample_run.warehouse_dir

