"""The one-machine reference of the distributed tier: the same batches as the cluster runs (a run
of the document stages per landing day, then the corpus run; rate gates judge each run's batch),
in-process, on an ephemeral instance. Run as a process of its own, beside the cluster:

    python -m tests.distributed.one_machine LANDING WAREHOUSE DAY [DAY ...]
"""
from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg

from tests.distributed.conftest import PROFILE_SETTINGS


def one_machine_runs(landing: Path, warehouse: Path, days: list[str]) -> None:
    from orchestration.definitions import all_assets, all_checks
    from orchestration.jobs import DOCUMENT_STAGES
    from tests.integration.pipeline import pipeline_resources

    resources = pipeline_resources(landing, warehouse, extra_env=PROFILE_SETTINGS)
    instance = dg.DagsterInstance.ephemeral()
    for day in days:
        assert dg.materialize([*all_assets, *all_checks], resources=resources, instance=instance,
                              selection=DOCUMENT_STAGES, partition_key=day).success, day
    assert dg.materialize([*all_assets, *all_checks], resources=resources, instance=instance,
                          selection=dg.AssetSelection.all() - DOCUMENT_STAGES).success


if __name__ == "__main__":
    one_machine_runs(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
