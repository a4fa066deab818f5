"""The asset checks of the code location: one step per guarded asset.

Every gate of orchestration/checks/gates.py (`gx_<suite>`, stage_checks.py) and every rate gate
(`quarantine_rate_<stage>`, quarantine_checks.py) stays an asset check of its own, with its name,
its severity and whether it blocks; the checks that guard one asset are evaluated by one step.
Each check records its outcome in the DuckDB warehouse, so its step holds the "duckdb" pool:
three steps per asset meant three waits for that one slot, and with a backfill's days side by
side each wait grows (a blocked claim is retried with a back-off of up to 15 s), so the checks,
not the stages, set the pace of the document backfill (docs/decisions/0010). Grouped, a landing
day's run has 12 steps instead of 23, 7 of them in the pool instead of 18.

A run that selects some of an asset's checks evaluates only those (can_subset).
"""

from collections.abc import Iterator

import dagster as dg

from orchestration.checks.gates import GATES, Gate
from orchestration.checks.quarantine_checks import RATED_STAGES, evaluate_rate, rate_spec
from orchestration.checks.stage_checks import evaluate_gate, gate_spec
from orchestration.resources import DUCKDB_POOL, QuarantinePolicyResource, WarehouseResource
from orchestration.step_memory import reports_peak_memory


def build_asset_checks(asset: str, gates: list[Gate], rated_stage: "str | None") -> dg.AssetChecksDefinition:
    """The checks guarding `asset` (its gates, then its stage's rate gate), evaluated in one step."""
    specs = [gate_spec(gate) for gate in gates] + ([rate_spec(rated_stage, asset)] if rated_stage else [])
    key = dg.AssetKey.from_user_string(asset)

    @dg.multi_asset_check(specs=specs, name=f"{key.to_python_identifier()}_checks", can_subset=True,
                          pool=DUCKDB_POOL, description=f"The quality gates of {asset}.")
    @reports_peak_memory
    def _asset_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                      quarantine_policy: QuarantinePolicyResource) -> Iterator[dg.AssetCheckResult]:
        selected = {check.name for check in context.selected_asset_check_keys}
        for gate in gates:
            if f"gx_{gate.suite_name}" in selected:
                yield evaluate_gate(context, warehouse, gate)
        if rated_stage and rate_spec(rated_stage, asset).name in selected:
            yield evaluate_rate(context, warehouse, quarantine_policy, rated_stage, asset)

    return _asset_checks


def _guarded_assets() -> list[str]:
    """Every asset with a gate or a rate gate, in the order the gates are declared."""
    assets = [gate.asset for gate in GATES] + list(RATED_STAGES.values())
    return list(dict.fromkeys(assets))


_STAGE_OF_ASSET = {asset: stage for stage, asset in RATED_STAGES.items()}

all_checks = [
    build_asset_checks(asset, [gate for gate in GATES if gate.asset == asset], _STAGE_OF_ASSET.get(asset))
    for asset in _guarded_assets()
]
