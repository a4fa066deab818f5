"""Sentences: split accepted bodies into sentences with offsets, each with its language."""

import dagster as dg

from orchestration.assets.common import partition_days, progress_logger, stage_asset, stage_version
from orchestration.assets.quarantine import log_quarantine, quarantine_metadata, quarantined_document_ids
from orchestration.core.language import sentences as sentence_split
from orchestration.core.language.detect import reset_process_detector
from orchestration.core.quarantine import document_record
from orchestration.incremental import (
    combined_keys, days_metadata, plan_days, plan_for, recorded_keys, register_ids, write_document_rows,
)
from orchestration.lake import partition_connection
from orchestration.pool import map_isolated, shared_pool
from orchestration.resources import ComputeResource, WarehouseResource
from orchestration.warehouse import RAW_SCHEMA

STAGE = "sentences"
# The pool's function and what it loads: core modules only (importing this module would import
# Dagster in every worker, about 2 s each).
SENTENCES_PRELOAD = (sentence_split.__name__,)
# Documents per pool worker below which the step splits them itself: a document of 2,700
# characters costs ~6 ms, a worker's start-up with the language model ~1.3 s (300 benchmark
# documents: 1.8 s in the step, 2.3 s on a pool of two).
DOCUMENTS_PER_WORKER = 250
# documents whose bodies a step holds at once
SENTENCES_BATCH = 2000
NO_SENTENCE = "neither the body nor the title gives a sentence"


def sentence_inputs(lake, day: str, document_ids: list[str]) -> list[tuple[str, str, str | None, str]]:
    """(document id, body, title, language) of the accepted documents of `document_ids` in the
    day's partition, in id order (one cleaning quarantined is recorded as processed with no
    sentences)."""
    with partition_connection(lake, [day]) as conn:
        ids = register_ids(conn, document_ids)
        return conn.execute(f"""
            SELECT d.document_id, coalesce(d.body_text, ''), d.title, coalesce(l.language, 'und')
            FROM {RAW_SCHEMA}.documents d
            LEFT JOIN {RAW_SCHEMA}.document_languages l USING (document_id)
            WHERE d.quarantine_reason IS NULL AND d.document_id IN (SELECT document_id FROM {ids})
            ORDER BY d.document_id
        """).fetchall()


@stage_asset(
    "sentences", "sentences", "Sentences of accepted documents (body, then the title), with offsets and a language each.",
    deps=("documents", "document_languages", "document_outlets"), partitioned=True,
)
def sentences(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
              compute: ComputeResource) -> dg.MaterializeResult:
    reset_process_detector()
    version = stage_version(context)

    def plan_day(conn):
        excluded = quarantined_document_ids(conn, before_stage=STAGE)
        plan, rebuild = plan_for(conn, STAGE, ["sentences"], combined_keys(
            version, recorded_keys(conn, "clean"), recorded_keys(conn, "language"), excluded=excluded))
        return plan, rebuild, sorted(plan.todo)

    work = plan_days(warehouse.lake_path, partition_days(context), STAGE, version, plan_day)
    progress = progress_logger(context, sum(len(day.items) for day in work), "split documents")
    row_count, split, done, all_records = 0, 0, 0, []
    # Day by day, SENTENCES_BATCH documents at a time: a step holds one batch of bodies and the
    # day's sentences, whatever the day or the range holds; one pool for the step's batches
    with shared_pool(compute.workers, SENTENCES_PRELOAD):
        for day in work:
            rows, records = [], []
            for start in range(0, len(day.items), SENTENCES_BATCH):
                items = sentence_inputs(warehouse.lake_path, day.day, day.items[start:start + SENTENCES_BATCH])
                outcomes = map_isolated(sentence_split.split_document, items, compute.workers, preload=SENTENCES_PRELOAD,
                                        on_progress=lambda n, base=done: progress(base + n),
                                        min_items_per_worker=DOCUMENTS_PER_WORKER)
                for (document_id, *_), outcome in zip(items, outcomes):
                    if not outcome.ok:
                        records.append(document_record(STAGE, "stage_error", document_id, outcome.error))
                    elif not outcome.result:
                        records.append(document_record(STAGE, "no_sentence", document_id, NO_SENTENCE))
                    else:
                        rows.extend(outcome.result)
                split += len(items)
                done += len(day.items[start:start + SENTENCES_BATCH])
            row_count += write_document_rows(warehouse.lake_path, day.day, day.plan, {"sentences": rows}, day.rebuild,
                                             quarantine=records, run_id=context.run.run_id)["sentences"]
            all_records += records
    log_quarantine(context, STAGE, all_records)
    return dg.MaterializeResult(metadata={"dagster/row_count": row_count, **days_metadata(work),
                                          "accepted_documents_split": split,
                                          **quarantine_metadata(all_records)})
