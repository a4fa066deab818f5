"""Content tokens and surface words kept between runs, by the hash of their text.

The corpus stages read the whole archive on every run that has news (a new document may join
any story or repeat any sentence of any other), and tokenising every sentence and body again
was two thirds of the stories step of a nightly run at 10k bench dumps. Tokens are a pure
function of the text and the tokenizer (tokens.py and its synonyms), so they are kept in
pipeline.text_tokens of the live warehouse, beside the stance labels, under the tokenizer's
code version; a stage primes core.text.token_cache with the tokens of the texts it reads and
stores those it had to compute. A new tokenizer version drops the old rows. Texts of documents
that left stay until then: a few rows, never wrong (a key is its text's hash).

Bodies are kept counted instead (pipeline.body_terms, numbered by pipeline.body_vocabulary): the
stories step reads every body's counts on every run with news, and splitting and counting the
joined tokens of every body again was most of that read (docs/decisions/0033-body-terms.md).

The stored tokens are also the archive's statistics in DuckDB: stories and text reuse count how
many sentences hold each token (sentence_index) and find the texts a new document's sentences
can reach (texts_sharing) there, and read only those into Python
(docs/decisions/0021-text-reuse-reach.md). For that, each stored text's distinct content tokens
are kept one per row (pipeline.text_token_postings), added with the tokens in one transaction.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.core.claims.stories import BodyCounts, TermCounts, body_counts_of_terms
from orchestration.core.text.similarity import CorpusTokens
from orchestration.core.text import token_cache, tokens
from orchestration.lake import LEDGER_SCHEMA
from orchestration.warehouse import ensure_cache_table, has_columns
from orchestration.versions import code_version

_TEXT_TOKENS = "text_tokens"
TEXT_TOKENS_TABLE = f"{LEDGER_SCHEMA}.{_TEXT_TOKENS}"
_COLUMNS = {"tokenizer_version": "VARCHAR", "analysis": "VARCHAR", "text_key": "VARCHAR", "tokens": "VARCHAR"}
_INCOMING = "incoming_text_tokens"
# The stored texts' content tokens one per row (each text's distinct tokens): what the corpus
# stages' sentence index reads. Unnested from the joined tokens on every read, they were half of
# building that index, twice a run (stories, text reuse): 0.9 of 1.7 s at 100k bench dumps.
_POSTINGS = "text_token_postings"
POSTINGS_TABLE = f"{LEDGER_SCHEMA}.{_POSTINGS}"
_POSTINGS_COLUMNS = {"tokenizer_version": "VARCHAR", "text_key": "VARCHAR", "token": "VARCHAR"}


def tokenizer_version() -> str:
    return code_version(tokens.__name__)


def prime_tokens(conn: duckdb.DuckDBPyConnection, texts_sql: str) -> int:
    """Prime the token cache with the stored tokens of the texts `texts_sql` selects (one
    column, `text`; read-only safe). Returns how many (analysis, text) rows it primed."""
    return prime_tokens_of_keys(conn, f"SELECT md5(text) FROM ({texts_sql}) WHERE text IS NOT NULL")


def prime_tokens_of_keys(conn: duckdb.DuckDBPyConnection, keys_sql: str) -> int:
    """prime_tokens of the texts whose keys (token_cache.text_key) `keys_sql` selects (one column)."""
    if not has_columns(conn, _TEXT_TOKENS, LEDGER_SCHEMA, _COLUMNS):
        return 0
    rows = conn.execute(f"""
        SELECT t.analysis, t.text_key, t.tokens FROM {TEXT_TOKENS_TABLE} t
        WHERE t.tokenizer_version = ? AND t.text_key IN ({keys_sql})""", [tokenizer_version()]).fetchall()
    token_cache.remember(rows)
    return len(rows)


_WANTED_KEYS = "wanted_text_keys"


@dataclass(frozen=True)
class StoredTokens:
    """The token store of a warehouse file, read by a process of its own (a pool worker opens it
    read-only), so the step need not hold the tokens of every text its workers are given."""
    database: str

    def rows(self, texts: Iterable[str]) -> list[tuple[str, str, str]]:
        """(analysis, text key, joined tokens) stored for `texts`: what token_cache.remember takes."""
        keys = sorted({token_cache.text_key(text) for text in texts})
        if not keys:
            return []
        conn = duckdb.connect(self.database, read_only=True)
        try:
            if not has_columns(conn, _TEXT_TOKENS, LEDGER_SCHEMA, _COLUMNS):
                return []
            conn.register(_WANTED_KEYS, pd.DataFrame({"text_key": pd.Series(keys, dtype="object")}))
            return conn.execute(f"""
                SELECT analysis, text_key, tokens FROM {TEXT_TOKENS_TABLE}
                WHERE tokenizer_version = ? AND text_key IN (SELECT text_key FROM {_WANTED_KEYS})""",
                                [tokenizer_version()]).fetchall()
        finally:
            conn.close()


_BODY_TERMS, _BODY_VOCABULARY = "body_terms", "body_vocabulary"
BODY_TERMS_TABLE, BODY_VOCABULARY_TABLE = f"{LEDGER_SCHEMA}.{_BODY_TERMS}", f"{LEDGER_SCHEMA}.{_BODY_VOCABULARY}"
# a body's content tokens, counted: each token once, by its number in the vocabulary, in the
# order it first appears in the body (stories.body_counts_of_terms)
_BODY_TERMS_COLUMNS = {"tokenizer_version": "VARCHAR", "text_key": "VARCHAR", "term_ids": "INTEGER[]",
                       "counts": "INTEGER[]"}
_VOCABULARY_COLUMNS = {"tokenizer_version": "VARCHAR", "term": "VARCHAR", "term_id": "INTEGER"}
_NEW_TERMS, _NEW_BODIES = "incoming_body_vocabulary", "incoming_body_terms"
_UNCOUNTED, _UNCOUNTED_ROWS = "uncounted_body_keys", "uncounted_body_rows"
# rows read back at a time when bodies are counted: the texts (or joined tokens) of 100k bodies
# are ~300 MB as one result
_BODY_ROWS_PER_FETCH = 10_000


@dataclass(frozen=True)
class NewBodyTerms:
    """The bodies body_token_counts counted because the store did not hold them, for
    store_body_terms: body i is text_keys[i], its term numbers and counts at
    term_ids[ends[i-1]:ends[i]] and counts[...]; `vocabulary` the terms numbered for them."""
    tokenizer_version: str
    text_keys: list[str]
    ends: np.ndarray
    term_ids: np.ndarray
    counts: np.ndarray
    vocabulary: dict[str, int]


def body_token_counts(conn: duckdb.DuckDBPyConnection, rows_sql: str) -> tuple[BodyCounts, NewBodyTerms]:
    """The content tokens of the text `rows_sql` selects for each id (columns `id`, `text`),
    counted (stories.BodyCounts): read back as numbers where an earlier run stored the text's
    counts, so neither the text nor its tokens leave DuckDB; counted here otherwise, and returned
    to be stored (store_body_terms). A NULL text has no tokens."""
    version = tokenizer_version()
    if has_columns(conn, _BODY_TERMS, LEDGER_SCHEMA, _BODY_TERMS_COLUMNS):
        table = conn.execute(f"""
            SELECT r.id, b.term_ids, b.counts, CASE WHEN b.term_ids IS NULL THEN md5(r.text) END AS text_key
            FROM ({rows_sql}) r
            LEFT JOIN {BODY_TERMS_TABLE} b ON b.tokenizer_version = ? AND b.text_key = md5(r.text)
            ORDER BY r.id""", [version]).to_arrow_table()
    else:
        table = conn.execute(f"SELECT id, NULL::INTEGER[] AS term_ids, NULL::INTEGER[] AS counts, md5(text) AS text_key "
                             f"FROM ({rows_sql}) ORDER BY id").to_arrow_table()
    ids = table.column("id").to_pylist()
    keep = [i for i, d in enumerate(ids) if i == 0 or d != ids[i - 1]]      # a repeated id: its first body
    table = table.take(keep) if len(keep) < len(ids) else table
    ids, text_keys = table.column("id").to_pylist(), table.column("text_key").to_pylist()
    stored_terms, stored_counts = table.column("term_ids").combine_chunks(), table.column("counts").combine_chunks()
    del table
    new = _count_bodies(conn, rows_sql, version, sorted({k for k in text_keys if k is not None}),
                        [row_id for row_id, key in zip(ids, text_keys) if key is not None])

    # every row's span: a stored list, a body counted here, or nothing (a NULL text)
    stored_lengths = pc.fill_null(pc.list_value_length(stored_terms), 0).to_numpy(zero_copy_only=False)
    new_index = {key: i for i, key in enumerate(new.text_keys)}
    new_rows = np.array([i for i, key in enumerate(text_keys) if key is not None], dtype=np.int64)
    new_bodies = np.array([new_index[text_keys[i]] for i in new_rows], dtype=np.int64)
    new_starts = np.concatenate(([0], new.ends))[new_bodies]
    lengths = stored_lengths.astype(np.int64)
    lengths[new_rows] = new.ends[new_bodies] - new_starts
    row_ends = np.cumsum(lengths)
    term_ids = np.empty(int(row_ends[-1]) if len(row_ends) else 0, dtype=np.int32)
    counts = np.empty_like(term_ids)
    from_store = stored_lengths > 0
    if from_store.any():
        # the stored lists, flattened, are those rows' entries in row order (a row counted here
        # has no stored list)
        places = _spans(row_ends[from_store] - lengths[from_store], lengths[from_store])
        term_ids[places] = pc.list_flatten(stored_terms).to_numpy()
        counts[places] = pc.list_flatten(stored_counts).to_numpy()
        del places
    del stored_terms, stored_counts
    # Arrow's allocator keeps what it freed: a few hundred MB at 100k bodies, held through the
    # story links that follow (the step's peak) unless handed back
    pa.default_memory_pool().release_unused()
    if len(new_rows):
        places = _spans(row_ends[new_rows] - lengths[new_rows], lengths[new_rows])
        sources = _spans(new_starts, lengths[new_rows])
        term_ids[places], counts[places] = new.term_ids[sources], new.counts[sources]
    return body_counts_of_terms(ids, row_ends, term_ids, counts), new


def _spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions starts[i] .. starts[i] + lengths[i] - 1 of every span, one after the other."""
    flat_starts = np.cumsum(lengths) - lengths
    return np.repeat(starts - flat_starts, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)


