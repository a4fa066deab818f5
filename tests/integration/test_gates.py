"""Write-audit-publish under attack: bad data injected at each stage must fail the right check,
skip everything downstream, leave analytics.duckdb byte-identical and be recorded in
quality.validation_results.

The session's good run on the samples is the baseline warehouse (live + published snapshot); each
test works on a copy of it. Bad data that real inputs can produce (an empty landing folder, a dump of
nothing but boilerplate) is landed as files and the whole graph runs; bad data that only a
broken stage could write (duplicate document ids, an unknown language code, a duplicated mart
key) is written into the live warehouse where that stage would have left it, and the run then
covers the stage's checks and everything downstream of it.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from orchestration.assets.publish import analytics_snapshot
from orchestration.checks.suites import BOILERPLATE_RULES_PATH
from orchestration.lake import LAKE_TABLES
from orchestration.settings import LIVE_DB_NAME, SNAPSHOT_DB_NAME
from tests.conftest import SAMPLES_DIR
from tests.integration.pipeline import run_pipeline

pytestmark = pytest.mark.integration

PUBLISH_KEY = analytics_snapshot.key
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def baseline(sample_warehouse: Path) -> Path:
    """The session's good run on the samples (live file plus published snapshot), shared with
    the other integration tests; every test here works on a copy."""
    assert (sample_warehouse / SNAPSHOT_DB_NAME).exists()
    return sample_warehouse


@pytest.fixture
def warehouse(baseline: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "warehouse"
    shutil.copytree(baseline, copy)
    return copy


# ---- helpers ----------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _failures(result: dg.ExecuteInProcessResult) -> list[str]:
    return [
        f"{e.step_key}: {e.event_specific_data.error.message}"
        for e in result.all_events if e.event_type_value == "STEP_FAILURE"
    ]


def _checks(result: dg.ExecuteInProcessResult) -> dict[str, bool]:
    return {
        e.event_specific_data.check_name: e.event_specific_data.passed
        for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"
    }


def _materialized(result: dg.ExecuteInProcessResult) -> set[dg.AssetKey]:
    return {e.asset_key for e in result.get_asset_materialization_events()}


def _recorded_failures(warehouse: Path, run_id: str) -> set[tuple[str, str]]:
    conn = duckdb.connect(str(warehouse / LIVE_DB_NAME), read_only=True)
    try:
        return set(conn.execute(
            "SELECT suite, expectation FROM quality.validation_results WHERE run_id = ? AND NOT success",
            [run_id],
        ).fetchall())
    finally:
        conn.close()


def _corrupt(warehouse: Path, *statements: str) -> None:
    """Run `statements` on the warehouse as a bad stage would have written it: on the live DuckDB
    file, or, for the document stages' tables, on their Parquet files in the lake."""
    if any(f"raw.{table}" in statement for statement in statements for table in LAKE_TABLES):
        _corrupt_lake(warehouse / "lake", *statements)
        return
    conn = duckdb.connect(str(warehouse / LIVE_DB_NAME))
    try:
        for statement in statements:
            conn.execute(statement)
    finally:
        conn.close()


def _corrupt_lake(lake: Path, *statements: str) -> None:
    """Each landing day's lake files loaded as raw.<table> tables, changed, written back."""
    for day_folder in sorted({p.parent.name for p in lake.glob("*/day=*/part.parquet")}):
        conn = duckdb.connect()
        try:
            conn.execute("CREATE SCHEMA raw")
            files = {t: lake / t / day_folder / "part.parquet" for t in LAKE_TABLES}
            for table, path in files.items():
                conn.execute(f"CREATE TABLE raw.{table} AS SELECT * FROM read_parquet('{path}')")
            for statement in statements:
                conn.execute(statement)
            for table, path in files.items():
                conn.execute(f"COPY raw.{table} TO '{path}' (FORMAT parquet)")
        finally:
            conn.close()


def _stage_and_downstream(*keys: str) -> dg.AssetSelection:
    """The checks of the stage that wrote `keys` plus every asset downstream of them: the rest of
    a run after that stage, without re-running the stage over the injected rows."""
    asset_keys = [dg.AssetKey.from_user_string(k) for k in keys]
    return dg.AssetSelection.checks_for_assets(*asset_keys) | dg.AssetSelection.assets(*asset_keys).downstream(
        include_self=False
    )


