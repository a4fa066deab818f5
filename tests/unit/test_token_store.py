"""Tokens and words kept between runs by the hash of their text (orchestration/token_store.py), on a real
DuckDB file."""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from orchestration import token_store
from orchestration.core.claims.stories import BodyCounts, body_counts_of
from orchestration.core.text import token_cache
from orchestration.core.text.tokens import content_tokens, words
from orchestration.token_store import TEXT_TOKENS_TABLE, prime_tokens, store_tokens

TEXTS = ["The United States held secret talks with Hamas for six months.",
         "Officials in Qatar denied the report on Tuesday.",
         "..."]                                   # no content token: stored as the empty string


@pytest.fixture(autouse=True)
def empty_cache():
    token_cache.forget()
    yield
    token_cache.forget()


def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    conn.execute("CREATE SCHEMA raw")
    conn.execute("CREATE TABLE raw.sentences (text VARCHAR)")
    conn.executemany("INSERT INTO raw.sentences VALUES (?)", [[t] for t in TEXTS + [None]])
    return conn


def test_a_text_tokenised_once_is_read_back_by_the_next_run_and_not_tokenised_again(tmp_path: Path, monkeypatch):
    conn = warehouse(tmp_path)
    assert prime_tokens(conn, "SELECT text FROM raw.sentences") == 0          # no table yet
    first = [token_cache.token_sequence(t) for t in TEXTS]
    surfaces = [token_cache.surface_words(t) for t in TEXTS]
    assert first == [tuple(content_tokens(t)) for t in TEXTS]
    assert surfaces == [tuple(words(t)) for t in TEXTS]
    assert store_tokens(conn) == 2 * len(TEXTS)
    # the stage is done: nothing is held any more
    assert token_cache.computed() == {"content_tokens": {}, "words": {}}
    assert token_cache.token_sequence.cache_info().currsize == 0

    def no_tokenising(text):
        raise AssertionError(f"tokenised again: {text!r}")

    monkeypatch.setattr(token_cache, "ANALYSES", {kind: no_tokenising for kind in token_cache.ANALYSES})
    assert prime_tokens(conn, "SELECT text FROM raw.sentences") == 2 * len(TEXTS)
    assert [token_cache.token_sequence(t) for t in TEXTS] == first
    assert [token_cache.token_set(t) for t in TEXTS] == [frozenset(t) for t in first]
    assert [token_cache.surface_words(t) for t in TEXTS] == surfaces
    # nothing new to store, and keys already stored are not stored twice
    assert store_tokens(conn) == 0
    assert conn.execute(f"SELECT count(*) FROM {TEXT_TOKENS_TABLE}").fetchone()[0] == 2 * len(TEXTS)


def test_a_token_read_back_or_computed_is_one_string_wherever_it_occurs(tmp_path: Path):
    """Tokens are interned (a vocabulary spread over millions of slots): the same word in two
    texts, read back from the store or computed, is one object."""
    conn = warehouse(tmp_path)
    computed = [token_cache.token_sequence(t) for t in TEXTS[:2]]
    store_tokens(conn)
    prime_tokens(conn, "SELECT text FROM raw.sentences")
    read_back = [token_cache.token_sequence(t) for t in TEXTS[:2]]
    for tokens in (*computed, *read_back):
        assert all(token is sys.intern(token) for token in tokens), tokens
    assert read_back == computed


