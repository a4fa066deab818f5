"""Run the whole pipeline in this process, as `dagster job execute` would: the fault tests start
it as a child process so they can kill it with SIGKILL mid-run.

    python -m tests.faults.run_pipeline_process LANDING WAREHOUSE [HOLD_FILE]

With HOLD_FILE, the cleaning step waits while that file exists (up to HOLD_SECONDS) before it
plans its work: the run has claimed the warehouse by then and is certainly still running when a
test starts a second run beside it. Without it, a run with nothing new (the samples on their own
warehouse) could end, and release the warehouse, before the second run came to claim it.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from tests.integration.pipeline import run_pipeline

HOLD_SECONDS = 600


def hold_cleaning_while(hold_file: Path) -> None:
    from orchestration.assets import clean

    plan_days = clean.plan_days

    def held(*args, **kwargs):
        deadline = time.monotonic() + HOLD_SECONDS
        while hold_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return plan_days(*args, **kwargs)

    clean.plan_days = held


if __name__ == "__main__":
    if len(sys.argv) > 3:
        hold_cleaning_while(Path(sys.argv[3]))
    result = run_pipeline(Path(sys.argv[1]), Path(sys.argv[2]), raise_on_error=False)
    sys.exit(0 if result.success else 1)
