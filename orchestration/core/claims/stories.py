"""Stories: documents about the same event share a story_id.

Documents are linked by body TF-IDF cosine or by shared restated sentences. A document's story
is the one holding the largest weight of its links (label propagation); documents already
assigned keep their story, and new ones join previous stories or found new ones.

Why these links and thresholds: docs/decisions/0003-stories.md.
"""
from __future__ import annotations

from array import array
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from orchestration.core.ids import stable_id
from orchestration.core.text.similarity import (
    CorpusTokens, candidate_pairs, idf_from_frequencies, idf_weights, lazy_set_weights, weighted_similarity,
)
from orchestration.core.text.token_cache import token_sequence, token_set
from orchestration.core.types import Sentence

BODY_COSINE = 0.45
SENTENCE_SIMILARITY = 0.55
SHARED_SENTENCES_MIN = 2
# entries of the body cosine product computed at once: a block of new bodies against every body
# is nearly dense (bodies share common words), so a block is as many rows as fit. At 100k bench
# documents, 1,000 new, alternated: 512 rows a block took the stories step's reads and assignment
# to a 2.09 GB peak and 10.9-12.9 s of assignment; 32 rows (this budget) 1.59 GB and 6.3-6.4 s,
# the same stories. (16 rows: 6.4-6.5 s, 64: 6.9-7.9 s.)
COSINE_BLOCK_ENTRIES = 3_000_000
# rounds of label propagation at most: on the 10k bench corpus (9,565 documents) it settles after 5
PROPAGATION_ROUNDS = 10


def story_id_for(document_id: str) -> str:
    return "story-" + stable_id(document_id, length=12)


@dataclass(frozen=True)
class BodyCounts:
    """Every document's body as token counts, what the story links read of a body: row i is
    document_ids[i] (in sorted order), a column a token, numbered in the order tokens first appear
    in the corpus (documents in order, each body's tokens in order). A row's entries are in column
    order, which is the order scikit-learn's CountVectorizer leaves them in (it numbers its columns
    in sorted token order afterwards without moving an entry): a row's TF-IDF weights sum in that
    order, so the cosines (and a tie between two stories) are the same however the counts were
    made."""
    document_ids: list[str]
    counts: sparse.csr_matrix


def body_counts_of_terms(document_ids: Sequence[str], row_ends: np.ndarray, term_ids: np.ndarray,
                         counts: np.ndarray) -> BodyCounts:
    """BodyCounts of bodies given as term numbers: row i (document_ids[i], in sorted order) holds
    term_ids[row_ends[i-1]:row_ends[i]] (each term once, in the order it first appears in the
    body) with their counts. Term numbers are any non-negative integers (a stored vocabulary's):
    the columns are renumbered in the order terms first appear in the corpus."""
    entries = len(term_ids)
    if entries == 0:
        return BodyCounts(list(document_ids), sparse.csr_matrix((len(document_ids), 0)))
    # each term's first entry (rows in corpus order, entries in body order): its column's rank
    first = np.full(int(term_ids.max()) + 1, entries, dtype=np.int64)
    np.minimum.at(first, term_ids, np.arange(entries, dtype=np.int64))
    present = np.flatnonzero(first < entries)
    column = np.empty(len(first), dtype=np.int32)
    column[present[np.argsort(first[present], kind="stable")]] = np.arange(len(present), dtype=np.int32)
    matrix = sparse.csr_matrix((np.asarray(counts, dtype=np.float64), column.take(term_ids),
                                np.concatenate(([0], np.asarray(row_ends, dtype=np.int64)))),
                               shape=(len(document_ids), len(present)))
    matrix.sort_indices()
    return BodyCounts(list(document_ids), matrix)


def body_counts(bodies: Iterable[tuple[str, Sequence[str]]]) -> BodyCounts:
    """BodyCounts of (document_id, its body's content tokens) pairs in document_id order, read
    once: a stream, so that the tokens of every body need not be held at once; counted in machine
    integers (CountVectorizer keeps its column indices in a list of Python ints while it counts:
    8.7M entries for the 100k bench bodies)."""
    document_ids: list[str] = []
    terms = TermCounts()
    for document_id, tokens in bodies:
        if document_ids and document_id <= document_ids[-1]:
            if document_id == document_ids[-1]:
                continue        # a repeated id: its first body counts (a mapping holds one)
            raise ValueError(f"bodies not in document order: {document_id!r} after {document_ids[-1]!r}")
        document_ids.append(document_id)
        terms.add(tokens)
    return body_counts_of_terms(document_ids, *terms.arrays())


class TermCounts:
    """Bodies counted one after the other, in machine integers: each body's tokens once, numbered
    in the order tokens first appear among the bodies, in the order they first appear in the
    body, with their counts (what body_counts_of_terms takes)."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}    # token -> number, in the order tokens first appear
        self._term_ids, self._counts, self._ends = array("i"), array("i"), array("q")

    def add(self, tokens: Iterable[str]) -> None:
        counted = Counter(tokens)            # keys in the order they first appear in the body
        self._term_ids.extend(self.numbers.setdefault(token, len(self.numbers)) for token in counted)
        self._counts.extend(counted.values())
        self._ends.append(len(self._term_ids))

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(ends, term numbers, counts): body i's terms at term_ids[ends[i-1]:ends[i]]."""
        return (np.frombuffer(self._ends, dtype=np.int64).copy(), np.frombuffer(self._term_ids, dtype=np.intc).copy(),
                np.frombuffer(self._counts, dtype=np.intc).copy())


def body_counts_of(bodies: Mapping[str, str | None]) -> BodyCounts:
    """BodyCounts of document_id -> body text (token_store.body_token_counts reads stored tokens)."""
    return body_counts((d, token_sequence(bodies[d] or "")) for d in sorted(bodies))


