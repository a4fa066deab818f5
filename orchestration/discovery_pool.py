"""Claim discovery on every core: story blocks in groups of about equal work, one group a task of
a process pool (orchestration/pool.py).

Discovery never compares sentences of two stories, so the stories a day's news reaches can be
worked on apart. A worker reads the stored tokens of its own sentences from the warehouse's token
store (tokenising them again would cost more than the worker saves; read by the step for every
worker, they were the largest part of the step's memory) and sends back the tokens it computed
(clauses cut from sentences), which the step stores as if it had computed them. A light module:
the pool's workers import it, and importing the asset module would import Dagster in each (~2 s).
"""
from __future__ import annotations

import os

from orchestration.core.claims.discovery import (
    StoryBlock, balanced_groups, discover_in_block, merged_discoveries,
)
from orchestration.core.text import token_cache
from orchestration.core.types import ClaimMention, ClaimRecord
from orchestration.gc_pause import cyclic_gc_paused
from orchestration.pool import map_isolated
from orchestration.token_store import StoredTokens

# groups per worker: a slow group at the end does not leave the other cores idle for long
GROUPS_PER_WORKER = 4
PRELOAD = (__name__,)

Discovered = tuple[list[ClaimRecord], list[ClaimMention]]


def discover_on_cores(blocks: list[StoryBlock], workers: int, stored: StoredTokens) -> Discovered:
    """Discovery of every story block, on `workers` processes when there are two blocks or more;
    the result is the one process's. The process that discovers a block is primed with the
    `stored` tokens of its sentences. Discovery failing in a story stops the step, as it does in
    one process."""
    if workers < 2 or len(blocks) < 2:
        return discover_in_worker((blocks, stored, os.getpid()))[:2]
    step_pid = os.getpid()
    items = [(group, stored, step_pid) for group in balanced_groups(blocks, workers * GROUPS_PER_WORKER)]
    outcomes = map_isolated(discover_in_worker, items, workers, preload=PRELOAD, min_items_per_worker=1)
    failed = [outcome.error for outcome in outcomes if not outcome.ok]
    if failed:
        raise RuntimeError(f"claim discovery failed in {len(failed)} of {len(items)} groups of stories: {failed[0]}")
    for outcome in outcomes:
        token_cache.absorb(outcome.result[2])
    return merged_discoveries(outcome.result[:2] for outcome in outcomes)


def _texts(blocks: list[StoryBlock]) -> list[str]:
    return [s.text for block in blocks for sentences in block.doc_sentences.values() for s in sentences]


def discover_in_worker(item: tuple[list[StoryBlock], StoredTokens, int]
                       ) -> tuple[list[ClaimRecord], list[ClaimMention], dict[str, dict[str, tuple[str, ...]]]]:
    """Discovery of a group of blocks in a pool worker: (blocks, the token store, the step's pid).
    Primed with the stored tokens of its sentences; returns the tokens it computed besides the
    claims and mentions, and lets go of them all. In the step's own process (a pool of one) the
    token cache is the step's: primed there, and left to the step."""
    blocks, stored, step_pid = item
    if os.getpid() == step_pid:
        token_cache.remember(stored.rows(_texts(blocks)))
        return (*discover_group(blocks), {})
    with cyclic_gc_paused():
        token_cache.remember(stored.rows(_texts(blocks)))
        try:
            return (*discover_group(blocks), token_cache.computed())
        finally:
            token_cache.forget()


def discover_group(blocks: list[StoryBlock]) -> Discovered:
    return merged_discoveries(map(discover_in_block, blocks))
