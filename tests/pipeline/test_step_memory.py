"""Every step reports its own peak memory (orchestration/step_memory.py)."""
import subprocess
import sys

import dagster as dg

from orchestration.step_memory import reports_peak_memory

MB = 1024 * 1024


@dg.asset
@reports_peak_memory
def small(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 1})


@dg.asset(deps=[small])
@reports_peak_memory
def large(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    held = bytearray(300 * MB)        # touched: resident, not only reserved
    held[::4096] = b"x" * len(held[::4096])
    del held
    return dg.MaterializeResult()


@dg.asset(deps=[large])
@reports_peak_memory
def with_child(context: dg.AssetExecutionContext):
    # The child holds its memory past two samples of the step's sampler: its peak is read from
    # /proc while it runs, whatever larger children this process waited for before (a dbt build
    # of an earlier test in the same pytest worker), which hide it from RUSAGE_CHILDREN.
    subprocess.run([sys.executable, "-c", "import time; b = bytearray(200 * 1024 * 1024); "
                    "b[::4096] = b'x' * len(b[::4096]); time.sleep(1.2)"], check=True)
    yield dg.MaterializeResult(metadata={"child": "done"})


def test_each_step_reports_its_own_peak_and_its_childrens():
    result = dg.materialize([small, large, with_child])
    assert result.success
    metadata = {e.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()}
                for e in result.get_asset_materialization_events()}
    assert metadata["small"]["rows"] == 1 and metadata["with_child"]["child"] == "done"    # kept
    # the 300 MB step's peak is its own: the steps after it start from what is left
    assert metadata["large"]["peak_rss_step_process_mb"] >= metadata["large"]["rss_at_step_start_mb"] + 290
    assert metadata["with_child"]["peak_rss_step_process_mb"] < metadata["large"]["peak_rss_step_process_mb"] - 200
    assert metadata["with_child"]["peak_rss_children_mb"] >= 200
    assert metadata["with_child"]["peak_rss_mb"] == max(metadata["with_child"]["peak_rss_step_process_mb"],
                                                        metadata["with_child"]["peak_rss_children_mb"])
