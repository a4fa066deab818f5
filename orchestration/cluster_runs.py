"""Runs and backfills on a local cluster (orchestration/local_cluster.py), followed through its
PostgreSQL instance: which worker executed which step (dagster-celery's engine events) and how
each run ended. Used by `make run-distributed`, the distributed tests and the speed benchmark.

A backfill is Dagster's own: `dagster job backfill` records it and submits one run per landing
day to the queued run coordinator; the daemon (`dagster-daemon run`) launches them, up to the
instance's max_concurrent_runs at once, and each run sends its steps to the Celery workers.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.local_cluster import LocalCluster, _end
from orchestration.settings import REPO_ROOT, code_location

TOKEN_TAG = "claimgrid/cli_run"
# dagster-celery's worker task reports "Executing steps ... in celery worker" with this metadata key
CELERY_WORKER_KEY = "Celery worker"
TIMEOUT_SECONDS = 900
POLL_SECONDS = 0.25


def dagster_cli(name: str = "dagster") -> str:
    cli = Path(sys.executable).with_name(name)
    return str(cli) if cli.exists() else name


def celery_worker(dagster_event) -> str | None:
    """The worker named by a dagster-celery engine event, else None."""
    data = dagster_event.event_specific_data
    value = (getattr(data, "metadata", None) or {}).get(CELERY_WORKER_KEY)
    return getattr(value, "value", value)


def step_executions(instance, run_id: str) -> list[tuple[str, str]]:
    """Every time a worker began a step of the run: (step, worker), in order. A step whose worker
    died and that another worker ran again appears twice."""
    from dagster import DagsterEventType

    found = []
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.ENGINE_EVENT, limit=1_000_000).records
    for record in records:
        worker = celery_worker(record.event_log_entry.dagster_event)
        if worker:
            found.append((record.event_log_entry.dagster_event.step_key, worker))
    return found


def step_ended(instance, run_id: str, step: str) -> bool:
    from dagster import DagsterEventType

    for kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
        if any(r.event_log_entry.step_key == step for r in instance.get_records_for_run(run_id, of_type=kind).records):
            return True
    return False


def step_failures(instance, run_id: str) -> list[str]:
    """Why a run did not succeed: each failed step with the end of its error, and each failed
    blocking check (a check step that fails stops the steps after it)."""
    from dagster import DagsterEventType

    found = []
    for record in instance.get_records_for_run(run_id, of_type=DagsterEventType.STEP_FAILURE, limit=1000).records:
        error = getattr(record.event_log_entry.dagster_event.event_specific_data, "error", None)
        found.append(f"{record.event_log_entry.step_key}: {error.message.strip()[-600:] if error else 'failed'}")
    for record in instance.get_records_for_run(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION,
                                               limit=1000).records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed and evaluation.severity.value == "ERROR":
            found.append(f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()}: "
                         f"{evaluation.description}")
    return found


@dataclass
class RunOutcome:
    run_id: str
    partition: str | None
    status: str                                 # DagsterRunStatus value
    executions: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)   # step_failures, for a run that did not succeed

    def workers_of(self, step: str) -> list[str]:
        return [worker for s, worker in self.executions if s == step]


@dataclass
class BatchOutcome:
    """The runs one command started (one for a job, one per partition for a backfill)."""
    runs: list[RunOutcome]
    seconds: float
    log: str

    @property
    def succeeded(self) -> bool:
        return bool(self.runs) and all(r.status == "SUCCESS" for r in self.runs)

    def workers(self) -> set[str]:
        return {worker for run in self.runs for _, worker in run.executions}

    def executions(self) -> list[tuple[str | None, str, str]]:
        return [(run.partition, step, worker) for run in self.runs for step, worker in run.executions]

    def failures(self) -> list[str]:
        """Why the runs that did not succeed did not, one line per failed step or blocking check."""
        return [f"{run.partition or '-'} {run.status}: {line}" for run in self.runs if run.status != "SUCCESS"
                for line in (run.failures or ["(no failed step recorded)"])]

    def table(self) -> list[str]:
        """Which worker ran which step, one line per step execution."""
        return [f"  {partition or '-':<11} {step:<58} {worker}" for partition, step, worker in self.executions()]


# Called while runs are going with (instance, run ids so far); returns True when it is done.
Watcher = Callable[[object, list[str]], bool]


def _runs_by_token(instance, token: str):
    from dagster._core.storage.dagster_run import RunsFilter

    return instance.get_runs(filters=RunsFilter(tags={TOKEN_TAG: token}))


def _finished(run) -> bool:
    return run.status.value in {"SUCCESS", "FAILURE", "CANCELED"}


def _launch(cluster: LocalCluster, command: list[str], expected_runs: int, watcher: Watcher | None,
            token: str) -> BatchOutcome:
    log_path = Path(cluster.root) / f"{command[2]}-{token[:8]}.log"
    started = time.monotonic()
    with open(log_path, "w") as log, cluster.instance() as instance:
        process = subprocess.Popen(command, env=cluster.env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
        watching = watcher is not None
        try:
            while True:
                assert time.monotonic() - started < TIMEOUT_SECONDS, f"runs not done in {TIMEOUT_SECONDS} s: {log_path}"
                runs = _runs_by_token(instance, token)
                if watching:
                    watching = not watcher(instance, [r.run_id for r in runs])
                cli_done = process.poll() is not None
                if cli_done and (len(runs) >= expected_runs or process.returncode != 0) and all(map(_finished, runs)):
                    break
                time.sleep(POLL_SECONDS)
        finally:
            if process.poll() is None:
                process.kill()
        seconds = time.monotonic() - started
        outcomes = []
        for run in sorted(_runs_by_token(instance, token), key=lambda r: r.tags.get("dagster/partition", "")):
            stats = instance.get_run_stats(run.run_id)
            outcomes.append(RunOutcome(run.run_id, run.tags.get("dagster/partition"), run.status.value,
                                       step_executions(instance, run.run_id),
                                       (stats.end_time or 0) - (stats.start_time or 0),
                                       [] if run.status.value == "SUCCESS" else step_failures(instance, run.run_id)))
    return BatchOutcome(outcomes, seconds, log_path.read_text(errors="replace"))


def run_job(cluster: LocalCluster, job: str, tags: dict[str, str] | None = None,
            watcher: Watcher | None = None) -> BatchOutcome:
    """One run of `job`, its process started here (`dagster job execute`), its steps on the workers."""
    token = uuid.uuid4().hex
    # `job execute` takes no workspace file: it loads the module the workspace names
    command = [dagster_cli(), "job", "execute", "-m", code_location()[0], "-j", job,
               "--tags", json.dumps({TOKEN_TAG: token, **(tags or {})})]
    return _launch(cluster, command, 1, watcher, token)


def backfill(cluster: LocalCluster, job: str, partitions: list[str], watcher: Watcher | None = None) -> BatchOutcome:
    """A Dagster backfill of `job` over `partitions`: one run per partition, launched by the
    cluster's daemon (see `daemon`), side by side up to the instance's max_concurrent_runs."""
    token = uuid.uuid4().hex
    command = [dagster_cli(), "job", "backfill", "-w", str(cluster.workspace), "-j", job, "--partitions", ",".join(partitions),
               "--tags", json.dumps({TOKEN_TAG: token}), "--noprompt"]
    return _launch(cluster, command, len(partitions), watcher, token)


# The code location's automation, on by default (orchestration/sensors.py, schedules.py): on the
# cluster the caller decides which runs start, so the daemon must not start the sensor's as well.
AUTOMATION = (("sensor", "landing_folder_sensor"), ("schedule", "nightly_rebuild"))


@contextmanager
def daemon(cluster: LocalCluster, automation: bool = False) -> Iterator[subprocess.Popen]:
    """`dagster-daemon run` on the cluster's instance: it dequeues queued runs and launches them.
    Unless `automation`, the sensor and the schedule are stopped first (in the instance)."""
    if not automation:
        stops = [subprocess.Popen([dagster_cli(), kind, "stop", name, "-w", str(cluster.workspace)], env=cluster.env,
                                  cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for kind, name in AUTOMATION]
        for stop in stops:
            output, _ = stop.communicate(timeout=300)
            assert stop.returncode == 0, output[-2000:]
    with open(Path(cluster.root) / "daemon.log", "a") as log:
        process = subprocess.Popen([dagster_cli("dagster-daemon"), "run", "-w", str(cluster.workspace)], env=cluster.env,
                                   cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        _end(process, grace=30)


def kill_worker_mid_step(cluster: LocalCluster, steps: set[str] | None = None) -> Watcher:
    """A watcher that kills, mid-step, the first worker seen executing one of `steps` (any step
    when None). The worker is frozen (SIGSTOP) as soon as it has begun the step; if the step has
    not ended by then it is killed (SIGKILL: a machine lost mid-step), otherwise it is thawed and
    the next step is tried. Sets `.killed` to (run id, step, worker)."""
    seen: set[tuple[str, str, str]] = set()

    def watch(instance, run_ids: list[str]) -> bool:
        for run_id in run_ids:
            for step, hostname in step_executions(instance, run_id):
                if (run_id, step, hostname) in seen or (steps and step not in steps):
                    continue
                seen.add((run_id, step, hostname))
                worker = cluster.worker(hostname)
                if not worker.alive:
                    continue
                worker.freeze()
                if step_ended(instance, run_id, step):
                    worker.thaw()
                    continue
                worker.kill()
                watch.killed = (run_id, step, hostname)
                return True
        return False

    watch.killed = None
    return watch
