"""The dbt project as Dagster sees it: manifest location, how its nodes appear (groups by dbt
folder, tests as asset checks), and the one dbt executable every caller uses.

dagster-dbt reads the manifest when the code location loads; `make` (setup, run, ui) and the test
session parse the project first whenever its SQL or YAML changed, so loading never runs dbt.
"""
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from orchestration.settings import DBT_PROJECT_DIR

# dbt is installed next to the interpreter running us; make and CI call .venv/bin/python without
# activating the venv, so `dbt` on PATH may be missing or another install.
_VENV_DBT = Path(sys.executable).with_name("dbt")
DBT_EXECUTABLE = str(_VENV_DBT) if _VENV_DBT.exists() else "dbt"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


_REF = re.compile(r"ref\(\s*['\"]([^'\"]+)['\"]\s*\)")


def _ref_name(text: Any) -> str:
    match = _REF.search(str(text or ""))
    return match.group(1) if match else str(text)


def describe_dbt_test(test: Mapping[str, Any]) -> str:
    """What a dbt test checks, for its asset check in the UI (which showed "No description
    provided" for all of them): the test's own description (dbt `description:` or
    `meta.description`), else one written from the generic test and its arguments; plus what a
    failure does."""
    meta = test.get("meta") or (test.get("config") or {}).get("meta") or {}
    own = (test.get("description") or "").strip() or str(meta.get("description") or "").strip()
    metadata = test.get("test_metadata") or {}
    kwargs = metadata.get("kwargs") or {}
    model = _ref_name(kwargs.get("model")) if kwargs.get("model") else test.get("attached_node", "").split(".")[-1]
    column = kwargs.get("column_name") or test.get("column_name")
    generated = {
        "not_null": lambda: f"{model}.{column} is never null.",
        "unique": lambda: f"{model}.{column} identifies a row: no two rows share a value.",
        "relationships": lambda: f"Every {model}.{column} exists as {_ref_name(kwargs.get('to'))}.{kwargs.get('field')}.",
        "accepted_values": lambda: f"{model}.{column} takes only the values {', '.join(map(str, kwargs.get('values', [])))}.",
        "between": lambda: (f"{model}.{column} lies in [{kwargs.get('min_value', '-inf')}, "
                            f"{kwargs.get('max_value', 'inf')}] (nulls not tested)."),
        "unique_combination": lambda: f"No two rows of {model} share ({', '.join(kwargs.get('columns', []))}).",
        "expression_is_true": lambda: f"Every row of {model} satisfies: {kwargs.get('expression')}.",
        "language_code": lambda: f"{model}.{column} is an ISO 639-1 code or 'und'.",
    }.get(metadata.get("name"))
    what = own or (generated() if generated else f"dbt test {test.get('name')} on {model}: any row it returns is a failure.")
    severity = str((test.get("config") or {}).get("severity", "error")).lower()
    return what + (" Blocking: a failure fails the dbt step, so nothing is published."
                   if severity == "error" else " Warning only: the run goes on.")


# Grouped by dbt folder, so the asset graph reads ingest -> ... -> staging -> intermediate -> marts -> publish.
class ClaimgridDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn") or []
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2:
            return f"dbt_{fqn[1]}"   # models/<folder>/...: dbt_staging, dbt_intermediate, dbt_marts
        return "dbt_seeds" if dbt_resource_props.get("resource_type") == "seed" else None

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return dg.AssetCheckSpec(
            name=spec.name, asset=spec.asset_key, description=describe_dbt_test(manifest["nodes"][unique_id]),
            additional_deps=spec.additional_deps, metadata=spec.metadata, blocking=spec.blocking,
        )


dbt_translator = ClaimgridDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
