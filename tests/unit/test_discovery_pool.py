"""Claim discovery on every core: the one process's result, and the tokens the workers computed
end up with the step, to be stored."""
from __future__ import annotations

import pytest

from orchestration.core.claims.discovery import _sentence_parts, balanced_groups, discover_claims, story_blocks
from orchestration.core.text import token_cache
from orchestration.core.text.sentences import split_sentences
from orchestration.discovery_pool import discover_on_cores
from tests.unit.sample_bodies import BODIES
from tests.unit.test_stories import assign_stories


@pytest.fixture()
def empty_token_cache():
    token_cache.forget()
    _sentence_parts.cache_clear()      # discovery's own memo of clauses would skip the token cache
    yield
    token_cache.forget()


def test_two_workers_discover_what_one_process_does_and_hand_back_their_tokens(empty_token_cache):
    sentences = {d: split_sentences(t) for d, t in BODIES.items()}
    stories = assign_stories(BODIES)
    assert len(set(stories.values())) >= 2
    token_cache.forget()
    alone = discover_claims(sentences, stories)
    computed_alone = token_cache.computed()
    token_cache.forget()

    # the step holds the sentences' stored tokens (as if primed); clauses are left to the workers
    sentence_texts = {s.text for ss in sentences.values() for s in ss}
    token_cache.remember((kind, key, token_cache.joined(tokens)) for kind, by_key in computed_alone.items()
                         for key, tokens in by_key.items() if key in {token_cache.text_key(t) for t in sentence_texts})
    on_cores = discover_on_cores(story_blocks(sentences, stories), workers=2)

    assert alone[0] and on_cores == alone
    # what the workers computed is the step's now, to be stored: with what it was primed with, all of it
    clauses = token_cache.computed()
    assert clauses["content_tokens"]
    assert {k: set(v) for k, v in clauses.items()} == {
        kind: {key for key in by_key if key not in {token_cache.text_key(t) for t in sentence_texts}}
        for kind, by_key in computed_alone.items()}


def test_story_blocks_are_grouped_once_each_largest_first_into_the_lightest_group():
    sentences = {f"doc-{i}": split_sentences(" ".join(["A sentence about the harbour."] * (i + 1)))
                 for i in range(7)}
    blocks = story_blocks(sentences, {d: f"story-{d}" for d in sentences})
    groups = balanced_groups(blocks, 3)
    assert sorted(b.story_id for g in groups for b in g) == sorted(b.story_id for b in blocks)
    work = sorted(sum(len(ss) for b in g for ss in b.doc_sentences.values()) for g in groups)
    assert work == [9, 9, 10]           # 7+2, 6+3, 5+4+1
    assert len(balanced_groups(blocks[:2], 8)) == 2
