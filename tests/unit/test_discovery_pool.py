"""Claim discovery on every core: the one process's result, and the tokens the workers computed
end up with the step, to be stored."""
from __future__ import annotations

import duckdb
import pytest

from orchestration.core.claims.discovery import (
    _sentence_parts, balanced_groups, discover_claims, discover_in_block, merged_discoveries, settled_documents,
    story_blocks,
)
from orchestration.core.text import token_cache
from orchestration.core.text.sentences import split_sentences
from orchestration.core.types import ClaimSentenceRow
from orchestration.discovery_pool import StoredClaimSentences, discover_on_cores
from orchestration.token_store import StoredTokens, store_tokens
from orchestration.warehouse import replace_raw_table
from tests.unit.sample_bodies import BODIES
from tests.unit.test_stories import assign_stories


@pytest.fixture()
def empty_token_cache():
    token_cache.forget()
    _sentence_parts.cache_clear()      # discovery's own memo of clauses would skip the token cache
    yield
    token_cache.forget()


@pytest.mark.parametrize("workers", [2, 1])
def test_workers_discover_what_one_process_does_from_the_stored_tokens(empty_token_cache, tmp_path, workers):
    sentences = {d: split_sentences(t) for d, t in BODIES.items()}
    stories = assign_stories(BODIES)
    assert len(set(stories.values())) >= 2
    token_cache.forget()
    alone = discover_claims(sentences, stories)
    computed_alone = token_cache.computed()
    token_cache.forget()

    # the warehouse's token store holds the sentences' tokens (an earlier stage stored them); the
    # workers read them there, and the clauses are left to them
    sentence_texts = {s.text for ss in sentences.values() for s in ss}
    sentence_keys = {token_cache.text_key(t) for t in sentence_texts}
    token_cache.absorb({kind: {key: tokens for key, tokens in by_key.items() if key in sentence_keys}
                        for kind, by_key in computed_alone.items()})
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as conn:
        assert store_tokens(conn) > 0
    _sentence_parts.cache_clear()
    on_cores = discover_on_cores(story_blocks(sentences, stories), workers=workers, stored=StoredTokens(str(database)),
                                 claim_sentences=StoredClaimSentences(str(database)))

    assert alone[0] and on_cores == alone
    # what the workers computed is the step's now, to be stored: the clauses cut from sentences,
    # not the sentences' tokens, which they read
    clauses = token_cache.computed()
    assert clauses["content_tokens"]
    assert {k: set(v) for k, v in clauses.items()} == {
        kind: {key for key in by_key if key not in sentence_keys} for kind, by_key in computed_alone.items()}


def test_story_blocks_are_grouped_once_each_largest_first_into_the_lightest_group():
    sentences = {f"doc-{i}": split_sentences(" ".join(["A sentence about the harbour."] * (i + 1)))
                 for i in range(7)}
    blocks = story_blocks(sentences, {d: f"story-{d}" for d in sentences})
    groups = balanced_groups(blocks, 3)
    assert sorted(b.story_id for g in groups for b in g) == sorted(b.story_id for b in blocks)
    work = sorted(sum(len(ss) for b in g for ss in b.doc_sentences.values()) for g in groups)
    assert work == [9, 9, 10]           # 7+2, 6+3, 5+4+1
    assert len(balanced_groups(blocks[:2], 8)) == 2


@pytest.mark.parametrize("workers", [2, 1])
def test_workers_extend_stories_from_the_stored_claim_sentences(tmp_path, workers):
    """The step sends the stories to extend without their claims' sentences; the process that
    extends a story reads them from the warehouse, and finds what one process given them finds."""
    sentences = {d: split_sentences(t) for d, t in BODIES.items()}
    stories = assign_stories(BODIES)
    added = {max(d for d in BODIES if stories[d] == story) for story in set(stories.values())}
    first = {d: s for d, s in sentences.items() if d not in added}
    claims, mentions = discover_claims(first, stories)
    assert claims
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as conn:
        replace_raw_table(conn, "claim_sentences", [ClaimSentenceRow.of(m) for m in mentions])
    settled = settled_documents(stories, todo=added, first_time=added)
    assert settled

    given = merged_discoveries(map(discover_in_block, story_blocks(sentences, stories, claims, settled, mentions)))
    on_cores = discover_on_cores(story_blocks(sentences, stories, claims, settled), workers=workers,
                                 stored=StoredTokens(str(database)), claim_sentences=StoredClaimSentences(str(database)))
    assert on_cores == given
    assert set(mentions) <= set(given[1])
