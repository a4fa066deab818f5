"""`make bench` / `make quality`: run every benchmark script and stop on the first failure.

Each script prints its own figures (and skips cleanly when ../shared/benchmarks is absent).
Speed and memory targets live here, never in timed unit tests.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

QUALITY = ["extraction_quality.py --warehouse", "language_quality.py", "stance_emergent.py", "stance_pipeline.py --folds 5",
           "paraphrase_f1.py", "cross_language.py"]
SPEED = ["cleaning_speed.py", "claims_scale.py", "claims_reprints.py", "claims_stage_speed.py", "embedding_models.py", "pipeline_speed.py",
         "scale_speed.py"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quality-only", action="store_true", help="skip the speed benchmarks")
    args, scale_args = parser.parse_known_args()  # the rest goes to scale_speed.py (--sizes ...)
    scripts = QUALITY if args.quality_only else QUALITY + SPEED
    for entry in scripts:
        name, *script_args = entry.split()
        path = HERE / name
        if not path.exists():
            print(f"== {name}: not present, skipped")
            continue
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        if name == "scale_speed.py":
            script_args += scale_args
        code = subprocess.call([sys.executable, str(path), *script_args], cwd=HERE.parent)
        print(f"== {name}: exit {code} in {time.perf_counter() - started:.1f}s", flush=True)
        if code != 0:
            return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
