"""Clean: decode each dump and cut it into a lossless segment ledger plus the document parts;
one dump that cannot be cleaned is quarantined, never the reason the run stops."""

from collections import Counter

import dagster as dg

from orchestration.assets.common import partition_days, progress_logger, raw_key, stage_multi_asset, stage_version
from orchestration.assets.quarantine import log_quarantine, quarantine_metadata
from orchestration.core.cleaning.clean import STAGE, clean_to_columns, worker_died_columns
from orchestration.core.types import QuarantineRecord, RawDump
from orchestration.incremental import (
    combined_keys, days_metadata, dump_keys, plan_days, plan_for, register_ids, staged_rows, write_staged_rows,
)
from orchestration.lake import STAGE_TABLES, partition_connection
from orchestration.pool import map_isolated, shared_pool
from orchestration.resources import ComputeResource, WarehouseResource
from orchestration.warehouse import TableColumns, read_records

CLEAN_TABLES = STAGE_TABLES[STAGE]

# Imported once by the pool's forkserver, so each worker starts with trafilatura loaded. The
# pool's function lives in the core too: a worker that imported this module would import Dagster
# (about 2 s per worker, measured on a run of 30 dumps).
CLEAN_PRELOAD = ("orchestration.core.cleaning.clean", "orchestration.core.cleaning.html")
# Dumps cleaned (and held) at once: enough chunks for every core (pool.chunk_size_for), a bounded
# share of memory (at ~0.4 MB per dump and its cleaned document, measured at 2k dumps).
CLEAN_BATCH = 1000


@stage_multi_asset(
    "cleaned_documents", CLEAN_TABLES, "clean",
    "Cleaning output: decode, repair and segment every dump; the segment ledger (raw.segments) tiles "
    "each decoded text exactly; bodies, comments, captions and embedded data go to their tables; a "
    "dump that cannot be cleaned goes to raw.quarantine, not into a failed run. Only dumps new or "
    "changed since the last run are cleaned (all of them when the cleaning code or rules changed).",
    deps=("dumps",), partitioned=True,
)
def cleaned_documents(context: dg.AssetExecutionContext, warehouse: WarehouseResource, compute: ComputeResource):
    version = stage_version(context)

    def plan_day(conn):
        plan, rebuild = plan_for(conn, STAGE, CLEAN_TABLES, combined_keys(version, dump_keys(conn)))
        return plan, rebuild, sorted(plan.todo)

    work = plan_days(warehouse.lake_path, partition_days(context), STAGE, version, plan_day)
    total = sum(len(day.items) for day in work)
    progress = progress_logger(context, total, "cleaned")
    counts: Counter = Counter()
    removed, done = Counter(), 0
    all_records: list[QuarantineRecord] = []
    # Day by day, a batch of dumps at a time: a step holds one batch of payloads and cleaned
    # documents, whatever the day or the range holds; the batches are staged as Parquet and go
    # into the day's files together (incremental.StagedRows).
    # one pool for the step's batches: its workers start (and import trafilatura) once
    with shared_pool(compute.workers, CLEAN_PRELOAD):
        for day in work:
            with staged_rows(warehouse.lake_path, STAGE, day.day, CLEAN_TABLES) as staged:
                for start in range(0, len(day.items), CLEAN_BATCH):
                    dumps = read_dumps(warehouse.lake_path, day.day, day.items[start:start + CLEAN_BATCH])
                    outcomes = map_isolated(clean_to_columns, dumps, compute.workers, preload=CLEAN_PRELOAD,
                                            on_progress=lambda n, base=done: progress(base + n))
                    batch, records = TableColumns(CLEAN_TABLES), []
                    for dump, outcome in zip(dumps, outcomes):
                        columns, record = outcome.result if outcome.ok else worker_died_columns(dump, outcome.error)
                        batch.extend(columns)
                        if record:
                            records.append(record)
                    staged.add(batch.tables, records)
                    segments = batch.tables["segments"]
                    removed.update(rule for kind, rule in zip(segments["kind"], segments["rule_id"])
                                   if kind not in ("body", "heading"))
                    done += len(dumps)
                counts.update(write_staged_rows(warehouse.lake_path, day.day, day.plan, staged, day.rebuild,
                                                run_id=context.run.run_id))
                all_records += staged.quarantine
    log_quarantine(context, STAGE, all_records)
    for table in CLEAN_TABLES:
        metadata: dict = {"dagster/row_count": counts[table], **days_metadata(work)}
        if table == "documents":
            metadata.update(quarantine_metadata(all_records))
        if table == "segments":
            metadata["removed_by_rule"] = dg.MetadataValue.json(dict(removed.most_common(30)))
        yield dg.MaterializeResult(asset_key=raw_key(table), metadata=metadata)


def read_dumps(lake, day: str, document_ids: list[str]) -> list[RawDump]:
    """The dumps of `document_ids` from the day's partition, in id order."""
    with partition_connection(lake, [day]) as conn:
        ids = register_ids(conn, document_ids)
        return read_records(conn, "dumps", where=f"document_id IN (SELECT document_id FROM {ids})",
                            order_by="document_id")
