"""Content tokens and surface words kept between runs, by the hash of their text.

The corpus stages read the whole archive on every run that has news (a new document may join
any story or repeat any sentence of any other), and tokenising every sentence and body again
was two thirds of the stories step of a nightly run at 10k bench dumps. Tokens are a pure
function of the text and the tokenizer (tokens.py and its synonyms), so they are kept in
pipeline.text_tokens of the live warehouse, beside the stance labels, under the tokenizer's
code version; a stage primes core.text.token_cache with the tokens of the texts it reads and
stores those it had to compute. A new tokenizer version drops the old rows. Texts of documents
that left stay until then: a few rows, never wrong (a key is its text's hash).

The stored tokens are also the archive's statistics in DuckDB: text reuse counts how many
sentences hold each token (stored_sentence_tokens) and finds the texts a new document's
sentences can reach (texts_sharing) there, and reads only those into Python
(docs/decisions/0021-text-reuse-reach.md).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pandas as pd

from orchestration.core.claims.stories import BodyCounts, body_counts
from orchestration.core.text.similarity import CorpusTokens
from orchestration.core.text import token_cache, tokens
from orchestration.lake import LEDGER_SCHEMA
from orchestration.warehouse import ensure_cache_table, has_columns
from orchestration.versions import code_version

_TEXT_TOKENS = "text_tokens"
TEXT_TOKENS_TABLE = f"{LEDGER_SCHEMA}.{_TEXT_TOKENS}"
_COLUMNS = {"tokenizer_version": "VARCHAR", "analysis": "VARCHAR", "text_key": "VARCHAR", "tokens": "VARCHAR"}
_INCOMING = "incoming_text_tokens"


def tokenizer_version() -> str:
    return code_version(tokens.__name__)


def prime_tokens(conn: duckdb.DuckDBPyConnection, texts_sql: str) -> int:
    """Prime the token cache with the stored tokens of the texts `texts_sql` selects (one
    column, `text`; read-only safe). Returns how many (analysis, text) rows it primed."""
    if not has_columns(conn, _TEXT_TOKENS, LEDGER_SCHEMA, _COLUMNS):
        return 0
    rows = conn.execute(f"""
        SELECT t.analysis, t.text_key, t.tokens FROM {TEXT_TOKENS_TABLE} t
        WHERE t.tokenizer_version = ?
          AND t.text_key IN (SELECT md5(text) FROM ({texts_sql}) WHERE text IS NOT NULL)""",
                        [tokenizer_version()]).fetchall()
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


# rows read back at a time: the joined tokens of 100k bodies are ~300 MB as one result
_TOKEN_ROWS_PER_FETCH = 10_000


def body_token_counts(conn: duckdb.DuckDBPyConnection, rows_sql: str) -> BodyCounts:
    """The content tokens of the text `rows_sql` selects for each id (columns `id`, `text`),
    counted (stories.BodyCounts): read back from the store where an earlier run stored them, so
    the text itself never leaves DuckDB; tokenised here otherwise (and stored by store_tokens). A
    NULL text has no tokens. A stream of rows: no id's tokens are kept once counted."""
    if has_columns(conn, _TEXT_TOKENS, LEDGER_SCHEMA, _COLUMNS):
        cursor = conn.execute(f"""
            SELECT r.id, t.tokens, CASE WHEN t.tokens IS NULL THEN r.text END
            FROM ({rows_sql}) r
            LEFT JOIN {TEXT_TOKENS_TABLE} t ON t.tokenizer_version = ? AND t.analysis = ? AND t.text_key = md5(r.text)
            ORDER BY r.id""", [tokenizer_version(), token_cache.CONTENT_TOKENS])
    else:
        cursor = conn.execute(f"SELECT id, NULL, text FROM ({rows_sql}) ORDER BY id")

    def tokens_of(stored: str | None, text: str | None) -> Sequence[str]:
        if stored is not None:
            # not interned, unlike token_cache.split: counted and let go
            return stored.split(token_cache.TOKEN_SEPARATOR) if stored else ()
        return () if text is None else token_cache.token_sequence(text)

    def bodies() -> Iterator[tuple[str, Sequence[str]]]:
        while rows := cursor.fetchmany(_TOKEN_ROWS_PER_FETCH):
            for row_id, stored, text in rows:
                yield row_id, tokens_of(stored, text)

    return body_counts(bodies())


