"""What a check's frame over lake partitions is keyed by: the files of the tables its query reads."""
from __future__ import annotations

import duckdb

from orchestration.checks.gates import SENTENCES_SQL
from orchestration.lake import partition_files_key, table_file, tables_read

DAY = "2026-11-01"


def _write(lake, table: str, rows: int) -> None:
    path = table_file(lake, table, DAY)
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.sql(f"COPY (SELECT range AS n FROM range({rows})) TO '{path}' (FORMAT parquet)")


def test_a_gate_query_reads_the_tables_it_names():
    assert tables_read(SENTENCES_SQL) == ["documents", "sentences"]
    assert tables_read("SELECT * FROM raw.quarantine JOIN pipeline.processed USING (document_id)") == [
        "quarantine", "processed"]


def test_the_key_moves_with_a_read_table_file_and_not_with_another_tables(tmp_path):
    _write(tmp_path, "sentences", 3)
    key = partition_files_key(tmp_path, [DAY], ["sentences"])
    assert partition_files_key(tmp_path, [DAY], ["sentences"]) == key
    _write(tmp_path, "segments", 5)                  # a later stage's file of the same day
    assert partition_files_key(tmp_path, [DAY], ["sentences"]) == key
    _write(tmp_path, "sentences", 4)                 # the day rewritten
    assert partition_files_key(tmp_path, [DAY], ["sentences"]) != key
    assert partition_files_key(tmp_path, [], ["sentences"]) != key


def test_a_version_key_hashed_in_duckdb_is_the_one_hashed_in_python():
    """The corpus stages hash their documents' keys in DuckDB and compare them with keys hashed in
    Python by earlier runs: a different digest would re-process the whole corpus."""
    from orchestration.incremental import version_key, version_key_sql
    from orchestration.warehouse import sql_string

    cases = [("v1", ("abc", "def")), ("vers'ion é", ("ü", None)), ("", ("",)), ("v", ())]
    for version, keys in cases:
        expression = version_key_sql(sql_string(version), *(sql_string(k) if k is not None else "NULL" for k in keys))
        assert duckdb.sql(f"SELECT {expression}").fetchone()[0] == version_key(version, *keys), (version, keys)
