"""Stories: same-event documents share a stable story id; previous assignments are kept."""
from __future__ import annotations

from collections import Counter

from orchestration.core.text.sentences import split_sentences
from orchestration.core.claims.stories import assign_stories as assign_stories_of_sentences
from orchestration.core.claims.stories import body_counts_of, story_id_for
from tests.unit.sample_bodies import BODIES, OLDER_STORY, SECRET_TALKS


def assign_stories(bodies: dict[str, str], previous: dict[str, str] | None = None) -> dict[str, str]:
    """Stories of bodies, with the sentences the sentences stage would store for them."""
    return assign_stories_of_sentences(body_counts_of(bodies), {d: split_sentences(t) for d, t in bodies.items()},
                                       previous)


def test_the_four_secret_talks_reports_are_one_story_and_the_older_one_another():
    stories = assign_stories(BODIES)
    assert set(stories) == set(BODIES)
    assert len({stories[d] for d in SECRET_TALKS}) == 1
    assert stories[OLDER_STORY] != stories[SECRET_TALKS[0]]
    # Stable, deterministic ids named after the smallest member.
    assert stories[SECRET_TALKS[0]] == story_id_for(min(SECRET_TALKS))
    assert stories[OLDER_STORY] == story_id_for(OLDER_STORY)
    assert assign_stories(dict(reversed(list(BODIES.items())))) == stories


def test_previous_assignments_keep_their_ids_and_new_documents_join_their_neighbours():
    first_docs = {d: BODIES[d] for d in SECRET_TALKS[1:] + (OLDER_STORY,)}
    first = assign_stories(first_docs)
    renamed = {d: ("story-kept-" + s) for d, s in first.items()}   # ids from an older run
    second = assign_stories(BODIES, previous=renamed)
    for d, s in renamed.items():
        assert second[d] == s
    # The added document (smallest id of the four) joins the existing story, not a new one.
    assert second[SECRET_TALKS[0]] == renamed[SECRET_TALKS[1]]


def test_unrelated_and_empty_documents_get_their_own_stories():
    docs = {
        "a": "The city council approved the new budget for road repairs on Tuesday evening.",
        "b": "Scientists found a new species of frog in the rainforest of Borneo last year.",
        "c": "",
    }
    stories = assign_stories(docs)
    assert len(set(stories.values())) == 3
    assert assign_stories({}) == {}


FLOOD = ("Heavy rain flooded the river valley towns overnight and forced evacuations of thousands of residents.",
         "Emergency crews rescued families stranded on rooftops as the water kept rising near the old bridge.",
         "The regional governor declared a state of emergency and requested military helicopters for the rescue.")
ELECTION = ("The opposition candidate won the mayoral election with a narrow margin after a record turnout.",
            "Election officials finished counting the postal ballots late on Sunday in the capital city hall.",
            "The outgoing mayor conceded defeat and congratulated his rival during a brief televised speech.")
# what a scraped page's template leaks into extracted text, on every page of the site
WIDGETS = ("Click to share on Twitter and Facebook with your friends, opens in a new browser window.",
           "Sign up for our daily morning newsletter to receive the top headlines in your email inbox.")


def test_a_document_linked_to_two_stories_joins_one_and_does_not_merge_them():
    docs = {f"flood-{i}": " ".join(FLOOD) for i in range(3)} | {f"vote-{i}": " ".join(ELECTION) for i in range(3)}
    # two pages of one site: each carries its own story and the site's widget lines
    docs["flood-0"] += " " + " ".join(WIDGETS)
    docs["vote-0"] += " " + " ".join(WIDGETS)
    stories = assign_stories(docs)
    assert len({stories[d] for d in docs if d.startswith("flood")}) == 1
    assert len({stories[d] for d in docs if d.startswith("vote")}) == 1
    assert stories["flood-1"] != stories["vote-1"]


def test_links_of_a_focus_given_its_reach_and_the_corpus_counts_are_those_of_a_full_read():
    from orchestration.core.claims.stories import document_links
    from orchestration.core.claims.text_reuse import reach_keys
    from orchestration.core.text.similarity import CorpusTokens
    from orchestration.core.text.token_cache import surface_words, token_set
    # wire copy: every sample reprinted, its lead cut; a flood report and an election report
    bodies = dict(BODIES) | {f"cut_{d}": "\n".join(b.splitlines()[1:]) for d, b in BODIES.items()}
    bodies |= {"flood": " ".join(FLOOD), "vote": " ".join(ELECTION)}
    sentences = {d: split_sentences(t) for d, t in bodies.items()}
    corpus = CorpusTokens.of(token_set(s.text) for d in sorted(sentences) for s in sentences[d])
    partial_reads = 0
    for document_id in sorted(bodies):
        tokens, surfaces = reach_keys([s.text for s in sentences[document_id]], corpus)
        given = {d: [s for s in own if d == document_id or token_set(s.text) & tokens or surface_words(s.text) in surfaces]
                 for d, own in sentences.items()}
        partial_reads += sum(map(len, given.values())) < corpus.sentences
        assert (document_links(body_counts_of(bodies), given, focus={document_id}, corpus=corpus)
                == document_links(body_counts_of(bodies), sentences, focus={document_id})), document_id
    assert partial_reads == len(bodies)