def test_body_counts_are_read_back_where_stored_and_computed_where_not(tmp_path: Path, monkeypatch):
    """Story links count every body's tokens: the stored counts are read without the text, only the
    texts never stored are tokenised (a reprint once), a NULL text has none, and the counts are
    those of the texts (stories.body_counts_of), whichever run numbered their terms."""
    conn = warehouse(tmp_path)
    conn.execute("CREATE TABLE raw.bodies AS SELECT 'd' || row_number() OVER () AS id, text FROM raw.sentences")
    rows = "SELECT id, text FROM raw.bodies"
    texts = dict(conn.execute(rows).fetchall())
    before_any_store, new = token_store.body_token_counts(conn, rows)     # no table yet: all computed
    assert_same_counts(before_any_store, body_counts_of(texts))
    assert None in texts.values() and before_any_store.counts.nnz
    assert token_store.store_body_terms(conn, new) == len({t for t in texts.values() if t is not None})
    added = {"new": "Hamas denied the report of talks in Doha.", "reprint": "Hamas denied the report of talks in Doha."}
    conn.executemany("INSERT INTO raw.bodies VALUES (?, ?)", list(added.items()))
    tokenised = []

    def counting(text):
        tokenised.append(text)
        return content_tokens(text)

    monkeypatch.setattr(token_store.tokens, "content_tokens", counting)
    again, new = token_store.body_token_counts(conn, rows)
    assert tokenised == [added["new"]]
    assert_same_counts(again, body_counts_of(texts | added))
    assert set(new.vocabulary) == {"doha"} and new.text_keys == [token_cache.text_key(added["new"])]
    assert token_store.store_body_terms(conn, new) == 1
    tokenised.clear()
    assert_same_counts(token_store.body_token_counts(conn, rows)[0], body_counts_of(texts | added))
    assert tokenised == []


def test_bodies_whose_tokens_an_older_run_stored_are_counted_from_them_not_tokenised_again(tmp_path: Path, monkeypatch):
    """A warehouse of older code holds the bodies' joined tokens, not their counts: its first
    run counts those, as a run of that code read them."""
    conn = warehouse(tmp_path)
    conn.execute("CREATE TABLE raw.bodies AS SELECT 'd' || row_number() OVER () AS id, text FROM raw.sentences")
    rows = "SELECT id, text FROM raw.bodies"
    texts = dict(conn.execute(rows).fetchall())
    for text in texts.values():
        if text is not None:
            token_cache.token_sequence(text)
    store_tokens(conn)
    monkeypatch.setattr(token_store.tokens, "content_tokens", lambda text: pytest.fail(f"tokenised {text!r}"))
    counted, new = token_store.body_token_counts(conn, rows)
    assert_same_counts(counted, body_counts_of(texts))
    assert len(new.text_keys) == len({t for t in texts.values() if t is not None})


def test_numbers_another_writer_took_meanwhile_are_not_stored(tmp_path: Path):
    """Term numbers are given out on a read-only connection; a number stored since is not given
    twice: that run's counts are not stored (the next run counts those bodies again)."""
    conn = warehouse(tmp_path)
    conn.execute("CREATE TABLE raw.bodies AS SELECT 'd' || row_number() OVER () AS id, text FROM raw.sentences")
    rows = "SELECT id, text FROM raw.bodies"
    _, first = token_store.body_token_counts(conn, rows)
    _, second = token_store.body_token_counts(conn, rows)
    assert token_store.store_body_terms(conn, first) > 0
    assert token_store.store_body_terms(conn, second) == 0
    stored = conn.execute(f"SELECT count(*), count(DISTINCT term), count(DISTINCT term_id) "
                          f"FROM {token_store.BODY_VOCABULARY_TABLE}").fetchone()
    assert stored == (len(first.vocabulary),) * 3


def assert_same_counts(got: BodyCounts, expected: BodyCounts) -> None:
    """The same documents, vocabulary and entries, each row's in the same order (its TF-IDF
    weights sum in that order)."""
    assert got.document_ids == expected.document_ids
    assert got.counts.shape == expected.counts.shape
    for array in ("data", "indices", "indptr"):
        assert getattr(got.counts, array).tolist() == getattr(expected.counts, array).tolist(), array


