"""The same corpus on one Celery worker and on two (issue 14), side by side in one run.

    python benchmarks/distributed_speed.py [--size 400] [--days 8] [--workers 1,2] [--cores-per-worker 1]

For each pool size: a fresh local cluster (PostgreSQL, RabbitMQ, N workers, the daemon;
orchestration/local_cluster.py) and a fresh warehouse; a backfill of the document stages over every
landing day (one run per day, up to four at once), then one run of the corpus stages, dbt and
publish. Each worker plays a machine of --cores-per-worker cores (CLAIMGRID_WORKERS). Prints wall
times (cluster start-up apart) and how many steps each worker ran. On the shared 2-core
development machine two one-core workers are the most this can show; figures are ratios, not
targets.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from orchestration.cluster_runs import backfill, daemon, run_job  # noqa: E402
from orchestration.landed import landing_days  # noqa: E402
from orchestration.local_cluster import local_cluster  # noqa: E402


def _corpus_module():
    spec = importlib.util.spec_from_file_location("benchmark_corpus", REPO / "benchmarks" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def measure(landing: Path, workers: int, cores: int) -> dict:
    warehouse = Path(tempfile.mkdtemp(prefix=f"claimgrid-bench-{workers}w-"))
    days = landing_days(landing)
    env = {"CLAIMGRID_LANDING_DIR": str(landing), "CLAIMGRID_WAREHOUSE_DIR": str(warehouse),
           "CLAIMGRID_WORKERS": str(cores)}
    started = time.monotonic()
    with local_cluster(tuple(f"worker{i}" for i in range(1, workers + 1)), settings_env=env) as cluster, daemon(cluster):
        ready = time.monotonic()
        documents = backfill(cluster, "claimgrid_documents", days)
        corpus = run_job(cluster, "claimgrid_corpus") if documents.succeeded else None
        done = time.monotonic()
        ok = documents.succeeded and corpus is not None and corpus.succeeded
        cluster.keep = not ok       # a failed measurement keeps its logs (printed below)
    steps = Counter(worker for _, _, worker in documents.executions() + (corpus.executions() if corpus else []))
    failures = documents.failures() + (corpus.failures() if corpus else [])
    return {"workers": workers, "cores_per_worker": cores, "days": len(days), "succeeded": ok,
            "logs": None if ok else str(cluster.root), "failures": failures,
            "startup_s": round(ready - started, 1), "document_backfill_s": round(documents.seconds, 1),
            "corpus_run_s": round(corpus.seconds, 1) if corpus else None, "total_s": round(done - ready, 1),
            "steps_per_worker": dict(sorted(steps.items()))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=400)
    parser.add_argument("--days", type=int, default=8)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--cores-per-worker", type=int, default=1)
    parser.add_argument("--landing", type=Path, help="an existing landing folder instead of a generated one")
    args = parser.parse_args()
    landing = args.landing
    if landing is None:
        corpus = _corpus_module()
        landing = Path(tempfile.mkdtemp(prefix="claimgrid-bench-landing-"))
        corpus.write_landing(landing, corpus.build_corpus(args.size, seed=13, days=args.days, markup_debris=False))
    results = [measure(landing, int(n), args.cores_per_worker) for n in args.workers.split(",")]
    print(f"corpus: {landing} ({args.size} dumps over {len(landing_days(landing))} landing days)")
    print(f"{'workers':>7} {'start-up':>9} {'documents backfill':>19} {'corpus run':>11} {'total':>7}  steps per worker")
    for r in results:
        print(f"{r['workers']:>7} {r['startup_s']:>8}s {r['document_backfill_s']:>18}s {r['corpus_run_s']!s:>10}s "
              f"{r['total_s']:>6}s  {r['steps_per_worker']}{'' if r['succeeded'] else '  FAILED'}")
        for line in r["failures"]:
            print(f"        {line}")
    if len(results) > 1 and all(r["succeeded"] for r in results):
        base = results[0]
        for r in results[1:]:
            print(f"{r['workers']} workers vs {base['workers']}: documents backfill "
                  f"{base['document_backfill_s'] / r['document_backfill_s']:.2f}x, total {base['total_s'] / r['total_s']:.2f}x")
    print(json.dumps(results))
    return 0 if all(r["succeeded"] for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
