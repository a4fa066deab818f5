"""What the corpus stages (orchestration/assets/stories.py, claims.py, claim_mentions.py,
text_reuse.py) read of the warehouse: sentences, documents, body counts, and the sentences a new
document reaches. Plumbing, not rules: a stage's code version covers its asset module and the
core modules that module imports (orchestration/versions.py), so a rule these reads apply is
passed in by the stage (reach_inputs' `reach`), where its version sees it.
"""
from collections.abc import Callable, Collection

import duckdb
import pandas as pd

from orchestration.assets.quarantine import quarantined_document_ids
from orchestration.core.claims.stories import BodyCounts
from orchestration.core.text.similarity import CorpusTokens
from orchestration.core.text.token_cache import token_set
from orchestration.core.types import Sentence
from orchestration.incremental import register_ids
from orchestration.token_store import NewBodyTerms, body_token_counts, prime_tokens, prime_tokens_of_keys, sentence_index
from orchestration.warehouse import RAW_SCHEMA, read_records, table_exists

ACCEPTED = "quarantine_reason IS NULL"
READ_IDS = "corpus_read_ids"
# the texts whose stored tokens a stage primes its token cache with (orchestration/token_store.py)
SENTENCE_TEXTS = f"SELECT text FROM {RAW_SCHEMA}.sentences"
# The columns of raw.sentences that make a Sentence, in its fields' order: SentenceRow.sentence()'s
# mapping, read alone (a test holds the two together). Not declared in core/types.py: every
# stage's code version covers that module, and a change there re-processes the whole archive.
SENTENCE_COLUMNS = ("sentence_seq", "start_char", "end_char", "text", "continues_quote", "section")
_SENTENCES_PER_FETCH = 20_000
# which of the archive's texts new sentences reach: (their texts, the corpus' counts) -> (content
# tokens, surface word sequences) to look up (core.claims.text_reuse.reach_keys)
ReachRule = Callable[[list[str], CorpusTokens], tuple[Collection[str], Collection[tuple[str, ...]]]]


def values_frame(column: str, values: Collection[str]) -> pd.DataFrame:
    """`values`, sorted, as a one-column frame to register as a relation."""
    return pd.DataFrame({column: pd.Series(sorted(values), dtype="object")})


def read_sentences(conn, document_ids: Collection[str] | None = None) -> dict[str, list[Sentence]]:
    """raw.sentences as each document's sentences, in order (of `document_ids` only, if given);
    documents an earlier stage quarantined are left out."""
    if not table_exists(conn, "sentences"):
        return {}
    excluded = quarantined_document_ids(conn, before_stage="claims")
    where = ""
    if document_ids is not None:
        where = f"WHERE document_id IN (SELECT document_id FROM {register_ids(conn, document_ids, READ_IDS)})"
    return sentences_by_document(conn.execute(
        f"SELECT document_id, {', '.join(SENTENCE_COLUMNS)} FROM {RAW_SCHEMA}.sentences {where} "
        "ORDER BY document_id, sentence_seq"), excluded)


def sentences_by_document(cursor: duckdb.DuckDBPyConnection, excluded: Collection[str] = frozenset()
                          ) -> dict[str, list[Sentence]]:
    """The rows of `cursor` (document_id, then SENTENCE_COLUMNS) as each document's sentences, a
    Sentence straight from its columns, but those of `excluded` documents. Read a batch at a time:
    the sentences of a 1% day's claims step at 100k (720k) took 617 MB read at once, 488 MB so."""
    by_document: dict[str, list[Sentence]] = {}
    while rows := cursor.fetchmany(_SENTENCES_PER_FETCH):
        for document_id, *fields in rows:
            if document_id not in excluded:
                by_document.setdefault(document_id, []).append(Sentence(*fields))
    return by_document


def read_documents(conn, doc_ids) -> dict:
    """document_id -> raw.documents record, for the documents that have sentences (picked in
    DuckDB: a run labelling the mentions of a few documents read every body of the archive)."""
    ids = register_ids(conn, doc_ids, READ_IDS)
    return {d.document_id: d for d in read_records(
        conn, "documents", where=f"{ACCEPTED} AND document_id IN (SELECT document_id FROM {ids})")}


def read_body_counts(conn, doc_ids) -> tuple[BodyCounts, NewBodyTerms]:
    """The body token counts of the accepted documents among `doc_ids`, and those to store."""
    ids = register_ids(conn, doc_ids, READ_IDS)
    return body_token_counts(conn, f"SELECT document_id AS id, body_text AS text FROM {RAW_SCHEMA}.documents "
                                   f"WHERE {ACCEPTED} AND document_id IN (SELECT document_id FROM {ids})")