def _count_bodies(conn: duckdb.DuckDBPyConnection, rows_sql: str, version: str, text_keys: list[str],
                  row_ids: list[str]) -> NewBodyTerms:
    """Count the content tokens of the texts of `text_keys` (md5 of the texts of the rows of
    `rows_sql` whose id is in `row_ids`): from their joined tokens where the token store holds them
    (a warehouse of older code), else from the text, tokenised here; each body as it is read, its
    terms numbered in the vocabulary."""
    counted = TermCounts()                     # numbered among these bodies, then in the vocabulary
    keys: list[str] = []

    def count(key: str, body_tokens: Iterable[str]) -> None:
        keys.append(key)
        counted.add(body_tokens)

    def fetched(query: str, parameters: list) -> Iterator[tuple[str, str]]:
        cursor = conn.execute(query, parameters)
        while rows := cursor.fetchmany(_BODY_ROWS_PER_FETCH):
            yield from rows

    remaining = set(text_keys)
    if remaining:
        conn.register(_UNCOUNTED, pd.DataFrame({"text_key": pd.Series(text_keys, dtype="object")}))
        conn.register(_UNCOUNTED_ROWS, pd.DataFrame({"id": pd.Series(row_ids, dtype="object")}))
        try:
            if has_columns(conn, _TEXT_TOKENS, LEDGER_SCHEMA, _COLUMNS):
                for key, joined_tokens in fetched(
                        f"SELECT text_key, tokens FROM {TEXT_TOKENS_TABLE} WHERE tokenizer_version = ? AND analysis = ? "
                        f"AND text_key IN (SELECT text_key FROM {_UNCOUNTED}) ORDER BY text_key",
                        [version, token_cache.CONTENT_TOKENS]):
                    count(key, joined_tokens.split(token_cache.TOKEN_SEPARATOR) if joined_tokens else ())
                    remaining.discard(key)
            if remaining:
                # by id, not by md5(text): only those rows' texts are hashed again (at 100k bodies,
                # 1,000 of them: 0.15 s against 0.40 s)
                for key, text in fetched(
                        f"SELECT DISTINCT md5(text) AS text_key, text FROM ({rows_sql}) "
                        f"WHERE id IN (SELECT id FROM {_UNCOUNTED_ROWS}) ORDER BY text_key", []):
                    if key in remaining:
                        count(key, tokens.content_tokens(text))
                        remaining.discard(key)
        finally:
            conn.unregister(_UNCOUNTED)
            conn.unregister(_UNCOUNTED_ROWS)
    numbers, new_terms = _term_numbers(conn, version, counted.numbers)
    as_numbers = np.array([numbers[term] for term in counted.numbers], dtype=np.int32)
    ends, local_ids, counts = counted.arrays()
    return NewBodyTerms(version, keys, ends, as_numbers[local_ids], counts, new_terms)


