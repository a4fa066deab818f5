"""Publish: a live dbt view's SQL as it reads inside the snapshot."""
import duckdb

from orchestration.assets.publish import portable_view_sql, publish_snapshot

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
    copied, views = publish_snapshot(live, tmp_path / "analytics.duckdb", tmp_path / "lake")
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
    copied, _ = publish_snapshot(tmp_path / "live.duckdb", tmp_path / "snapshot.duckdb", lake)
    snapshot = duckdb.connect(str(tmp_path / "snapshot.duckdb"), read_only=True)
    assert copied == {"raw.segments": 800_000}
    seqs = [seq for (seq,) in snapshot.execute("SELECT seq FROM raw.segments").fetchall()]
    assert seqs == sorted(seqs)
