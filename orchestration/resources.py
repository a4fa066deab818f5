"""Resources: the DuckDB warehouse, the landing folder, reference data, dbt."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from orchestration.dbt_project import DBT_EXECUTABLE, dbt_project
from orchestration.settings import LIVE_DB_NAME, SNAPSHOT_DB_NAME

# Every asset or check that opens the warehouse declares this pool; dagster.yaml limits it to 1
# because DuckDB allows a single read-write process per file.
DUCKDB_POOL = "duckdb"


class WarehouseResource(dg.ConfigurableResource):
    """The live DuckDB warehouse (written by the pipeline only) and its published snapshot."""

    warehouse_dir: str

    @property
    def live_path(self) -> Path:
        return Path(self.warehouse_dir) / LIVE_DB_NAME

    @property
    def snapshot_path(self) -> Path:
        return Path(self.warehouse_dir) / SNAPSHOT_DB_NAME

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the live file for one step and always close it, so dbt (a separate process)
        can open it next. Connections are never held at import time or between steps."""
        Path(self.warehouse_dir).mkdir(parents=True, exist_ok=True)
        conn = duckdb.connect(str(self.live_path), read_only=read_only)
        try:
            yield conn
        finally:
            conn.close()


class LandingResource(dg.ConfigurableResource):
    """Where crawlers leave dumps, and the optional analyst claim catalog."""

    landing_dir: str
    claim_catalog: str | None = None


class ReferenceDataResource(dg.ConfigurableResource):
    """Reference data the stages read: the outlet registry CSV and the stance model JSON
    ('none' for rules only; unset for the model shipped with the core)."""

    outlet_registry: str
    stance_model: str | None = None


def build_dbt_resource() -> DbtCliResource:
    # The warehouse path is passed to each dbt invocation (--vars warehouse_dir) by the dbt asset.
    return DbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(dbt_project.project_dir),
        dbt_executable=DBT_EXECUTABLE,
    )
