"""Publish: a live dbt view's SQL as it reads inside the snapshot; the lake's tables as views over links."""
import duckdb
import pandas as pd

from orchestration.assets.publish import PUBLISHED_LAKES_KEPT, portable_view_sql, publish_snapshot, published_lakes
from orchestration.lake import sync_warehouse_views, table_file, write_parquet
from orchestration.warehouse import table_columns

LAKE = "/data/warehouse/lake"


def test_lake_scans_become_the_snapshot_tables_and_the_live_catalog_is_dropped():
    view = ("CREATE VIEW staging.stg_mentions AS WITH \"source\" AS (SELECT * FROM read_parquet("
            f"'{LAKE}/sentences/*/*.parquet', (hive_partitioning = CAST('t' AS BOOLEAN)))), "
            "claims AS (SELECT * FROM claimgrid.staging.stg_claims), c2 AS (SELECT * FROM \"claimgrid\".raw.claims) "
            "SELECT 'claimgrid.raw' AS label, s.text FROM \"source\" AS s, claims, c2;")
    select = portable_view_sql(view, "claimgrid", LAKE + "/")
    assert select == ("WITH \"source\" AS (SELECT * FROM raw.\"sentences\"), "
                      "claims AS (SELECT * FROM staging.stg_claims), c2 AS (SELECT * FROM raw.claims) "
                      "SELECT 'claimgrid.raw' AS label, s.text FROM \"source\" AS s, claims, c2")


def test_a_scan_of_another_folder_is_left_alone_and_a_non_view_is_refused():
    elsewhere = "CREATE VIEW staging.x AS SELECT * FROM read_parquet('/elsewhere/sentences/*.parquet');"
    assert portable_view_sql(elsewhere, "claimgrid", LAKE) == "SELECT * FROM read_parquet('/elsewhere/sentences/*.parquet')"
    assert portable_view_sql("CREATE MACRO m(a) AS a + 1;", "claimgrid", LAKE) is None


def test_the_rewritten_view_binds_inside_its_own_catalog():
    conn = duckdb.connect()
    conn.execute("ATTACH ':memory:' AS snapshot")
    conn.execute("CREATE SCHEMA snapshot.raw; CREATE SCHEMA snapshot.staging")
    conn.execute("CREATE TABLE snapshot.raw.sentences AS SELECT 'a' AS text")
    select = portable_view_sql(f"CREATE VIEW staging.v AS SELECT text FROM read_parquet('{LAKE}/sentences/*/*.parquet', "
                               "(hive_partitioning = CAST('t' AS BOOLEAN)));", "claimgrid", LAKE)
    conn.execute(f"CREATE VIEW snapshot.staging.v AS {select}")
    assert conn.execute("SELECT * FROM snapshot.staging.v").fetchall() == [("a",)]


def test_a_view_that_cannot_be_made_in_the_snapshot_is_published_as_its_rows(tmp_path):
    live = tmp_path / "claimgrid.duckdb"
    conn = duckdb.connect(str(live))
    conn.execute("CREATE SCHEMA raw; CREATE SCHEMA staging; CREATE SCHEMA pipeline")
    conn.execute("CREATE TABLE raw.claims AS SELECT 'c1' AS claim_id UNION ALL SELECT 'c2'")
    conn.execute("CREATE TABLE pipeline.ledger AS SELECT 'd1' AS document_id")       # not published
    conn.execute("CREATE VIEW staging.stg_claims AS SELECT claim_id FROM claimgrid.raw.claims")
    conn.execute("CREATE VIEW staging.int_claims AS SELECT * FROM claimgrid.staging.stg_claims")
    conn.execute("CREATE VIEW staging.stg_ledger AS SELECT * FROM claimgrid.pipeline.ledger")
    conn.close()
    copied, views = publish_snapshot(live, tmp_path / "analytics.duckdb", tmp_path / "lake", "512MB")
    assert views == ["staging.int_claims", "staging.stg_claims"]
    assert copied == {"raw.claims": 2, "staging.int_claims": 2, "staging.stg_claims": 2, "staging.stg_ledger": 1}
    snapshot = duckdb.connect(str(tmp_path / "analytics.duckdb"), read_only=True)
    kinds = dict(snapshot.execute("SELECT table_name, table_type FROM information_schema.tables "
                                  "WHERE table_schema = 'staging'").fetchall())
    assert kinds == {"int_claims": "VIEW", "stg_claims": "VIEW", "stg_ledger": "BASE TABLE"}
    assert snapshot.execute("SELECT * FROM staging.stg_ledger").fetchall() == [("d1",)]


