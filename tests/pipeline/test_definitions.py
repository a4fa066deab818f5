"""The code location loads; the schedule and the sensor evaluate."""
from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.resources import LandingResource


def test_definitions_load_and_cover_every_stage():
    from orchestration.definitions import defs

    defs.resolve_all_job_defs()
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    for stage in ("raw/dumps", "raw/documents", "raw/segments", "raw/document_languages",
                  "raw/document_outlets", "raw/sentences", "raw/stories", "raw/claims", "raw/claim_sentences",
                  "raw/claim_mentions", "raw/text_reuse",
                  "staging/stg_documents", "staging/int_documents", "marts/fct_outlet_claims", "analytics_snapshot"):
        assert stage in keys
    check_names = {c.name for c in defs.resolve_asset_graph().asset_check_keys}
    for suite in ("gx_raw_dumps", "gx_cleaned_documents", "gx_segment_ledger", "gx_document_languages",
                  "gx_sentences", "gx_claim_mentions", "gx_mart_grid_vs_published"):
        assert suite in check_names


def test_stories_claims_mentions_and_text_reuse_are_separate_steps():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    steps = {key.to_user_string(): graph.get(key).assets_def.node_def.name
             for key in graph.get_all_asset_keys() if graph.get(key).is_executable}
    stages = ("raw/stories", "raw/claims", "raw/claim_mentions", "raw/text_reuse")
    assert len({steps[s] for s in stages}) == 4, {s: steps[s] for s in stages}
    assert graph.get(dg.AssetKey(["raw", "stories"])).parent_keys >= {dg.AssetKey(["raw", "sentences"])}


def test_every_duckdb_step_is_in_the_duckdb_pool():
    from orchestration.definitions import defs

    for assets_def in defs.resolve_asset_graph().assets_defs:
        if assets_def.is_executable:
            assert assets_def.op.pool == "duckdb", assets_def.key


def test_nightly_schedule_evaluates():
    from orchestration.definitions import defs

    schedule = defs.resolve_schedule_def("nightly_rebuild")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "UTC"
    data = schedule.evaluate_tick(dg.build_schedule_context())
    assert data.run_requests and len(data.run_requests) == 1


def test_sensor_requests_a_run_for_new_dumps_and_none_when_unchanged(landing_copy: Path):
    from orchestration.sensors import landing_folder_sensor

    landing = LandingResource(landing_dir=str(landing_copy))
    first = landing_folder_sensor(dg.build_sensor_context(resources={"landing": landing}))
    assert isinstance(first, dg.RunRequest) and first.run_key

    context = dg.build_sensor_context(cursor=None, resources={"landing": landing})
    landing_folder_sensor(context)
    unchanged = landing_folder_sensor(dg.build_sensor_context(cursor=context.cursor, resources={"landing": landing}))
    assert isinstance(unchanged, dg.SkipReason)

    (landing_copy / "new_dump.txt").write_text("A new story.\n\nIt has a body.", encoding="utf-8")
    changed = landing_folder_sensor(dg.build_sensor_context(cursor=context.cursor, resources={"landing": landing}))
    assert isinstance(changed, dg.RunRequest)
    assert changed.run_key != first.run_key


def test_sensor_skips_an_empty_landing_folder(tmp_path: Path):
    from orchestration.sensors import landing_folder_sensor

    landing = LandingResource(landing_dir=str(tmp_path))
    assert isinstance(landing_folder_sensor(dg.build_sensor_context(resources={"landing": landing})), dg.SkipReason)
