"""The benchmark corpus generator (benchmarks/corpus.py): deterministic, the promised mix, landing days."""
from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("benchmark_corpus", REPO / "benchmarks" / "corpus.py")
corpus = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = corpus  # dataclasses look their module up there
_spec.loader.exec_module(corpus)

pytestmark = pytest.mark.skipif(not (corpus.SHARED_BENCHMARKS / "article_extraction").exists(),
                                reason="../shared/benchmarks absent")


@pytest.fixture(scope="module")
def sources():
    return corpus.load_sources()


@pytest.fixture(scope="module")
def big(sources):
    return corpus.build_corpus(3000, seed=7, sources=sources)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_other_seed_other_corpus(sources, tmp_path):
    first, second, other = (tmp_path / n for n in ("a", "b", "c"))
    corpus.write_landing(first, corpus.build_corpus(300, seed=5, sources=sources))
    corpus.write_landing(second, corpus.build_corpus(300, seed=5, sources=sources))
    corpus.write_landing(other, corpus.build_corpus(300, seed=6, sources=sources))
    assert _files(first) == _files(second)
    assert _files(first) != _files(other)


def test_a_smaller_corpus_is_a_prefix_of_a_larger_one(sources, big):
    assert corpus.build_corpus(500, seed=7, sources=sources) == big[:500]


def test_mix_of_formats_reprints_and_languages(big):
    assert len(big) == 3000
    formats = Counter(d.fmt for d in big)
    assert 0.17 < formats["html"] / len(big) < 0.23
    assert 0.05 < formats["jsonl"] / len(big) < 0.12
    html = [d for d in big if d.fmt == "html"]
    assert 0.3 < sum(d.gzipped for d in html) / len(html) < 0.5
    # wire copy: many stories carried by several outlets; re-deliveries of one payload exist
    outlets_per_family = Counter()
    for doc in big:
        outlets_per_family[(doc.story_key, doc.title[:20])] += 1
    assert sum(n > 1 for n in outlets_per_family.values()) > 0.1 * len(outlets_per_family)
    bodies = Counter(d.body for d in big)
    assert 0 < sum(n - 1 for n in bodies.values()) < 0.1 * len(big)
    assert {"page", "emergent", "sample"} <= {d.story_key.split(":")[0] for d in big}
    assert len({d.outlet for d in big}) > 100
    # the benchmark pages bring several languages
    assert len({m for d in html if (m := corpus.re.search(r"<html[^>]*\blang=[\"']?([a-z]{2})", d.body))
                and (m := m.group(1)) != "en"}) >= 3


def test_debris_with_and_without_markup(sources):
    with_tags = corpus.build_corpus(1500, seed=3, sources=sources)
    without = corpus.build_corpus(1500, seed=3, sources=sources, markup_debris=False)
    tags = [t.format(n=0) for t in corpus.MARKUP_DEBRIS[:3]]
    assert any(t in d.body for d in with_tags if d.fmt != "html" for t in tags)
    assert not any(t in d.body for d in without if d.fmt != "html" for t in tags)


def test_manifest_spreads_files_over_the_landing_days(sources, tmp_path):
    docs = corpus.build_corpus(600, seed=11, days=5, first_day=date(2026, 3, 1), sources=sources)
    counts = corpus.write_landing(tmp_path, docs)
    assert corpus.landing_days(tmp_path) == [f"2026-03-0{d}" for d in range(1, 6)]
    manifest = [json.loads(line) for line in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    single_files = sum(n for k, n in counts.items() if not k.startswith("jsonl"))
    assert 0.8 * single_files < len(manifest) < single_files
    for entry in manifest:
        path = tmp_path / entry["file"]
        assert entry["file"].startswith(entry["fetched_at"][:10] + "/")
        assert abs(path.stat().st_mtime - corpus.datetime.fromisoformat(entry["fetched_at"]).timestamp()) < 1
        assert entry["outlet"] and entry["url"].startswith(f"https://{entry['outlet']}/")
    # a new landing day goes beside the others, under new names, and the manifest grows
    corpus.write_landing(tmp_path, corpus.build_corpus(20, seed=12, days=1, first_day=date(2026, 3, 6),
                                                       sources=sources), prefix="new-")
    assert corpus.landing_days(tmp_path)[-1] == "2026-03-06"
    assert len((tmp_path / "manifest.jsonl").read_text().splitlines()) > len(manifest)
