"""Retraction end to end: the landing sensor notices a removed dump and a manifest retraction,
the run it asks for drops both documents from the published snapshot, and fct_retractions says
when and why."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.core.retraction import MANIFEST, REMOVED
from orchestration.sensors import landing_folder_sensor
from tests.conftest import SAMPLES_DIR, sensor_tick
from tests.integration.pipeline import run_pipeline

pytestmark = pytest.mark.integration


def tick(landing_dir: Path, cursor: str | None):
    """(the run request, or the skip reason, and the new cursor); the samples land on one day,
    so a change asks for one run."""
    result, cursor = sensor_tick(landing_folder_sensor, landing_dir, cursor)
    if isinstance(result, list):
        [result] = result
    return result, cursor


def published(warehouse: Path, sql: str) -> list[tuple]:
    conn = duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_sensor_runs_again_when_the_folder_returns_to_a_state_it_has_seen(landing_copy: Path):
    extra = landing_copy / "extra.txt"
    keys = []
    request, cursor = tick(landing_copy, None)
    keys.append(request.run_key)
    for _ in range(2):
        extra.write_text("A later story.\n\nWith a body of its own.", encoding="utf-8")
        request, cursor = tick(landing_copy, cursor)
        assert isinstance(request, dg.RunRequest)
        keys.append(request.run_key)
        extra.unlink()   # back to the first folder state
        request, cursor = tick(landing_copy, cursor)
        assert isinstance(request, dg.RunRequest), "a removal must ask for a run"
        assert request.tags["claimgrid/dump_count_change"] == "-1"
        keys.append(request.run_key)
    assert len(set(keys)) == len(keys) == 5
    assert isinstance(tick(landing_copy, cursor)[0], dg.SkipReason)


def test_removed_and_manifest_retracted_dumps_leave_the_next_snapshot(sample_warehouse: Path, tmp_path: Path):
    # the first run over the five samples is the session's (tests/conftest.py), on a copy; the
    # landing folder is a copy that keeps the samples' times, so its dumps land on the days of that run
    warehouse = tmp_path / "warehouse"
    shutil.copytree(sample_warehouse, warehouse)
    landing_copy = tmp_path / "landing"
    shutil.copytree(SAMPLES_DIR, landing_copy)
    request, cursor = tick(landing_copy, None)
    assert isinstance(request, dg.RunRequest)
    documents = dict(published(warehouse, "SELECT source_file, document_id FROM marts.dim_document"))
    assert len(documents) == 5
    assert published(warehouse, "SELECT count(*) FROM marts.fct_retractions") == [(0,)]

    # a run on an empty folder (an unmounted volume) stops at the ingest gate and retracts nothing
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not run_pipeline(empty, warehouse, raise_on_error=False).success
    assert published(warehouse, "SELECT count(*) FROM marts.dim_document") == [(5,)]

    removed, retracted = "004_69145af5bc353dce.txt", "002_07b8c526e59b7ca9.txt"
    (landing_copy / removed).unlink()
    (landing_copy / "manifest.jsonl").write_text(
        json.dumps({"file": retracted, "retracted": True, "retraction_reason": "publisher asked"}) + "\n",
        encoding="utf-8",
    )
    request, cursor = tick(landing_copy, cursor)
    assert isinstance(request, dg.RunRequest), "the sensor must notice a removal and a manifest edit"
    assert request.tags["claimgrid/dump_count_change"] == "-1"
    assert run_pipeline(landing_copy, warehouse).success

    left = {r[0] for r in published(warehouse, "SELECT source_file FROM marts.dim_document")}
    assert left == set(documents) - {removed, retracted}
    gone = ", ".join(f"'{documents[f]}'" for f in (removed, retracted))
    for table in ("raw.dumps", "staging.stg_sentences", "marts.fct_claim_mentions"):
        assert published(warehouse, f"SELECT count(*) FROM {table} WHERE document_id IN ({gone})") == [(0,)], table
    ledger = {r[0]: r[1:] for r in published(
        warehouse, "SELECT source_file, document_id, reason, retracted_at FROM marts.fct_retractions")}
    assert ledger[removed][:2] == (documents[removed], REMOVED)
    assert ledger[retracted][:2] == (documents[retracted], f"{MANIFEST}: publisher asked")
    assert all(row[2] is not None for row in ledger.values())
    assert isinstance(tick(landing_copy, cursor)[0], dg.SkipReason)
