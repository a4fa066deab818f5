"""`make run-distributed`: the production profile on this machine. Starts PostgreSQL (the Dagster
instance), RabbitMQ (the broker) and Celery workers as local processes, runs the same job as
`make run` through them, prints which worker ran which step, then stops everything.

    python -m orchestration.run_distributed [--workers N] [--keep] [--log PATH]

The warehouse and the landing folder are the usual settings (CLAIMGRID_WAREHOUSE_DIR,
CLAIMGRID_LANDING_DIR); the instance lives only as long as the command (its folder is printed,
and kept with --keep).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from orchestration import run
from orchestration.local_cluster import local_cluster


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="Celery workers to start (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's folder (logs, data) afterwards")
    parser.add_argument("--log", type=Path, help="the run's log file (default: warehouse/logs/run-<time>.log)")
    args = parser.parse_args(argv)
    names = tuple(f"worker{i}" for i in range(1, args.workers + 1))
    started = time.monotonic()
    settings_env = {k: v for k, v in os.environ.items() if k.startswith("CLAIMGRID_")}
    with local_cluster(names, settings_env=settings_env, keep=args.keep) as cluster:
        print(f"cluster up in {time.monotonic() - started:.0f} s: PostgreSQL on 127.0.0.1:{cluster.postgres.port}, "
              f"RabbitMQ on 127.0.0.1:{cluster.broker.port}, workers {', '.join(w.hostname for w in cluster.workers)}")
        print(f"cluster folder (instance, logs): {cluster.root}", flush=True)
        os.environ.update(cluster.env)
        subprocess.run([run._dagster_cli(), "instance", "concurrency", "set", "duckdb", "1"], check=True,
                       stdout=subprocess.DEVNULL)
        return run.main(["--log", str(args.log)] if args.log else [])


if __name__ == "__main__":
    sys.exit(main())
