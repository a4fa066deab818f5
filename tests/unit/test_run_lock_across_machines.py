"""The warehouse's run lock on many machines: a claim is judged by what the Dagster instance
records of the claiming run, which every machine sees, not only by a pid on the claiming host."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from orchestration.run_lock import LOCK_NAME, WarehouseBusy, claim_warehouse, read_claim


def _claimed_by(warehouse: Path, run_id: str, pid: int, host: str) -> None:
    (warehouse / LOCK_NAME).write_text(json.dumps({"run_id": run_id, "pid": pid, "host": host, "claimed_at": "t"}))


def test_a_claim_whose_run_ended_is_taken_over_though_its_worker_lives_on(tmp_path: Path):
    # On the production profile the claiming step ran in a Celery worker: its process outlives
    # the run, on this host or another. The run ended (failed before publish): the claim is stale.
    _claimed_by(tmp_path, "failed-run", os.getppid(), os.uname().nodename)   # a live process
    states = {"failed-run": "ended"}
    assert claim_warehouse(tmp_path, "next-run", run_state=states.get)["run_id"] == "failed-run"
    assert read_claim(tmp_path)["run_id"] == "next-run"
    _claimed_by(tmp_path, "failed-run", 1, "another-machine")
    assert claim_warehouse(tmp_path, "next-run", run_state=states.get)["run_id"] == "failed-run"


def test_a_claim_whose_run_is_going_on_another_machine_refuses_the_run(tmp_path: Path):
    _claimed_by(tmp_path, "busy-run", 1, "another-machine")
    with pytest.raises(WarehouseBusy, match="in use by run busy-run"):
        claim_warehouse(tmp_path, "next-run", run_state={"busy-run": "running"}.get)
    # without the instance, a claim from another host cannot be judged: it holds (as before)
    with pytest.raises(WarehouseBusy):
        claim_warehouse(tmp_path, "next-run")