_FOCUS_IDS, _UNREAD_IDS, _REACHED = "reach_focus_ids", "reach_unread_ids", "reach_reached_texts"
_REACHED_ROWS = "reach_reached_sentences"
_REACHED_IDS = "reach_reached_ids"


def corpus_document_ids(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """The documents read_sentences would return: those with sentences, none quarantined before claims."""
    if not table_exists(conn, "sentences"):
        return set()
    excluded = quarantined_document_ids(conn, before_stage="claims")
    return {d for (d,) in conn.execute(f"SELECT DISTINCT document_id FROM {RAW_SCHEMA}.sentences").fetchall()
            if d not in excluded}


def reach_inputs(conn: duckdb.DuckDBPyConnection, focus: set[str] | None, reach: ReachRule
                 ) -> tuple[dict[str, list[Sentence]], CorpusTokens | None, dict[str, int]]:
    """What a sentence comparison of the corpus (text reuse, story links) reads, its tokens
    primed: the sentences, the counts of the corpus when they are not all of it, and how many
    sentences each of their documents has. With a focus: the focus documents' sentences and the
    others' that they reach (`reach`: the stage's rule, text_reuse.reach_keys), the rest of the
    archive counted in DuckDB from its stored tokens, so a run grows with its news, not with the
    archive. Every sentence when there is no focus, or when some text of the rest has no stored
    tokens (a new tokenizer: the full read stores them for the next run)."""
    if focus is not None and not focus:
        return {}, CorpusTokens(0, 0, {}), {}      # nothing to compare: no need to count the archive
    if focus is not None:
        own = read_sentences(conn, focus)
        focus_ids = register_ids(conn, focus, _FOCUS_IDS)
        prime_tokens(conn, f"{SENTENCE_TEXTS} WHERE document_id IN (SELECT document_id FROM {focus_ids})")
        unread_ids = register_ids(conn, quarantined_document_ids(conn, before_stage="claims"), _UNREAD_IDS)
        rest = (f"SELECT * FROM {RAW_SCHEMA}.sentences WHERE document_id NOT IN (SELECT document_id FROM {focus_ids}) "
                f"AND document_id NOT IN (SELECT document_id FROM {unread_ids})")
        reached_texts = None
        with sentence_index(conn, rest) as index:
            if index is not None:
                texts = [sentence.text for document_id in sorted(own) for sentence in own[document_id]]
                corpus = CorpusTokens.of(token_set(text) for text in texts).plus(index.counts)
                reached_texts = index.texts_sharing(*reach(texts, corpus))
        if reached_texts is not None:
            reached = _sentences_of_texts(conn, rest, reached_texts)
            reached_ids = register_ids(conn, reached, _REACHED_IDS)
            counts = dict(conn.execute(f"SELECT document_id, count(*) FROM {RAW_SCHEMA}.sentences "
                                       f"WHERE document_id IN (SELECT document_id FROM {reached_ids}) GROUP BY 1").fetchall())
            return {**own, **reached}, corpus, counts
    prime_tokens(conn, SENTENCE_TEXTS)
    return read_sentences(conn), None, {}


def _sentences_of_texts(conn: duckdb.DuckDBPyConnection, sentences_sql: str,
                        text_keys: Collection[str]) -> dict[str, list[Sentence]]:
    """The sentences of `sentences_sql` whose text has one of `text_keys`, their tokens primed."""
    conn.register(_REACHED, values_frame("text_key", text_keys))
    try:
        # the archive's sentences are hashed once, into the rows chosen; the tokens are looked up
        # by the keys themselves (a text reached but not among them only primes the cache more)
        conn.execute(f"CREATE OR REPLACE TEMP TABLE {_REACHED_ROWS} AS "
                     f"SELECT document_id, {', '.join(SENTENCE_COLUMNS)} FROM ({sentences_sql}) "
                     f"WHERE md5(text) IN (SELECT text_key FROM {_REACHED})")
        prime_tokens_of_keys(conn, f"SELECT text_key FROM {_REACHED}")
        return sentences_by_document(conn.execute(f"SELECT * FROM {_REACHED_ROWS} ORDER BY document_id, sentence_seq"))
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {_REACHED_ROWS}")
        conn.unregister(_REACHED)
