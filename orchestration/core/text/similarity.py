"""How alike two pieces of text are, as weighted token sets: one engine for claims, catalog
matching, stories and text reuse.

A text becomes a set of content tokens (tokens.py). Tokens are weighted by inverse document
frequency over the units being compared (sentences of a story, say), so "Hamas" in a story about
Hamas counts for little and "Qatar" for a lot. The score of two sets blends

- containment: shared weight / weight of the smaller set — a short sentence restated inside a
  longer one ("the US has held secret talks with Hamas for the past six months" inside "BuzzFeed
  reports that the United States held secret talks with Hamas for the past six months to discuss
  ...") scores high, and
- Jaccard: shared weight / weight of the union — penalises a long sentence that merely contains a
  few words of a short one,

as their mean, in [0, 1]. Fewer than `MIN_SHARED_TOKENS` shared tokens scores 0 unless the sets
are equal: two words in common is coincidence, not a restatement.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

MIN_SHARED_TOKENS = 3
# tokens held by more sets than this are not indexed by candidate_pairs (see there)
CANDIDATE_MAX_POSTINGS = 200
# Token weights are multiples of 2^-20: any sum of them below 2^33 is a float without rounding, so
# a set's weight is the same whatever order its tokens come in. A frozenset's order is the
# process's string hashing: with free floats a score differed in its last bits from one process
# to the next, enough to tip an exact tie between two stories. (math.fsum is exact too, and cost
# the claims stage ~10% more.)
WEIGHT_QUANTUM = 2.0 ** -20


@dataclass(frozen=True)
class CorpusTokens:
    """Every sentence of the corpus as counts: how many there are, how many hold a content token,
    and how many hold each. What the weights and the index of a focused call (text reuse, story
    links) read of the sentences it is not given."""
    sentences: int
    sentences_with_tokens: int
    holding: Mapping[str, int]

    @staticmethod
    def of(token_sets: Iterable[frozenset[str]]) -> CorpusTokens:
        holding: Counter[str] = Counter()
        count = with_tokens = 0
        for tokens in token_sets:
            holding.update(tokens)
            count += 1
            with_tokens += bool(tokens)
        return CorpusTokens(count, with_tokens, holding)

    def plus(self, other: CorpusTokens) -> CorpusTokens:
        return CorpusTokens(self.sentences + other.sentences, self.sentences_with_tokens + other.sentences_with_tokens,
                            Counter(self.holding) + Counter(other.holding))


def idf_weights(token_sets: Iterable[frozenset[str]]) -> tuple[dict[str, float], float]:
    """IDF of each token over the given sets, and the weight of a token never seen (the rarest)."""
    df: Counter[str] = Counter()
    count = 0
    for tokens in token_sets:
        df.update(tokens)
        count += 1
    return idf_from_frequencies(df, count)


def idf_from_frequencies(holding: Mapping[str, int], count: int) -> tuple[dict[str, float], float]:
    """idf_weights of `count` sets of which holding[t] hold token t: the same weights, from
    frequencies counted elsewhere (by the warehouse, over sets that are not all read)."""
    weights = {t: _quantised(math.log(1.0 + count / n)) for t, n in holding.items()}
    return weights, _quantised(math.log(1.0 + max(count, 1)))


def _quantised(weight: float) -> float:
    return round(weight / WEIGHT_QUANTUM) * WEIGHT_QUANTUM


def set_weight(tokens: Iterable[str], idf: Mapping[str, float], unseen: float) -> float:
    # exact, so the same in any order (a set's order is the process's string hashing): the
    # weights idf_weights gives are multiples of WEIGHT_QUANTUM
    return sum(idf.get(t, unseen) for t in tokens)


def lazy_set_weights(sets: Sequence[frozenset[str]], idf: Mapping[str, float],
                     unseen: float) -> Callable[[int], float]:
    """index -> set_weight of sets[index], computed when first asked and kept: a candidate pair
    needs both weights, reprints put one set in hundreds of pairs, and a focused call pairs few
    of the sets it is given."""
    weights: list[float | None] = [None] * len(sets)

    def weight(index: int) -> float:
        if weights[index] is None:
            weights[index] = set_weight(sets[index], idf, unseen)
        return weights[index]

    return weight


def weighted_similarity(a: frozenset[str], b: frozenset[str], idf: Mapping[str, float],
                        unseen: float, weight_a: float | None = None,
                        weight_b: float | None = None, min_shared: int = MIN_SHARED_TOKENS) -> float:
    """Mean of weighted containment and weighted Jaccard of two token sets, in [0, 1]."""
    if not a or not b:
        return 0.0
    shared = a & b if len(a) <= len(b) else b & a
    if len(shared) < min_shared and not (a == b):
        return 0.0
    weight_shared = set_weight(shared, idf, unseen)
    weight_a = set_weight(a, idf, unseen) if weight_a is None else weight_a
    weight_b = set_weight(b, idf, unseen) if weight_b is None else weight_b
    if weight_shared <= 0.0:
        return 0.0
    containment = weight_shared / min(weight_a, weight_b)
    jaccard = weight_shared / (weight_a + weight_b - weight_shared)
    return max(0.0, min(1.0, 0.5 * (containment + jaccard)))


def candidate_pairs(token_sets: list[frozenset[str]], groups: list[str],
                    max_postings: int = CANDIDATE_MAX_POSTINGS, min_shared: int = 2,
                    focus: Collection[int] | None = None,
                    holding: Mapping[str, int] | None = None) -> Iterator[tuple[int, int]]:
    """Pairs (i, j), i < j, of sets from different `groups` (documents) that share at least
    `min_shared` indexed tokens, found through an inverted index instead of all pairs. With
    `focus` (indices), only the pairs with at least one set in it: the same pairs a full call
    returns that touch `focus`, at the cost of the focus sets only. `holding` (token -> sets
    holding it) counts a corpus of which the sets given are a part: which tokens are indexed is
    then decided by the corpus, and a call given the focus and every set sharing a token with it
    returns the pairs of a call given the corpus.

    Tokens held by more than `max_postings` sets are not indexed: they are too common to tell
    restatements apart, and skipping them keeps the cost linear in the number of sets for a
    fixed cap (each set meets at most `max_postings` others per token).

    The pairs are yielded set by set, never held: there are up to `max_postings` per token of
    every set (text reuse asks for one shared token), hundreds of millions at 10k documents,
    and a list of them was the run's peak memory."""
    postings: dict[str, list[int]] = {}
    for index, tokens in enumerate(token_sets):
        for token in tokens:
            postings.setdefault(token, []).append(index)
    focused = None if focus is None else set(focus)
    for index in (range(len(token_sets)) if focused is None else sorted(focused)):
        shared: Counter[int] = Counter()
        for token in token_sets[index]:
            members = postings[token]
            if (len(members) if holding is None else holding.get(token, 0)) > max_postings:
                continue
            for other in members:
                # each pair once: from its smaller index, or from its only focused member
                ahead = other > index or (focused is not None and other not in focused)
                if ahead and other != index and groups[other] != groups[index]:
                    shared[other] += 1
        for other, count in shared.items():
            if count >= min_shared:
                yield (min(index, other), max(index, other))