def assert_gate_held(result, warehouse: Path, snapshot_before: str, check: str, suite: str,
                     must_not_run: set[str]) -> set[tuple[str, str]]:
    """The common verdict: red run naming the check, the check failed, nothing downstream
    materialized, snapshot untouched, the failure recorded. Returns the recorded failures."""
    assert not result.success
    assert _checks(result).get(check) is False, _checks(result)
    assert any(check in message for message in _failures(result)), _failures(result)
    materialized = _materialized(result)
    assert PUBLISH_KEY not in materialized
    assert not {dg.AssetKey.from_user_string(k) for k in must_not_run} & materialized
    assert _sha256(warehouse / SNAPSHOT_DB_NAME) == snapshot_before
    recorded = _recorded_failures(warehouse, result.run_id)
    assert any(s == suite for s, _ in recorded), recorded
    return recorded


# ---- injections with real inputs --------------------------------------------------------------

def test_empty_landing_folder_stops_at_ingest(warehouse: Path, tmp_path: Path):
    before = _sha256(warehouse / SNAPSHOT_DB_NAME)
    empty = tmp_path / "empty_landing"
    empty.mkdir()
    result = run_pipeline(empty, warehouse, raise_on_error=False)
    recorded = assert_gate_held(result, warehouse, before, "gx_raw_dumps", "raw_dumps",
                                {"raw/documents", "raw/segments", "marts/dim_document"})
    assert ("raw_dumps", "expect_table_row_count_to_be_between") in recorded
    # ingest wrote the (empty) day; nothing below its gate ran, the retraction ledger included
    assert _materialized(result) == {dg.AssetKey(["raw", "dumps"])}


def _boilerplate_lines() -> list[str]:
    """Lines every cleaner must treat as furniture: the must_match examples of the whole-line
    boilerplate rules of the cleaning rules file (no story text, no outlet names)."""
    rules = yaml.safe_load(BOILERPLATE_RULES_PATH.read_text(encoding="utf-8"))["rules"]
    return [
        example
        for rule in rules
        if rule.get("kind") == "boilerplate" and rule.get("scope", "line") == "line"
        and rule.get("where", "anywhere") == "anywhere" and not rule.get("opens") and not rule.get("closes")
        for example in rule["must_match"]
    ]


@pytest.mark.skipif(not BOILERPLATE_RULES_PATH.exists(), reason="needs the cleaning rules file")
def test_dump_of_only_boilerplate_stops_at_cleaning(warehouse: Path, tmp_path: Path):
    """Quarantined as bodiless or leaked into a body, either way the cleaned_documents gate
    fails: no accepted document, or boilerplate in a body."""
    before = _sha256(warehouse / SNAPSHOT_DB_NAME)
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "furniture.txt").write_text("\n\n".join(_boilerplate_lines()) + "\n", encoding="utf-8")
    result = run_pipeline(landing, warehouse, raise_on_error=False)
    assert _checks(result).get("gx_raw_dumps") is True
    assert_gate_held(result, warehouse, before, "gx_cleaned_documents", "cleaned_documents",
                     {"raw/sentences", "raw/document_outlets", "marts/dim_document"})


# ---- injections where only a broken stage could put the data ----------------------------------

def test_duplicate_document_ids_stop_at_cleaning_and_hostile_text_stays_escaped(warehouse: Path, tmp_path: Path):
    before = _sha256(warehouse / SNAPSHOT_DB_NAME)
    # a second row for an existing document id, whose body also carries markup and debris
    _corrupt(warehouse, f"""
        INSERT INTO raw.documents
        SELECT * REPLACE ('{HOSTILE} and string(12) "x" ' || body_text AS body_text)
        FROM raw.documents WHERE quarantine_reason IS NULL ORDER BY document_id LIMIT 1
    """)
    result = run_pipeline(SAMPLES_DIR, warehouse, raise_on_error=False,
                          selection=_stage_and_downstream("raw/documents"))
    recorded = assert_gate_held(result, warehouse, before, "gx_cleaned_documents", "cleaned_documents",
                                {"raw/sentences", "raw/document_outlets", "marts/dim_document"})
    assert ("cleaned_documents", "expect_column_values_to_be_unique(document_id)") in recorded

    # hostile text never reaches Dagster metadata or the run log unescaped (the warning suite
    # names the markup in the body; content is never what blocks) ...
    evaluation = next(
        e.event_specific_data for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
        and e.event_specific_data.check_name == "gx_cleaned_documents_warn"
    )
    shown = json.dumps({k: str(v.value) for k, v in evaluation.metadata.items()}) + str(evaluation.description)
    assert "&lt;script&gt;alert(1)" in shown          # the failing value is shown ...
    assert "<script" not in shown                     # ... escaped
    logs = " ".join(e.message or "" for e in result.all_events)
    assert "<script>alert(1)" not in logs

    # ... nor the GX Data Docs built from the same warehouse
    from orchestration.docs import build_gx_docs

    index = build_gx_docs(warehouse, tmp_path / "docs", only={"cleaned_documents_warn"})
    pages = [p.read_text(encoding="utf-8") for p in index.parent.rglob("*.html")]
    assert any("&lt;script&gt;alert(1)" in page for page in pages)
    assert not any("<script>alert(1)" in page for page in pages)


