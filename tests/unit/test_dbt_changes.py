"""What the dbt step builds: nothing when no source table changed, the models below the changed
ones otherwise, everything on a first build or a changed project."""
from __future__ import annotations

from datetime import timezone

import duckdb

from orchestration.dbt_changes import (
    DbtSource, LakeFileRows, last_build, plan_build, record_build, source_fingerprints, unpublished_build,
)

SOURCES = [DbtSource("raw", "claims", "raw", "claims"), DbtSource("raw", "dumps", "raw", "dumps"),
           DbtSource("quality", "validation_results", "quality", "validation_results")]


def warehouse() -> duckdb.DuckDBPyConnection:
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA raw; CREATE SCHEMA quality")
    conn.execute("CREATE TABLE raw.claims AS SELECT 'c' || range AS claim_id, 'text ' || range AS claim_text FROM range(3)")
    conn.execute("CREATE TABLE raw.dumps AS SELECT 'd' || range AS document_id, now() AS ingested_at FROM range(3)")
    conn.execute("CREATE TABLE quality.validation_results (run_id VARCHAR, success BOOLEAN)")
    return conn


def test_fingerprints_follow_rows_not_their_order_nor_bookkeeping():
    conn = warehouse()
    first = source_fingerprints(conn, SOURCES)
    assert first == source_fingerprints(conn, SOURCES)
    # a re-ingest that only stamps another ingested_at changes no fact
    conn.execute("UPDATE raw.dumps SET ingested_at = now() + INTERVAL 1 DAY")
    conn.execute("CREATE OR REPLACE TABLE raw.claims AS SELECT * FROM raw.claims ORDER BY claim_id DESC")
    assert source_fingerprints(conn, SOURCES) == first
    conn.execute("UPDATE raw.claims SET claim_text = 'changed' WHERE claim_id = 'c1'")
    changed = source_fingerprints(conn, SOURCES)
    assert [s for s in changed if changed[s] != first[s]] == ["source:raw.claims+"]
    # a duplicated row is a change (sums, not xors, of row hashes)
    conn.execute("INSERT INTO raw.claims SELECT * FROM raw.claims LIMIT 1")
    assert source_fingerprints(conn, SOURCES)["source:raw.claims+"] != changed["source:raw.claims+"]
    conn.execute("DROP TABLE raw.claims")
    assert source_fingerprints(conn, SOURCES)["source:raw.claims+"] == "absent"


def test_the_plan_builds_only_below_what_changed():
    conn = warehouse()
    fingerprints = source_fingerprints(conn, SOURCES)
    first = plan_build(last_build(conn), "v1", fingerprints, missing=[])
    assert first.select is None and not first.skips
    record_build(conn, "run-1", "v1", fingerprints, first)
    assert last_build(conn) == ("v1", fingerprints)

    same = plan_build(last_build(conn), "v1", fingerprints, missing=[])
    assert same.skips, same
    # the checks of every run write quality.validation_results: that alone builds nothing
    conn.execute("INSERT INTO quality.validation_results VALUES ('run-2', true)")
    assert plan_build(last_build(conn), "v1", source_fingerprints(conn, SOURCES), missing=[]).skips
    conn.execute("UPDATE raw.claims SET claim_text = 'changed' WHERE claim_id = 'c1'")
    some = plan_build(last_build(conn), "v1", source_fingerprints(conn, SOURCES), missing=[])
    assert some.select == ["source:raw.claims+", "source:quality.validation_results+"]
    assert plan_build(last_build(conn), "v2", fingerprints, missing=[]).select is None
    assert plan_build(last_build(conn), "v1", fingerprints, missing=["marts.dim_claim"]).select is None


def test_a_build_that_never_reached_the_snapshot_is_published_by_the_next_run():
    conn = warehouse()
    fingerprints = source_fingerprints(conn, SOURCES)
    assert unpublished_build(conn, None) is None           # nothing built yet
    record_build(conn, "run-1", "v1", fingerprints, plan_build(None, "v1", fingerprints, missing=[]))
    assert unpublished_build(conn, None) == "run-1"        # built, no snapshot
    built_at = conn.execute("SELECT built_at FROM pipeline.dbt_builds").fetchone()[0]
    built = built_at.replace(tzinfo=timezone.utc).timestamp()
    assert unpublished_build(conn, built - 60) == "run-1"  # the snapshot is older than the build
    assert unpublished_build(conn, built + 60) is None     # published after it


def test_a_gate_frame_fingerprint_ignores_bookkeeping_only_when_no_expectation_names_it():
    from orchestration.checks.history import frame_fingerprint

    conn = warehouse()
    query = "SELECT * FROM raw.dumps"
    silent, naming = b'{"expectations": [{"column": "document_id"}]}', b'{"expectations": [{"column": "ingested_at"}]}'
    before = frame_fingerprint(conn, query, silent), frame_fingerprint(conn, query, naming)
    conn.execute("UPDATE raw.dumps SET ingested_at = now() + INTERVAL 1 DAY")
    assert frame_fingerprint(conn, query, silent) == before[0]
    assert frame_fingerprint(conn, query, naming) != before[1]
    conn.execute("UPDATE raw.dumps SET document_id = 'other' WHERE document_id = 'd1'")
    assert frame_fingerprint(conn, query, silent) != before[0]


