"""A step opens the warehouse read-only without remaking its views over the lake when the lake
has the same tables as when they were made (a read-write open per step was most of a run with
nothing new); a table's first file, or another lake, remakes them."""
import duckdb

from orchestration.lake import LAKE_TABLES, sync_warehouse_views, table_file, warehouse_views_current
from orchestration.resources import WarehouseResource
from orchestration.warehouse import table_columns


def _write(lake, table: str, day: str) -> None:
    path = table_file(lake, table, day)
    path.parent.mkdir(parents=True, exist_ok=True)
    select = ", ".join(f'CAST(NULL AS {t}) AS "{n}"' for n, t in table_columns(table).items())
    duckdb.connect().execute(f"COPY (SELECT {select}) TO '{path}' (FORMAT parquet)")


def _views(path) -> dict[str, str]:
    with duckdb.connect(str(path), read_only=True) as conn:
        return dict(conn.execute("SELECT view_name, sql FROM duckdb_views() WHERE NOT internal").fetchall())


def test_views_are_remade_only_when_the_lake_gains_a_table(tmp_path):
    lake = tmp_path / "lake"
    warehouse = WarehouseResource(warehouse_dir=str(tmp_path), lake_dir=str(lake))
    with warehouse.connect(read_only=True) as conn:        # a new warehouse: made, then opened read-only
        assert warehouse_views_current(conn, lake)
    empty = _views(warehouse.live_path)
    assert "read_parquet" not in empty["documents"]        # no file yet: a typed empty view

    _write(lake, "documents", "2026-11-28")
    with duckdb.connect(str(warehouse.live_path), read_only=True) as conn:
        assert not warehouse_views_current(conn, lake)
    with warehouse.connect(read_only=True) as conn:
        assert conn.execute("SELECT count(*) FROM raw.documents").fetchone() == (1,)
    made = _views(warehouse.live_path)
    assert made["documents"] != empty["documents"]

    # another day of a table that has files: the glob covers it, nothing is remade
    _write(lake, "documents", "2026-11-29")
    with duckdb.connect(str(warehouse.live_path), read_only=True) as conn:
        assert warehouse_views_current(conn, lake)
        assert conn.execute("SELECT count(*) FROM raw.documents").fetchone() == (2,)

    # the same file opened over another lake folder is remade for it
    other = tmp_path / "other_lake"
    for table in LAKE_TABLES:
        _write(other, table, "2026-11-28")
    conn = duckdb.connect(str(warehouse.live_path))
    sync_warehouse_views(conn, other)
    assert warehouse_views_current(conn, other) and not warehouse_views_current(conn, lake)
    conn.close()
