"""The one similarity engine: scores that do not depend on the process."""
from __future__ import annotations

import itertools

from orchestration.core.text.similarity import idf_weights, set_weight


def test_a_sets_weight_is_the_same_whatever_order_its_tokens_come_in():
    # a frozenset's order is the process's string hashing: with free float weights the same set
    # weighed differently in the last bits from one run to the next, enough to tip an exact tie
    # between two stories
    tokens = "harbour workers strike third week union port authority".split()
    idf, unseen = idf_weights([frozenset(tokens[:i]) for i in range(1, len(tokens) + 1)])
    weights = {set_weight(order, idf, unseen) for order in itertools.permutations(tokens)}
    assert len(weights) == 1
