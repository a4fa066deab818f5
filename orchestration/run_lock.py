"""One run at a time per warehouse, across Dagster instances and command lines.

The Dagster instance already queues runs (max_concurrent_runs: 1), but two instances, or a
`dagster job execute` beside `dagster dev`, can still start two runs on one warehouse; their
steps would interleave and the marts would mix both batches. Ingest therefore claims the
warehouse for its run (a small JSON lock file next to the DuckDB files: run id, pid, host, time)
and publish releases it. A second run finds the claim and is refused with a message naming the
run that holds it. A claim whose process is gone (the run was killed, or failed and exited) is
stale and taken over, so a `kill -9` never leaves the warehouse locked.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

LOCK_NAME = "claimgrid.run.lock"


class WarehouseBusy(RuntimeError):
    """Another live run holds the warehouse."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _guard(warehouse_dir: Path):
    """Serialise claim/release between processes (flock on a guard file)."""
    warehouse_dir.mkdir(parents=True, exist_ok=True)
    with open(warehouse_dir / (LOCK_NAME + ".guard"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_claim(warehouse_dir: Path) -> dict | None:
    try:
        return json.loads((warehouse_dir / LOCK_NAME).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


# What the Dagster instance says of the run that holds a claim: "running", "ended" (success,
# failure or cancelled), or None when the instance does not know the run (another instance's).
RunState = Callable[[str], "str | None"]


def is_stale(claim: dict, run_state: RunState | None = None) -> bool:
    """The claiming run has ended, as the instance records it (seen from any machine: on the
    production profile the claiming process is a Celery worker, which lives on after the run);
    or the process that claimed is gone (same host: a run killed before the instance could
    record its end), or it is this very process (a run before this one in the same process
    ended without publishing)."""
    if run_state is not None and run_state(claim.get("run_id") or "") == "ended":
        return True
    if claim.get("host") != socket.gethostname():
        return False
    pid = int(claim.get("pid") or 0)
    return pid == os.getpid() or not _alive(pid)


def claim_warehouse(warehouse_dir: Path | str, run_id: str, run_state: RunState | None = None) -> dict | None:
    """Claim the warehouse for `run_id`. Returns the stale claim taken over, if any; raises
    WarehouseBusy when another live run holds it. `run_state` asks the Dagster instance about
    the claiming run (see is_stale)."""
    warehouse_dir = Path(warehouse_dir)
    with _guard(warehouse_dir):
        current = read_claim(warehouse_dir)
        if current and current.get("run_id") != run_id and not is_stale(current, run_state):
            raise WarehouseBusy(
                f"the warehouse {warehouse_dir} is in use by run {current.get('run_id')} (pid "
                f"{current.get('pid')} on {current.get('host')}, since {current.get('claimed_at')}); "
                "this run is refused and changes nothing. Run again when that run has ended."
            )
        claim = {"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
                 "claimed_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        tmp = warehouse_dir / (LOCK_NAME + ".tmp")
        tmp.write_text(json.dumps(claim), encoding="utf-8")
        os.replace(tmp, warehouse_dir / LOCK_NAME)
        return current if current and current.get("run_id") != run_id else None


def release_warehouse(warehouse_dir: Path | str, run_id: str) -> None:
    """Release the claim if `run_id` holds it (a run without ingest in its selection has none)."""
    warehouse_dir = Path(warehouse_dir)
    with _guard(warehouse_dir):
        current = read_claim(warehouse_dir)
        if current and current.get("run_id") == run_id:
            (warehouse_dir / LOCK_NAME).unlink(missing_ok=True)
