"""Content tokens and surface words kept between runs, by the hash of their text.

The corpus stages read the whole archive on every run that has news (a new document may join
any story or repeat any sentence of any other), and tokenising every sentence and body again
was two thirds of the stories step of a nightly run at 10k bench dumps. Tokens are a pure
function of the text and the tokenizer (tokens.py and its synonyms), so they are kept in
pipeline.text_tokens of the live warehouse, beside the stance labels, under the tokenizer's
code version; a stage primes core.text.token_cache with the tokens of the texts it reads and
stores those it had to compute. A new tokenizer version drops the old rows. Texts of documents
that left stay until then: a few rows, never wrong (a key is its text's hash).
"""
from __future__ import annotations

import duckdb
import pandas as pd

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