def document_links(bodies: BodyCounts, doc_sentences: dict[str, Sequence[Sentence]],
                   focus: Collection[str] | None = None,
                   corpus: CorpusTokens | None = None) -> dict[tuple[str, str], float]:
    """(doc_a, doc_b) with doc_a < doc_b -> link strength in [0, 1], only for linked pairs.
    `bodies` are every document's body token counts (a caller may count them without the
    bodies: token_store.body_token_counts).
    `doc_sentences` are the body sentences of each document (the sentences stage's output).
    With `focus`, only the links with at least one document in it (weights still over all).
    With `corpus` (the counts of every document's sentences), `doc_sentences` need hold only the
    focus documents' and the sentences they reach (text_reuse.reach_keys): the same links."""
    doc_ids = bodies.document_ids
    links: dict[tuple[str, str], float] = {}
    if len(doc_ids) < 2:
        return links
    focus_rows = [i for i, d in enumerate(doc_ids) if focus is None or d in focus]
    if bodies.counts.nnz and focus_rows:
        # imported here: scikit-learn costs seconds to import, and a run with no new document
        # (or the code location loading) never needs it
        from sklearn.feature_extraction.text import TfidfTransformer
        # as TfidfVectorizer weighs its counts (fitted, then transformed in place), on a copy:
        # the caller's counts stay counts
        tfidf = TfidfTransformer(sublinear_tf=True).fit(bodies.counts)
        matrix = tfidf.transform(bodies.counts.copy(), copy=False)
        transposed = matrix.T.tocsr()
        # a block of rows at a time: the product of all rows is dense where bodies share common
        # words (n x n entries), and only the few links above the threshold are kept
        block_rows = max(1, COSINE_BLOCK_ENTRIES // len(doc_ids))
        for start in range(0, len(focus_rows), block_rows):
            block = focus_rows[start:start + block_rows]
            cosines = (matrix[block] @ transposed).tocoo()
            keep = cosines.data >= BODY_COSINE
            for row, j, value in zip(cosines.row[keep], cosines.col[keep], cosines.data[keep]):
                i = block[row]
                if i != j:
                    links[(doc_ids[min(i, j)], doc_ids[max(i, j)])] = float(value)

    owners: list[str] = []
    sets: list[frozenset[str]] = []
    for doc_id in doc_ids:
        for sentence in doc_sentences.get(doc_id, ()):
            tokens = token_set(sentence.text)
            if tokens:
                owners.append(doc_id)
                sets.append(tokens)
    # over the sentences that hold a token, as given or as counted
    idf, unseen = idf_weights(sets) if corpus is None else idf_from_frequencies(corpus.holding, corpus.sentences_with_tokens)
    strong: Counter[tuple[str, str]] = Counter()
    best: dict[tuple[str, str], float] = {}
    focus_sets = None if focus is None else [i for i, owner in enumerate(owners) if owner in focus]
    weight = lazy_set_weights(sets, idf, unseen)
    for i, j in candidate_pairs(sets, owners, focus=focus_sets, holding=None if corpus is None else corpus.holding):
        score = weighted_similarity(sets[i], sets[j], idf, unseen, weight(i), weight(j))
        if score >= SENTENCE_SIMILARITY:
            pair = tuple(sorted((owners[i], owners[j])))
            strong[pair] += 1
            best[pair] = max(best.get(pair, 0.0), score)
    for pair, count in strong.items():
        if count >= SHARED_SENTENCES_MIN:
            links[pair] = max(links.get(pair, 0.0), best[pair])
    return links


def assign_stories(bodies: BodyCounts, doc_sentences: dict[str, Sequence[Sentence]],
                   previous: dict[str, str] | None = None, corpus: CorpusTokens | None = None) -> dict[str, str]:
    """document_id -> story_id for every document of `bodies` (sentences and `corpus`: see
    document_links; the focus is the documents not in `previous`).

    Documents of `previous` keep their story. Each of the others takes, in turns, the story that
    holds the largest weight of its links (label propagation), starting from a story of its own;
    a new story is named after its smallest member. Why not components: decision 0003."""
    documents = set(bodies.document_ids)
    previous = {d: s for d, s in (previous or {}).items() if d in documents}
    # Only links that touch a new document decide anything: previous stories are kept as they are.
    new_docs = sorted(d for d in documents if d not in previous)
    links = document_links(bodies, doc_sentences, focus=set(new_docs), corpus=corpus)
    neighbours: dict[str, list[tuple[float, str]]] = {d: [] for d in bodies.document_ids}
    for (a, b), strength in sorted(links.items()):
        # in document order: a story's weight is a float sum, and links are found in an order
        # that depends on the process's string hashing
        neighbours[a].append((strength, b))
        neighbours[b].append((strength, a))

    label = {**previous, **{d: story_id_for(d) for d in new_docs}}
    for _ in range(PROPAGATION_ROUNDS):
        moved = False
        for document_id in new_docs:
            weight: dict[str, float] = defaultdict(float)
            for strength, other in neighbours[document_id]:
                weight[label[other]] += strength
            if not weight:
                continue
            best = min(weight, key=lambda story: (-weight[story], story))
            # a document moves only to a story holding more of its links than its own
            if best != label[document_id] and weight[best] > weight.get(label[document_id], 0.0):
                label[document_id] = best
                moved = True
        if not moved:
            break
    members: dict[str, list[str]] = defaultdict(list)
    for document_id in new_docs:
        members[label[document_id]].append(document_id)
    kept = set(previous.values())
    assigned = dict(previous)
    for story, docs in members.items():
        story_id = story if story in kept else story_id_for(min(docs))
        for document_id in docs:
            assigned[document_id] = story_id
    return assigned
