"""Connected components of a graph over items 0..n-1 (scipy's csgraph, not a hand-written union-find)."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def connected_groups(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """The components of the undirected graph on 0..n-1, each as its sorted members, ordered by
    their smallest member (so the result does not depend on the order of `edges`)."""
    if n == 0:
        return []
    pairs = np.array(list(edges) or [(0, 0)], dtype=np.int64).reshape(-1, 2)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for item, label in enumerate(labels):
        groups.setdefault(int(label), []).append(item)
    return sorted(groups.values(), key=lambda members: members[0])
