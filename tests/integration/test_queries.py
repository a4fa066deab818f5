"""The analysts' example queries (warehouse/queries/*.sql): each answers what its header says,
and all of them keep working on the published snapshot while a pipeline run writes the live
warehouse — analysts never wait for, or break, a run."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.landed import landing_day_range
from orchestration.partitions import range_tags
from tests.conftest import REPO_ROOT, SAMPLES_DIR

pytestmark = pytest.mark.integration

QUERY_DIR = REPO_ROOT / "warehouse" / "queries"
QUERIES = sorted(QUERY_DIR.glob("*.sql"))
VENV_BIN = Path(sys.executable).parent
# one story for the parameterised runs: the first story that has claims
SET_STORY = "SET VARIABLE story_id = (SELECT min(story_id) FROM marts.dim_claim)"


def run_query(conn: duckdb.DuckDBPyConnection, path: Path) -> tuple[list[str], list[tuple]]:
    result = conn.execute(path.read_text())
    return [d[0] for d in result.description], result.fetchall()


def rows_of(conn, name: str) -> list[dict]:
    columns, rows = run_query(conn, QUERY_DIR / name)
    return [dict(zip(columns, row)) for row in rows]


def test_the_example_queries_are_there_and_say_what_they_answer():
    names = {p.name for p in QUERIES}
    assert {"omitted_claims.sql", "single_outlet_claims.sql", "text_reuse.sql", "story_timeline.sql",
            "quality_history.sql", "story_grid.sql"} <= names
    for path in QUERIES:
        lines = path.read_text().splitlines()
        header = lines[: next(i for i, line in enumerate(lines) if not line.startswith("--"))]
        assert len(header) >= 2, f"{path.name}: no header comment saying what it answers"
        assert any("Parameters" in line for line in header), f"{path.name}: header names no parameters"


def test_omitted_claims_are_the_uncovered_cells(snapshot):
    rows = rows_of(snapshot, "omitted_claims.sql")
    uncovered = snapshot.execute("SELECT count(*) FROM marts.fct_outlet_claims WHERE NOT is_covered").fetchone()[0]
    assert len(rows) == uncovered
    assert all(r["carried_by"] < r["outlets_on_story"] for r in rows)


def test_single_outlet_claims_shows_what_only_one_outlet_said(snapshot):
    rows = rows_of(snapshot, "single_outlet_claims.sql")
    claims = [r for r in rows if r["kind"] == "claim"]
    exclusives = [r for r in rows if r["kind"] == "exclusive"]
    assert len(claims) == snapshot.execute("SELECT count(*) FROM marts.dim_claim WHERE outlet_count = 1").fetchone()[0]
    assert exclusives, "the samples' outlets each carry material no other outlet does"
    claimed = {r[0] for r in snapshot.execute("SELECT sentence_id FROM marts.fct_claim_mentions").fetchall()}
    assert not {r["sentence_id"] for r in exclusives} & claimed
    # only stories several outlets covered: an exclusive needs someone to be exclusive against
    multi = {r[0] for r in snapshot.execute("SELECT story_id FROM marts.dim_story WHERE outlet_count >= 2").fetchall()}
    assert {r["story_id"] for r in rows} <= multi
    assert all(r["outlet_name"] and len(r["text"]) >= 40 for r in exclusives)
    # Ynet's own source, which no other outlet has (the review's example)
    assert any("US source told Ynet" in r["text"] for r in exclusives)


def test_text_reuse_names_both_sides(snapshot):
    rows = rows_of(snapshot, "text_reuse.sql")
    assert len(rows) == snapshot.execute("SELECT count(*) FROM marts.fct_text_reuse").fetchone()[0]
    assert all(r["document_id"] != r["source_document_id"] for r in rows)


def test_story_timeline_is_in_publication_order(snapshot):
    snapshot.execute(SET_STORY)
    try:
        rows = rows_of(snapshot, "story_timeline.sql")
        story = snapshot.execute("SELECT getvariable('story_id')").fetchone()[0]
    finally:
        snapshot.execute("RESET VARIABLE story_id")
    documents = snapshot.execute("SELECT count(*) FROM marts.dim_document WHERE story_id = ?", [story]).fetchone()[0]
    assert len(rows) == documents > 0
    assert {r["story_id"] for r in rows} == {story}
    dated = [r["published_at"] for r in rows if r["published_at"] is not None]
    assert dated == sorted(dated)
    assert all(r["published_at"] is not None for r in rows[: len(dated)])  # undated ones come last
    # each claim of the story that any document carried is first carried by exactly one document
    carried = snapshot.execute(
        "SELECT count(DISTINCT claim_id) FROM marts.fct_claim_mentions m "
        "JOIN marts.dim_document d USING (document_id) WHERE d.story_id = ?", [story]
    ).fetchone()[0]
    assert sum(r["claims_first_carried"] for r in rows) == carried


def test_quality_history_of_a_published_snapshot_has_no_failed_gate(snapshot):
    rows = rows_of(snapshot, "quality_history.sql")
    assert rows, "no validation results in the snapshot"
    latest_run = max(rows, key=lambda r: r["validated_at"])["run_id"]
    # warning suites may fail; a blocking failure would have stopped publishing
    assert all(r["blocking_failed"] == 0 for r in rows if r["run_id"] == latest_run)
    assert all(r["blocking_failed"] <= r["failed"] <= r["expectations"] for r in rows)


def test_story_grid_has_a_row_per_claim_and_a_column_per_outlet(snapshot):
    snapshot.execute(SET_STORY)
    try:
        columns, rows = run_query(snapshot, QUERY_DIR / "story_grid.sql")
        story = snapshot.execute("SELECT getvariable('story_id')").fetchone()[0]
    finally:
        snapshot.execute("RESET VARIABLE story_id")
    claims, outlets = snapshot.execute(
        "SELECT count(DISTINCT claim_id), count(DISTINCT outlet_id) FROM marts.fct_outlet_claims WHERE story_id = ?",
        [story],
    ).fetchone()
    assert len(rows) == claims
    assert len(columns) == 3 + outlets
    cells = [cell for row in rows for cell in row[3:]]
    assert all(cell == "✗" or cell.startswith("✓ ") for cell in cells)


def test_queries_run_on_the_snapshot_while_a_pipeline_run_writes(sample_warehouse: Path, tmp_path: Path):
    """Start a real pipeline run (`dagster job execute`, as `make run` does) on a copy of the
    warehouse, and meanwhile run every example query, over and over, on its snapshot."""
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    for name in ("claimgrid.duckdb", "analytics.duckdb"):
        shutil.copy(sample_warehouse / name, warehouse / name)
    live, snapshot_path = warehouse / "claimgrid.duckdb", warehouse / "analytics.duckdb"
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "ops" / "dagster.yaml", home / "dagster.yaml")
    env = {
        **os.environ, "DAGSTER_HOME": str(home), "CLAIMGRID_WAREHOUSE_DIR": str(warehouse),
        "CLAIMGRID_LANDING_DIR": str(SAMPLES_DIR),
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    log_path = tmp_path / "writer.log"
    live_mtime = live.stat().st_mtime_ns
    rounds_while_writing = 0
    live_changes_seen = 0
    cli_exit_codes: list[int] = []
    with open(log_path, "wb") as log:
        writer = subprocess.Popen(
            [str(VENV_BIN / "dagster"), "job", "execute", "-m", "orchestration.definitions", "-j", "claimgrid_all",
             "--tags", json.dumps(range_tags(*landing_day_range(SAMPLES_DIR)))],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        while writer.poll() is None:
            # a fresh read-only connection per round, in a process of its own like an analyst's
            # `make sql` session; it never opens the live file (only os.stat), which would take a
            # lock the writer needs. (In this process, after the in-process runs of earlier tests,
            # DuckDB 1.5.6 once crashed closing such a connection while the writer replaced the file.)
            round_ = subprocess.run([sys.executable, "-m", "tests.integration.query_round", str(snapshot_path)],
                                    cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
            assert round_.returncode == 0, round_.stderr[-3000:]
            if writer.poll() is None:
                rounds_while_writing += 1
            mtime = live.stat().st_mtime_ns
            if mtime != live_mtime:
                live_changes_seen += 1
                live_mtime = mtime
                # the analyst CLI too (what `make sql` opens), once the writer has written
                if not cli_exit_codes and writer.poll() is None:
                    with open(QUERY_DIR / "story_grid.sql", "rb") as sql:
                        cli = subprocess.run(
                            [str(VENV_BIN / "duckdb"), "-readonly", str(snapshot_path)],
                            stdin=sql, capture_output=True, timeout=120,
                        )
                    assert cli.returncode == 0, cli.stderr.decode(errors="replace")
                    cli_exit_codes.append(cli.returncode)
            time.sleep(0.2)
        writer.wait(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    log_text = log_path.read_text(errors="replace")
    print(f"{rounds_while_writing} rounds of {len(QUERIES)} queries x2 while the writer ran; "
          f"live file changed {live_changes_seen} times under them; CLI exit codes {cli_exit_codes}")
    assert writer.returncode == 0, log_text[-5000:]
    assert "RUN_SUCCESS" in log_text
    # the queries really overlapped the writing
    assert rounds_while_writing >= 3, rounds_while_writing
    assert live_changes_seen >= 1, "the live warehouse did not change while the queries ran"
    assert cli_exit_codes == [0]
    # and the run republished the snapshot, which still answers
    conn = duckdb.connect(str(snapshot_path), read_only=True)
    try:
        for path in QUERIES:
            run_query(conn, path)
    finally:
        conn.close()
