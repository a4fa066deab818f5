"""What a gate remembers of each frame it validated (checks/history.py) and how the outcomes of a
run's landing days make one check result (checks/stage_checks.py)."""
from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.checks.gates import GATES
from orchestration.checks.history import (
    VALIDATED_FRAMES_TABLE, WAREHOUSE_SCOPE, ValidatedFrame, last_validated, record_frames,
)
from orchestration.checks.stage_checks import NOTHING_NEW, combined_result

GATE = next(g for g in GATES if g.suite_name == "sentences")
FAILURE = {"expectation": "expect_column_values_to_not_be_null(text)", "observed": None,
           "unexpected_count": 2, "examples": ["{'sentence_key': 'a:1'}"]}


def frame(run_id: str, success: bool = True, rows: int = 10, description: str | None = None) -> ValidatedFrame:
    metadata = {"suite": GATE.suite_name, "rows_validated": rows, "expectations": 12,
                "expectations_failed": 0 if success else 1, **({} if success else {"failures": [FAILURE]})}
    return ValidatedFrame(run_id, f"key-{run_id}-{rows}", success, description, metadata)


def test_each_scope_is_remembered_on_its_own_and_a_table_from_before_scopes_is_read(tmp_path: Path):
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    # a warehouse whose table predates scopes: one frame per gate, read as the warehouse's
    conn.execute("CREATE SCHEMA pipeline")
    conn.execute(f"""CREATE TABLE {VALIDATED_FRAMES_TABLE} (step VARCHAR NOT NULL, suite VARCHAR NOT NULL,
        fingerprint VARCHAR NOT NULL, run_id VARCHAR NOT NULL, success BOOLEAN NOT NULL, description VARCHAR,
        metadata VARCHAR NOT NULL, validated_at TIMESTAMP NOT NULL)""")
    conn.execute(f"INSERT INTO {VALIDATED_FRAMES_TABLE} VALUES ('raw/sentences', 'sentences', 'old', 'r0', true, "
                 "NULL, '{}', now())")
    assert set(last_validated(conn, "raw/sentences", "sentences")) == {WAREHOUSE_SCOPE}
    record_frames(conn, "raw/sentences", "sentences", {"2026-11-01": frame("r1"), "2026-11-02": frame("r1", rows=3)})
    # the nightly run of one day replaces that day only
    record_frames(conn, "raw/sentences", "sentences", {"2026-11-02": frame("r2", rows=4)})
    remembered = last_validated(conn, "raw/sentences", "sentences")
    assert {scope: f.run_id for scope, f in remembered.items()} == {
        WAREHOUSE_SCOPE: "r0", "2026-11-01": "r1", "2026-11-02": "r2"}
    assert remembered["2026-11-02"].metadata["rows_validated"] == 4
    assert last_validated(conn, "raw/sentences", "sentences_warn") == {}


def test_a_run_of_several_days_fails_when_one_day_failed_and_names_it():
    passed, description, metadata = combined_result(GATE, {
        "2026-11-01": frame("earlier"), "2026-11-02": frame("now", success=False, rows=5,
                                                            description="1 of 12 expectations failed: ..."),
    }, run_id="now")
    assert not passed
    assert description.startswith("1 of 2 landing days failed: 2026-11-02: 1 of 12")
    assert metadata["rows_validated"] == 15 and metadata["landing_days_validated"] == 1
    assert metadata["landing_days_failed"] == 1 and metadata["expectations_failed"] == 1
    assert metadata["failures"] == [{"landing_day": "2026-11-02", **FAILURE}]
    assert "unchanged_since_run" not in metadata


def test_days_all_remembered_say_so_and_days_of_repeats_only_are_nothing_new():
    passed, description, metadata = combined_result(GATE, {"2026-11-01": frame("r1"), "2026-11-02": frame("r2")},
                                                    run_id="now")
    assert passed and description is None
    assert metadata["unchanged_since_run"] == "r1, r2" and metadata["landing_days_validated"] == 0
    repeats = ValidatedFrame("now", "k", True, NOTHING_NEW, {"suite": GATE.suite_name, "rows_validated": 0})
    assert combined_result(GATE, {"2026-11-03": repeats, "2026-11-04": repeats}, run_id="now")[1] == NOTHING_NEW
    # one frame (the warehouse, or a nightly run's day) reports as it was recorded
    passed, _, metadata = combined_result(GATE, {"2026-11-01": frame("r1")}, run_id="now")
    assert passed and metadata["landing_days"] == "2026-11-01" and metadata["unchanged_since_run"] == "r1"
