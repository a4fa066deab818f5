"""`make run` as a new user sees it: a short, readable terminal (one line per stage, the log's
path, the grid), with the full Dagster/dbt output in the log file it names."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.integration


def test_make_run_prints_stages_the_log_path_and_the_grid_in_under_100_lines(sample_run):
    # the session's run on the samples is `make run` itself (tests/conftest.py, sample_run)
    warehouse, output = sample_run.warehouse_dir, sample_run.terminal
    lines = output.splitlines()
    assert len(lines) < 100, f"{len(lines)} lines:\n{output}"

    # one line per stage, with rows and seconds
    stage_lines = [line for line in lines if re.search(r"✓ \S+\s+\d+\.\d s  \S", line)]
    assert len(stage_lines) >= 6, stage_lines
    for stage in ("raw/dumps", "raw/sentences", "raw/claims", "tests passed", "analytics_snapshot"):
        assert any(stage in line for line in stage_lines), stage
    assert all("rows" in line for line in stage_lines)
    assert any(re.search(r"checks: \d+ evaluated, \d+ passed", line) for line in lines)
    # the full log is where the terminal says, and holds what the terminal no longer shows
    [log_line] = [line for line in lines if line.startswith("full log")]
    log = Path(log_line.split(": ", 1)[1].strip())
    assert log.is_file() and log.parent == warehouse / "logs"
    log_text = log.read_text(encoding="utf-8")
    assert "STEP_SUCCESS" in log_text and "dbt" in log_text and len(log_text.splitlines()) > 5 * len(lines)
    assert "DEBUG" not in output and "STEP_SUCCESS" not in output

    # the grid, with the SQL/UI marks and every outlet of the largest story under its full name
    conn = duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True)
    try:
        story_id, title = conn.execute(
            "SELECT story_id, title FROM marts.dim_story ORDER BY outlet_count DESC, story_id LIMIT 1").fetchone()
        outlets = [r[0] for r in conn.execute(
            "SELECT DISTINCT d.outlet_name FROM marts.fct_outlet_claims f JOIN marts.dim_outlet d USING (outlet_id) "
            "WHERE f.story_id = ?", [story_id]).fetchall()]
    finally:
        conn.close()
    assert any(story_id in line and (title or "") in line for line in lines), f"{story_id} {title!r}:\n{output}"
    for name in outlets:
        assert any(line.strip().endswith(f"] {name}") for line in lines), name
    assert any("✓ " in line and "✗" in line for line in lines), "grid rows with carried and omitted cells"
    assert not any(re.search(r"\bx [ARDQM]\b", line) for line in lines), "the old x/. marks"
