"""The dbt project as Dagster sees it: manifest location, how its nodes appear (groups by dbt
folder, tests as asset checks), and the one dbt executable every caller uses.

dagster-dbt reads the manifest when the code location loads; `make` (setup, run, ui) and the test
session parse the project first whenever its SQL or YAML changed, so loading never runs dbt.
"""
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from orchestration.settings import DBT_PROJECT_DIR

# dbt is installed next to the interpreter running us; make and CI call .venv/bin/python without
# activating the venv, so `dbt` on PATH may be missing or another install.
_VENV_DBT = Path(sys.executable).with_name("dbt")
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else "dbt"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


# Grouped by dbt folder, so the asset graph reads ingest -> ... -> staging -> intermediate -> marts -> publish.
class ClaimgridDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn") or []
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2:
            return f"dbt_{fqn[1]}"   # models/<folder>/...: dbt_staging, dbt_intermediate, dbt_marts
        return "dbt_seeds" if dbt_resource_props.get("resource_type") == "seed" else None


dbt_translator = ClaimgridDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
