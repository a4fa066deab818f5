"""Text reuse: who reproduces whom, by shared near-identical sentences."""
from __future__ import annotations

from orchestration.core.text.sentences import split_sentences
from orchestration.core.claims.text_reuse import MIN_INDEXED_TOKENS, reach_keys, text_reuse
from orchestration.core.text.similarity import CorpusTokens
from orchestration.core.text.token_cache import surface_words, token_set
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


def reference_pairs(doc_sentences, focus=None):
    """The sentence pairs text reuse records, compared sentence by sentence as it did before it
    went by distinct token sets: candidate_pairs, then same words or near-identical."""
    from orchestration.core.claims.text_reuse import MIN_SURFACE_WORDS, NEAR_IDENTICAL
    from orchestration.core.text.similarity import candidate_pairs, idf_weights, weighted_similarity
    from orchestration.core.text.tokens import content_tokens, words
    items = [(d, s) for d in sorted(doc_sentences) for s in doc_sentences[d]]
    owners = [d for d, _ in items]
    sets = [frozenset(content_tokens(s.text)) for _, s in items]
    surfaces = [tuple(words(s.text)) for _, s in items]
    idf, unseen = idf_weights(sets)
    focused = None if focus is None else [i for i, d in enumerate(owners) if d in focus]
    pairs = set()
    for i, j in candidate_pairs(sets, owners, min_shared=1, focus=focused):
        if (surfaces[i] == surfaces[j] and len(surfaces[i]) >= MIN_SURFACE_WORDS) or (
                min(len(sets[i]), len(sets[j])) >= 3 and weighted_similarity(sets[i], sets[j], idf, unseen) >= NEAR_IDENTICAL):
            pairs.add(frozenset({(owners[i], items[i][1].seq), (owners[j], items[j][1].seq)}))
    return pairs


def test_going_by_distinct_token_sets_records_the_pairs_a_sentence_by_sentence_pass_does():
    # wire copy: every sample reprinted twice, its lead cut or a trailer added, so most sentences
    # repeat word for word in three documents
    bodies = dict(BODIES)
    for name, body in BODIES.items():
        lines = body.splitlines()
        bodies[f"cut_{name}"] = "\n".join(lines[1:])
        bodies[f"trailer_{name}"] = body + "\nThis article first appeared on WND."
    sentences = sentences_of(bodies)
    expected = reference_pairs(sentences)
    assert len(expected) > 100
    rows = text_reuse(sentences, min_shared=1)
    by_pair = {frozenset((r.document_id, r.source_document_id)): r.shared_sentences for r in rows}
    recorded: dict = {}
    for pair in expected:
        (a, sa), (b, sb) = sorted(pair)
        recorded.setdefault(frozenset((a, b)), {}).setdefault(a, set()).add(sa)
        recorded[frozenset((a, b))].setdefault(b, set()).add(sb)
    assert set(by_pair) == set(recorded)
    for row in rows:
        assert row.shared_sentences == len(recorded[frozenset((row.document_id, row.source_document_id))][row.document_id])
    # with focus: exactly the full call's rows that touch a focused document
    focus = {f"cut_{OLDER_STORY}", COPY_PAIR[0]}
    assert text_reuse(sentences, min_shared=1, focus=focus) == [
        r for r in rows if r.document_id in focus or r.source_document_id in focus]


def test_a_focus_given_its_reach_and_the_corpus_counts_returns_the_rows_of_a_full_read():
    # wire copy as above, and two notes that repeat a sentence too short for the index word for word
    short = "And so it was, as they said it would be."
    assert len(token_set(short)) < MIN_INDEXED_TOKENS <= len(surface_words(short))
    bodies = dict(BODIES)
    for name, body in BODIES.items():
        bodies[f"trailer_{name}"] = body + "\nThis article first appeared on WND."
    bodies["note_a"] = f"The harbour reopened on Monday after the storm. {short} Ferries ran late."
    bodies["note_b"] = f"Markets rallied in Tokyo on Tuesday. {short} Bond yields fell."
    sentences = sentences_of(bodies)
    corpus = CorpusTokens.of(token_set(s.text) for d in sorted(sentences) for s in sentences[d])
    reads = {}
    for document_id in sorted(sentences):
        tokens, surfaces = reach_keys([s.text for s in sentences[document_id]], corpus)
        given = {d: [s for s in own if d == document_id or token_set(s.text) & tokens or surface_words(s.text) in surfaces]
                 for d, own in sentences.items()}
        given = {d: own for d, own in given.items() if own}
        counts = {d: len(sentences[d]) for d in given}
        focused = text_reuse(given, focus={document_id}, min_shared=1, corpus=corpus, sentence_counts=counts)
        assert focused == text_reuse(sentences, focus={document_id}, min_shared=1), document_id
        reads[document_id] = sum(len(own) for own in given.values())
    # the short sentence alone links the notes; a focus reads its reprints, not the whole corpus
    assert [(r.document_id, r.source_document_id) for r in text_reuse(
        {d: sentences[d] for d in ("note_a", "note_b")}, focus={"note_a"}, min_shared=1, corpus=corpus)]
    assert reads["note_a"] == len(sentences["note_a"]) + 1
    assert max(reads.values()) < corpus.sentences
