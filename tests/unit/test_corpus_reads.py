"""What the corpus stages read of raw.sentences (orchestration/corpus_reads.py)."""
from __future__ import annotations

from dataclasses import fields

import duckdb
import pytest

from orchestration.corpus_reads import SENTENCE_COLUMNS, read_sentences
from orchestration.core.types import Sentence, SentenceRow
from orchestration.warehouse import RAW_SCHEMA, create_table_sql, frame_of

ROWS = [SentenceRow(document_id="doc-b", sentence_seq=1, section="title", start_char=0, end_char=9, text="A title.",
                    language="en", language_probability=0.99, language_method="langdetect", continues_quote=False),
        SentenceRow(document_id="doc-a", sentence_seq=2, section="body", start_char=40, end_char=61,
                    text="“And it went on,” he said.", language="en", language_probability=0.9,
                    language_method="langdetect", continues_quote=True),
        SentenceRow(document_id="doc-a", sentence_seq=1, section="body", start_char=0, end_char=39,
                    text="The first sentence of the body.", language="und", language_probability=0.0,
                    language_method="abstain:short", continues_quote=False)]


def test_the_columns_read_make_each_rows_sentence():
    assert len(SENTENCE_COLUMNS) == len(fields(Sentence))
    for row in ROWS:
        assert Sentence(*(getattr(row, column) for column in SENTENCE_COLUMNS)) == row.sentence()


def test_read_sentences_gives_each_documents_sentences_in_order():
    conn = duckdb.connect()
    assert read_sentences(conn) == {}                   # no table yet
    conn.execute(f"CREATE SCHEMA {RAW_SCHEMA}")
    conn.execute(create_table_sql(f"{RAW_SCHEMA}.sentences", SentenceRow))
    conn.register("incoming", frame_of(ROWS, SentenceRow))
    conn.execute(f"INSERT INTO {RAW_SCHEMA}.sentences SELECT * FROM incoming")
    by_document = {d: [r.sentence() for r in sorted(ROWS, key=lambda r: r.sentence_seq) if r.document_id == d]
                   for d in ("doc-a", "doc-b")}
    assert read_sentences(conn) == by_document
    assert list(read_sentences(conn)) == ["doc-a", "doc-b"]
    assert read_sentences(conn, ["doc-b"]) == {"doc-b": by_document["doc-b"]}


def test_mention_digests_follow_what_stance_reads_of_the_claims():
    """A document's digest moves with its claim sentences (claim, sentence, cross-language) and
    their claims' text; not with similarity (rediscovery moves it) nor with row order."""
    from orchestration.corpus_ledger import mention_digests

    conn = duckdb.connect()
    conn.execute(f"CREATE SCHEMA {RAW_SCHEMA}")
    conn.execute(f"CREATE TABLE {RAW_SCHEMA}.claims AS SELECT * FROM (VALUES ('c1', 'One claim.'), ('c2', 'Another.')) "
                 "t(claim_id, claim_text)")
    conn.execute(f"CREATE TABLE {RAW_SCHEMA}.claim_sentences AS SELECT * FROM (VALUES "
                 "('c1', 'd1', 1, 0.9, false), ('c2', 'd1', 2, 0.8, false), ('c1', 'd2', 1, 0.7, false)) "
                 "t(claim_id, document_id, sentence_seq, similarity, cross_language)")
    first = mention_digests(conn)
    assert set(first) == {"d1", "d2"} and first["d1"] != first["d2"]
    conn.execute(f"CREATE OR REPLACE TABLE {RAW_SCHEMA}.claim_sentences AS "
                 f"SELECT * REPLACE (similarity / 2 AS similarity) FROM {RAW_SCHEMA}.claim_sentences ORDER BY claim_id DESC")
    assert mention_digests(conn) == first
    conn.execute(f"UPDATE {RAW_SCHEMA}.claims SET claim_text = 'Another, reworded.' WHERE claim_id = 'c2'")
    moved = mention_digests(conn)
    assert moved["d1"] != first["d1"] and moved["d2"] == first["d2"]
    conn.execute(f"UPDATE {RAW_SCHEMA}.claim_sentences SET cross_language = true WHERE document_id = 'd2'")
    assert mention_digests(conn)["d2"] != first["d2"]
    conn.execute(f"INSERT INTO {RAW_SCHEMA}.claim_sentences VALUES ('c2', 'd2', 3, 0.6, false)")
    assert mention_digests(conn)["d2"] not in (first["d2"], moved["d2"])


def test_sentences_read_a_batch_at_a_time_are_the_sentences_read_at_once(monkeypatch):
    from orchestration import corpus_reads

    conn = duckdb.connect()
    conn.execute(f"CREATE SCHEMA {RAW_SCHEMA}")
    conn.execute(create_table_sql(f"{RAW_SCHEMA}.sentences", SentenceRow))
    conn.register("incoming", frame_of(ROWS, SentenceRow))
    conn.execute(f"INSERT INTO {RAW_SCHEMA}.sentences SELECT * FROM incoming")
    at_once = read_sentences(conn)
    monkeypatch.setattr(corpus_reads, "_SENTENCES_PER_FETCH", 1)
    assert read_sentences(conn) == at_once and sum(map(len, at_once.values())) == len(ROWS)


def test_a_corpus_stage_writes_its_rows_a_batch_at_a_time_in_one_transaction(monkeypatch):
    """Rows streamed in batches of ROWS_PER_INSERT all land, in one transaction: a failing batch
    leaves the table and the ledger as they were."""
    from orchestration import corpus_ledger
    from orchestration.core.types import StoryRow
    from orchestration.incremental import StagePlan

    monkeypatch.setattr(corpus_ledger, "ROWS_PER_INSERT", 2)
    conn = duckdb.connect()
    plan = StagePlan("stories", {f"d{i}": f"key-{i}" for i in range(5)}, [], 0)
    rows = [StoryRow(f"d{i}", f"story-{i % 2}") for i in range(5)]
    assert corpus_ledger.write_corpus_rows(conn, plan, {"stories": iter(rows)}, rebuild=True) == {"stories": 5}
    assert conn.execute(f"SELECT document_id, story_id FROM {RAW_SCHEMA}.stories ORDER BY 1").fetchall() == [
        (r.document_id, r.story_id) for r in rows]

    def failing_on_the_third():
        yield from rows[:2]
        raise RuntimeError("a row that cannot be written")

    again = StagePlan("stories", {"d0": "key-0-new", "d1": "key-1-new"}, [], 0)
    with pytest.raises(RuntimeError):
        corpus_ledger.write_corpus_rows(conn, again, {"stories": failing_on_the_third()})
    assert conn.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.stories").fetchone() == (5,)
    assert conn.execute(f"SELECT version_key FROM {corpus_ledger.CORPUS_LEDGER_TABLE} "
                        "WHERE document_id = 'd0'").fetchall() == [("key-0",)]
