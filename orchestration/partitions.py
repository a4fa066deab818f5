"""Landing days as Dagster partitions (docs/decisions/0009-partitions-and-parquet-lake.md).

The document stages (ingest, clean, language, outlets, sentences) are partitioned by the day a
dump landed (orchestration/core/landing_days.py); the corpus stages, dbt and publish are not,
and read every partition (Dagster's default mapping from a partitioned asset to an unpartitioned
one: all partitions). A run over a range of days (a backfill, `make run`) runs each document
stage once for the whole range (BackfillPolicy.single_run): one process pool, one write per day.
"""
from __future__ import annotations

import dagster as dg

from orchestration.core.landing_days import FIRST_LANDING_DAY

# end_offset=1: today is a partition too, so the sensor can ask for it as files land
LANDING_DAYS = dg.DailyPartitionsDefinition(start_date=FIRST_LANDING_DAY.isoformat(), end_offset=1)
SINGLE_RUN = dg.BackfillPolicy.single_run()

PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def range_tags(first: str, last: str) -> dict[str, str]:
    """The run tags of one run over the days first..last."""
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def run_days(tags: dict[str, str]) -> list[str]:
    """The landing days a run targets, from its tags (one partition or a range); [] when the run
    is not partitioned."""
    if PARTITION_TAG in tags:
        return [tags[PARTITION_TAG]]
    if RANGE_START_TAG in tags and RANGE_END_TAG in tags:
        return LANDING_DAYS.get_partition_keys_in_range(dg.PartitionKeyRange(tags[RANGE_START_TAG], tags[RANGE_END_TAG]))
    return []