def test_body_links_are_the_cosines_of_tfidf_over_the_token_lists_to_the_last_bit(monkeypatch):
    """Counts made apart (streamed from the token store) weigh each body as scikit-learn's
    TfidfVectorizer over the token lists does: a cosine that moved by a rounding could break a
    tie between two stories the other way."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from orchestration.core.claims import stories
    from orchestration.core.claims.stories import document_links
    from orchestration.core.text.token_cache import token_sequence
    bodies = dict(BODIES) | {"empty": "", "none": None, "reprint": BODIES[SECRET_TALKS[0]],
                             "cut": "\n".join(BODIES[SECRET_TALKS[1]].splitlines()[1:])}
    ids = sorted(bodies)
    matrix = TfidfVectorizer(analyzer=lambda tokens: tokens, sublinear_tf=True).fit_transform(
        [token_sequence(bodies[d] or "") for d in ids])
    cosines = (matrix @ matrix.T).tocoo()
    expected = {(ids[min(i, j)], ids[max(i, j)]): float(v) for i, j, v in zip(cosines.row, cosines.col, cosines.data) if i != j}
    monkeypatch.setattr(stories, "BODY_COSINE", 0.0)      # every pair, not only the links
    assert document_links(body_counts_of(bodies), {}) == expected
    assert body_counts_of({"a": "", "b": None}).counts.shape == (2, 0)


def test_body_counts_are_countvectorizers_entry_for_entry():
    """The same entries in the same order in every row; only the columns are named apart
    (CountVectorizer numbers its tokens in sorted order, these in the order they first appear)."""
    from sklearn.feature_extraction.text import CountVectorizer

    from orchestration.core.text.token_cache import token_sequence
    bodies = dict(BODIES) | {"empty": "", "reprint": BODIES[SECRET_TALKS[0]]}
    token_lists = [token_sequence(bodies[d]) for d in sorted(bodies)]
    vectorizer = CountVectorizer(analyzer=lambda tokens: tokens)
    expected = vectorizer.fit_transform(token_lists)
    first_seen = list(dict.fromkeys(token for tokens in token_lists for token in tokens))
    our_column = {vectorizer.vocabulary_[token]: column for column, token in enumerate(first_seen)}
    counted = body_counts_of(bodies)
    assert counted.document_ids == sorted(bodies) and counted.counts.shape == expected.shape
    assert counted.counts.data.tolist() == expected.data.tolist()
    assert counted.counts.indptr.tolist() == expected.indptr.tolist()
    assert counted.counts.indices.tolist() == [our_column[c] for c in expected.indices.tolist()]


def test_bodies_as_numbers_of_any_vocabulary_count_as_their_tokens():
    """A stored vocabulary numbers tokens in the order a warehouse first met them: counts of
    those numbers are the counts of the tokens (the same columns, entries and order)."""
    import numpy as np

    from orchestration.core.claims.stories import body_counts_of_terms
    from orchestration.core.text.token_cache import token_sequence
    bodies = dict(BODIES) | {"empty": "", "reprint": BODIES[SECRET_TALKS[0]]}
    ids = sorted(bodies)
    counted = [Counter(token_sequence(bodies[d])) for d in ids]
    # numbers of a vocabulary of its own: reverse alphabetical order, with gaps
    tokens = sorted({t for c in counted for t in c}, reverse=True)
    number = {token: 7 + 3 * i for i, token in enumerate(tokens)}
    term_ids = [number[t] for c in counted for t in c]
    counts = [n for c in counted for n in c.values()]
    row_ends = np.cumsum([len(c) for c in counted])
    got = body_counts_of_terms(ids, row_ends, np.array(term_ids), np.array(counts))
    expected = body_counts_of(bodies)
    assert got.document_ids == expected.document_ids and got.counts.shape == expected.counts.shape
    for array in ("data", "indices", "indptr"):
        assert getattr(got.counts, array).tolist() == getattr(expected.counts, array).tolist(), array


def test_a_repeated_document_counts_once_and_bodies_out_of_order_are_refused():
    import pytest

    from orchestration.core.claims.stories import body_counts
    once = body_counts([("a", ("x", "y")), ("b", ("y",))])
    twice = body_counts([("a", ("x", "y")), ("a", ("z",)), ("b", ("y",))])
    assert twice.document_ids == once.document_ids == ["a", "b"]
    assert twice.counts.toarray().tolist() == once.counts.toarray().tolist()
    with pytest.raises(ValueError, match="not in document order"):
        body_counts([("b", ("y",)), ("a", ("x",))])
