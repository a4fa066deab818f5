"""Speed of the cleaning stage (`clean_dump`): documents and megabytes per second.

Two sets: the bundled text samples (`samples/landing`, repeated so the timing is not noise)
and the 181 HTML pages of `../shared/benchmarks/article_extraction/` (skipped when absent).
Each dump is read by ingest's `scan_landing` first; only `clean_dump` is timed. For the HTML
set the time of plain `trafilatura.extract` on the same pages is printed as the floor we build
on (our path runs trafilatura twice - precise and balanced - then maps the text onto the page).

    .venv/bin/python benchmarks/cleaning_speed.py
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SAMPLES = REPO / "samples" / "landing"
PAGES = REPO.parent / "shared" / "benchmarks" / "article_extraction" / "html"
SAMPLE_REPEATS = 40


def timed(fn, dumps) -> float:
    started = time.perf_counter()
    for dump in dumps:
        fn(dump)
    return time.perf_counter() - started


def report(name: str, dumps, seconds: float) -> None:
    megabytes = sum(len(d.payload) for d in dumps) / 1e6
    print(f"{name:44s} {len(dumps):5d} docs {megabytes:7.2f} MB {seconds:7.2f} s "
          f"{len(dumps) / seconds:8.1f} docs/s {megabytes / seconds:6.2f} MB/s")


def main() -> int:
    from orchestration.core.cleaning.clean import clean_dump
    from orchestration.core.ingest import scan_landing
    from orchestration.core.cleaning.rules import load_rules

    load_rules()  # parse the rules file outside the timing, as a long-running process would
    samples = scan_landing(SAMPLES)
    clean_dump(samples[0])
    repeated = samples * SAMPLE_REPEATS
    report(f"text samples (x{SAMPLE_REPEATS})", repeated, timed(clean_dump, repeated))

    if not PAGES.exists():
        print(f"article_extraction pages not present at {PAGES}: HTML speed skipped")
        return 0
    import trafilatura
    with tempfile.TemporaryDirectory() as tmp:
        for page in sorted(PAGES.glob("*.html.gz")):
            # copied, not linked: ingest does not follow a symlink that leads out of the landing folder
            shutil.copyfile(page, Path(tmp) / page.name)
        pages = scan_landing(tmp)
    report("html pages: trafilatura.extract alone", pages, timed(lambda d: trafilatura.extract(d.payload), pages))
    report("html pages: clean_dump", pages, timed(clean_dump, pages))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
