"""A corpus stage's gate validates the rows of the stage's last write (checks/gates.py LastBatch),
not the whole table: what an earlier write left was validated when it was written."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from orchestration.checks.gates import GATES
from orchestration.checks.stage_checks import NO_ROWS_IN_LAST_WRITE, SUITES_DIR, _validate_scope
from orchestration.checks.history import WAREHOUSE_SCOPE
from orchestration.corpus_ledger import CORPUS_LEDGER_TABLE
from orchestration.lake import LEDGER_COLUMNS, LEDGER_SCHEMA
from orchestration.resources import WarehouseResource
from orchestration.warehouse import table_columns

TEXT_REUSE = next(g for g in GATES if g.suite_name == "text_reuse")
STORIES = next(g for g in GATES if g.suite_name == "stories")


def _warehouse(tmp_path: Path, tables: dict[str, list[tuple]], writes: list[tuple[str, list[str], str]]) -> WarehouseResource:
    """A live warehouse holding `tables` (raw.<name> -> rows) and a corpus ledger of `writes`
    (stage, documents, processed_at), one write after the other."""
    warehouse = WarehouseResource(warehouse_dir=str(tmp_path))
    with warehouse.connect() as conn:
        for table, rows in tables.items():
            columns = table_columns(table)
            conn.execute(f"CREATE TABLE raw.{table} ({', '.join(f'{n} {t}' for n, t in columns.items())})")
            for row in rows:
                conn.execute(f"INSERT INTO raw.{table} VALUES ({', '.join('?' for _ in columns)})", list(row))
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {LEDGER_SCHEMA}")
        conn.execute(f"CREATE TABLE {CORPUS_LEDGER_TABLE} ({', '.join(f'{n} {t}' for n, t in LEDGER_COLUMNS.items())})")
        for stage, documents, processed_at in writes:
            for document_id in documents:
                conn.execute(f"INSERT INTO {CORPUS_LEDGER_TABLE} VALUES (?, ?, 'k', ?)", [stage, document_id, processed_at])
    return warehouse


def _validate(warehouse: WarehouseResource, gate):
    context = SimpleNamespace(run=SimpleNamespace(run_id="run-2"))
    suite_file = (SUITES_DIR / f"{gate.suite_name}.json").read_bytes()
    validated, _ = _validate_scope(context, warehouse, gate, WAREHOUSE_SCOPE, suite_file, None)
    return validated


def test_the_rows_of_the_last_write_are_validated_and_an_earlier_writes_are_not(tmp_path: Path):
    # doc-a's pair with itself was written by the first write; the second wrote doc-c's pairs
    bad_earlier = ("doc-a", "doc-a", 1, 0.5)
    warehouse = _warehouse(tmp_path, {"text_reuse": [bad_earlier, ("doc-c", "doc-b", 2, 0.4)]},
                           [("text_reuse", ["doc-a", "doc-b"], "2026-11-01 00:00:00"),
                            ("text_reuse", ["doc-c"], "2026-11-02 00:00:00")])
    last_write = _validate(warehouse, TEXT_REUSE)
    assert last_write.success and last_write.metadata["rows_validated"] == 1

    # the same pair written by the last write is the last write's to answer for
    with warehouse.connect() as conn:
        conn.execute(f"UPDATE {CORPUS_LEDGER_TABLE} SET processed_at = '2026-11-03' WHERE document_id = 'doc-a'")
    failed = _validate(warehouse, TEXT_REUSE)
    assert not failed.success and failed.metadata["rows_validated"] == 1


@pytest.mark.parametrize("stories, passes", [([("doc-a", "story-a")], True), ([], False)])
def test_a_last_write_without_rows_passes_while_the_table_holds_rows(tmp_path: Path, stories, passes):
    # the last write was of doc-b, which has no story row: nothing of it to validate; the table's
    # row minimum still stops a run whose table is empty
    warehouse = _warehouse(tmp_path, {"stories": stories},
                           [("stories", ["doc-a"], "2026-11-01 00:00:00"), ("stories", ["doc-b"], "2026-11-02 00:00:00")])
    validated = _validate(warehouse, STORIES)
    assert validated.success is passes
    assert (validated.description == NO_ROWS_IN_LAST_WRITE) is passes


def test_before_any_corpus_stage_wrote_the_frame_is_the_whole_table(tmp_path: Path):
    warehouse = WarehouseResource(warehouse_dir=str(tmp_path))
    with warehouse.connect() as conn:
        conn.execute("CREATE TABLE raw.stories (document_id VARCHAR, story_id VARCHAR)")
        conn.execute("INSERT INTO raw.stories VALUES ('doc-a', 'story-a'), ('doc-b', 'story-a')")
        assert len(STORIES.frame(conn)) == 2
