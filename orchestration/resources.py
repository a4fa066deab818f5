"""Resources: the DuckDB warehouse, the landing folder, reference data, dbt."""
from __future__ import annotations

import errno
import functools
import importlib.metadata
import inspect
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging.version import Version
from pydantic import PrivateAttr

from orchestration.core.ingest import IngestLimits
from orchestration.core.quarantine import QuarantinePolicy, parse_stage_shares
from orchestration.dbt_project import DBT_EXECUTABLE, dbt_project
from orchestration.lake import sync_warehouse_views, warehouse_views_current
from orchestration.landed import LandedFolder, look_at
from orchestration.settings import DBT_TARGET_DIR_NAME, LAKE_DIR_NAME, LIVE_DB_NAME, SNAPSHOT_DB_NAME

# Every asset or check that opens the warehouse declares this pool; dagster.yaml limits it to 1
# because DuckDB allows a single read-write process per file.
DUCKDB_POOL = "duckdb"


def disk_full(error: BaseException) -> bool:
    """A write failed for lack of space (DuckDB reports it as an IOException with the OS text)."""
    return getattr(error, "errno", None) == errno.ENOSPC or "no space left on device" in str(error).lower()


def full_disk_fails_clearly(fn):
    """`fn` (a step's function) with a write that failed for lack of space turned into a Failure
    that says so (the lake, the run lock and the warehouse may each be the one that fills up;
    Dagster shows only "Error occurred while executing op" for anything but a Failure)."""
    def failure(error: BaseException) -> dg.Failure:
        return dg.Failure(description=(f"a disk is full: {error}. Nothing was published; the last snapshot is "
                                       "untouched. Free space and run again.")[:2000])

    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def steps(*args, **kwargs):
            try:
                yield from fn(*args, **kwargs)
            except (duckdb.Error, OSError) as error:
                if not disk_full(error):
                    raise
                raise failure(error) from error
        return steps

    @functools.wraps(fn)
    def step(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (duckdb.Error, OSError) as error:
            if not disk_full(error):
                raise
            raise failure(error) from error
    return step


class WarehouseResource(dg.ConfigurableResource):
    """The live DuckDB warehouse (written by the pipeline only) and its published snapshot."""

    warehouse_dir: str
    lake_dir: str = ""          # the Parquet lake of the document stages; "" is <warehouse_dir>/lake
    # DuckDB's memory in the steps that hold its largest working sets (its default is 80% of RAM).
    # The dbt build on the 100k bench warehouse after a 1% day, alternated: dbt's process 2.10-2.12
    # GB and 18.5-20.0 s unbounded, 1.82-1.86 GB and 19.1-21.0 s under 1500MB, 1.24-1.56 GB and
    # 21.0-24.4 s under 1GB. The snapshot copy of the same warehouse, alternated: +1.08 GB and
    # 8.4-8.5 s under 1GB, +0.61-0.63 GB and 8.2 s under 512MB.
    dbt_memory_limit: str = "1GB"
    snapshot_memory_limit: str = "512MB"

    @property
    def lake_path(self) -> Path:
        return Path(self.lake_dir) if self.lake_dir else Path(self.warehouse_dir) / LAKE_DIR_NAME

    @property
    def live_path(self) -> Path:
        return Path(self.warehouse_dir) / LIVE_DB_NAME

    @property
    def snapshot_path(self) -> Path:
        return Path(self.warehouse_dir) / SNAPSHOT_DB_NAME

    @property
    def dbt_target_path(self) -> Path:
        return Path(self.warehouse_dir) / DBT_TARGET_DIR_NAME

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the live file for one step and always close it, so dbt (a separate process)
        can open it next. Connections are never held at import time or between steps. Its
        raw.<table> views over the lake are brought up to date first (lake.sync_warehouse_views)."""
        Path(self.warehouse_dir).mkdir(parents=True, exist_ok=True)
        try:
            if read_only:
                conn = self._read_only_with_current_views()
            else:
                conn = duckdb.connect(str(self.live_path))
                sync_warehouse_views(conn, self.lake_path)
            try:
                yield conn
            finally:
                conn.close()
        except (duckdb.Error, OSError) as error:
            if not disk_full(error):
                raise
            free = shutil.disk_usage(self.warehouse_dir).free
            raise dg.Failure(
                description=(f"the warehouse disk is full: {self.warehouse_dir} has {free} bytes free. "
                             "Nothing was published; the last snapshot is untouched. Free space and run again."),
            ) from error


    def _read_only_with_current_views(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection whose views over the lake are current: remade first (a short
        read-write open) only when the lake gained a table's first file or the code changed."""
        if self.live_path.exists():
            conn = duckdb.connect(str(self.live_path), read_only=True)
            if warehouse_views_current(conn, self.lake_path):
                return conn
            conn.close()
        self.sync_views()
        return duckdb.connect(str(self.live_path), read_only=True)

    def sync_views(self) -> None:
        """Bring the live file's views over the lake up to date (a short read-write open)."""
        Path(self.warehouse_dir).mkdir(parents=True, exist_ok=True)
        conn = duckdb.connect(str(self.live_path))
        try:
            sync_warehouse_views(conn, self.lake_path)
        finally:
            conn.close()


class LandingResource(dg.ConfigurableResource):
    """Where crawlers leave dumps, the optional analyst claim catalog, and how big a dump may be."""

    landing_dir: str
    claim_catalog: str | None = None
    max_dump_bytes: int = IngestLimits.max_dump_bytes
    # What this run found in the folder: ingest and retractions both list it and check the
    # manifest against the listing, one after the other in the run's process (the in-process
    # executor gives every step this one instance): 1.8-1.9 s a step at 100k dumps. A step in a
    # process of its own (celery) looks again.
    _landed: LandedFolder | None = PrivateAttr(default=None)

    def landed(self) -> LandedFolder:
        """The landing folder as this run first looked at it (orchestration.landed.look_at)."""
        if self._landed is None:
            self._landed = look_at(self.landing_dir)
        return self._landed

    @property
    def limits(self) -> IngestLimits:
        return IngestLimits(max_dump_bytes=self.max_dump_bytes,
                            max_jsonl_bytes=max(IngestLimits.max_jsonl_bytes, 25 * self.max_dump_bytes))


class QuarantinePolicyResource(dg.ConfigurableResource):
    """How much of its batch a stage may quarantine before its gate stops the run."""

    max_share: float = 0.02
    stage_shares: str = ""          # e.g. "clean=0.05,language=0.1"
    allowance: int = 3

    @property
    def policy(self) -> QuarantinePolicy:
        return QuarantinePolicy(max_share=self.max_share, allowance=self.allowance,
                                stage_max_share=parse_stage_shares(self.stage_shares))


class ComputeResource(dg.ConfigurableResource):
    """How many processes a per-document stage may use (orchestration.pool)."""

    workers: int = 1


class ReferenceDataResource(dg.ConfigurableResource):
    """Reference data the stages read: the outlet registry CSV and the stance model JSON
    ('none' for rules only; unset for the model shipped with the core)."""

    outlet_registry: str
    stance_model: str | None = None
    semantic_matcher: bool = True    # the embedding pass behind the lexical matcher (settings.py)


class VenvDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt resource, for the dbt-core installed beside this interpreter."""

    @functools.cached_property
    def _cli_version(self) -> Version:
        # dagster-dbt asks `dbt --version` in a subprocess once per run to tell dbt-core from the
        # Fusion engine: 1.6 CPU-s and 2 s of every run here. The executable is this venv's dbt
        # (dbt_project.DBT_EXECUTABLE), so its version is the installed dbt-core's.
        if Path(self.dbt_executable).parent != Path(sys.executable).parent:
            return super()._cli_version
        return Version(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        # dagster-dbt opens an in-process dbt adapter on the warehouse before every invocation
        # (loading dbt's macros: ~1.2 CPU-s before the build starts) only for its optional
        # row-count and column-metadata fetches; the dbt asset counts rows itself through the
        # pool (assets/dbt.py), so no adapter is opened.
        return None


def build_dbt_resource() -> DbtCliResource:
    # The warehouse path is passed to each dbt invocation (--vars warehouse_dir) by the dbt asset.
    return VenvDbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(dbt_project.project_dir),
        dbt_executable=DBT_EXECUTABLE,
    )