def _term_numbers(conn: duckdb.DuckDBPyConnection, version: str, terms: Iterable[str]
                  ) -> tuple[dict[str, int], dict[str, int]]:
    """term -> its number in the stored vocabulary, and the terms not stored yet: those get the
    next free numbers, in the order the terms are given."""
    wanted = list(dict.fromkeys(terms))
    if not wanted:
        return {}, {}
    numbers: dict[str, int] = {}
    next_number = 0
    if has_columns(conn, _BODY_VOCABULARY, LEDGER_SCHEMA, _VOCABULARY_COLUMNS):
        conn.register(_NEW_TERMS, pd.DataFrame({"term": pd.Series(wanted, dtype="object")}))
        try:
            numbers = dict(conn.execute(f"SELECT term, term_id FROM {BODY_VOCABULARY_TABLE} WHERE tokenizer_version = ? "
                                        f"AND term IN (SELECT term FROM {_NEW_TERMS})", [version]).fetchall())
        finally:
            conn.unregister(_NEW_TERMS)
        next_number = conn.execute(f"SELECT coalesce(max(term_id) + 1, 0) FROM {BODY_VOCABULARY_TABLE} "
                                   "WHERE tokenizer_version = ?", [version]).fetchone()[0]
    new_terms = {term: next_number + i for i, term in enumerate(t for t in wanted if t not in numbers)}
    return numbers | new_terms, new_terms


