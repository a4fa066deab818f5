"""The code location loads; the schedule and the sensor evaluate."""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg

from orchestration.partitions import LANDING_DAYS
from orchestration.resources import LandingResource
from tests.conftest import sensor_tick


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


def test_every_duckdb_step_is_in_the_duckdb_pool_and_the_lake_stages_are_not():
    from orchestration.definitions import defs

    for assets_def in defs.resolve_asset_graph().assets_defs:
        if assets_def.is_executable:
            # a document stage's partitions write only the lake: side by side, outside the pool
            expected = None if assets_def.partitions_def == LANDING_DAYS else "duckdb"
            assert assets_def.op.pool == expected, assets_def.key


def _successful_run(instance: dg.DagsterInstance, tags: dict[str, str]) -> str:
    """A claimgrid_all run recorded as started now and succeeded."""
    from dagster._core.events import DagsterEvent, DagsterEventType

    run = instance.add_run(dg.DagsterRun(job_name="claimgrid_all", tags=tags))
    for kind in (DagsterEventType.RUN_START, DagsterEventType.RUN_SUCCESS):
        instance.report_dagster_event(DagsterEvent(kind.value, job_name="claimgrid_all"), run.run_id)
    return run.run_id


def test_nightly_schedule_runs_the_day_that_ended_and_skips_when_nothing_landed_or_changed(landing_copy: Path):
    from orchestration.definitions import defs
    from orchestration.sensors import landed_files

    schedule = defs.resolve_schedule_def("nightly_rebuild")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "UTC"
    day = sorted({f.day for f in landed_files(landing_copy).values()})[-1]
    tick = datetime.fromisoformat(day).replace(tzinfo=timezone.utc) + timedelta(days=1, hours=2)
    landing = LandingResource(landing_dir=str(landing_copy))

    def evaluate(instance, at=tick):
        with dg.build_schedule_context(instance=instance, scheduled_execution_time=at, resources={"landing": landing},
                                       repository_def=defs.get_repository_def()) as context:
            return schedule.evaluate_tick(context)

    with dg.instance_for_test() as instance:
        [request] = evaluate(instance).run_requests
        assert request.partition_key == day          # the landing day that has just ended
        # the sensor ran the day after its files landed: the night's run would find nothing new
        run_id = _successful_run(instance, {"dagster/partition": day})
        skipped = evaluate(instance)
        assert not skipped.run_requests and run_id in skipped.skip_message
        # a run over a range of days covers the day too; a file of the day written since asks again
        changed = next(p for p, f in landed_files(landing_copy).items() if f.day == day)
        time.sleep(0.01)
        (landing_copy / changed).write_bytes((landing_copy / changed).read_bytes())
        [again] = evaluate(instance).run_requests
        assert again.partition_key == day
        _successful_run(instance, {"dagster/asset_partition_range_start": "2020-01-01",
                                   "dagster/asset_partition_range_end": day})
        assert not evaluate(instance).run_requests
        # a day on which nothing landed
        empty = evaluate(instance, at=tick + timedelta(days=3))
        assert not empty.run_requests and "no dumps landed" in empty.skip_message


def _dated(path: Path, day: str) -> None:
    stamp = datetime.fromisoformat(day).replace(hour=12, tzinfo=timezone.utc).timestamp()
    os.utime(path, (stamp, stamp))


def test_sensor_asks_only_for_the_landing_day_whose_files_changed(landing_copy: Path):
    from orchestration.sensors import landing_folder_sensor

    today = datetime.now(timezone.utc).date()
    day_a, day_b = (today - timedelta(days=2)).isoformat(), (today - timedelta(days=1)).isoformat()
    files = sorted(p for p in landing_copy.iterdir() if p.suffix == ".txt")
    for index, path in enumerate(files):
        _dated(path, day_a if index % 2 else day_b)
    [first], cursor = sensor_tick(landing_folder_sensor, landing_copy)   # no cursor yet: one run over every day present
    assert (first.tags["dagster/asset_partition_range_start"], first.tags["dagster/asset_partition_range_end"]) \
        == (day_a, day_b)

    changed = next(p for i, p in enumerate(files) if i % 2)       # a file of day A
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA correction.", encoding="utf-8")
    _dated(changed, day_a)
    requests, cursor = sensor_tick(landing_folder_sensor, landing_copy, cursor)
    assert [r.partition_key for r in requests] == [day_a]

    (landing_copy / "late.txt").write_text("A late dump.\n\nIt was fetched the day before.", encoding="utf-8")
    _dated(landing_copy / "late.txt", day_b)
    removed = next(p for i, p in enumerate(files) if not i % 2)   # a file of day B goes
    removed.unlink()
    requests, cursor = sensor_tick(landing_folder_sensor, landing_copy, cursor)
    assert [r.partition_key for r in requests] == [day_b]
    quiet, _ = sensor_tick(landing_folder_sensor, landing_copy, cursor)
    assert isinstance(quiet, dg.SkipReason)


def test_sensor_requests_a_run_for_new_dumps_and_none_when_unchanged(landing_copy: Path):
    from orchestration.sensors import landing_folder_sensor

    [first], cursor = sensor_tick(landing_folder_sensor, landing_copy)
    assert isinstance(first, dg.RunRequest) and first.run_key

    unchanged, _ = sensor_tick(landing_folder_sensor, landing_copy, cursor)
    assert isinstance(unchanged, dg.SkipReason)

    (landing_copy / "new_dump.txt").write_text("A new story.\n\nIt has a body.", encoding="utf-8")
    [changed], _ = sensor_tick(landing_folder_sensor, landing_copy, cursor)
    assert isinstance(changed, dg.RunRequest)
    assert changed.run_key != first.run_key


def test_sensor_cursor_does_not_grow_with_the_archive(landing_copy: Path):
    from orchestration.sensors import landing_folder_sensor

    _, first = sensor_tick(landing_folder_sensor, landing_copy)

    def cursor_after_landing(dumps: range) -> str:
        for n in dumps:
            (landing_copy / f"archive_{n:04d}.txt").write_text(f"Archived story {n}.", encoding="utf-8")
        requests, cursor = sensor_tick(landing_folder_sensor, landing_copy, first)
        assert all(isinstance(r, dg.RunRequest) for r in requests)
        return cursor

    small = cursor_after_landing(range(5))
    large = cursor_after_landing(range(5, 500))
    assert len(large) <= len(small) + 2         # the counts' digits, not a row per file


def test_sensor_skips_an_empty_landing_folder(tmp_path: Path):
    from orchestration.sensors import landing_folder_sensor

    result, _ = sensor_tick(landing_folder_sensor, tmp_path)
    assert isinstance(result, dg.SkipReason)


def test_the_dbt_resource_knows_the_dbt_version_without_asking_dbt():
    """The dbt resource reads the installed dbt-core's version instead of running `dbt --version`
    on every run; it must be the version that `dbt --version` reports."""
    from dagster_dbt import DbtCliResource

    from orchestration.resources import build_dbt_resource

    ours = build_dbt_resource()
    asked = DbtCliResource(project_dir=ours.project_dir, profiles_dir=ours.profiles_dir,
                           dbt_executable=ours.dbt_executable)
    assert ours._cli_version == asked._cli_version
