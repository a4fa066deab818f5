"""The dbt project as Dagster sees it (manifest location, dev-time parsing), and the one dbt
executable every caller uses."""
import os
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from orchestration.settings import DBT_PROJECT_DIR

# dbt is installed next to the interpreter running us; make and CI call .venv/bin/python without
# activating the venv, so `dbt` on PATH may be missing or another install.
_VENV_DBT = Path(sys.executable).with_name("dbt")
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else "dbt"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def parse_if_dev(project: DbtProject) -> None:
    """Under `dagster dev`, rebuild the manifest from the SQL on load; elsewhere `make` parses first.

    This is what `DbtProject.prepare_if_dev()` does for a project without packages, except that
    dagster-dbt 0.29's preparer always runs the `dbt` found on PATH and takes no executable; here
    it is DBT_EXECUTABLE, so `.venv/bin/dagster dev` loads without an activated venv.
    `DAGSTER_IS_DEV_CLI` is how `dagster dev` marks the processes it starts."""
    if os.getenv("DAGSTER_IS_DEV_CLI"):
        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()


parse_if_dev(dbt_project)
