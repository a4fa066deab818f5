"""The dbt project as Dagster sees it (manifest location), and the one dbt executable every caller uses.

dagster-dbt reads the manifest when the code location loads; `make` (setup, run, ui) and the test
session parse the project first whenever its SQL or YAML changed, so loading never runs dbt.
"""
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR

# dbt is installed next to the interpreter running us; make and CI call .venv/bin/python without
# activating the venv, so `dbt` on PATH may be missing or another install.
_VENV_DBT = Path(sys.executable).with_name("dbt")
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else "dbt"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
