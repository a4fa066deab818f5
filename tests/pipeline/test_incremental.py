"""Incremental by content and by code: a document a stage already processed under the same
version is not processed again, and a changed rule file re-processes exactly the stages it feeds."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import pytest
# the resolver behind the UI's stale badges (no public API reads them outside a workspace)
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._core.loader import LoadingContextForTest

from orchestration.checks.stage_checks import NOTHING_NEW
from orchestration.definitions import all_assets, all_checks
from orchestration.landed import landing_day_range
from orchestration.partitions import range_tags
from orchestration.run_lock import read_claim
from orchestration.versions import PACKAGE_ROOT, code_version, files_version, stage_files
from tests.integration.pipeline import pipeline_resources
from tests.pipeline.conftest import query

DOCUMENT_STAGES = {  # the asset whose metadata reports each stage's document counts
    "clean": dg.AssetKey(["raw", "documents"]),
    "language": dg.AssetKey(["raw", "document_languages"]),
    "outlets": dg.AssetKey(["raw", "document_outlets"]),
    "sentences": dg.AssetKey(["raw", "sentences"]),
}
SELECTION = dg.AssetSelection.keys(
    dg.AssetKey(["raw", "dumps"]), *DOCUMENT_STAGES.values()
).upstream().required_multi_asset_neighbors() - dg.AssetSelection.all_asset_checks()
TABLES = ("documents", "segments", "segment_languages", "document_languages", "document_outlets", "sentences")


def run(assets, landing: Path, warehouse: Path, instance: dg.DagsterInstance,
        extra_env: dict[str, str] | None = None) -> dict[str, dict]:
    result = dg.materialize(assets, resources=pipeline_resources(landing, warehouse, extra_env=extra_env),
                            selection=SELECTION,
                            instance=instance, tags=range_tags(*landing_day_range(landing)))
    assert result.success
    counts = {}
    for stage, key in DOCUMENT_STAGES.items():
        [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
        metadata = event.materialization.metadata
        counts[stage] = {name: metadata[name].value for name in
                         ("documents_processed", "documents_skipped", "documents_removed")}
    return counts


def days_not_planned_again(instance: dg.DagsterInstance) -> dict[str, int]:
    """landing_days_not_planned_again of each document stage's last materialization."""
    return {stage: instance.get_latest_materialization_event(key).asset_materialization
            .metadata["landing_days_not_planned_again"].value for stage, key in DOCUMENT_STAGES.items()}


def table_rows(warehouse: Path) -> dict[str, list]:
    return {t: query(warehouse, f"SELECT * FROM raw.{t} ORDER BY ALL") for t in TABLES}


def with_code_version(assets, key: dg.AssetKey, version: str):
    """The asset definitions as they load after a change that gives `key`'s asset `version`."""
    return [
        dg.map_asset_specs(lambda spec: spec.replace_attributes(code_version=version), [a])[0]
        if isinstance(a, dg.AssetsDefinition) and key in a.keys else a
        for a in assets
    ]


