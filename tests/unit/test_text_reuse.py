"""Text reuse: who reproduces whom, by shared near-identical sentences."""
from __future__ import annotations

from orchestration.core.text.sentences import split_sentences
from orchestration.core.claims.text_reuse import text_reuse
from tests.unit.sample_bodies import BODIES, CARRY_DENIAL, OLDER_STORY

COPY_PAIR = ("000_5a453cdda17c36e7.txt", "001_876ff53b270cd303.txt")   # both repost the report


def sentences_of(bodies: dict[str, str]):
    return {d: split_sentences(t) for d, t in bodies.items()}


def pair_rows(rows, a, b):
    return [r for r in rows if {r.document_id, r.source_document_id} == {a, b}]


def test_samples_reuse_pairs_and_counts():
    sentences = sentences_of(BODIES)
    rows = text_reuse(sentences)
    for row in rows:
        assert row.document_id != row.source_document_id
        assert 0.0 < row.reused_share <= 1.0
        assert row.reused_share == round(row.shared_sentences / len(sentences[row.document_id]), 4)
    # The two reposts of the report share its seven copied sentences.
    (copied,) = pair_rows(rows, *COPY_PAIR)
    assert copied.shared_sentences == 7
    # The two dumps with the denial share the quote and the denial passage.
    (denial,) = pair_rows(rows, *CARRY_DENIAL)
    assert denial.shared_sentences >= 4
    assert not any(OLDER_STORY in (r.document_id, r.source_document_id) for r in rows)
    # One row per pair of documents.
    assert len({frozenset((r.document_id, r.source_document_id)) for r in rows}) == len(rows)


def test_earlier_publication_is_the_source():
    sentences = sentences_of(BODIES)
    first, second = COPY_PAIR
    rows = text_reuse(sentences, {first: "2014-06-05T10:00:00", second: "2014-06-06T08:00:00"})
    (row,) = pair_rows(rows, *COPY_PAIR)
    assert (row.source_document_id, row.document_id) == (first, second)
    rows = text_reuse(sentences, {first: "2014-06-07", second: "2014-06-06"})
    (row,) = pair_rows(rows, *COPY_PAIR)
    assert (row.source_document_id, row.document_id) == (second, first)


def test_without_dates_the_document_that_opens_with_the_shared_text_is_the_source():
    original = ("Officials held secret talks with the rebels in Geneva for six months. "
                "The meetings covered a prisoner exchange and a border ceasefire. "
                "A spokesman called the reports completely untrue.")
    copy = ("A news site published an interesting report this morning about the region. "
            "We reproduce it below for our readers in full.\n\n" + original)
    rows = text_reuse(sentences_of({"z-original": original, "a-copy": copy}))
    assert len(rows) == 1
    assert (rows[0].source_document_id, rows[0].document_id) == ("z-original", "a-copy")
    assert rows[0].shared_sentences == 3 and rows[0].reused_share == 0.6


def test_min_shared_and_no_reuse_between_unrelated_texts():
    sentences = sentences_of(BODIES)
    assert len(text_reuse(sentences, min_shared=1)) > len(text_reuse(sentences))
    assert text_reuse(sentences, min_shared=8) == []
    assert text_reuse(sentences_of({"a": "The council approved a budget.", "b": "Frogs live in Borneo."})) == []
    assert text_reuse({}) == []