def test_a_partial_build_leaves_out_every_node_no_changed_source_reaches():
    from orchestration.dbt_changes import excluded_nodes

    def node(kind, *fqn):
        return {"resource_type": kind, "fqn": ["p", *fqn]}
    manifest = {
        "metadata": {"project_name": "p"},
        "nodes": {"model.p.stg_claims": node("model", "staging", "stg_claims"),
                  "model.p.stg_dumps": node("model", "staging", "stg_dumps"),
                  "model.p.dim_claim": node("model", "marts", "dim_claim"),
                  "test.p.unique_dim_claim": node("test", "marts", "unique_dim_claim"),
                  "test.p.unique_stg_dumps": node("test", "staging", "unique_stg_dumps"),
                  "seed.p.registry": node("seed", "registry")},
        "unit_tests": {"unit_test.p.dim_claim.t": {**node("unit_test", "marts", "dim_claim", "t"),
                                                  "depends_on": {"nodes": ["model.p.dim_claim"]}}},
        "child_map": {"source.p.raw.claims": ["model.p.stg_claims"], "source.p.raw.dumps": ["model.p.stg_dumps"],
                      "model.p.stg_claims": ["model.p.dim_claim"], "model.p.dim_claim": ["test.p.unique_dim_claim"],
                      "model.p.stg_dumps": ["test.p.unique_stg_dumps"]},
    }
    assert excluded_nodes(manifest, ["source:raw.claims+"]) == [
        "fqn:p.registry", "fqn:p.staging.stg_dumps", "fqn:p.staging.unique_stg_dumps"]
    assert excluded_nodes(manifest, ["source:raw.claims+", "source:raw.dumps+"]) == ["fqn:p.registry"]


def _write_lake_file(lake, table: str, day: str, document_id: str) -> None:
    from orchestration.lake import table_file
    from orchestration.warehouse import table_columns

    path = table_file(lake, table, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    select = ", ".join(f"'{document_id}' AS document_id" if name == "document_id" else f'CAST(NULL AS {dtype}) AS "{name}"'
                       for name, dtype in table_columns(table).items())
    duckdb.connect().execute(f"COPY (SELECT {select}) TO '{path}' (FORMAT parquet)")


def test_the_lake_tables_dbt_reads_as_parquet_are_fingerprinted_through_the_warehouse_views(tmp_path):
    """dbt reads the document stages' tables straight from the lake's Parquet (external sources);
    the dbt step fingerprints them through the live warehouse's views over the same files. A
    source fingerprinted 'absent' before and after a change would make the step skip a build it
    needs."""
    import yaml

    from orchestration.lake import LAKE_TABLES, sync_warehouse_views
    from orchestration.settings import DBT_PROJECT_DIR

    declared = yaml.safe_load((DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml").read_text(encoding="utf-8"))
    sources = [DbtSource(s["name"], t["name"], s.get("schema", s["name"]), t.get("identifier", t["name"]))
               for s in declared["sources"] for t in s["tables"]]
    external = {t["name"] for s in declared["sources"] for t in s["tables"]
                if "external_location" in (t.get("meta") or {})}
    assert external == set(LAKE_TABLES)
    lake, conn = tmp_path / "lake", duckdb.connect(str(tmp_path / "claimgrid.duckdb"))

    sync_warehouse_views(conn, lake)
    empty = source_fingerprints(conn, sources)
    # a lake table with no file yet is an empty typed view: present, with no rows
    assert all(empty[f"source:raw.{t}+"].startswith("0:") for t in LAKE_TABLES), empty

    for table in LAKE_TABLES:
        _write_lake_file(lake, table, "2026-11-28", "d1")
    sync_warehouse_views(conn, lake)
    first = source_fingerprints(conn, sources)
    assert all(first[f"source:raw.{t}+"].startswith("1:") for t in LAKE_TABLES), first

    _write_lake_file(lake, "documents", "2026-11-29", "d2")     # a new landing day of one table
    sync_warehouse_views(conn, lake)
    second = source_fingerprints(conn, sources)
    assert [s for s in second if second[s] != first[s]] == ["source:raw.documents+"]
    assert plan_build(("v1", first), "v1", second, missing=[]).select[0] == "source:raw.documents+"

    # file by file: the same fingerprints, each file read once; a file rewritten is read again
    whole = LakeFileRows(lake)
    assert source_fingerprints(conn, sources, whole) == second and whole.files_read == len(LAKE_TABLES) + 1
    again = LakeFileRows(lake, whole.current)
    assert source_fingerprints(conn, sources, again) == second and again.files_read == 0
    _write_lake_file(lake, "documents", "2026-11-29", "d2-rewritten")
    third = LakeFileRows(lake, again.current)
    assert source_fingerprints(conn, sources, third) == source_fingerprints(conn, sources) != second
    assert third.files_read == 1
