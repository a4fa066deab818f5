"""Runs of the job on the local cluster, followed through the PostgreSQL instance: which worker
executed which step (dagster-celery's engine events), and how the run ended."""
from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
from dagster import DagsterEventType

from orchestration.local_cluster import LocalCluster
from orchestration.run import CELERY_WORKER_KEY, TOKEN_TAG, _dagster_cli, _find_run

RUN_TIMEOUT_SECONDS = 600


@dataclass
class ClusterRun:
    run_id: str
    status: dg.DagsterRunStatus
    # every time a worker began a step: (step, worker), in order; a redelivered step appears twice
    executions: list[tuple[str, str]] = field(default_factory=list)
    log: str = ""

    def workers(self) -> set[str]:
        return {worker for _, worker in self.executions}

    def workers_of(self, step: str) -> list[str]:
        return [worker for s, worker in self.executions if s == step]


def _executions(instance: dg.DagsterInstance, run_id: str) -> list[tuple[str, str]]:
    found = []
    for record in instance.get_records_for_run(run_id, of_type=DagsterEventType.ENGINE_EVENT, limit=100_000).records:
        event = record.event_log_entry.dagster_event
        metadata = getattr(event.event_specific_data, "metadata", None) or {}
        if CELERY_WORKER_KEY in metadata:
            found.append((event.step_key, metadata[CELERY_WORKER_KEY].value))
    return found


def run_job(cluster: LocalCluster, job: str = "claimgrid_all", extra_args: tuple[str, ...] = (),
            while_running: Callable[[dg.DagsterInstance, str], bool] | None = None) -> ClusterRun:
    """`dagster job execute` with the cluster's environment: the run's process submits every step
    to the workers. `while_running(instance, run_id)` is polled until it returns True."""
    token = uuid.uuid4().hex
    log_path = Path(cluster.root) / f"run-{token}.log"
    command = [_dagster_cli(), "job", "execute", "-m", "orchestration.definitions", "-j", job,
               "--tags", json.dumps({TOKEN_TAG: token}), *extra_args]
    with open(log_path, "w") as log, cluster.instance() as instance:
        process = subprocess.Popen(command, env=cluster.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        run_id, done = None, while_running is None
        try:
            while process.poll() is None:
                assert time.monotonic() < deadline, f"the run did not end in {RUN_TIMEOUT_SECONDS} s: {log_path}"
                if run_id is None:
                    run = _find_run(instance, token)
                    run_id = run.run_id if run else None
                if run_id and not done:
                    done = while_running(instance, run_id)
                time.sleep(0.5)
        finally:
            if process.poll() is None:
                process.kill()
        run = _find_run(instance, token)
        assert run is not None, f"no run started: {log_path.read_text()[-3000:]}"
        return ClusterRun(run.run_id, instance.get_run_by_id(run.run_id).status,
                          _executions(instance, run.run_id), log_path.read_text())


def kill_worker_running(cluster: LocalCluster, step: str) -> Callable[[dg.DagsterInstance, str], bool]:
    """A `while_running` that kills the worker executing `step` as soon as it has begun it."""
    def poll(instance: dg.DagsterInstance, run_id: str) -> bool:
        for s, hostname in _executions(instance, run_id):
            if s == step:
                cluster.worker(hostname).kill()
                return True
        return False
    return poll


# Columns that say when or in which run a row was written, not what the warehouse holds.
VOLATILE_COLUMNS = {"run_id", "ingested_at", "first_seen_at", "last_seen_at", "validated_at"}
COMPARED_SCHEMAS = ("raw", "marts")


def warehouse_contents(snapshot: Path) -> dict[str, list[tuple]]:
    """Every table of the published snapshot's raw and marts schemas, as sorted rows."""
    contents = {}
    with duckdb.connect(str(snapshot), read_only=True) as conn:
        tables = conn.sql("select table_schema, table_name from information_schema.tables "
                          f"where table_schema in {COMPARED_SCHEMAS} order by 1, 2").fetchall()
        for schema, table in tables:
            columns = [c for (c,) in conn.sql(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "order by ordinal_position", params=[schema, table]).fetchall() if c not in VOLATILE_COLUMNS]
            selected = ", ".join(f'"{c}"' for c in columns)
            rows = conn.sql(f'select {selected} from "{schema}"."{table}"').fetchall()
            contents[f"{schema}.{table}"] = sorted(rows, key=repr)
    return contents