def store_tokens(conn: duckdb.DuckDBPyConnection) -> int:
    """Add the tokens and words computed since the cache was primed (keys already stored are left alone),
    and their postings; drop the rows of any other tokenizer version, and empty the cache: the
    stage is done with its texts. Returns how many (analysis, text) rows it added. One transaction:
    the postings always hold every stored text's content tokens (what sentence_index trusts)."""
    version = tokenizer_version()
    computed = token_cache.computed()
    token_cache.forget()
    rows = [(kind, key, token_cache.joined(tokens)) for kind, by_key in computed.items() for key, tokens in by_key.items()]
    conn.execute("BEGIN TRANSACTION")
    try:
        tokens_kept = has_columns(conn, _TEXT_TOKENS, LEDGER_SCHEMA, _COLUMNS)
        ensure_cache_table(conn, _TEXT_TOKENS, LEDGER_SCHEMA, _COLUMNS)
        (dropped,) = conn.execute(f"DELETE FROM {TEXT_TOKENS_TABLE} WHERE tokenizer_version <> ?", [version]).fetchone()
        _ensure_postings(conn, version, rebuild=not tokens_kept or dropped > 0)
        added = _add_tokens(conn, version, rows) if rows else 0
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return added


def _add_tokens(conn: duckdb.DuckDBPyConnection, version: str, rows: list[tuple[str, str, str]]) -> int:
    conn.register(_INCOMING, pd.DataFrame({
        "analysis": pd.Series([r[0] for r in rows], dtype="object"),
        "text_key": pd.Series([r[1] for r in rows], dtype="object"),
        "tokens": pd.Series([r[2] for r in rows], dtype="object"),
    }))
    new_rows = f"""(
        SELECT $version::VARCHAR AS tokenizer_version, i.analysis, i.text_key, i.tokens FROM {_INCOMING} i
        WHERE NOT EXISTS (SELECT 1 FROM {TEXT_TOKENS_TABLE} t WHERE t.tokenizer_version = $version
                          AND t.analysis = i.analysis AND t.text_key = i.text_key))"""
    try:
        # the postings first: the rows are new to the token table until they are inserted there
        conn.execute(f"INSERT INTO {POSTINGS_TABLE} {_postings_of(new_rows)}", _postings_parameters(version))
        return conn.execute(f"INSERT INTO {TEXT_TOKENS_TABLE} SELECT * FROM {new_rows}",
                            {"version": version}).fetchone()[0]
    finally:
        conn.unregister(_INCOMING)


