"""Claim discovery on the reprint-heavy benchmark corpus: this tree against another git revision,
on the same sentences and stories, in one process, side by side.

    python benchmarks/claims_reprints.py [--size 1000] [--baseline-ref main] [--repeats 2]

The documents are the text dumps of benchmarks/corpus.py (seed 13): wire copy reprinted by
several outlets with light edits, exact re-deliveries, follow-ups, and a long tail of unrelated
texts. Sentences are split and stories assigned once by this tree's code; then discovery runs
alternately with the baseline revision's orchestration/core/claims/discovery.py and this
tree's, and the best CPU time of each is reported with what each found. The speed-up comes
from units that repeat an earlier unit word for word (reprints), which join that unit's
clusters without any comparison.
"""
from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

from orchestration.core.claims import discovery  # noqa: E402
from orchestration.core.claims.stories import assign_stories, body_counts_of  # noqa: E402
from orchestration.core.text.sentences import split_sentences  # noqa: E402

SEED = 13


def baseline_module(ref: str):
    """discovery.py as it is at git revision `ref`, imported under another name."""
    source = subprocess.run(["git", "show", f"{ref}:orchestration/core/claims/discovery.py"], cwd=REPO,
                            check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp(prefix="claims-baseline-")) / "discovery_baseline.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("discovery_baseline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module      # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def text_documents(size: int) -> dict[str, str]:
    """document id -> body of the corpus' plain-text documents (HTML needs the cleaner)."""
    return {f"doc-{d.index:06d}": d.body for d in corpus.build_corpus(size, SEED) if d.fmt != "html"}


def timed(module, sentences, stories, repeats: int) -> tuple[float, list, list]:
    best, out = float("inf"), ([], [])
    for _ in range(repeats):
        started = time.process_time()
        out = module.discover_claims(sentences, stories)
        best = min(best, time.process_time() - started)
    return best, *out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--baseline-ref", default="main")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    bodies = text_documents(args.size)
    sentences = {d: split_sentences(b) for d, b in bodies.items()}
    started = time.process_time()
    stories = assign_stories(body_counts_of(bodies), sentences)
    story_seconds = time.process_time() - started
    count = sum(len(s) for s in sentences.values())
    distinct = len({s.text for ss in sentences.values() for s in ss})
    print(f"{len(bodies)} text documents of the {args.size}-dump corpus, {count} sentences "
          f"({distinct} distinct texts), {len(set(stories.values()))} stories (assigned in {story_seconds:.1f} CPU s)")
    try:
        baseline = baseline_module(args.baseline_ref)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"no baseline: git revision {args.baseline_ref!r} is not readable here ({error}); skipped")
        return 0
    results = {}
    for label, module in ((f"discovery at {args.baseline_ref}", baseline), ("discovery in this tree", discovery)):
        results[label] = timed(module, sentences, stories, args.repeats)
    print(f"{'':<34}{'cpu s':>8}{'claims':>8}{'mentions':>10}{'documents':>11}")
    for label, (seconds, claims, mentions) in results.items():
        print(f"{label:<34}{seconds:>8.2f}{len(claims):>8}{len(mentions):>10}"
              f"{len({m.document_id for m in mentions}):>11}")
    (old, *_), (new, *_) = results.values()
    print(f"ratio baseline / this tree: {old / new:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