def test_only_the_texts_asked_for_are_primed_and_a_new_text_is_added(tmp_path: Path):
    conn = warehouse(tmp_path)
    token_cache.token_sequence(TEXTS[0])
    store_tokens(conn)
    assert prime_tokens(conn, "SELECT text FROM raw.sentences WHERE text LIKE 'Officials%'") == 0
    assert prime_tokens(conn, "SELECT text FROM raw.sentences") == 1
    token_cache.token_sequence(TEXTS[0])
    token_cache.token_sequence(TEXTS[1])
    assert list(token_cache.computed()["content_tokens"]) == [token_cache.text_key(TEXTS[1])]
    assert store_tokens(conn) == 1


def test_another_tokenizer_reads_nothing_of_the_old_one_and_drops_its_rows(tmp_path: Path, monkeypatch):
    conn = warehouse(tmp_path)
    [token_cache.token_sequence(t) for t in TEXTS]
    store_tokens(conn)
    monkeypatch.setattr(token_store, "tokenizer_version", lambda: "a changed synonyms.yaml")
    assert prime_tokens(conn, "SELECT text FROM raw.sentences") == 0
    store_tokens(conn)
    assert conn.execute(f"SELECT count(*) FROM {TEXT_TOKENS_TABLE}").fetchone()[0] == 0


def test_the_key_is_duckdbs_md5_of_the_text():
    text = "Ünïcode — and a quote ’ here"
    assert duckdb.sql("SELECT md5(?)", params=[text]).fetchone()[0] == token_cache.text_key(text)


def test_a_table_written_by_older_code_is_replaced_not_a_reason_to_fail(tmp_path: Path):
    # the store before it kept surface words had no `analysis` column (f35fe0f): a warehouse
    # upgraded under it failed its stories and text-reuse steps with a binder error
    conn = warehouse(tmp_path)
    conn.execute("CREATE SCHEMA pipeline")
    conn.execute(f"CREATE TABLE {TEXT_TOKENS_TABLE} (tokenizer_version VARCHAR, text_key VARCHAR, tokens VARCHAR)")
    conn.execute(f"INSERT INTO {TEXT_TOKENS_TABLE} VALUES (?, 'k', 'old')", [token_store.tokenizer_version()])
    assert prime_tokens(conn, "SELECT text FROM raw.sentences") == 0
    expected = [tuple(content_tokens(t)) for t in TEXTS]
    assert [token_cache.token_sequence(t) for t in TEXTS] == expected
    assert store_tokens(conn) == len(TEXTS)
    postings, unnested = postings_and_unnested(conn)
    assert postings == unnested and postings
    assert prime_tokens(conn, "SELECT text FROM raw.sentences") == len(TEXTS)
    assert [token_cache.token_sequence(t) for t in TEXTS] == expected


