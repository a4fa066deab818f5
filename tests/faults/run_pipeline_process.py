"""Run the whole pipeline in this process, as `dagster job execute` would: the fault tests start
it as a child process so they can kill it with SIGKILL mid-run.

    python -m tests.faults.run_pipeline_process LANDING WAREHOUSE
"""
from __future__ import annotations

import sys
from pathlib import Path

from tests.integration.pipeline import run_pipeline

if __name__ == "__main__":
    result = run_pipeline(Path(sys.argv[1]), Path(sys.argv[2]), raise_on_error=False)
    sys.exit(0 if result.success else 1)
