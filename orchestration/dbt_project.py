"""The dbt project as Dagster sees it (manifest location, dev-time preparation)."""
from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is rebuilt from the SQL on load; elsewhere `make` parses first.
dbt_project.prepare_if_dev()
