"""Claims of a corpus that arrives day by day against the claims of one discovery over all of it:
what extending the stories that received documents (discovery.extend_story) costs and changes.

    python benchmarks/claims_incremental.py [--size 1000] [--days 7] [--last-day-share 0.01]

The documents are the text dumps of benchmarks/corpus.py (seed 13); stories are assigned once,
over all of them, so that only discovery differs. The documents arrive by their `fetched_at`
day, spread over `--days` days (the last one `--last-day-share` of them, if given: a nightly
run's news on a grown archive): each day, the stories that received documents are extended
(or discovered again, as the claims step decides with discovery.settled_documents) with the
claims and mentions of the day before. At the end, against one discovery of every document:
- claims, mentions, sentences and documents holding a mention;
- agreement per sentence (B-cubed over documents): for each sentence that carries a claim in
  either result, the documents that share a claim with it in one and in the other; precision,
  recall and F1 of the arrival's sets against the single discovery's;
- CPU seconds of the last day's discovery, extended against discovered again (the same stories).
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402

from orchestration.core.claims.discovery import (  # noqa: E402
    _sentence_parts, discover_claims, discover_in_block, merged_discoveries, settled_documents, story_blocks,
)
from orchestration.core.claims.stories import assign_stories, body_counts_of  # noqa: E402
from orchestration.core.text.sentences import split_sentences  # noqa: E402

SEED = 13


def arrivals(size: int, days: int, last_share: float | None) -> list[dict[str, str]]:
    """The corpus' text documents (id -> body) in `days` groups by fetched_at, oldest first; the
    last group `last_share` of the documents when given."""
    documents = sorted((d for d in corpus.build_corpus(size, SEED) if d.fmt != "html"), key=lambda d: (d.fetched_at, d.index))
    last = round(len(documents) * last_share) if last_share else 0
    before, groups = len(documents) - last, days - (1 if last else 0)
    per_day = -(-before // groups)
    cuts = [*range(0, before, per_day), *([before] if last else []), len(documents)]
    return [{f"doc-{d.index:06d}": d.body for d in documents[a:b]} for a, b in zip(cuts, cuts[1:])]


def discover(blocks) -> tuple[list, list, float]:
    _sentence_parts.cache_clear()      # each timing builds its units itself
    started = time.process_time()
    claims, mentions = merged_discoveries(map(discover_in_block, blocks))
    return claims, mentions, time.process_time() - started


def sharing(mentions) -> dict[tuple[str, int], set[str]]:
    """(document, sentence) -> the documents that share one of its claims."""
    documents_of: dict[str, set[str]] = defaultdict(set)
    for m in mentions:
        documents_of[m.claim_id].add(m.document_id)
    shared: dict[tuple[str, int], set[str]] = defaultdict(set)
    for m in mentions:
        shared[(m.document_id, m.sentence_seq)] |= documents_of[m.claim_id]
    return shared


def agreement(arrived, once) -> tuple[float, float, float]:
    a, b = sharing(arrived), sharing(once)
    keys = a.keys() | b.keys()
    precision = sum(len(a[k] & b[k]) / len(a[k]) for k in keys if a.get(k)) / max(1, sum(1 for k in keys if a.get(k)))
    recall = sum(len(a[k] & b[k]) / len(b[k]) for k in keys if b.get(k)) / max(1, sum(1 for k in keys if b.get(k)))
    return precision, recall, 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--last-day-share", type=float)
    args = parser.parse_args()
    days = arrivals(args.size, args.days, args.last_day_share)
    bodies = {d: b for day in days for d, b in day.items()}
    sentences = {d: split_sentences(b) for d, b in bodies.items()}
    stories = assign_stories(body_counts_of(bodies), sentences)
    print(f"{len(bodies)} text documents of the {args.size}-dump corpus over {len(days)} days, "
          f"{sum(map(len, sentences.values()))} sentences, {len(set(stories.values()))} stories")

    claims, mentions, seen = [], [], set()
    extended_seconds = rediscovered_seconds = 0.0
    for number, day in enumerate(days, 1):
        affected = {stories[d] for d in day}
        members = {d: s for d, s in stories.items() if s in affected and (d in seen or d in day)}
        settled = settled_documents(members, todo=day, first_time=day)
        kept_claims = [c for c in claims if c.story_id not in affected]
        kept_ids = {c.claim_id for c in kept_claims}
        blocks = story_blocks({d: sentences[d] for d in members}, stories, claims, settled, mentions)
        day_claims, day_mentions, seconds = discover(blocks)
        if number == len(days):
            extended_seconds = seconds
            again = story_blocks({d: sentences[d] for d in members}, stories, claims)
            rediscovered_seconds = discover(again)[2]
        claims = kept_claims + day_claims
        mentions = [m for m in mentions if m.claim_id in kept_ids] + day_mentions
        seen |= day.keys()
        extended = len({stories[d] for d in settled})
        print(f"day {number}: {len(day)} documents into {len(affected)} stories ({extended} extended), "
              f"discovery {seconds:.2f} CPU s; {len(claims)} claims, {len(mentions)} mentions")

    started = time.process_time()
    once_claims, once_mentions = discover_claims(sentences, stories)
    once_seconds = time.process_time() - started
    print(f"\n{'':<28}{'claims':>8}{'mentions':>10}{'sentences':>11}{'documents':>11}")
    for label, (c, m) in (("day by day", (claims, mentions)), ("all at once", (once_claims, once_mentions))):
        print(f"{label:<28}{len(c):>8}{len(m):>10}{len({(x.document_id, x.sentence_seq) for x in m}):>11}"
              f"{len({x.document_id for x in m}):>11}")
    precision, recall, f1 = agreement(mentions, once_mentions)
    print(f"agreement with all at once (per sentence, documents sharing a claim): precision {precision:.3f}, "
          f"recall {recall:.3f}, F1 {f1:.3f}")
    print(f"last day's discovery: extended {extended_seconds:.2f} CPU s, the same stories discovered again "
          f"{rediscovered_seconds:.2f} CPU s ({rediscovered_seconds / max(extended_seconds, 1e-9):.1f}x); "
          f"all at once {once_seconds:.2f} CPU s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