def _postings_of(rows: str) -> str:
    """The postings of the content tokens of `rows` (text_tokens' columns), one row per text and
    distinct token; its parameters: _postings_parameters."""
    return ("SELECT tokenizer_version, text_key, unnest(list_distinct(string_split(tokens, $separator))) AS token "
            f"FROM {rows} WHERE tokenizer_version = $version AND analysis = $analysis AND tokens <> ''")


def _postings_parameters(version: str) -> dict[str, str]:
    return {"separator": token_cache.TOKEN_SEPARATOR, "version": version, "analysis": token_cache.CONTENT_TOKENS}


def _ensure_postings(conn: duckdb.DuckDBPyConnection, version: str, rebuild: bool) -> None:
    """The postings of this version's stored content tokens: built from them when the table is
    new or `rebuild` (the token table is new, or lost another version's rows), else kept."""
    if has_columns(conn, _POSTINGS, LEDGER_SCHEMA, _POSTINGS_COLUMNS) and not rebuild:
        return
    conn.execute(f"DROP TABLE IF EXISTS {POSTINGS_TABLE}")
    ensure_cache_table(conn, _POSTINGS, LEDGER_SCHEMA, _POSTINGS_COLUMNS)
    conn.execute(f"INSERT INTO {POSTINGS_TABLE} {_postings_of(TEXT_TOKENS_TABLE)}", _postings_parameters(version))


def store_body_terms(conn: duckdb.DuckDBPyConnection, new: NewBodyTerms) -> int:
    """Add the bodies body_token_counts counted and the terms it numbered (bodies already stored
    are left alone), and drop the rows of any other tokenizer version. Numbers are given out on a
    read-only connection: when another writer took one of them meanwhile, nothing is stored (a
    cache: the next run counts those bodies again). Returns how many bodies it added."""
    ensure_cache_table(conn, _BODY_TERMS, LEDGER_SCHEMA, _BODY_TERMS_COLUMNS)
    ensure_cache_table(conn, _BODY_VOCABULARY, LEDGER_SCHEMA, _VOCABULARY_COLUMNS)
    for table in (BODY_TERMS_TABLE, BODY_VOCABULARY_TABLE):
        conn.execute(f"DELETE FROM {table} WHERE tokenizer_version <> ?", [new.tokenizer_version])
    if not new.text_keys:
        return 0
    conn.execute("BEGIN TRANSACTION")
    try:
        if new.vocabulary:
            conn.register(_NEW_TERMS, pd.DataFrame({"term": pd.Series(list(new.vocabulary), dtype="object"),
                                                    "term_id": pd.Series(list(new.vocabulary.values()), dtype="int32")}))
            taken = conn.execute(f"SELECT count(*) FROM {BODY_VOCABULARY_TABLE} v JOIN {_NEW_TERMS} n "
                                 "ON v.term = n.term OR v.term_id = n.term_id WHERE v.tokenizer_version = ?",
                                 [new.tokenizer_version]).fetchone()[0]
            if taken:
                conn.execute("ROLLBACK")
                return 0
            conn.execute(f"INSERT INTO {BODY_VOCABULARY_TABLE} SELECT ?, term, term_id FROM {_NEW_TERMS}",
                         [new.tokenizer_version])
        offsets = pa.array(np.concatenate(([0], new.ends)), pa.int32())
        conn.register(_NEW_BODIES, pa.table({
            "text_key": pa.array(new.text_keys, pa.string()),
            "term_ids": pa.ListArray.from_arrays(offsets, pa.array(new.term_ids, pa.int32())),
            "counts": pa.ListArray.from_arrays(offsets, pa.array(new.counts, pa.int32())),
        }))
        added = conn.execute(f"""
            INSERT INTO {BODY_TERMS_TABLE}
            SELECT ?, i.text_key, i.term_ids, i.counts FROM {_NEW_BODIES} i
            WHERE NOT EXISTS (SELECT 1 FROM {BODY_TERMS_TABLE} b WHERE b.tokenizer_version = ? AND b.text_key = i.text_key)""",
                             [new.tokenizer_version, new.tokenizer_version]).fetchone()[0]
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        for view in (_NEW_TERMS, _NEW_BODIES):
            conn.unregister(view)
    return added


# the stored tokens of a corpus' sentences, one row per (text, token), for one stage's reads
_INDEX = "sentence_token_index"
_REACH_TOKENS, _REACH_SURFACES = "reach_tokens", "reach_surfaces"


