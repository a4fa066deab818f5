"""`make run-distributed`: the production profile on this machine. Starts PostgreSQL (the Dagster
instance), RabbitMQ (the broker), two Celery workers and the Dagster daemon as local processes;
backfills the document stages over every landing day of the folder (one run per day, the days
side by side on the workers), then runs the corpus stages, dbt and publish once; prints which
worker ran which step, then the grid, and stops everything.

    python -m orchestration.run_distributed [--workers N] [--keep]

The warehouse and the landing folder are the usual settings (CLAIMGRID_WAREHOUSE_DIR,
CLAIMGRID_LANDING_DIR); the instance lives as long as the command (--keep keeps its folder).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter

from orchestration.cluster_runs import BatchOutcome, backfill, daemon, dagster_cli, run_job
from orchestration.landed import landing_days
from orchestration.local_cluster import local_cluster
from orchestration.settings import load_settings


def _say(what: str, outcome: BatchOutcome) -> None:
    print(f"{what}: {len(outcome.runs)} run(s) in {outcome.seconds:.0f} s, "
          f"{'all succeeded' if outcome.succeeded else 'FAILED'}")
    for run in outcome.runs:
        per_worker = Counter(worker for _, worker in run.executions)
        spread = ", ".join(f"{worker} {count} steps" for worker, count in sorted(per_worker.items()))
        print(f"  {run.partition or 'every day':<11} {run.status:<8} {run.seconds:5.0f} s  {spread}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="Celery workers to start (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the cluster's folder (logs, data) afterwards")
    args = parser.parse_args(argv)
    settings = load_settings()
    days = landing_days(settings.landing_dir)
    if not days:
        print(f"nothing landed in {settings.landing_dir}", file=sys.stderr)
        return 1
    started = time.monotonic()
    settings_env = {k: v for k, v in os.environ.items() if k.startswith("CLAIMGRID_")}
    names = tuple(f"worker{i}" for i in range(1, args.workers + 1))
    with local_cluster(names, settings_env=settings_env, keep=args.keep) as cluster, daemon(cluster):
        print(f"cluster up in {time.monotonic() - started:.0f} s: PostgreSQL 127.0.0.1:{cluster.postgres.port}, "
              f"RabbitMQ 127.0.0.1:{cluster.broker.port}, workers {', '.join(w.hostname for w in cluster.workers)}, "
              f"daemon; logs in {cluster.root}", flush=True)
        subprocess.run([dagster_cli(), "instance", "concurrency", "set", "duckdb", "1"], env=cluster.env, check=True,
                       stdout=subprocess.DEVNULL)
        documents = backfill(cluster, "claimgrid_documents", days)
        _say(f"backfill of the document stages over {len(days)} landing day(s) {days[0]} .. {days[-1]}", documents)
        corpus = run_job(cluster, "claimgrid_corpus") if documents.succeeded else None
        if corpus:
            _say("corpus stages, dbt and publish", corpus)
        print("which worker ran which step:")
        for line in documents.table() + (corpus.table() if corpus else []):
            print(line)
        if not (corpus and corpus.succeeded):
            print(f"the distributed run failed: logs in {cluster.root} (kept)", file=sys.stderr)
            cluster.keep = True
            return 1
    print(f"distributed run succeeded in {time.monotonic() - started:.0f} s")
    from orchestration import report

    return report.main()


if __name__ == "__main__":
    sys.exit(main())