@pytest.mark.parametrize("postings", ["stored", "not built yet"])
def test_the_stored_tokens_count_a_corpus_as_reading_it_would_and_find_what_a_focus_reaches(tmp_path: Path,
                                                                                            postings: str):
    from orchestration.core.text.similarity import CorpusTokens
    from orchestration.token_store import sentence_index
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    conn.execute("CREATE SCHEMA raw")
    conn.execute("CREATE TABLE raw.sentences (document_id VARCHAR, text VARCHAR)")
    # a text twice (a reprint), a text with no content token
    rows = [("a", TEXTS[0]), ("b", TEXTS[0]), ("b", TEXTS[1]), ("c", TEXTS[2])]
    conn.executemany("INSERT INTO raw.sentences VALUES (?, ?)", rows)
    sentences = "SELECT document_id, text FROM raw.sentences"
    with sentence_index(conn, sentences) as index:
        assert index is None                                                      # no store yet
    for _, text in rows[:3]:
        token_cache.token_set(text)
    store_tokens(conn)
    with sentence_index(conn, sentences) as index:
        assert index is None                                                      # words, and c, not stored
    for text in TEXTS:
        token_cache.token_set(text), token_cache.surface_words(text)
    store_tokens(conn)
    if postings == "not built yet":     # a warehouse of older code, before any store_tokens
        conn.execute(f"DROP TABLE {token_store.POSTINGS_TABLE}")
    conn.close()
    key = token_cache.text_key
    # what a stage does: read-only, temporary tables only, gone afterwards
    conn = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    with sentence_index(conn, sentences) as index:
        read = CorpusTokens.of(token_cache.token_set(text) for _, text in rows)
        assert index.counts == read and (read.sentences, read.sentences_with_tokens) == (4, 3)
        assert all(index.counts.holding[token] == 2 for token in token_cache.token_set(TEXTS[0]))     # a and b
        assert index.texts_sharing({"qatar"}, set()) == {key(TEXTS[1])}
        assert index.texts_sharing({"qatar", *token_cache.token_set(TEXTS[0])}, set()) == {key(TEXTS[0]), key(TEXTS[1])}
        assert index.texts_sharing(set(), {token_cache.surface_words(TEXTS[1])}) == {key(TEXTS[1])}
        assert index.texts_sharing(set(), set()) == set()
    # a stored text the query does not select is not reached
    with sentence_index(conn, sentences + " WHERE document_id = 'a'") as index:
        assert index.texts_sharing({"qatar"}, {token_cache.surface_words(TEXTS[1])}) == set()
        assert index.counts == CorpusTokens.of([token_cache.token_set(TEXTS[0])])
    assert conn.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0


def postings_and_unnested(conn: duckdb.DuckDBPyConnection) -> tuple[list, list]:
    """The stored postings, and the stored content tokens unnested, each sorted."""
    postings = conn.execute(f"SELECT * FROM {token_store.POSTINGS_TABLE} ORDER BY ALL").fetchall()
    unnested = sorted((version, key, token) for version, key, joined in conn.execute(
        f"SELECT tokenizer_version, text_key, tokens FROM {TEXT_TOKENS_TABLE} WHERE analysis = 'content_tokens'"
    ).fetchall() for token in set(token_cache.split(joined)))
    return postings, unnested


def test_the_postings_hold_every_stored_text_s_content_tokens(tmp_path: Path, monkeypatch):
    conn = warehouse(tmp_path)
    token_cache.token_set(TEXTS[0])
    store_tokens(conn)
    token_cache.token_set(TEXTS[0]), token_cache.token_set(TEXTS[1]), token_cache.surface_words(TEXTS[2])
    store_tokens(conn)                                        # TEXTS[0] again: stored once
    postings, unnested = postings_and_unnested(conn)
    assert postings == unnested and len(postings) == len(set(content_tokens(TEXTS[0]) + content_tokens(TEXTS[1])))
    # postings a warehouse of older code never built are built from the stored tokens
    conn.execute(f"DROP TABLE {token_store.POSTINGS_TABLE}")
    store_tokens(conn)
    assert postings_and_unnested(conn) == (postings, unnested)
    # a new tokenizer drops both
    monkeypatch.setattr(token_store, "tokenizer_version", lambda: "a changed synonyms.yaml")
    token_cache.token_set(TEXTS[1])
    store_tokens(conn)
    postings, unnested = postings_and_unnested(conn)
    assert postings == unnested and {version for version, _, _ in postings} == {"a changed synonyms.yaml"}


def test_a_store_that_fails_half_way_leaves_neither_tokens_nor_postings(tmp_path: Path, monkeypatch):
    conn = warehouse(tmp_path)
    token_cache.token_set(TEXTS[0])
    store_tokens(conn)
    before = postings_and_unnested(conn)
    added = token_store._add_tokens

    def dies_after_writing(*args):
        added(*args)
        raise RuntimeError("the disk filled up")

    monkeypatch.setattr(token_store, "_add_tokens", dies_after_writing)
    token_cache.token_set(TEXTS[1])
    with pytest.raises(RuntimeError, match="the disk filled up"):
        store_tokens(conn)
    assert postings_and_unnested(conn) == before
