"""Article-extraction quality of the HTML cleaning path on the Scrapinghub benchmark.

181 real pages (`../shared/benchmarks/article_extraction/html/<id>.html.gz`) with gold article
bodies (`ground-truth.json`). They are landed in a temporary folder and read by ingest's
`scan_landing` exactly like production dumps, cleaned by `clean_dump`, and `body_text` is scored.

Metric (the benchmark authors'): both texts split into `\\w+` tokens, 4-token shingles counted;
per page precision and recall of the predicted shingles against the gold ones; precision and
recall averaged over pages; F1 from the two means. Printed for plain `trafilatura.extract`
(library defaults) and for our pipeline, plus the debris rules that fired on these pages (none
of the rules was written for them: this is how the rules generalise).

    .venv/bin/python benchmarks/extraction_quality.py [--variants] [--warehouse]

`--warehouse` also runs the Dagster ingest and clean stages (with their Great Expectations
checks) on the landing folder into a temporary DuckDB warehouse and scores `raw.documents.body_text`
as stored there: the same figure, proven end to end.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "benchmarks" / "article_extraction"
TARGET_F1 = 0.965
_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def precision_recall(gold: str, predicted: str) -> tuple[float, float]:
    """Shingle precision and recall of one page (both 1.0 when both texts are empty)."""
    true, pred = shingles(gold), shingles(predicted)
    tp = sum(min(true[k], pred[k]) for k in true.keys() & pred.keys())
    fp = sum(pred.values()) - tp
    fn = sum(true.values()) - tp
    if fp == fn == 0:
        return 1.0, 1.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall


def summarize(scores: list[tuple[float, float]]) -> tuple[float, float, float]:
    p = statistics.mean(s[0] for s in scores)
    r = statistics.mean(s[1] for s in scores)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def landed_dumps(tmp: Path):
    """The benchmark pages as RawDumps, through the same ingest code as production."""
    from orchestration.core.ingest import scan_landing
    for page in sorted((DATA / "html").glob("*.html.gz")):
        # copied, not linked: ingest does not follow a symlink that leads out of the landing folder
        shutil.copyfile(page, tmp / page.name)
    return scan_landing(tmp)


def score_through_warehouse(gold: dict) -> tuple[float, float, float, float]:
    """Land the pages, materialize ingest + clean (and their checks) into a temporary warehouse,
    and score the bodies as analysts would read them from raw.documents."""
    import os

    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    import dagster as dg
    import duckdb

    from orchestration.definitions import all_assets, all_checks, build_resources
    from orchestration.landed import landing_day_range
    from orchestration.partitions import range_tags
    from orchestration.resources import WarehouseResource
    from orchestration.settings import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        landing, warehouse = Path(tmp) / "landing", Path(tmp) / "warehouse"
        landing.mkdir()
        for page in sorted((DATA / "html").glob("*.html.gz")):
            shutil.copyfile(page, landing / page.name)
        resources = build_resources(load_settings({
            "CLAIMGRID_LANDING_DIR": str(landing), "CLAIMGRID_WAREHOUSE_DIR": str(warehouse)}))
        started = time.perf_counter()
        dg.materialize([*all_assets, *all_checks], resources=resources,
                       selection=dg.AssetSelection.groups("ingest", "clean"), raise_on_error=False,
                       tags=range_tags(*landing_day_range(landing)))
        seconds = time.perf_counter() - started
        WarehouseResource(warehouse_dir=str(warehouse)).sync_views()   # ingest + clean wrote only the lake
        conn = duckdb.connect(str(warehouse / "claimgrid.duckdb"), read_only=True)
        try:
            rows = conn.execute(
                "SELECT d.source_file, coalesce(doc.body_text, '') FROM raw.dumps d "
                "JOIN raw.documents doc USING (document_id)").fetchall()
        finally:
            conn.close()
    scores = [precision_recall(gold[name.removesuffix(".html.gz")]["articleBody"], body) for name, body in rows]
    missing = len(gold) - len(scores)
    scores += [(0.0, 0.0)] * max(0, missing)  # a page lost on the way scores zero
    return (*summarize(scores), seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", action="store_true", help="also score extraction option variants")
    parser.add_argument("--warehouse", action="store_true",
                        help="also run ingest+clean through Dagster into DuckDB and score the stored bodies")
    args = parser.parse_args()
    if not (DATA / "ground-truth.json").exists():
        print(f"article_extraction benchmark not present at {DATA}: skipped")
        return 0
    import trafilatura

    from orchestration.core.cleaning.clean import clean_dump
    from orchestration.core.cleaning.encoding import decode_payload
    from orchestration.core.cleaning.html import ExtractionOptions, clean_html_dump
    from orchestration.core.cleaning.rules import load_rules

    gold = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        dumps = landed_dumps(Path(tmp))
    key_of = {d.document_id: d.source_file.removesuffix(".html.gz") for d in dumps}

    plain, ours, fired = [], [], Counter()
    examples: dict[str, set[str]] = {}
    started = time.perf_counter()
    for dump in dumps:
        plain.append(precision_recall(gold[key_of[dump.document_id]]["articleBody"],
                                      trafilatura.extract(dump.payload) or ""))
    plain_seconds = time.perf_counter() - started
    started = time.perf_counter()
    worst = []
    for dump in dumps:
        doc = clean_dump(dump)
        score = precision_recall(gold[key_of[dump.document_id]]["articleBody"], doc.body_text)
        ours.append(score)
        worst.append((sum(score) / 2, key_of[dump.document_id], score))
        for seg in doc.segments:
            if not seg.rule_id.startswith(("html:", "ledger:")):
                fired[seg.rule_id] += 1
                examples.setdefault(seg.rule_id, set()).add(" ".join(seg.text.split())[:60])
    ours_seconds = time.perf_counter() - started

    print(f"pages: {len(dumps)} (gold bodies: {len(gold)})")
    for name, scores, seconds in (("trafilatura.extract (defaults)", plain, plain_seconds),
                                  ("claimgrid clean_dump body_text", ours, ours_seconds)):
        p, r, f1 = summarize(scores)
        print(f"{name:34s} P={p:.4f} R={r:.4f} F1={f1:.4f}  ({seconds:.1f}s)")
    f1 = summarize(ours)[2]
    print(f"target F1 >= {TARGET_F1}: {'met' if f1 >= TARGET_F1 else 'NOT met'}")
    print("debris rules that fired on these pages (segments):",
          ", ".join(f"{rule}={n}" for rule, n in fired.most_common()) or "none")
    for rule, texts in sorted(examples.items()):
        print(f"  {rule}: " + " | ".join(sorted(texts)[:4]))
    print("lowest-scoring pages:", ", ".join(f"{key[:10]} P={s[0]:.2f} R={s[1]:.2f}" for _, key, s in sorted(worst)[:5]))

    if args.warehouse:
        p, r, f, seconds = score_through_warehouse(gold)
        print(f"{'bodies in the warehouse (Dagster)':34s} P={p:.4f} R={r:.4f} F1={f:.4f}  ({seconds:.1f}s run)")

    if args.variants:
        rules = load_rules()
        variants = {
            "defaults, no rules": ExtractionOptions(favor_precision=False, apply_rules=False),
            "defaults + rules": ExtractionOptions(favor_precision=False),
            "favor_precision, no fallback, no rules": ExtractionOptions(fallback_ratio=0, apply_rules=False),
            "favor_precision + fallback, no rules": ExtractionOptions(apply_rules=False),
            "favor_precision + fallback + rules": ExtractionOptions(),
            "favor_recall + rules": ExtractionOptions(favor_precision=False, favor_recall=True),
            "favor_precision + fallback + rules, not fast": ExtractionOptions(fast=False),
        }
        for name, options in variants.items():
            scores = []
            started = time.process_time()
            for dump in dumps:
                decoded = decode_payload(dump.payload, is_html=True)
                doc = clean_html_dump(dump, decoded, rules, options)
                scores.append(precision_recall(gold[key_of[dump.document_id]]["articleBody"], doc.body_text))
            p, r, f = summarize(scores)
            print(f"variant {name:44s} P={p:.4f} R={r:.4f} F1={f:.4f}  ({time.process_time() - started:.1f} CPU-s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
