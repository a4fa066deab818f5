"""End-to-end pipeline speed: wall time per step of one in-process run, on the bundled samples
and (when ../shared is present) on the 181 real HTML pages of the extraction benchmark.

    python benchmarks/pipeline_speed.py [--landing DIR]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import resource
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

HTML_PAGES = REPO.parent / "shared" / "benchmarks" / "article_extraction" / "html"


def time_run(landing: Path) -> None:
    import dagster as dg

    from orchestration.definitions import all_assets, all_checks, build_resources
    from orchestration.landed import landing_day_range
    from orchestration.partitions import range_tags
    from orchestration.settings import load_settings

    with tempfile.TemporaryDirectory() as warehouse:
        resources = build_resources(load_settings(
            {"CLAIMGRID_LANDING_DIR": str(landing), "CLAIMGRID_WAREHOUSE_DIR": warehouse}
        ))
        files = [p for p in landing.rglob("*") if p.is_file()]
        megabytes = sum(p.stat().st_size for p in files) / 1e6
        started = time.perf_counter()
        instance = dg.DagsterInstance.ephemeral()
        result = dg.materialize(
            [*all_assets, *all_checks], resources=resources, raise_on_error=False, instance=instance,
            tags=range_tags(*landing_day_range(landing)),
        )
        wall = time.perf_counter() - started
        # peak resident memory of this process and of its children (dbt runs as a subprocess)
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        durations = {
            stats.step_key: (stats.end_time or 0) - (stats.start_time or 0)
            for stats in instance.get_run_step_stats(result.run_id)
        }
        print(f"\nlanding {landing}: {len(files)} files, {megabytes:.2f} MB, run success={result.success}")
        print(f"wall {wall:.1f}s, {len(files) / wall:.1f} files/s, "
              f"peak RSS {peak_self:.0f} MB (children {peak_children:.0f} MB)")
        checks = sum(v for k, v in durations.items() if "_gx_" in k)
        print(f"{'step':<55} seconds")
        for step, seconds in sorted(durations.items(), key=lambda kv: -kv[1])[:15]:
            print(f"{step:<55} {seconds:7.2f}")
        print(f"{'(all GX checks together)':<55} {checks:7.2f}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--landing", type=Path, help="a landing folder to time instead of the defaults")
    args = parser.parse_args()
    if args.landing:
        time_run(args.landing)
        return 0
    time_run(REPO / "samples" / "landing")
    if HTML_PAGES.exists():
        with tempfile.TemporaryDirectory() as landing:
            for page in HTML_PAGES.glob("*.html.gz"):
                shutil.copy(page, landing)
            time_run(Path(landing))
    else:
        print(f"{HTML_PAGES} absent: HTML corpus timing skipped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
