"""The environment variables claimgrid reads, read in one place and typed.

CLAIMGRID_LANDING_DIR    where crawlers leave dumps (default: the bundled samples)
CLAIMGRID_WAREHOUSE_DIR  where the DuckDB files live (default: warehouse/)
CLAIMGRID_CLAIM_CATALOG  optional CSV of analyst claims: claim_id,claim_text[,story_hint]
CLAIMGRID_SCHEDULE_TZ    timezone of the nightly schedule (default: UTC)
CLAIMGRID_OUTLET_REGISTRY  outlet registry CSV (default: the dbt seed analysts edit)
CLAIMGRID_STANCE_MODEL   stance model JSON, or 'none' for rules only (default: the shipped model)
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
DEFAULT_LANDING_DIR = REPO_ROOT / "samples" / "landing"
DEFAULT_WAREHOUSE_DIR = REPO_ROOT / "warehouse"
DEFAULT_OUTLET_REGISTRY = DBT_PROJECT_DIR / "seeds" / "outlet_registry.csv"

LIVE_DB_NAME = "claimgrid.duckdb"
SNAPSHOT_DB_NAME = "analytics.duckdb"


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_dir: Path
    claim_catalog: Path | None
    schedule_timezone: str
    outlet_registry: Path = DEFAULT_OUTLET_REGISTRY
    stance_model: str | None = None      # a path, 'none', or None for the shipped model

    @property
    def live_db_path(self) -> Path:
        return self.warehouse_dir / LIVE_DB_NAME

    @property
    def snapshot_db_path(self) -> Path:
        return self.warehouse_dir / SNAPSHOT_DB_NAME


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    catalog = env.get("CLAIMGRID_CLAIM_CATALOG") or None
    return Settings(
        landing_dir=Path(env.get("CLAIMGRID_LANDING_DIR") or DEFAULT_LANDING_DIR).resolve(),
        warehouse_dir=Path(env.get("CLAIMGRID_WAREHOUSE_DIR") or DEFAULT_WAREHOUSE_DIR).resolve(),
        claim_catalog=Path(catalog).resolve() if catalog else None,
        schedule_timezone=env.get("CLAIMGRID_SCHEDULE_TZ") or "UTC",
        outlet_registry=Path(env.get("CLAIMGRID_OUTLET_REGISTRY") or DEFAULT_OUTLET_REGISTRY).resolve(),
        stance_model=env.get("CLAIMGRID_STANCE_MODEL") or None,
    )
