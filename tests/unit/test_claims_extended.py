"""A story that received documents is extended (discovery.extend_story): its claims and the
settled documents' mentions stay, and only the new documents' sentences are compared."""
from __future__ import annotations

from orchestration.core.claims.discovery import discover_claims, discover_in_block, settled_documents, story_blocks
from orchestration.core.text.sentences import split_sentences

TALKS = "Officials held secret talks with the rebels in Geneva for three months before the ceasefire."
FROZEN = "The central bank froze the accounts of two rebel commanders in Zurich on Tuesday morning."
WEATHER = "Heavy snowfall closed the mountain passes across the Alps and railway lines in three cantons."
DAY_ONE = {
    "a": f"{TALKS} {WEATHER}",
    "b": f"Officials have held secret talks with the rebels in Geneva over three months, sources said. {FROZEN}",
}
STORY = "story-1"


def sentences_of(bodies: dict[str, str]) -> dict:
    return {d: split_sentences(b) for d, b in bodies.items()}


def extended(first: dict[str, str], added: dict[str, str]):
    """Discovery of `first`, then of `added` extending it: (first claims, first mentions, result)."""
    everything = {**first, **added}
    stories = {d: STORY for d in everything}
    claims, mentions = discover_claims(sentences_of(first), stories)
    settled = settled_documents(stories, todo=added, first_time=added)
    [block] = story_blocks(sentences_of(everything), stories, claims, settled, mentions)
    assert block.settled == frozenset(first)
    return claims, mentions, discover_in_block(block)


def test_a_new_restatement_joins_the_claim_which_keeps_its_id_text_and_mentions():
    claims, mentions, (claims_after, mentions_after) = extended(DAY_ONE, {"c": f"Sources said: {TALKS}"})
    [talks] = [c for c in claims if "secret talks" in c.claim_text]
    assert set(claims) <= set(claims_after)      # every claim kept as it was, none merged
    assert set(mentions) <= set(mentions_after)
    assert {(m.document_id, m.sentence_seq) for m in mentions_after if m.claim_id == talks.claim_id} == {
        ("a", 0), ("b", 0), ("c", 0)}


def test_a_new_reprint_of_a_settled_sentence_no_claim_held_makes_a_claim_of_both():
    claims, _, (claims_after, mentions_after) = extended(DAY_ONE, {"c": f"{WEATHER} Trains were cancelled."})
    assert not any("snowfall" in c.claim_text for c in claims)
    [snow] = [c for c in claims_after if "snowfall" in c.claim_text]
    assert {m.document_id for m in mentions_after if m.claim_id == snow.claim_id} == {"a", "c"}
    assert len(claims_after) == len(claims) + 1


def test_a_new_document_stating_nothing_of_the_story_changes_nothing():
    claims, mentions, after = extended(DAY_ONE, {"c": "Prices of olive oil rose again in the southern markets."})
    assert after == (claims, sorted(mentions, key=lambda m: (m.claim_id, m.document_id, m.sentence_seq)))


def test_stories_with_a_changed_or_lost_document_or_that_more_than_double_are_discovered_again():
    story_of = {"a": "s1", "b": "s1", "c": "s1", "d": "s2", "e": "s2", "f": "s3", "g": "s3", "h": "s3"}
    # s1 received c; s2 received e but d changed; s3 received g and h onto f alone
    todo = {"c", "d", "e", "g", "h"}
    assert settled_documents(story_of, todo, first_time={"c", "e", "g", "h"}) == {"a", "b"}
    assert settled_documents(story_of, todo, first_time={"c", "e", "g", "h"}, rediscovered={"s1"}) == set()
    # a story that receives as many documents as it holds is still extended
    assert settled_documents({"a": "s1", "b": "s1"}, {"b"}, {"b"}) == {"a"}
