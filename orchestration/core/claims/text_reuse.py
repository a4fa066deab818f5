"""Text reuse: which document reproduces which, and how much.

Two sentences of different documents are "near-identical" when their content-token similarity
(similarity.py, IDF over all sentences given) is >= NEAR_IDENTICAL, or their words are the same;
measured on the samples, verbatim copies and copies with a frame added or a quote mark changed
score 0.88-1.0 while light edits of the same report score 0.58-0.69. Candidate pairs are those of
an inverted index (similarity.candidate_pairs), not all pairs, found distinct token set by
distinct token set (reprints repeat sentences word for word).

For each pair of documents sharing at least `min_shared` near-identical sentences, one row says
that `document_id` reproduces `source_document_id`:
- shared_sentences: sentences of document_id with a near-identical sentence in the source;
- reused_share: shared_sentences / sentences of document_id.
Direction: the earlier `published_at` is the source when both are known and differ. Otherwise
the source is the document in which the shared sentences sit earlier (smaller mean of
seq / sentence count): a reproduction puts its own introduction before the copied text, the
original starts with it. A tie goes to the smaller document_id as source.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

from orchestration.core.text.similarity import (
    CANDIDATE_MAX_POSTINGS, CorpusTokens, idf_from_frequencies, lazy_set_weights, weighted_similarity,
)
from orchestration.core.text.token_cache import surface_words, token_set
from orchestration.core.types import Sentence, TextReuse

NEAR_IDENTICAL = 0.8
MIN_SURFACE_WORDS = 4
# a sentence with fewer content tokens is too short for the index: exact word matches only
MIN_INDEXED_TOKENS = 3


def reach_keys(focus_texts: Iterable[str], corpus: CorpusTokens) -> tuple[set[str], set[tuple[str, ...]]]:
    """What a sentence must share with a sentence of the focus to be compared with it at all: an
    indexed content token (one held by at most CANDIDATE_MAX_POSTINGS sentences of the corpus), or
    the same surface words when the focus sentence is too short for the index. A focused call given
    the focus documents, every sentence of the others that shares so, and `corpus` returns the
    rows of a call given every sentence."""
    tokens: set[str] = set()
    surfaces: set[tuple[str, ...]] = set()
    for text in focus_texts:
        held = token_set(text)
        tokens.update(t for t in held if corpus.holding.get(t, 0) <= CANDIDATE_MAX_POSTINGS)
        surface = surface_words(text)
        if len(surface) >= MIN_SURFACE_WORDS and len(held) < MIN_INDEXED_TOKENS:
            surfaces.add(surface)
    return tokens, surfaces


def text_reuse(doc_sentences: dict[str, list[Sentence]],
               published_at: dict[str, str | None] | None = None,
               min_shared: int = 2, focus: Collection[str] | None = None,
               corpus: CorpusTokens | None = None, sentence_counts: Mapping[str, int] | None = None,
               ) -> list[TextReuse]:
    """The reuse rows of `doc_sentences`; with `focus`, only the rows of pairs with a document in
    it (the rows a full call returns for them: weights are still over all sentences). With
    `corpus`, the weights and the index are those of the corpus it counts, and `doc_sentences`
    need hold only the focus documents and the sentences they reach (reach_keys), given how many
    sentences each of their documents has (`sentence_counts`)."""
    published_at = published_at or {}
    owners: list[str] = []
    seqs: list[int] = []
    token_sets: list[frozenset[str]] = []
    surfaces: list[tuple[str, ...]] = []
    for document_id in sorted(doc_sentences):
        for sentence in doc_sentences[document_id]:
            owners.append(document_id)
            seqs.append(sentence.seq)
            token_sets.append(token_set(sentence.text))
            surfaces.append(surface_words(sentence.text))
    corpus = corpus or CorpusTokens.of(token_sets)       # every sentence given: the corpus
    idf, unseen = idf_from_frequencies(corpus.holding, corpus.sentences)
    # (doc_a, doc_b) -> {doc: set of its sentence seqs shared with the other}
    shared: dict[tuple[str, str], dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))

    def record(i: int, j: int) -> None:
        pair = tuple(sorted((owners[i], owners[j])))
        shared[pair][owners[i]].add(seqs[i])
        shared[pair][owners[j]].add(seqs[j])

    # The pairs compared are those of similarity.candidate_pairs (sentences of two documents
    # sharing a token held by at most CANDIDATE_MAX_POSTINGS sentences), taken a distinct token
    # set at a time: reprints repeat sentences word for word (151,147 sentences, 58,193 distinct
    # texts at 10k bench dumps), and whether two sets are near-identical is a property of the
    # sets, so it is decided once per pair of sets; sentences of sets that are not still count
    # when their words are the same. Recording is idempotent: a pair met twice is recorded once.
    set_number: dict[frozenset[str], int] = {}
    numbers = [set_number.setdefault(tokens, len(set_number)) for tokens in token_sets]
    class_sets = list(set_number)
    members: list[list[int]] = [[] for _ in class_sets]
    for i, number in enumerate(numbers):
        members[number].append(i)
    indexed = [frozenset(t for t in tokens if corpus.holding.get(t, 0) <= CANDIDATE_MAX_POSTINGS) for tokens in class_sets]
    classes_of: dict[str, list[int]] = defaultdict(list)
    for number, tokens in enumerate(indexed):
        for token in tokens:
            classes_of[token].append(number)
    by_words: list[dict[tuple[str, ...], list[int]]] = [{} for _ in class_sets]
    for i, number in enumerate(numbers):
        if len(surfaces[i]) >= MIN_SURFACE_WORDS:
            by_words[number].setdefault(surfaces[i], []).append(i)

    weight = lazy_set_weights(class_sets, idf, unseen)
    anchors = range(len(class_sets)) if focus is None else sorted({numbers[i] for i, o in enumerate(owners) if o in focus})
    for a in anchors:
        # every pair once in a full call (from its smaller set number); with focus, from the
        # focused sentence's side
        own = members[a] if focus is None else [i for i in members[a] if owners[i] in focus]
        others = {b for token in indexed[a] for b in classes_of[token] if focus is not None or b >= a}
        for b in sorted(others):
            near = min(len(class_sets[a]), len(class_sets[b])) >= MIN_INDEXED_TOKENS and \
                weighted_similarity(class_sets[a], class_sets[b], idf, unseen, weight(a), weight(b)) >= NEAR_IDENTICAL
            if near:
                for i in own:
                    for j in members[b]:
                        if owners[i] != owners[j]:
                            record(i, j)
            elif by_words[b]:
                for i in own:
                    for j in by_words[b].get(surfaces[i], ()):
                        if owners[i] != owners[j]:
                            record(i, j)
    # Short sentences with too few content tokens for the index: exact word matches only.
    by_surface: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, surface in enumerate(surfaces):
        if len(surface) >= MIN_SURFACE_WORDS and len(token_sets[i]) < MIN_INDEXED_TOKENS:
            by_surface[surface].append(i)
    for members in by_surface.values():
        for a in members:
            for b in members:
                if a < b and owners[a] != owners[b] and (focus is None or owners[a] in focus or owners[b] in focus):
                    record(a, b)

    counts = {**{d: len(s) for d, s in doc_sentences.items()}, **(sentence_counts or {})}
    rows = []
    for (a, b), seqs_of in sorted(shared.items()):
        source, copy = _direction(a, b, seqs_of, counts, published_at)
        count = len(seqs_of[copy])
        if count < min_shared:
            continue
        rows.append(TextReuse(document_id=copy, source_document_id=source, shared_sentences=count,
                              reused_share=round(min(1.0, count / max(counts[copy], 1)), 4)))
    return rows


def _direction(a: str, b: str, seqs_of: dict[str, set[int]], counts: dict[str, int],
               published_at: dict[str, str | None]) -> tuple[str, str]:
    """(source, copy) for a pair of documents sharing sentences."""
    date_a, date_b = published_at.get(a), published_at.get(b)
    if date_a and date_b and date_a != date_b:
        return (a, b) if date_a < date_b else (b, a)

    def mean_position(doc: str) -> float:
        return sum(seqs_of[doc]) / len(seqs_of[doc]) / max(counts[doc], 1)

    pos_a, pos_b = round(mean_position(a), 9), round(mean_position(b), 9)
    if pos_a != pos_b:
        return (a, b) if pos_a < pos_b else (b, a)
    return (a, b)      # a < b: the smaller id is the source on a tie