def store_tokens(conn: duckdb.DuckDBPyConnection) -> int:
    """Add the tokens and words computed since the cache was primed (keys already stored are left alone),
    drop the rows of any other tokenizer version, and empty the cache: the stage is done with its
    texts. Returns how many (analysis, text) rows it added."""
    version = tokenizer_version()
    ensure_cache_table(conn, _TEXT_TOKENS, LEDGER_SCHEMA, _COLUMNS)
    conn.execute(f"DELETE FROM {TEXT_TOKENS_TABLE} WHERE tokenizer_version <> ?", [version])
    computed = token_cache.computed()
    token_cache.forget()
    rows = [(kind, key, token_cache.joined(tokens)) for kind, by_key in computed.items() for key, tokens in by_key.items()]
    if not rows:
        return 0
    conn.register(_INCOMING, pd.DataFrame({
        "analysis": pd.Series([r[0] for r in rows], dtype="object"),
        "text_key": pd.Series([r[1] for r in rows], dtype="object"),
        "tokens": pd.Series([r[2] for r in rows], dtype="object"),
    }))
    try:
        added = conn.execute(f"""
            INSERT INTO {TEXT_TOKENS_TABLE}
            SELECT ?, i.analysis, i.text_key, i.tokens FROM {_INCOMING} i
            WHERE NOT EXISTS (SELECT 1 FROM {TEXT_TOKENS_TABLE} t WHERE t.tokenizer_version = ?
                              AND t.analysis = i.analysis AND t.text_key = i.text_key)""",
                             [version, version]).fetchone()[0]
    finally:
        conn.unregister(_INCOMING)
    return added


# the stored tokens of a corpus' sentences, one row per (text, token), for one stage's reads
_INDEX = "sentence_token_index"
_REACH_TOKENS, _REACH_SURFACES = "reach_tokens", "reach_surfaces"


class SentenceIndex:
    """The stored tokens of the sentences a query selects, unnested once in a temporary table of
    the connection: what they count to, and which of their texts a set of tokens or words
    reaches. Everything stays in DuckDB; nothing of the sentences is read into Python."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, counts: CorpusTokens) -> None:
        self.conn, self.counts = conn, counts

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
                SELECT text_key FROM {_INDEX} WHERE token IN (SELECT token FROM {_REACH_TOKENS})
                UNION
                SELECT text_key FROM {TEXT_TOKENS_TABLE} WHERE tokenizer_version = ? AND analysis = 'words'
                    AND tokens IN (SELECT tokens FROM {_REACH_SURFACES})
                    AND text_key IN (SELECT text_key FROM {_INDEX}_texts)""", [tokenizer_version()]).fetchall()
        finally:
            self.conn.unregister(_REACH_TOKENS)
            self.conn.unregister(_REACH_SURFACES)
        return {row[0] for row in rows}


@contextmanager
def sentence_index(conn: duckdb.DuckDBPyConnection, sentences_sql: str) -> Iterator[SentenceIndex | None]:
    """The SentenceIndex of the sentences `sentences_sql` selects (a `text` column), or None when
    a text among them has no stored tokens or words (read-only safe: temporary tables only)."""
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
        conn.execute(f"""
            CREATE OR REPLACE TEMP TABLE {_INDEX} AS
            SELECT t.text_key, unnest(list_distinct(string_split(t.tokens, ?))) AS token
            FROM {TEXT_TOKENS_TABLE} t JOIN {_INDEX}_texts USING (text_key)
            WHERE t.tokenizer_version = ? AND t.analysis = 'content_tokens' AND t.tokens <> ''""",
                     [token_cache.TOKEN_SEPARATOR, version])
        holding = dict(conn.execute(f"SELECT token, sum(sentences)::BIGINT FROM {_INDEX} JOIN {_INDEX}_texts "
                                    "USING (text_key) GROUP BY token").fetchall())
        yield SentenceIndex(conn, CorpusTokens(int(total), int(with_tokens), holding))
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {_INDEX}")
        conn.execute(f"DROP TABLE IF EXISTS {_INDEX}_texts")