class SentenceIndex:
    """The stored tokens of the sentences a query selects (their texts in a temporary table of the
    connection, their tokens in the postings): what they count to, and which of their texts a set
    of tokens or words reaches. Everything stays in DuckDB; nothing of the sentences is read into
    Python."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, counts: CorpusTokens, postings: str) -> None:
        self.conn, self.counts, self.postings = conn, counts, postings

    def texts_sharing(self, tokens: Collection[str], surfaces: Collection[tuple[str, ...]]) -> set[str]:
        """The keys (token_cache.text_key) of the texts holding a content token of `tokens` or
        whose surface words are one of `surfaces`."""
        if not (tokens or surfaces):
            return set()
        self.conn.register(_REACH_TOKENS, pd.DataFrame({"token": pd.Series(sorted(tokens), dtype="object")}))
        self.conn.register(_REACH_SURFACES, pd.DataFrame({"tokens": pd.Series(
            sorted(token_cache.joined(words) for words in surfaces), dtype="object")}))
        try:
            rows = self.conn.execute(f"""
                SELECT text_key FROM {self.postings} WHERE tokenizer_version = $version
                    AND token IN (SELECT token FROM {_REACH_TOKENS}) AND text_key IN (SELECT text_key FROM {_INDEX}_texts)
                UNION
                SELECT text_key FROM {TEXT_TOKENS_TABLE} WHERE tokenizer_version = $version AND analysis = 'words'
                    AND tokens IN (SELECT tokens FROM {_REACH_SURFACES})
                    AND text_key IN (SELECT text_key FROM {_INDEX}_texts)""", {"version": tokenizer_version()}).fetchall()
        finally:
            self.conn.unregister(_REACH_TOKENS)
            self.conn.unregister(_REACH_SURFACES)
        return {row[0] for row in rows}


@contextmanager
def sentence_index(conn: duckdb.DuckDBPyConnection, sentences_sql: str) -> Iterator[SentenceIndex | None]:
    """The SentenceIndex of the sentences `sentences_sql` selects (a `text` column), or None when
    a text among them has no stored tokens or words (read-only safe: temporary tables only). A
    warehouse whose postings no run has built yet (store_tokens builds them) has its texts'
    postings unnested into a temporary table."""
    if not has_columns(conn, _TEXT_TOKENS, LEDGER_SCHEMA, _COLUMNS):
        yield None
        return
    version = tokenizer_version()
    try:
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {_INDEX}_texts AS "
                     f"SELECT md5(text) AS text_key, count(*) AS sentences FROM ({sentences_sql}) GROUP BY 1")
        total, with_tokens, unstored = conn.execute(f"""
            SELECT coalesce(sum(sentences), 0), coalesce(sum(sentences) FILTER (WHERE stored.has_tokens), 0),
                   count(*) FILTER (WHERE stored.analyses IS DISTINCT FROM {len(token_cache.ANALYSES)})
            FROM {_INDEX}_texts LEFT JOIN (
                SELECT text_key, count(DISTINCT analysis) AS analyses,
                       bool_or(analysis = 'content_tokens' AND tokens <> '') AS has_tokens
                FROM {TEXT_TOKENS_TABLE} WHERE tokenizer_version = ? GROUP BY text_key) stored USING (text_key)""",
                                                   [version]).fetchone()
        if unstored:
            yield None
            return
        postings = POSTINGS_TABLE
        if not has_columns(conn, _POSTINGS, LEDGER_SCHEMA, _POSTINGS_COLUMNS):
            postings = _INDEX
            conn.execute(f"CREATE OR REPLACE TEMP TABLE {_INDEX} AS " + _postings_of(
                f"(SELECT t.* FROM {TEXT_TOKENS_TABLE} t JOIN {_INDEX}_texts USING (text_key))"),
                         _postings_parameters(version))
        holding = dict(conn.execute(f"SELECT p.token, sum(x.sentences)::BIGINT FROM {postings} p "
                                    f"JOIN {_INDEX}_texts x USING (text_key) WHERE p.tokenizer_version = ? "
                                    "GROUP BY p.token", [version]).fetchall())
        yield SentenceIndex(conn, CorpusTokens(int(total), int(with_tokens), holding), postings)
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {_INDEX}")
        conn.execute(f"DROP TABLE IF EXISTS {_INDEX}_texts")
