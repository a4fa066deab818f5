"""The whole graph on the five sample dumps, asserted by content."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.assets.dbt import MART_KEYS
from tests.conftest import SAMPLES_DIR
from tests.integration.pipeline import run_pipeline

pytestmark = pytest.mark.integration



def test_five_documents(snapshot):
    assert snapshot.execute("SELECT count(*) FROM marts.dim_document").fetchone()[0] == 5
    files = {r[0] for r in snapshot.execute("SELECT source_file FROM marts.dim_document").fetchall()}
    assert files == {p.name for p in SAMPLES_DIR.iterdir()}


def test_hebrew_caption_is_a_caption_not_body(snapshot):
    captions = snapshot.execute(
        "SELECT caption_text, language, credit FROM marts.fct_captions"
    ).fetchall()
    hebrew = [c for c in captions if any("\u0590" <= ch <= "\u05ff" for ch in c[0])]
    assert len(hebrew) == 1
    assert hebrew[0][1] == "he"
    assert hebrew[0][2] and "Reuters" in hebrew[0][2]
    bodies = [r[0] for r in snapshot.execute("SELECT body_text FROM raw.documents").fetchall()]
    assert not any(any("\u0590" <= ch <= "\u05ff" for ch in body) for body in bodies)


def test_six_related_articles_from_the_embedded_json(snapshot):
    rows = snapshot.execute(
        "SELECT related_id, title, picture_path, related_date FROM marts.fct_related_articles ORDER BY related_id"
    ).fetchall()
    assert len(rows) == 6
    assert all(r[0] and r[1] and r[2] and r[3] for r in rows)
    assert all(str(r[3]).startswith("2014-") for r in rows)


def test_every_mart_is_published_with_rows(snapshot):
    """Publish copies every mart dbt declares (keys and grains are dbt's tests, run in the build);
    fct_quarantine is there and empty: nothing in the five samples is set aside."""
    for key in MART_KEYS:
        count = snapshot.execute(f"SELECT count(*) FROM marts.{key.path[-1]}").fetchone()[0]
        # nothing was quarantined or retracted on the samples: those marts are published, empty
        assert count == 0 if key.path[-1] in ("fct_quarantine", "fct_retractions") else count > 0, key


def test_dbt_views_are_views_of_the_snapshot_with_the_live_rows(sample_warehouse: Path, snapshot):
    """Staging stays views in the snapshot, over its own tables (their SQL names neither the live
    catalog nor the lake's files), with the rows the live views have."""
    live = duckdb.connect(str(sample_warehouse / "claimgrid.duckdb"), read_only=True)
    try:
        live_views = {name: live.execute(f"SELECT * FROM staging.{name} ORDER BY ALL").fetchall()
                      for (name,) in live.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'staging'")
                      .fetchall()}
    finally:
        live.close()
    published = {name: sql for name, sql in snapshot.execute(
        "SELECT view_name, sql FROM duckdb_views() WHERE schema_name = 'staging'").fetchall()}
    assert set(published) == set(live_views) and "stg_segments" in published
    for name, sql in published.items():
        assert "read_parquet" not in sql and "claimgrid." not in sql, name
        assert snapshot.execute(f"SELECT * FROM staging.{name} ORDER BY ALL").fetchall() == live_views[name], name


def test_snapshot_is_read_only(sample_warehouse: Path):
    path = sample_warehouse / "analytics.duckdb"
    assert path.exists()
    conn = duckdb.connect(str(path), read_only=True)
    try:
        with pytest.raises(duckdb.Error):
            conn.execute("CREATE TABLE marts.intruder AS SELECT 1")
    finally:
        conn.close()


def _row_counts(db: Path) -> dict[str, int]:
    conn = duckdb.connect(str(db), read_only=True)
    try:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema IN ('raw', 'marts') AND (table_type = 'BASE TABLE' OR table_schema = 'raw')"
        ).fetchall()
        return {f"{s}.{t}": conn.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t in tables}
    finally:
        conn.close()


@dataclass(frozen=True)
class SecondRun:
    """The samples run again on a copy of the session's warehouse: what both tests below read."""
    warehouse: Path
    counts_before: dict[str, int]
    snapshot_mtime_before: int
    result: dg.ExecuteInProcessResult


@pytest.fixture(scope="module")
def second_run(sample_warehouse: Path, tmp_path_factory) -> SecondRun:
    warehouse = tmp_path_factory.mktemp("second_run") / "warehouse"
    shutil.copytree(sample_warehouse, warehouse)
    counts = _row_counts(warehouse / "claimgrid.duckdb")
    published = (warehouse / "analytics.duckdb").stat().st_mtime_ns
    return SecondRun(warehouse, counts, published, run_pipeline(SAMPLES_DIR, warehouse))


def test_second_run_changes_no_row_counts(second_run: SecondRun):
    """The samples again, on a copy of the session's warehouse: nothing grows or shrinks."""
    assert second_run.result.success
    assert _row_counts(second_run.warehouse / "claimgrid.duckdb") == second_run.counts_before
    assert second_run.counts_before["raw.dumps"] == 5


def test_a_run_with_nothing_new_skips_dbt_and_publish(second_run: SecondRun):
    """Same samples, same warehouse: the corpus stages do no work, dbt builds nothing (no source
    table changed), so no mart is materialized and the published snapshot is the one there was."""
    result = second_run.result
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert not {k for k in materialized if k.path[0] in ("marts", "staging", "intermediate")}, materialized
    assert dg.AssetKey("analytics_snapshot") not in materialized
    assert (second_run.warehouse / "analytics.duckdb").stat().st_mtime_ns == second_run.snapshot_mtime_before
    for event in result.get_asset_materialization_events():
        if event.asset_key.path[-1] in ("stories", "claims", "claim_mentions", "text_reuse"):
            assert event.materialization.metadata["documents_processed"].value == 0, event.asset_key
    # the GX gates read the same frames as the last run (a document stage's: the run's days of
    # the lake) and report that run's outcome without validating again
    reused = {e.event_specific_data.check_name: "unchanged_since_run" in e.event_specific_data.metadata
              for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"}
    assert all(reused[f"gx_{suite}"] for suite in ("cleaned_documents", "sentences", "claim_mentions")), reused


def test_a_changed_raw_table_rebuilds_only_the_models_below_it(sample_warehouse: Path, tmp_path: Path):
    """raw.claim_mentions edited behind the stages' back (the ledger says nothing changed): dbt
    builds the models below that table only, reports the others as not rebuilt, and publish runs."""
    warehouse = tmp_path / "warehouse"
    shutil.copytree(sample_warehouse, warehouse)
    conn = duckdb.connect(str(warehouse / "claimgrid.duckdb"))
    try:
        conn.execute("UPDATE raw.claim_mentions SET stance = 'reports' WHERE stance = 'asserts'")
        changed = conn.execute("SELECT count(*) FROM raw.claim_mentions WHERE stance = 'reports'").fetchone()[0]
    finally:
        conn.close()
    assert changed
    published = (warehouse / "analytics.duckdb").stat().st_mtime_ns
    result = run_pipeline(SAMPLES_DIR, warehouse)
    assert result.success
    rebuilt = {e.asset_key.path[-1]: e.materialization.metadata.get("dbt_rebuilt")
               for e in result.get_asset_materialization_events() if e.asset_key.path[0] in ("marts", "staging")}
    assert rebuilt["fct_claim_mentions"] is None and rebuilt["stg_claim_mentions"] is None   # built by dbt
    assert rebuilt["dim_document"].value is False and rebuilt["fct_captions"].value is False  # left as they were
    assert (warehouse / "analytics.duckdb").stat().st_mtime_ns != published
    snapshot = duckdb.connect(str(warehouse / "analytics.duckdb"), read_only=True)
    try:
        assert snapshot.execute("SELECT count(*) FROM marts.fct_claim_mentions WHERE stance = 'asserts'").fetchone() == (0,)
    finally:
        snapshot.close()


def test_the_lake_sources_are_fingerprinted_file_by_file_as_a_whole_read_would(sample_warehouse: Path):
    """The dbt step sums the rows of each lake file it read at the last build instead of reading
    every day of the lake again: the same fingerprints as reading the tables whole, and after the
    run's build no file needs reading."""
    import json

    from orchestration.dbt_changes import LakeFileRows, known_file_rows, manifest_sources, source_fingerprints
    from orchestration.dbt_project import dbt_project

    sources = manifest_sources(json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8")))
    conn = duckdb.connect(str(sample_warehouse / "claimgrid.duckdb"), read_only=True)
    try:
        whole = source_fingerprints(conn, sources)
        fresh = LakeFileRows(sample_warehouse / "lake")
        assert source_fingerprints(conn, sources, fresh) == whole
        assert fresh.files_read == len(fresh.current) == len(list((sample_warehouse / "lake").glob("*/*/part.parquet")))
        kept = LakeFileRows(sample_warehouse / "lake", known_file_rows(conn))
        assert source_fingerprints(conn, sources, kept) == whole
        assert kept.files_read == 0 and kept.current == fresh.current
    finally:
        conn.close()
