"""Generated files are what their generator writes: the dbt sources and vocabulary macro, the GX
suites. A vocabulary, a raw column or a rule changed in Python without `make generate` fails here."""
from __future__ import annotations

import duckdb
import yaml

from orchestration.core.types import RAW_TABLES
from orchestration.generated_files import SOURCES_PATH, generated_files, stale_suite_files
from orchestration.warehouse import create_table_sql


def test_every_generated_file_is_up_to_date():
    stale = [
        str(path) for path, text in generated_files().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"stale generated files (run `make generate`): {stale}"
    assert stale_suite_files() == []


def test_every_raw_table_is_a_described_dbt_source_with_its_columns():
    sources = yaml.safe_load(SOURCES_PATH.read_text(encoding="utf-8"))["sources"][0]["tables"]
    assert [t["name"] for t in sources] == list(RAW_TABLES)
    assert all(t["description"] and t["columns"] for t in sources)
    assert "embedded_items" in {t["name"] for t in sources}


def test_the_ddl_derived_from_each_record_creates_its_table():
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA raw")
    for table, record in RAW_TABLES.items():
        conn.execute(create_table_sql(f"raw.{table}", record))
    created = conn.execute(
        "SELECT table_name, count(*) FROM information_schema.columns WHERE table_schema = 'raw' GROUP BY 1"
    ).fetchall()
    assert dict(created) == {t: len(r.__dataclass_fields__) for t, r in RAW_TABLES.items()}
