"""The environment variables claimgrid reads, read in one place and typed.

CLAIMGRID_LANDING_DIR    where crawlers leave dumps (default: the bundled samples)
CLAIMGRID_WAREHOUSE_DIR  where the DuckDB files live (default: warehouse/)
CLAIMGRID_LAKE_DIR       where the document stages write their Parquet partitions
                         (default: <warehouse dir>/lake; shared storage when runs spread over machines)
CLAIMGRID_CLAIM_CATALOG  optional CSV of analyst claims: claim_id,claim_text[,story_hint]
CLAIMGRID_SCHEDULE_TZ    timezone of the nightly schedule (default: UTC)
CLAIMGRID_OUTLET_REGISTRY  outlet registry CSV (default: the dbt seed analysts edit)
CLAIMGRID_STANCE_MODEL   stance model JSON, or 'none' for rules only (default: the shipped model)
CLAIMGRID_WORKERS        processes for the per-document stages (default: every core this process may use)
CLAIMGRID_MAX_DUMP_BYTES  a dump larger than this, as landed or decompressed, is quarantined
                          `oversize` (default 20000000)
CLAIMGRID_QUARANTINE_MAX_SHARE     share of a stage's batch it may quarantine before its gate
                                   fails (default 0.02)
CLAIMGRID_QUARANTINE_STAGE_SHARES  per-stage overrides, e.g. `clean=0.05,language=0.1`
CLAIMGRID_QUARANTINE_ALLOWANCE     documents any stage may quarantine whatever the share (default 3)
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
DEFAULT_LANDING_DIR = REPO_ROOT / "samples" / "landing"
DEFAULT_WAREHOUSE_DIR = REPO_ROOT / "warehouse"
DEFAULT_OUTLET_REGISTRY = DBT_PROJECT_DIR / "seeds" / "outlet_registry.csv"

LIVE_DB_NAME = "claimgrid.duckdb"
LAKE_DIR_NAME = "lake"
SNAPSHOT_DB_NAME = "analytics.duckdb"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_dir: Path
    claim_catalog: Path | None
    schedule_timezone: str
    outlet_registry: Path = DEFAULT_OUTLET_REGISTRY
    stance_model: str | None = None      # a path, 'none', or None for the shipped model
    workers: int = 1
    max_dump_bytes: int = 20_000_000
    quarantine_max_share: float = 0.02
    quarantine_stage_shares: str = ""
    quarantine_allowance: int = 3
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
    return Settings(
        landing_dir=Path(env.get("CLAIMGRID_LANDING_DIR") or DEFAULT_LANDING_DIR).resolve(),
        warehouse_dir=Path(env.get("CLAIMGRID_WAREHOUSE_DIR") or DEFAULT_WAREHOUSE_DIR).resolve(),
        claim_catalog=Path(catalog).resolve() if catalog else None,
        schedule_timezone=env.get("CLAIMGRID_SCHEDULE_TZ") or "UTC",
        outlet_registry=Path(env.get("CLAIMGRID_OUTLET_REGISTRY") or DEFAULT_OUTLET_REGISTRY).resolve(),
        stance_model=env.get("CLAIMGRID_STANCE_MODEL") or None,
        workers=int(env.get("CLAIMGRID_WORKERS") or available_cores()),
        max_dump_bytes=int(env.get("CLAIMGRID_MAX_DUMP_BYTES") or 20_000_000),
        quarantine_max_share=float(env.get("CLAIMGRID_QUARANTINE_MAX_SHARE") or 0.02),
        quarantine_stage_shares=env.get("CLAIMGRID_QUARANTINE_STAGE_SHARES") or "",
        quarantine_allowance=int(env.get("CLAIMGRID_QUARANTINE_ALLOWANCE") or 3),
        lake_dir=Path(lake).resolve() if lake else None,
    )
