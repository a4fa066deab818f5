"""The environment variables claimgrid reads, read in one place and typed.

CLAIMGRID_LANDING_DIR    where crawlers leave dumps (default: the bundled samples)
CLAIMGRID_WAREHOUSE_DIR  where the DuckDB files live (default: warehouse/)
CLAIMGRID_LAKE_DIR       where the document stages write their Parquet partitions
                         (default: <warehouse dir>/lake; shared storage when runs spread over machines)
CLAIMGRID_CLAIM_CATALOG  optional CSV of analyst claims: claim_id,claim_text[,story_hint]
CLAIMGRID_SCHEDULE_TZ    timezone of the nightly schedule (default: UTC)
CLAIMGRID_OUTLET_REGISTRY  outlet registry CSV (default: the dbt seed analysts edit)
CLAIMGRID_STANCE_MODEL   stance model JSON, or 'none' for rules only (default: the shipped model)
CLAIMGRID_SEMANTIC_MATCHER  `on` (default) or `off`: the embedding pass behind the lexical matcher
                         (paraphrases, catalog scores, cross-language; docs/decisions/0012). It
                         embeds ~50 sentences per CPU-second before its cache is warm: `off` for a
                         first backfill of a large archive, then `on` for the nightly news.
CLAIMGRID_WORKERS        processes for the per-document stages (default: every core this process may use)
CLAIMGRID_MAX_DUMP_BYTES  a dump larger than this, as landed or decompressed, is quarantined
                          `oversize` (default 20000000)
CLAIMGRID_QUARANTINE_MAX_SHARE     share of a stage's batch it may quarantine before its gate
                                   fails (default 0.02)
CLAIMGRID_QUARANTINE_STAGE_SHARES  per-stage overrides, e.g. `clean=0.05,language=0.1`
CLAIMGRID_QUARANTINE_ALLOWANCE     documents any stage may quarantine whatever the share (default 3)
CLAIMGRID_EXECUTOR       how a run executes its steps: `in_process` (default: one machine) or
                         `celery` (the production profile: each step is a task for a pool of Celery
                         workers; ops/production/, docs/decisions/0010-distributed-profile.md)
CLAIMGRID_CELERY_BROKER  the broker the run and the workers share (default amqp://guest:guest@localhost:5672//)
CLAIMGRID_CELERY_BACKEND where workers send step results back (default rpc://, through the broker)
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.core.quarantine import parse_stage_shares
from orchestration.pool import available_cores

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
WORKSPACE_FILE = REPO_ROOT / "workspace.yaml"


def code_location() -> tuple[str, str]:
    """(module, location name) of the Dagster code location, as workspace.yaml declares it."""
    import yaml

    [entry] = yaml.safe_load(WORKSPACE_FILE.read_text(encoding="utf-8"))["load_from"]
    return entry["python_module"]["module_name"], entry["python_module"]["location_name"]
DEFAULT_LANDING_DIR = REPO_ROOT / "samples" / "landing"
DEFAULT_WAREHOUSE_DIR = REPO_ROOT / "warehouse"
DEFAULT_OUTLET_REGISTRY = DBT_PROJECT_DIR / "seeds" / "outlet_registry.csv"

EXECUTORS = ("in_process", "celery")
DEFAULT_CELERY_BROKER = "amqp://guest:guest@localhost:5672//"

LIVE_DB_NAME = "claimgrid.duckdb"
LAKE_DIR_NAME = "lake"
SNAPSHOT_DB_NAME = "analytics.duckdb"
# dbt's artifacts for this warehouse, kept between runs: its partial-parse file is reused only
# by a build with the same --vars, i.e. the same warehouse (dbt then skips a 2.5 CPU-s parse)
DBT_TARGET_DIR_NAME = "dbt_target"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_dir: Path
    claim_catalog: Path | None
    schedule_timezone: str
    outlet_registry: Path = DEFAULT_OUTLET_REGISTRY
    stance_model: str | None = None      # a path, 'none', or None for the shipped model
    semantic_matcher: bool = True
    workers: int = 1
    max_dump_bytes: int = 20_000_000
    quarantine_max_share: float = 0.02
    quarantine_stage_shares: str = ""
    quarantine_allowance: int = 3
    executor: str = "in_process"
    celery_broker: str = DEFAULT_CELERY_BROKER
    celery_backend: str = "rpc://"
    lake_dir: Path | None = None         # None: <warehouse_dir>/lake

    @property
    def lake_path(self) -> Path:
        return self.lake_dir or self.warehouse_dir / LAKE_DIR_NAME

    @property
    def live_db_path(self) -> Path:
        return self.warehouse_dir / LIVE_DB_NAME

    @property
    def snapshot_db_path(self) -> Path:
        return self.warehouse_dir / SNAPSHOT_DB_NAME


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    catalog = env.get("CLAIMGRID_CLAIM_CATALOG") or None
    lake = env.get("CLAIMGRID_LAKE_DIR") or None
    # a typo in the per-stage shares fails here, when the code location loads, not mid-run
    parse_stage_shares(env.get("CLAIMGRID_QUARANTINE_STAGE_SHARES"))
    executor = env.get("CLAIMGRID_EXECUTOR") or "in_process"
    semantic = (env.get("CLAIMGRID_SEMANTIC_MATCHER") or "on").lower()
    if semantic not in ("on", "off"):
        raise ValueError(f"CLAIMGRID_SEMANTIC_MATCHER={semantic!r}: expected on or off")
    if executor not in EXECUTORS:
        raise ValueError(f"CLAIMGRID_EXECUTOR={executor!r}: expected one of {', '.join(EXECUTORS)}")
    return Settings(
        landing_dir=Path(env.get("CLAIMGRID_LANDING_DIR") or DEFAULT_LANDING_DIR).resolve(),
        warehouse_dir=Path(env.get("CLAIMGRID_WAREHOUSE_DIR") or DEFAULT_WAREHOUSE_DIR).resolve(),
        claim_catalog=Path(catalog).resolve() if catalog else None,
        schedule_timezone=env.get("CLAIMGRID_SCHEDULE_TZ") or "UTC",
        outlet_registry=Path(env.get("CLAIMGRID_OUTLET_REGISTRY") or DEFAULT_OUTLET_REGISTRY).resolve(),
        stance_model=env.get("CLAIMGRID_STANCE_MODEL") or None,
        semantic_matcher=semantic == "on",
        workers=int(env.get("CLAIMGRID_WORKERS") or available_cores()),
        max_dump_bytes=int(env.get("CLAIMGRID_MAX_DUMP_BYTES") or 20_000_000),
        quarantine_max_share=float(env.get("CLAIMGRID_QUARANTINE_MAX_SHARE") or 0.02),
        quarantine_stage_shares=env.get("CLAIMGRID_QUARANTINE_STAGE_SHARES") or "",
        quarantine_allowance=int(env.get("CLAIMGRID_QUARANTINE_ALLOWANCE") or 3),
        executor=executor,
        celery_broker=env.get("CLAIMGRID_CELERY_BROKER") or DEFAULT_CELERY_BROKER,
        celery_backend=env.get("CLAIMGRID_CELERY_BACKEND") or "rpc://",
        lake_dir=Path(lake).resolve() if lake else None,
    )
