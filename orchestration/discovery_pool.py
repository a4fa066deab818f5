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
from dataclasses import dataclass, replace

import duckdb
import pandas as pd

from orchestration.core.claims.discovery import (
    StoryBlock, balanced_groups, discover_in_block, mentions_by_claim, merged_discoveries, seed_mentions,
)
from orchestration.core.text import token_cache
from orchestration.core.types import ClaimMention, ClaimRecord
from orchestration.gc_pause import cyclic_gc_paused
from orchestration.pool import map_isolated
from orchestration.token_store import StoredTokens
from orchestration.warehouse import RAW_SCHEMA

# groups per worker: a slow group at the end does not leave the other cores idle for long
GROUPS_PER_WORKER = 4
PRELOAD = (__name__,)

Discovered = tuple[list[ClaimRecord], list[ClaimMention]]
_SEED_IDS = "seed_claim_ids"


@dataclass(frozen=True)
class StoredClaimSentences:
    """The claim sentences of a warehouse file, read by the process that extends a story: the
    step need not hold them (650k on a 1% day at 100k dumps, ~230 MB as records, held once by the
    step and again by the workers it sent them to)."""
    database: str

    def of_claims(self, claim_ids: list[str]) -> list[ClaimMention]:
        """The sentences stating `claim_ids` in their own language (a cross-language mention is
        made again after discovery)."""
        if not claim_ids:
            return []
        conn = duckdb.connect(self.database, read_only=True)
        try:
            conn.register(_SEED_IDS, pd.DataFrame({"claim_id": pd.Series(claim_ids, dtype="object")}))
            rows = conn.execute(
                f"SELECT claim_id, document_id, sentence_seq, similarity FROM {RAW_SCHEMA}.claim_sentences "
                f"WHERE NOT cross_language AND claim_id IN (SELECT claim_id FROM {_SEED_IDS})").fetchall()
        finally:
            conn.close()
        # one string per id, as discovery's own mentions share them: each row's own copies, sent
        # back to the step with the story's other mentions, are two more strings per mention there
        same: dict[str, str] = {}
        return [ClaimMention(same.setdefault(claim_id, claim_id), same.setdefault(document_id, document_id), seq,
                             similarity) for claim_id, document_id, seq, similarity in rows]


def with_seed_mentions(blocks: list[StoryBlock], stored: StoredClaimSentences) -> list[StoryBlock]:
    """The blocks of stories to extend, given their claims' stored sentences."""
    by_claim = mentions_by_claim(stored.of_claims([r.claim_id for block in blocks if block.settled
                                                   for r in block.seeds]))
    return [replace(block, seed_mentions=seed_mentions(block.seeds, by_claim)) if block.settled else block
            for block in blocks]


def discover_on_cores(blocks: list[StoryBlock], workers: int, stored: StoredTokens,
                      claim_sentences: StoredClaimSentences) -> Discovered:
    """Discovery of every story block, on `workers` processes when there are two blocks or more;
    the result is the one process's. The process that discovers a block is primed with the
    `stored` tokens of its sentences, and reads the stored `claim_sentences` of the stories it
    extends. Discovery failing in a story stops the step, as it does in one process."""
    if workers < 2 or len(blocks) < 2:
        return discover_in_worker((blocks, stored, claim_sentences, os.getpid()))[:2]
    step_pid = os.getpid()
    items = [(group, stored, claim_sentences, step_pid)
             for group in balanced_groups(blocks, workers * GROUPS_PER_WORKER)]
    outcomes = map_isolated(discover_in_worker, items, workers, preload=PRELOAD, min_items_per_worker=1)
    failed = [outcome.error for outcome in outcomes if not outcome.ok]
    if failed:
        raise RuntimeError(f"claim discovery failed in {len(failed)} of {len(items)} groups of stories: {failed[0]}")
    for outcome in outcomes:
        token_cache.absorb(outcome.result[2])
    return merged_discoveries(outcome.result[:2] for outcome in outcomes)


def _texts(blocks: list[StoryBlock]) -> list[str]:
    return [s.text for block in blocks for sentences in block.doc_sentences.values() for s in sentences]


def discover_in_worker(item: tuple[list[StoryBlock], StoredTokens, StoredClaimSentences, int]
                       ) -> tuple[list[ClaimRecord], list[ClaimMention], dict[str, dict[str, tuple[str, ...]]]]:
    """Discovery of a group of blocks in a pool worker: (blocks, the token store, the claim
    sentences, the step's pid). Primed with the stored tokens of its sentences; returns the
    tokens it computed besides the claims and mentions, and lets go of them all. In the step's
    own process (a pool of one) the token cache is the step's: primed there, and left to the step."""
    blocks, stored, claim_sentences, step_pid = item
    blocks = with_seed_mentions(blocks, claim_sentences)
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