def test_unknown_language_code_stops_at_language(warehouse: Path):
    before = _sha256(warehouse / SNAPSHOT_DB_NAME)
    # 'zz' looks like a code (two lower-case letters) but is not ISO 639-1
    _corrupt(warehouse, """
        UPDATE raw.document_languages SET language = 'zz'
        WHERE document_id = (SELECT min(document_id) FROM raw.document_languages)
    """)
    result = run_pipeline(SAMPLES_DIR, warehouse, raise_on_error=False,
                          selection=_stage_and_downstream("raw/document_languages"))
    recorded = assert_gate_held(result, warehouse, before, "gx_document_languages", "document_languages",
                                {"raw/sentences", "marts/dim_document"})
    assert ("document_languages", "expect_column_values_to_be_in_set(language)") in recorded


def test_mart_with_a_duplicate_key_is_not_published(warehouse: Path):
    """dbt built a mart with a duplicated key: its dbt unique test fails (a blocking check, the
    marts' only key gate), and publish does not run."""
    before = _sha256(warehouse / SNAPSHOT_DB_NAME)
    _corrupt(warehouse, "INSERT INTO marts.dim_claim SELECT * FROM marts.dim_claim ORDER BY claim_id LIMIT 1")
    selection = dg.AssetSelection.checks_for_assets(dg.AssetKey(["marts", "dim_claim"])) | dg.AssetSelection.assets(
        PUBLISH_KEY
    )
    result = run_pipeline(SAMPLES_DIR, warehouse, raise_on_error=False, selection=selection)
    recorded = assert_gate_held(result, warehouse, before, "unique_dim_claim_claim_id", "dbt", set())
    assert ("dbt", "unique_dim_claim_claim_id") in recorded


def test_a_run_that_would_publish_a_collapsed_grid_is_stopped(warehouse: Path, tmp_path: Path):
    """Two of the five samples land where five were published: every stage passes its own gates
    (two documents of one story still make claims), but the grid would lose most of its cells,
    so the comparison with the published snapshot stops the run before publish."""
    before = _sha256(warehouse / SNAPSHOT_DB_NAME)
    landing = tmp_path / "landing"
    landing.mkdir()
    talks = [p for p in sorted(SAMPLES_DIR.iterdir()) if "secret" in p.read_text(encoding="utf-8").lower()][:2]
    for path in talks:
        shutil.copy2(path, landing / path.name)    # with its time: it lands on its published day
    result = run_pipeline(landing, warehouse, raise_on_error=False)
    assert _checks(result).get("gx_claims") is True
    recorded = assert_gate_held(result, warehouse, before, "gx_mart_grid_vs_published", "mart_grid_vs_published", set())
    assert ("mart_grid_vs_published", "expect_column_values_to_be_between(share_of_published)") in recorded


def test_publish_alone_refuses_after_a_red_run(warehouse: Path):
    """The audit inside publish: materializing publish on its own after a failed gate does not
    copy the bad warehouse either."""
    before = _sha256(warehouse / SNAPSHOT_DB_NAME)
    _corrupt(warehouse, "UPDATE raw.document_languages SET probability = 1.5")
    first = run_pipeline(SAMPLES_DIR, warehouse, raise_on_error=False,
                         selection=dg.AssetSelection.checks_for_assets(dg.AssetKey(["raw", "document_languages"])))
    assert _checks(first).get("gx_document_languages") is False
    result = run_pipeline(SAMPLES_DIR, warehouse, raise_on_error=False,
                          selection=dg.AssetSelection.assets(PUBLISH_KEY))
    assert not result.success
    assert any("gx_document_languages" in m or "document_languages" in m for m in _failures(result)), _failures(result)
    assert PUBLISH_KEY not in _materialized(result)
    assert _sha256(warehouse / SNAPSHOT_DB_NAME) == before
