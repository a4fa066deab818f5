"""Stories against the generator's truth: B-cubed precision and recall on a bench warehouse.

    python benchmarks/scale_speed.py --sizes 10000 --pipeline-up-to 10000 --keep DIR
    python benchmarks/story_quality.py DIR/size-10000 [--seed 13]

benchmarks/corpus.py knows the story each document was written from. This reads the documents
and sentences of the warehouse that scale_speed.py kept for that landing folder, maps each
document back to the generated one (by file name, or by URL for a JSON-lines record), assigns
stories again with the pipeline's own rule (orchestration.core.claims.stories) and scores them
(B-cubed: per document, the share of its story that is of its true story, and the share of its
true story that is in its story). Documents landed later under another name (scale_speed's
"new-" day) are left out.

The truth is noisy (docs/decisions/0003-stories.md): the generator's Emergent stories are single
headlines, several of them about one event, and a real page layout it fills keeps its own text
where that is not in <p> elements. Compare rules with it; do not read it as an absolute figure.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import corpus  # noqa: E402


def generated_index(source_file: str, url: str | None) -> int | None:
    """The generator's index of a landed document: its file's number, or a feed record's URL."""
    if "/new" in source_file:
        return None
    numbered = re.search(r"/(\d{6})\.", source_file)
    if numbered:
        return int(numbered.group(1))
    if ".jsonl" in source_file and url:
        return int(url.rsplit("-", 1)[1])
    return None


def bcubed(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float]:
    by_predicted: dict[str, set[str]] = defaultdict(set)
    by_truth: dict[str, set[str]] = defaultdict(set)
    for doc in truth:
        by_predicted[predicted[doc]].add(doc)
        by_truth[truth[doc]].add(doc)
    shared = {doc: len(by_predicted[predicted[doc]] & by_truth[truth[doc]]) for doc in truth}
    precision = sum(shared[d] / len(by_predicted[predicted[d]]) for d in truth) / len(truth)
    recall = sum(shared[d] / len(by_truth[truth[d]]) for d in truth) / len(truth)
    return precision, recall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("workdir", type=Path, help="a size folder scale_speed.py kept (landing/, warehouse/)")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    import duckdb

    from orchestration.core.claims.stories import assign_stories, body_counts_of
    from orchestration.warehouse import read_records

    conn = duckdb.connect(str(args.workdir / "warehouse" / "claimgrid.duckdb"), read_only=True)
    dumps = conn.execute("SELECT source_file, url, document_id FROM raw.dumps").fetchall()
    size = max(i for s, u, _ in dumps if (i := generated_index(s, u)) is not None) + 1
    story_of_index = {doc.index: doc.story_key for doc in corpus.build_corpus(size, args.seed)}
    truth = {doc: story_of_index[i] for s, u, doc in dumps
             if (i := generated_index(s, u)) is not None and i in story_of_index}
    bodies = {d: b for d, b in conn.execute(
        "SELECT document_id, body_text FROM raw.documents WHERE quarantine_reason IS NULL").fetchall() if d in truth}
    truth = {d: s for d, s in truth.items() if d in bodies}
    sentences: dict[str, list] = defaultdict(list)
    for row in read_records(conn, "sentences", order_by="document_id, sentence_seq"):
        if row.document_id in bodies:
            sentences[row.document_id].append(row.sentence())
    conn.close()

    started = time.perf_counter()
    stories = assign_stories(body_counts_of(bodies), sentences)
    seconds = time.perf_counter() - started
    precision, recall = bcubed(stories, truth)
    sizes = sorted(Counter(stories.values()).values(), reverse=True)
    print(f"{len(bodies)} documents of {len(set(truth.values()))} generated stories (seed {args.seed})")
    print(f"B-cubed precision {precision:.3f}, recall {recall:.3f}, F1 {2 * precision * recall / (precision + recall):.3f}; "
          f"{len(sizes)} stories, largest {sizes[:5]}; assigned in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