def version_after_edit(tmp_path: Path, module: str, data_file: str) -> str:
    """The code version `module`'s stage would have with `data_file` (below orchestration/) edited."""
    copy = tmp_path / "orchestration"
    shutil.copytree(PACKAGE_ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    edited = copy / data_file
    edited.write_text(edited.read_text(encoding="utf-8") + "\n# an analyst's edit\n", encoding="utf-8")
    return files_version(stage_files(module, copy), copy)


def test_a_second_run_over_the_same_landing_folder_processes_no_document(landing_copy: Path, tmp_path: Path):
    warehouse = tmp_path / "warehouse"
    with dg.instance_for_test() as instance:
        first = run(all_assets, landing_copy, warehouse, instance)
        before = table_rows(warehouse)
        written = lake_files(warehouse)
        second = run(all_assets, landing_copy, warehouse, instance)
    documents = len(before["documents"])
    assert documents == len(list(landing_copy.iterdir()))
    assert all(c["documents_processed"] == documents for c in first.values()), first
    assert all(c == {"documents_processed": 0, "documents_skipped": documents, "documents_removed": 0}
               for c in second.values()), second
    assert table_rows(warehouse) == before
    # with nothing to replace, no day's file is written again (but ingest's quarantine rows: they
    # say when each problem was last seen)
    assert without_ingest_quarantine(lake_files(warehouse)) == without_ingest_quarantine(written)
    # runs of the document stages alone write only the lake: they never claimed the warehouse
    assert read_claim(warehouse) is None


def test_a_day_whose_files_are_unchanged_is_not_read_again_and_a_rewritten_file_is(landing_copy: Path,
                                                                                     tmp_path: Path, monkeypatch):
    from orchestration.core import ingest

    read: list[str] = []
    read_dump_bytes = ingest.read_dump_bytes
    monkeypatch.setattr(ingest, "read_dump_bytes", lambda path, limits: read.append(path.name) or
                        read_dump_bytes(path, limits))
    warehouse = tmp_path / "warehouse"
    files = sorted(p for p in landing_copy.iterdir() if p.is_file())
    with dg.instance_for_test() as instance:
        run(all_assets, landing_copy, warehouse, instance)
        assert sorted(read) == [p.name for p in files]
        read.clear()
        run(all_assets, landing_copy, warehouse, instance)
        assert read == []
        # a file rewritten in place (another size and time): its day is read again
        files[0].write_bytes(files[0].read_bytes() + b"\n\nA correction was appended to this report later.\n")
        counts = run(all_assets, landing_copy, warehouse, instance)
    assert files[0].name in read
    assert counts["clean"]["documents_processed"] == 1 and counts["clean"]["documents_removed"] == 1


def without_ingest_quarantine(files: dict[str, int]) -> dict[str, int]:
    return {p: t for p, t in files.items() if not (p.startswith("quarantine/") and p.endswith("/ingest.parquet"))}


def lake_files(warehouse: Path) -> dict[str, int]:
    """Every Parquet file of the lake with its modification time."""
    lake = warehouse / "lake"
    return {p.relative_to(lake).as_posix(): p.stat().st_mtime_ns for p in lake.rglob("*.parquet")}


@pytest.mark.parametrize(("stage", "module", "batch"), [("clean", "clean", "CLEAN_BATCH"),
                                                       ("language", "language", "LANGUAGE_BATCH")])
def test_a_stage_in_batches_writes_what_it_writes_in_one(stage: str, module: str, batch: str, landing_copy: Path,
                                                         tmp_path: Path, monkeypatch):
    import importlib

    assets = importlib.import_module(f"orchestration.assets.{module}")
    with dg.instance_for_test() as instance:
        run(all_assets, landing_copy, tmp_path / "whole", instance)
        monkeypatch.setattr(assets, batch, 2)
        counts = run(all_assets, landing_copy, tmp_path / "batched", instance)
    assert len(list(landing_copy.iterdir())) > 2 * getattr(assets, batch)      # several batches a day
    assert counts[stage]["documents_processed"] == len(list(landing_copy.iterdir()))
    assert table_rows(tmp_path / "batched") == table_rows(tmp_path / "whole")
    staging = tmp_path / "batched" / "lake" / ".staging"
    assert not staging.exists() or not any(staging.iterdir())


def test_a_new_and_a_removed_dump_touch_only_themselves(landing_copy: Path, tmp_path: Path):
    warehouse = tmp_path / "warehouse"
    files = sorted(landing_copy.iterdir())
    held_back = tmp_path / files[0].name
    shutil.move(files[0], held_back)
    with dg.instance_for_test() as instance:
        run(all_assets, landing_copy, warehouse, instance)
        shutil.move(held_back, landing_copy / held_back.name)
        files[1].unlink()
        counts = run(all_assets, landing_copy, warehouse, instance)
    assert all(c["documents_processed"] == 1 and c["documents_removed"] == 1 for c in counts.values()), counts
    assert query(warehouse, "SELECT count(*) FROM raw.documents") == [(len(files) - 1,)]
    orphans = query(warehouse, """SELECT count(*) FROM raw.sentences
                                  WHERE document_id NOT IN (SELECT document_id FROM raw.documents)""")
    assert orphans == [(0,)]


def test_versions_follow_the_files_a_stage_reads(tmp_path: Path):
    stages = ("clean", "language", "sentences", "stories", "text_reuse", "claims", "claim_mentions")
    modules = {stage: f"orchestration.assets.{stage}" for stage in stages}
    today = {stage: code_version(m) for stage, m in modules.items()}
    for data_file, feeds in (("core/text/abbreviations.yaml", {"sentences"}),
                             ("core/cleaning/rules/boilerplate.yaml", {"clean"}),
                             # a corpus stage's rule re-processes that stage, not its neighbours
                             ("core/stance/stance_lexicon.yaml", {"claim_mentions"}),
                             ("core/claims/discovery.py", {"claims"}),
                             ("core/claims/stories.py", {"stories"}),
                             # stories compare new documents with the sentences text reuse's rule reaches
                             ("core/claims/text_reuse.py", {"stories", "text_reuse"}),
                             # claims tells the language of a claim for cross-language mentions
                             ("core/language/detect.py", {"language", "sentences", "claims"})):
        edited = {s: version_after_edit(tmp_path / f"{data_file}-{s}", m, data_file) for s, m in modules.items()}
        assert {s for s in modules if edited[s] != today[s]} == feeds, data_file


def test_a_day_planned_with_nothing_to_do_is_not_planned_again_until_its_files_or_version_change(
        landing_copy: Path, tmp_path: Path, monkeypatch):
    """The run after a run that wrote plans every stage's day and finds nothing to do; the run
    after that opens no day's keys (plan_for is never called) and reports the same counts; a new
    version of one stage, or a rewritten dump, plans again exactly what they affect."""
    from orchestration import incremental

    planned: list[str] = []
    plan_for = incremental.plan_for
    for module in ("clean", "language", "outlets", "sentences"):
        monkeypatch.setattr(f"orchestration.assets.{module}.plan_for",
                            lambda conn, stage, *args: planned.append(stage) or plan_for(conn, stage, *args))
    warehouse = tmp_path / "warehouse"
    edited = with_code_version(all_assets, DOCUMENT_STAGES["sentences"], "a sentence rule edited")
    with dg.instance_for_test() as instance:
        first = run(all_assets, landing_copy, warehouse, instance)
        second = run(all_assets, landing_copy, warehouse, instance)
        assert sorted(planned) == sorted(2 * list(DOCUMENT_STAGES)) and not any(days_not_planned_again(instance).values())
        planned.clear()
        third = run(all_assets, landing_copy, warehouse, instance)
        assert planned == [] and third == second
        assert days_not_planned_again(instance) == dict.fromkeys(DOCUMENT_STAGES, 1)
        new_version = run(edited, landing_copy, warehouse, instance)
        assert planned == ["sentences"]
        planned.clear()
        dump = sorted(p for p in landing_copy.iterdir() if p.is_file())[0]
        run(edited, landing_copy, warehouse, instance)      # sentences wrote: planned once more, settled
        dump.write_bytes(dump.read_bytes() + b"\n\nA correction was appended to this report later.\n")
        planned.clear()
        rewritten = run(edited, landing_copy, warehouse, instance)
    documents = first["clean"]["documents_processed"]
    assert {s: c["documents_processed"] for s, c in new_version.items()} == {
        "clean": 0, "language": 0, "outlets": 0, "sentences": documents}
    assert sorted(planned) == sorted(DOCUMENT_STAGES)
    assert rewritten["clean"] == {"documents_processed": 1, "documents_skipped": documents - 1, "documents_removed": 1}


def test_a_settled_day_is_planned_again_when_the_outlet_registry_changes(landing_copy: Path, tmp_path: Path):
    """The outlet registry is a setting, not code: its content is part of what outlets plans by,
    so a day settled under one registry is planned (and re-attributed) under another."""
    from orchestration.settings import DEFAULT_OUTLET_REGISTRY

    warehouse = tmp_path / "warehouse"
    registry = tmp_path / "outlet_registry.csv"
    registry.write_bytes(DEFAULT_OUTLET_REGISTRY.read_bytes() + b"\n")
    with dg.instance_for_test() as instance:
        first = run(all_assets, landing_copy, warehouse, instance)
        run(all_assets, landing_copy, warehouse, instance)          # plans every day, settles it
        edited = run(all_assets, landing_copy, warehouse, instance,
                     extra_env={"CLAIMGRID_OUTLET_REGISTRY": str(registry)})
    assert {s: c["documents_processed"] for s, c in edited.items()} == {
        "clean": 0, "language": 0, "outlets": first["outlets"]["documents_processed"], "sentences": 0}


def test_a_changed_rule_file_reprocesses_exactly_the_stages_it_feeds(landing_copy: Path, tmp_path: Path):
    """The sentence splitter's abbreviation list feeds the sentences stage only: after editing
    it, Dagster shows raw.sentences stale (and nothing upstream), and the next run re-splits every
    document while cleaning, language and outlets process none."""
    warehouse = tmp_path / "warehouse"
    sentences_key = DOCUMENT_STAGES["sentences"]
    edited = with_code_version(all_assets, sentences_key,
                               version_after_edit(tmp_path, "orchestration.assets.sentences",
                                                  "core/text/abbreviations.yaml"))
    with dg.instance_for_test() as instance:
        first = run(all_assets, landing_copy, warehouse, instance)
        loaded = dg.Definitions(assets=edited, resources=pipeline_resources(landing_copy, warehouse))
        stale = CachingStaleStatusResolver(instance, loaded.resolve_asset_graph(), LoadingContextForTest(instance))
        # staleness is per partition: the landing day the run materialized
        [day] = set(landing_day_range(landing_copy))
        assert stale.get_status(sentences_key, day) == StaleStatus.STALE
        assert [c.reason for c in stale.get_stale_root_causes(sentences_key, day)] == ["has a new code version"]
        for key in (DOCUMENT_STAGES["clean"], DOCUMENT_STAGES["language"], DOCUMENT_STAGES["outlets"]):
            assert stale.get_status(key, day) == StaleStatus.FRESH, key
        counts = run(edited, landing_copy, warehouse, instance)
    documents = first["clean"]["documents_processed"]
    assert {s: c["documents_processed"] for s, c in counts.items()} == {
        "clean": 0, "language": 0, "outlets": 0, "sentences": documents}


def test_a_changed_rule_reprocesses_downstream_only_the_documents_whose_rows_it_changed(
        landing_copy: Path, tmp_path: Path, monkeypatch):
    """A new cleaning version cleans every document again (nothing else tells which documents it
    changes), and the stages that read clean's rows take up only the one document whose rows
    changed: they key on what clean wrote of a document (its output key), not on clean's code."""
    import orchestration.core.cleaning.clean as clean_core

    warehouse = tmp_path / "warehouse"
    edited = with_code_version(all_assets, DOCUMENT_STAGES["clean"], "a cleaning rule edited")
    retitled = sorted(landing_copy.glob("0*.txt"))[0].name
    real_clean_dump = clean_core.clean_dump

    def clean_dump_retitling_one(dump, rules=None):
        document = real_clean_dump(dump, rules)
        return dataclasses.replace(document, title="An edited title") if dump.source_file == retitled else document

    with dg.instance_for_test() as instance:
        first = run(all_assets, landing_copy, warehouse, instance)
        monkeypatch.setattr(clean_core, "clean_dump", clean_dump_retitling_one)
        counts = run(edited, landing_copy, warehouse, instance)
        again = run(edited, landing_copy, warehouse, instance)
    documents = first["clean"]["documents_processed"]
    assert documents > 1
    assert {s: c["documents_processed"] for s, c in counts.items()} == {
        "clean": documents, "language": 1, "outlets": 1, "sentences": 1}
    assert all(c["documents_processed"] == 0 for c in again.values()), again
    titles = query(warehouse, "SELECT d.title, s.text FROM raw.documents d JOIN raw.dumps u USING (document_id) "
                              "JOIN raw.sentences s USING (document_id) WHERE u.source_file = ? AND s.section = 'title'",
                   [retitled])
    assert titles == [("An edited title", "An edited title")]


def test_a_changed_input_reaches_the_stages_that_read_it_though_clean_rows_stay(landing_copy: Path, tmp_path: Path):
    """A manifest outlet is read by the outlets stage from the dump, not from clean's rows; the
    output key holds the key of clean's inputs, so the change still reaches outlets."""
    warehouse = tmp_path / "warehouse"
    first_file = sorted(p.name for p in landing_copy.iterdir())[0]
    with dg.instance_for_test() as instance:
        run(all_assets, landing_copy, warehouse, instance)
        (landing_copy / "manifest.jsonl").write_text(
            json.dumps({"file": first_file, "outlet": "Example Analyst Outlet"}) + "\n", encoding="utf-8")
        counts = run(all_assets, landing_copy, warehouse, instance)
    assert counts["clean"]["documents_processed"] == 1 and counts["outlets"]["documents_processed"] == 1, counts
    outlet = query(warehouse, "SELECT o.attribution_method, o.outlet_name FROM raw.document_outlets o "
                              "JOIN raw.dumps d USING (document_id) WHERE d.source_file = ?", [first_file])
    assert outlet == [("manifest", "Example Analyst Outlet")]


QUARANTINE_SQL = """SELECT stage, reason, source_file, document_id, detail, run_id, first_seen_at
                    FROM raw.quarantine ORDER BY ALL"""


def test_quarantine_rows_are_replaced_with_their_documents_rows(landing_copy: Path, tmp_path: Path, monkeypatch):
    """A document skipped as unchanged keeps its quarantine row (same run, same first_seen_at);
    one that left the landing folder loses it; a failure inside the per-document clean function
    (the pool's, run in-process for a batch this small) ends in raw.quarantine as `stage_error`."""
    import orchestration.core.cleaning.clean as clean_core

    warehouse = tmp_path / "warehouse"
    (landing_copy / "empty.txt").write_bytes(b"")
    failing = sorted(landing_copy.glob("0*.txt"))[0].name
    real_clean_dump = clean_core.clean_dump

    def clean_dump_failing_on_one(dump, rules=None):
        if dump.source_file == failing:
            raise RuntimeError("a cleaning bug")
        return real_clean_dump(dump, rules)

    monkeypatch.setattr(clean_core, "clean_dump", clean_dump_failing_on_one)
    with dg.instance_for_test() as instance:
        run(all_assets, landing_copy, warehouse, instance)
        first = query(warehouse, QUARANTINE_SQL)
        monkeypatch.undo()
        second_counts = run(all_assets, landing_copy, warehouse, instance)
        second = query(warehouse, QUARANTINE_SQL)
        (landing_copy / "empty.txt").unlink()
        third_counts = run(all_assets, landing_copy, warehouse, instance)
        third = query(warehouse, QUARANTINE_SQL)
    by_file = {(row[0], row[1], row[2]): row for row in first if row[0] == "clean"}
    assert set(by_file) == {("clean", "empty_file", "empty.txt"), ("clean", "stage_error", failing)}, first
    assert by_file[("clean", "stage_error", failing)][4].startswith("RuntimeError: a cleaning bug")
    # neither quarantined document reaches a later stage
    quarantined = {row[3] for row in by_file.values()}
    assert not {doc for (doc,) in query(warehouse, "SELECT document_id FROM raw.document_languages")} & quarantined
    assert second_counts["clean"]["documents_processed"] == 0 and second == first
    assert third_counts["clean"]["documents_removed"] == 1
    assert third == [row for row in first if row[2] != "empty.txt"]


WITH_DOCUMENT_CHECKS = SELECTION | dg.AssetSelection.checks_for_assets(
    *(dg.AssetKey(["raw", t]) for t in ("dumps",) + TABLES))


def landed_yesterday(landing: Path) -> tuple[date, date, list[Path]]:
    """(yesterday, today, the files) with every file of the folder landed yesterday at noon (a
    later date than today would count as today)."""
    today = datetime.now(timezone.utc).date()
    yesterday = today - timedelta(days=1)
    noon = datetime(yesterday.year, yesterday.month, yesterday.day, 12, tzinfo=timezone.utc).timestamp()
    originals = sorted(p for p in landing.iterdir() if p.is_file())
    for path in originals:
        os.utime(path, (noon, noon))
    return yesterday, today, originals


def test_a_day_whose_every_file_repeats_an_earlier_dump_is_nothing_new_not_a_failed_run(landing_copy: Path,
                                                                                         tmp_path: Path):
    # a crawler that sends yesterday's files again: identical content is one document, kept in
    # the first day it landed, so the new day has no dump and every stage's frame of it is empty
    warehouse = tmp_path / "warehouse"
    # the samples land yesterday, their copies today
    yesterday, today, originals = landed_yesterday(landing_copy)
    with dg.instance_for_test() as instance:
        run(all_assets, landing_copy, warehouse, instance)
        for path in originals[:2]:
            shutil.copy(path, landing_copy / f"again-{path.name}")
        assert landing_day_range(landing_copy) == (yesterday.isoformat(), today.isoformat())
        result = dg.materialize([*all_assets, *all_checks], resources=pipeline_resources(landing_copy, warehouse),
                                selection=WITH_DOCUMENT_CHECKS, instance=instance,
                                tags=range_tags(today.isoformat(), today.isoformat()))
    assert result.success
    evaluations = {(e.asset_key.to_user_string(), e.check_name): e
                   for e in result.get_asset_check_evaluations()}
    dumps = evaluations[("raw/dumps", "gx_raw_dumps")]
    assert dumps.passed and dumps.description == NOTHING_NEW
    assert all(e.passed for e in evaluations.values()), [k for k, e in evaluations.items() if not e.passed]
    assert query(warehouse, "SELECT count(*) FROM raw.dumps WHERE source_file LIKE 'again-%'") == [(0,)]


def test_a_run_over_every_day_after_a_nightly_run_validates_no_day_again(landing_copy: Path, tmp_path: Path):
    """A document stage's gate remembers each landing day on its own: after a run over yesterday
    and the nightly run of today, a run over both days validates neither again (a memory of the
    last run's frame only would see a new pair of days and validate the whole archive)."""
    warehouse = tmp_path / "warehouse"
    yesterday, today, originals = landed_yesterday(landing_copy)

    def gates_over(first: date, last: date) -> dict[str, dg.AssetCheckEvaluation]:
        result = dg.materialize([*all_assets, *all_checks], resources=pipeline_resources(landing_copy, warehouse),
                                selection=WITH_DOCUMENT_CHECKS, instance=instance,
                                tags=range_tags(first.isoformat(), last.isoformat()))
        assert result.success
        return {e.check_name: e for e in result.get_asset_check_evaluations() if e.check_name.startswith("gx_")}

    with dg.instance_for_test() as instance:
        yesterdays = gates_over(yesterday, yesterday)
        # a new document lands today: the nightly run validates today only
        text = originals[0].read_text(encoding="utf-8")
        (landing_copy / f"today-{originals[0].name}").write_text(
            text + "\n\nThe ministry confirmed the figures on Tuesday evening.\n", encoding="utf-8")
        nightly = gates_over(today, today)
        both = gates_over(yesterday, today)
    assert yesterdays and set(yesterdays) == set(nightly) == set(both)
    for name in both:
        assert "unchanged_since_run" not in yesterdays[name].metadata, name
        assert "unchanged_since_run" not in nightly[name].metadata, name
        assert both[name].passed == (yesterdays[name].passed and nightly[name].passed), name
        metadata = both[name].metadata
        assert "unchanged_since_run" in metadata, name
        assert metadata["landing_days_validated"].value == 0, name
        assert metadata["rows_validated"].value == (yesterdays[name].metadata["rows_validated"].value
                                                    + nightly[name].metadata["rows_validated"].value), name