def test_the_snapshot_keeps_the_rows_order_of_a_lake_table_of_several_files(tmp_path):
    # a lake table of several files, as the landing days leave it, copied by parallel inserts
    lake = tmp_path / "lake"
    lake.mkdir()
    live = duckdb.connect(str(tmp_path / "live.duckdb"))
    for day in range(8):
        live.execute(f"COPY (SELECT range AS seq, md5(range::VARCHAR) || repeat(' word', (range % 20)::INT) AS text "
                     f"FROM range({day} * 100000, {day + 1} * 100000)) TO '{lake}/day={day}.parquet'")
    live.execute(f"CREATE SCHEMA raw; CREATE VIEW raw.segments AS SELECT * FROM read_parquet('{lake}/*.parquet')")
    live.close()
    copied, _ = publish_snapshot(tmp_path / "live.duckdb", tmp_path / "snapshot.duckdb", lake, "512MB")
    snapshot = duckdb.connect(str(tmp_path / "snapshot.duckdb"), read_only=True)
    assert copied == {"raw.segments": 800_000}
    seqs = [seq for (seq,) in snapshot.execute("SELECT seq FROM raw.segments").fetchall()]
    assert seqs == sorted(seqs)


def _lake_of_two_days(tmp_path):
    """A live warehouse whose raw.segments and raw.dumps are the lake's views, as the pipeline
    makes them, over two landing days."""
    lake, live = tmp_path / "lake", tmp_path / "claimgrid.duckdb"
    for day, seqs in (("2026-11-01", range(3)), ("2026-11-02", range(3, 5))):
        segments = pd.DataFrame([{"document_id": f"d{seq}", "seq": seq, "kind": "body", "start_char": 0, "end_char": 4,
                                  "rule_id": "r", "text": f"text {seq}"} for seq in seqs])
        write_parquet(segments, table_columns("segments"), table_file(lake, "segments", day))
        dumps = pd.DataFrame([{column: None for column in table_columns("dumps")} | {"document_id": f"d{seq}",
                               "payload": b"bytes"} for seq in seqs])
        write_parquet(dumps, table_columns("dumps"), table_file(lake, "dumps", day))
    conn = duckdb.connect(str(live))
    sync_warehouse_views(conn, lake)
    conn.close()
    return lake, live


def test_lake_tables_are_published_as_views_over_links_to_the_files_they_had(tmp_path):
    lake, live = _lake_of_two_days(tmp_path)
    snapshot_path = tmp_path / "analytics.duckdb"
    copied, views = publish_snapshot(live, snapshot_path, lake, "512MB")
    assert {"raw.segments", "raw.dumps"} <= set(views)
    assert copied["raw.segments"] == 5 and copied["raw.dumps"] == 5
    (published,) = published_lakes(snapshot_path).iterdir()
    first_day = table_file(lake, "segments", "2026-11-01")
    linked = published / first_day.relative_to(lake)
    assert linked.stat().st_ino == first_day.stat().st_ino, "a link, not a copy"
    # the lake's day is rewritten as a stage does it (a new file renamed over): the snapshot keeps its rows
    rewritten = pd.DataFrame([{"document_id": "new", "seq": 9, "kind": "body", "start_char": 0, "end_char": 3,
                               "rule_id": "r", "text": "new"}])
    write_parquet(rewritten, table_columns("segments"), first_day)
    snapshot = duckdb.connect(str(snapshot_path), read_only=True)
    assert snapshot.execute("SELECT list(seq ORDER BY seq) FROM raw.segments").fetchone()[0] == [0, 1, 2, 3, 4]
    assert "payload" not in [c for (c,) in snapshot.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'dumps'").fetchall()]
    snapshot.close()


def test_the_links_of_the_two_newest_publishes_are_kept(tmp_path):
    lake, live = _lake_of_two_days(tmp_path)
    snapshot_path = tmp_path / "analytics.duckdb"
    for _ in range(4):
        publish_snapshot(live, snapshot_path, lake, "512MB")
    kept = sorted(published_lakes(snapshot_path).iterdir())
    assert len(kept) == PUBLISHED_LAKES_KEPT
    snapshot = duckdb.connect(str(snapshot_path), read_only=True)
    (files,) = snapshot.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'segments'").fetchone()
    assert str(kept[-1]) in files, "the snapshot reads the newest publish's links"
