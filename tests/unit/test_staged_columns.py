"""A batch staged as columns (what the clean step's workers send back) writes the Parquet rows
the same batch staged as records does."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.core.cleaning.clean import (
    clean_isolated, clean_to_columns, cleaned_rows, worker_died, worker_died_columns,
)
from orchestration.core.ingest import _make_dump, scan_landing
from orchestration.core.types import RAW_TABLES, SegmentLanguageRow, SegmentRow, as_columns, tuples_as_columns
from orchestration.incremental import staged_rows
from orchestration.lake import STAGE_TABLES, write_parquet
from orchestration.warehouse import TableColumns, read_records, read_tuples, replace_raw_table, table_columns

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "landing"
CLEAN_TABLES = STAGE_TABLES["clean"]


def staged_contents(folder: Path, batches: list[dict]) -> dict[str, list[tuple]]:
    """Each table's rows, in file order, after staging `batches` one after the other."""
    with staged_rows(folder, "clean", "2026-11-01", CLEAN_TABLES) as staged:
        for batch in batches:
            staged.add(batch)
        conn = duckdb.connect()
        try:
            return {table: [row for path in files for row in conn.execute(
                        f"SELECT * FROM read_parquet('{path}')").fetchall()]
                    for table, files in staged.files.items()}
        finally:
            conn.close()


@pytest.fixture(scope="module")
def dumps():
    # the samples (text, HTML, a var_dump, comments, a caption) and a dump whose cleaning fails
    return [*scan_landing(SAMPLES), _make_dump(b"\x00\x01\x02" * 400, "binary.txt", 0, "txt", {})]


def test_a_dumps_columns_are_its_cleaned_rows(dumps):
    for dump in dumps:
        columns, record = clean_to_columns(dump)
        document, expected_record = clean_isolated(dump)
        assert record == expected_record
        assert columns == {table: as_columns(records, RAW_TABLES[table])
                           for table, records in cleaned_rows([document]).items()}
        assert set(columns) <= set(CLEAN_TABLES)
    assert any(clean_to_columns(d)[1] is not None for d in dumps), "one dump is quarantined"


def test_columns_stage_the_rows_records_do(dumps, tmp_path):
    batch = TableColumns(CLEAN_TABLES)
    for dump in dumps:
        batch.extend(clean_to_columns(dump)[0])
    died, _ = worker_died_columns(dumps[0], "worker process died")
    batch.extend(died)
    records = cleaned_rows([clean_isolated(d)[0] for d in dumps] + [worker_died(dumps[0], "x")[0]])
    as_columns_staged = staged_contents(tmp_path / "columns", [batch.tables])
    as_records_staged = staged_contents(tmp_path / "records", [records])
    assert as_columns_staged == as_records_staged
    assert len(as_columns_staged["segments"]) > 100 and as_columns_staged["related_articles"]


def test_a_table_gets_only_its_own_columns():
    batch = TableColumns(["segments"])
    with pytest.raises(TypeError, match="raw.segments has the columns"):
        batch.extend({"segments": {"document_id": ["d"], "seq": [0]}})
    with pytest.raises(KeyError):
        batch.extend({"captions": as_columns([], RAW_TABLES["captions"])})


def test_a_column_arrow_cannot_type_is_written_through_pandas(tmp_path):
    # a text column holding a number (a record field no type check stopped) stays writable:
    # one document is never the reason a batch's Parquet file cannot be written
    rows = [SegmentRow("d1", 0, "body", 0, 2, "r", "ab"), SegmentRow("d2", 0, "body", 0, 2, "r", 12)]
    path = tmp_path / "segments.parquet"
    write_parquet(as_columns(rows, SegmentRow), table_columns("segments"), path)
    assert duckdb.connect().execute(f"SELECT text FROM read_parquet('{path}') ORDER BY document_id").fetchall() \
        == [("ab",), ("12",)]


def test_tuples_as_columns_transposes_rows_in_the_records_field_order():
    rows = [("doc-a", 0, "en", 0.99, "langdetect"), ("doc-a", 1, "und", 0.0, "skip:markup")]
    columns = tuples_as_columns(rows, SegmentLanguageRow)
    assert columns == as_columns([SegmentLanguageRow(*row) for row in rows], SegmentLanguageRow)
    assert list(tuples_as_columns([], SegmentLanguageRow)) == list(table_columns("segment_languages"))
    with pytest.raises(ValueError, match="SegmentLanguageRow rows have the 5 fields"):
        tuples_as_columns([("doc-a", 0, "en")], SegmentLanguageRow)


def test_read_tuples_reads_the_named_columns_and_read_records_builds_records_from_them():
    conn = duckdb.connect()
    try:
        assert read_tuples(conn, "segments", ["document_id", "text"]) == []     # no table yet: no rows
        replace_raw_table(conn, "segments", [SegmentRow("doc-b", 1, "body", 4, 9, "r", "world"),
                                             SegmentRow("doc-a", 0, "body", 0, 4, "r", "Hey ")])
        assert read_tuples(conn, "segments", ["text", "seq"], order_by="document_id") == [("Hey ", 0), ("world", 1)]
        assert read_records(conn, "segments", where="seq = 1") == [SegmentRow("doc-b", 1, "body", 4, 9, "r", "world")]
        with pytest.raises(KeyError, match="no columns"):
            read_tuples(conn, "segments", ["document_id", "language"])
    finally:
        conn.close()
