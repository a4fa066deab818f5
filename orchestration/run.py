"""`make run`: run the claimgrid_all job with the Dagster CLI over every landing day of the folder, its full output (every Dagster
event, every dbt node) in a log file, and on the terminal one line per stage as it finishes
(rows, time), one line for the checks, then the grid.

The job runs in a `dagster job execute` subprocess exactly as before; this process follows it
through the instance's event log (DAGSTER_HOME), finding the run by a tag it passes.

    python -m orchestration.run [--log PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from orchestration.cluster_runs import TOKEN_TAG, celery_worker, dagster_cli
from orchestration.landed import landing_day_range
from orchestration.partitions import range_tags
from orchestration.settings import code_location, load_settings

JOB = "claimgrid_all"
POLL_SECONDS = 0.5


def _rows(metadata: dict) -> int | None:
    value = metadata.get("dagster/row_count")
    return getattr(value, "value", value)


class RunFollower:
    """Turns the run's events into terminal lines: one per finished step that materialized
    something, failures as they happen, and a summary of every check at the end."""

    def __init__(self, out=sys.stdout) -> None:
        self.out = out
        self.materialized: dict[str, list[tuple[str, int | None]]] = {}
        self.checks: list[tuple[str, str, bool, bool]] = []   # (check, asset, passed, blocking)
        self.checks_by_step: Counter = Counter()
        self.passed_by_step: Counter = Counter()
        self.failed_steps: list[str] = []
        self.worker_of_step: dict[str, str] = {}   # under the celery executor: which worker ran it

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)

    def handle(self, event) -> None:
        from dagster import AssetCheckSeverity, DagsterEventType

        dagster_event = event.dagster_event
        if dagster_event is None:
            return
        kind = dagster_event.event_type
        step = dagster_event.step_key
        if kind == DagsterEventType.ENGINE_EVENT and step:
            worker = celery_worker(dagster_event)
            if worker:   # a redelivered step (its first worker died) is named by the last one
                self.worker_of_step[step] = worker
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = dagster_event.step_materialization_data.materialization
            self.materialized.setdefault(step, []).append(
                (materialization.asset_key.to_user_string(), _rows(materialization.metadata))
            )
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = dagster_event.event_specific_data
            self.checks.append((evaluation.check_name, evaluation.asset_key.to_user_string(), evaluation.passed,
                                evaluation.severity == AssetCheckSeverity.ERROR))
            self.checks_by_step[step] += 1
            self.passed_by_step[step] += bool(evaluation.passed)
        elif kind == DagsterEventType.STEP_SUCCESS and step in self.materialized:
            seconds = dagster_event.event_specific_data.duration_ms / 1000
            where = f"  [{self.worker_of_step[step]}]" if step in self.worker_of_step else ""
            self.say(f"  ✓ {step:<24} {seconds:6.1f} s  {self._what(step)}{where}")
        elif kind == DagsterEventType.STEP_FAILURE:
            self.failed_steps.append(step)
            error = dagster_event.event_specific_data.error
            message = (error.message if error else "").strip().splitlines()
            self.say(f"  ✗ {step:<24} failed: {message[0][:160] if message else 'see the log'}")

    def _what(self, step: str) -> str:
        assets = self.materialized[step]
        if len(assets) <= 4:
            what = ", ".join(f"{key} {rows} rows" if rows is not None else key for key, rows in assets)
        else:   # many tables (the dbt step): how many, and the largest
            key, rows = max(assets, key=lambda a: a[1] or 0)
            what = f"{len(assets)} tables, largest {key} {rows} rows"
        if self.checks_by_step[step]:   # tests run inside the step (dbt's)
            what += f"; {self.passed_by_step[step]}/{self.checks_by_step[step]} tests passed"
        return what

    def worker_summary(self) -> list[str]:
        """Which worker ran which step (checks included), one line per worker."""
        by_worker: dict[str, list[str]] = {}
        for step, worker in self.worker_of_step.items():
            by_worker.setdefault(worker, []).append(step)
        return [f"  {worker}: {len(steps)} steps: {', '.join(steps)}" for worker, steps in sorted(by_worker.items())]

    def summary(self) -> list[str]:
        if not self.checks:
            return []
        failed = [c for c in self.checks if not c[2]]
        blocking = [c for c in failed if c[3]]
        warnings = [c for c in failed if not c[3]]
        line = f"  {'✗' if blocking else '✓'} checks: {len(self.checks)} evaluated, {len(self.checks) - len(failed)} passed"
        if warnings:
            line += f", {len(warnings)} warning{'s' if len(warnings) > 1 else ''} (non-blocking: the run goes on)"
        if blocking:
            line += f", {len(blocking)} BLOCKING failures"
        lines = [line]
        for check, asset, _, is_blocking in (blocking + warnings)[:6]:
            lines.append(f"      {'blocking' if is_blocking else 'warning '}  {check} on {asset}")
        if len(failed) > 6:
            lines.append(f"      … {len(failed) - 6} more in the log")
        return lines


def _find_run(instance, token: str):
    from dagster._core.storage.dagster_run import RunsFilter

    runs = instance.get_runs(filters=RunsFilter(tags={TOKEN_TAG: token}), limit=1)
    return runs[0] if runs else None


def follow(process: subprocess.Popen, token: str, follower: RunFollower) -> str | None:
    """Print the run's progress until the CLI process exits; returns the run id."""
    from dagster import DagsterInstance

    instance = DagsterInstance.get()
    run_id, cursor = None, None
    while True:
        finished = process.poll() is not None
        if run_id is None:
            run = _find_run(instance, token)
            if run is not None:
                run_id = run.run_id
                follower.say(f"run {run_id} of {JOB} started")
        if run_id is not None:
            while True:
                connection = instance.get_records_for_run(run_id, cursor=cursor, limit=500)
                cursor = connection.cursor
                for record in connection.records:
                    follower.handle(record.event_log_entry)
                if not connection.has_more:
                    break
        if finished:
            return run_id
        time.sleep(POLL_SECONDS)


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    parser.add_argument("--log", type=Path, default=settings.warehouse_dir / "logs" / f"run-{stamp}.log")
    args = parser.parse_args(argv)
    args.log.parent.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    # one run over every landing day of the folder (the document stages do each day's partition)
    first, last = landing_day_range(settings.landing_dir)
    command = [dagster_cli(), "job", "execute", "-m", code_location()[0], "-j", JOB,
               "--tags", json.dumps({TOKEN_TAG: token, **range_tags(first, last)})]
    started = time.monotonic()
    days = first if first == last else f"{first} .. {last}"
    print(f"claimgrid: running {JOB} on {settings.landing_dir} (landing days {days})")
    print(f"full log (Dagster events, dbt output): {args.log}", flush=True)
    follower = RunFollower()
    with open(args.log, "w", encoding="utf-8") as log:
        log.write("$ " + " ".join(command) + "\n")
        log.flush()
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy())
        try:
            run_id = follow(process, token, follower)
        except BaseException:
            process.terminate()
            raise
    if follower.worker_of_step:
        print("steps by worker:")
        for line in follower.worker_summary():
            print(line)
    for line in follower.summary():
        print(line)
    elapsed = time.monotonic() - started
    if process.returncode != 0:
        print(f"run {'failed' if run_id else 'did not start'} after {elapsed:.0f} s: read {args.log}", file=sys.stderr)
        if run_id is None:   # nothing reached the event log: show the end of the CLI's output
            tail = args.log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
            print("\n".join(tail), file=sys.stderr)
        return process.returncode
    print(f"run succeeded in {elapsed:.0f} s")
    from orchestration import report

    return report.main()


if __name__ == "__main__":
    raise SystemExit(main())
