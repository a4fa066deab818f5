"""Sentences: split accepted bodies into sentences with offsets, each with its language."""

import dagster as dg

from orchestration.assets.common import partition_days, progress_logger, stage_asset, stage_version
from orchestration.assets.quarantine import log_quarantine, quarantine_metadata, quarantined_document_ids
from orchestration.core.language.detect import process_detector, reset_process_detector
from orchestration.core.quarantine import document_record
from orchestration.core.text.sentences import split_sentences
from orchestration.core.types import SentenceRow
from orchestration.incremental import (
    by_day, combined_keys, days_metadata, plan_days, plan_for, recorded_keys, register_ids, write_document_rows,
)
from orchestration.pool import map_isolated
from orchestration.resources import ComputeResource, WarehouseResource
from orchestration.warehouse import RAW_SCHEMA

STAGE = "sentences"


def split_document(item: tuple[str, str, str]) -> list[SentenceRow]:
    """The sentence rows of one body (runs in a pool worker): (document id, body, its language)."""
    document_id, body_text, document_language = item
    detector = process_detector()
    rows = []
    for sentence in split_sentences(body_text):
        # A sentence too weak to decide alone takes its document's language only where its
        # own best candidate is that language (see LanguageDetector.detect_in_document).
        guess = detector.detect_in_document(sentence.text, document_language)
        rows.append(SentenceRow(
            document_id=document_id, sentence_seq=sentence.seq, start_char=sentence.start,
            end_char=sentence.end, text=sentence.text, language=guess.language,
            language_probability=guess.probability, language_method=guess.method,
            continues_quote=sentence.continues_quote,
        ))
    return rows


@stage_asset(
    "sentences", "sentences", "Body sentences of accepted documents, with offsets into the body and a language each.",
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
        ids = register_ids(conn, plan.todo)
        # accepted documents only: one cleaning quarantined is recorded as processed with no sentences
        items = conn.execute(f"""
            SELECT d.document_id, coalesce(d.body_text, ''), coalesce(l.language, 'und')
            FROM {RAW_SCHEMA}.documents d
            LEFT JOIN {RAW_SCHEMA}.document_languages l USING (document_id)
            WHERE d.quarantine_reason IS NULL AND d.document_id IN (SELECT document_id FROM {ids})
            ORDER BY d.document_id
        """).fetchall()
        return plan, rebuild, items

    work = plan_days(warehouse.lake_path, partition_days(context), plan_day)
    all_items = [item for day in work for item in day.items]
    outcomes = map_isolated(split_document, all_items, compute.workers, preload=(__name__,),
                            on_progress=progress_logger(context, len(all_items), "split documents"))
    row_count, all_records = 0, []
    for day, day_outcomes in by_day(work, outcomes):
        rows, records = [], []
        for (document_id, _, _), outcome in zip(day.items, day_outcomes):
            if not outcome.ok:
                records.append(document_record(STAGE, "stage_error", document_id, outcome.error))
            elif not outcome.result:
                records.append(document_record(STAGE, "no_sentence", document_id, "the body splits into no sentence"))
            else:
                rows.extend(outcome.result)
        row_count += write_document_rows(warehouse.lake_path, day.day, day.plan, {"sentences": rows}, day.rebuild,
                                         quarantine=records, run_id=context.run.run_id)["sentences"]
        all_records += records
    log_quarantine(context, STAGE, all_records)
    return dg.MaterializeResult(metadata={"dagster/row_count": row_count, **days_metadata(work),
                                          "accepted_documents_split": len(all_items),
                                          **quarantine_metadata(all_records)})
