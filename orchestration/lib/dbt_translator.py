"""How dbt nodes appear in Dagster: grouped by their dbt folder, so the asset graph reads
ingest -> clean -> language -> ... -> staging -> intermediate -> marts -> publish."""
from collections.abc import Mapping
from typing import Any

from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings


class ClaimgridDbtTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn") or []
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2:
            return f"dbt_{fqn[1]}"   # models/<folder>/...: dbt_staging, dbt_intermediate, dbt_marts
        return "dbt_seeds" if dbt_resource_props.get("resource_type") == "seed" else None


dbt_translator = ClaimgridDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))
