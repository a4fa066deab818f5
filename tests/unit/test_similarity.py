"""The one similarity engine: scores that do not depend on the process."""
from __future__ import annotations

import itertools

from orchestration.core.text.similarity import set_weight


def test_a_sets_weight_is_the_same_whatever_order_its_tokens_come_in():
    # a frozenset's order is the process's string hashing: with a plain float sum the same two
    # sets scored differently in the last bits from one run to the next (0.6 or 0.6000000000000001
    # here), enough to tip an exact tie between two stories
    idf = {"a": 0.1, "b": 0.2, "c": 0.3}
    assert {set_weight(order, idf, 1.0) for order in itertools.permutations("abc")} == {0.6}
