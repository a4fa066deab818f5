"""What an engineer reads in the run log and on each materialization: progress of the long steps
(n/N documents and a rate), a row count on every table, and the grid preview on publish."""
from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest


pytestmark = pytest.mark.integration

PROGRESS = re.compile(r"\b(\d+)/(\d+)(?: \w+)? \((\d+(?:\.\d+)?)/s\b")
# The stage steps that loop over documents (or mentions) and must say how far they are.
PROGRESS_STEPS = {"cleaned_documents", "document_languages", "raw__document_outlets", "raw__sentences", "raw__claim_mentions"}
ROW_COUNT_KEYS = ("dagster/row_count",)


@pytest.fixture(scope="module")
def recorded_run(sample_run) -> tuple[dg.DagsterInstance, str, Path]:
    """The session's run on the samples, read back from its instance's event log."""
    return sample_run.instance, sample_run.run_id, sample_run.warehouse_dir


def test_long_steps_log_progress_with_a_rate(recorded_run):
    instance, run_id, _ = recorded_run
    lines: dict[str, list[str]] = {}
    for record in instance.all_logs(run_id):
        if record.is_dagster_event or not record.step_key:
            continue
        if PROGRESS.search(record.user_message):
            lines.setdefault(record.step_key, []).append(record.user_message)
    assert PROGRESS_STEPS <= set(lines), f"no progress lines from {PROGRESS_STEPS - set(lines)}"
    for step, messages in lines.items():
        done, total, _rate = PROGRESS.search(messages[-1]).groups()
        assert done == total, f"{step}: last progress line is not the end: {messages[-1]}"


def test_every_table_materialization_has_a_row_count(recorded_run):
    instance, run_id, warehouse = recorded_run
    with duckdb.connect(str(warehouse / "claimgrid.duckdb"), read_only=True) as conn:
        views = set(conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'VIEW'"
        ).fetchall())
    missing = []
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
        materialization = record.asset_materialization
        key = materialization.asset_key
        if (key.path[0], key.path[-1]) in views:
            continue  # dbt views: counting them would run their SQL again; the tables are counted
        metadata = materialization.metadata
        if not any(isinstance(metadata.get(k), dg.IntMetadataValue) for k in ROW_COUNT_KEYS):
            missing.append(key.to_user_string())
    assert not missing, f"materializations without a row count: {missing}"


def test_publish_shows_the_grid_preview(recorded_run):
    instance, run_id, _ = recorded_run
    [record] = [
        r for r in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        if r.asset_materialization.asset_key == dg.AssetKey("analytics_snapshot")
    ]
    preview = record.asset_materialization.metadata["grid_preview"]
    assert isinstance(preview, dg.MarkdownMetadataValue)
    assert "| claim |" in preview.md_str and ("✓" in preview.md_str or "empty" in preview.md_str)
