"""Language: every segment once, then each document by the majority of its body characters."""

from collections import Counter

import dagster as dg

from orchestration.assets.common import (
    partition_days, progress_logger, raw_key, stage_multi_asset, stage_version, with_progress,
)
from orchestration.assets.quarantine import log_quarantine, quarantine_metadata, quarantined_document_ids
from orchestration.core.language import detect
from orchestration.core.language.detect import (
    LanguageDetector, analyse_text, detect_document, label_segments, linguistic_texts,
)
from orchestration.core.quarantine import document_record, error_detail
from orchestration.core.types import (
    UNDETERMINED_LANGUAGE, DocumentLanguageRow, QuarantineRecord, Segment, SegmentLanguageRow,
)
from orchestration.incremental import (
    combined_keys, days_metadata, plan_days, plan_for, recorded_keys, register_ids, write_document_rows,
)
from orchestration.lake import STAGE_TABLES
from orchestration.pool import map_isolated
from orchestration.resources import ComputeResource, WarehouseResource
from orchestration.warehouse import read_records

STAGE = "language"
LANGUAGE_TABLES = STAGE_TABLES[STAGE]


def tag_document(document_id: str, segments: list[Segment],
                 detector: LanguageDetector) -> tuple[list[SegmentLanguageRow], DocumentLanguageRow]:
    """The segment and document language rows of one document."""
    segment_rows = [
        SegmentLanguageRow(document_id, seq, guess.language, guess.probability, guess.method)
        for seq, guess in label_segments(segments, detector)
    ]
    guess = detect_document([(s.kind, s.text) for s in segments], detector)
    return segment_rows, DocumentLanguageRow(document_id, guess.language, guess.probability, guess.method)


@stage_multi_asset(
    "document_languages", LANGUAGE_TABLES, "language",
    "Languages: langdetect (seeded) plus script rules on every segment; `und` where the text is too "
    "short or the guess too weak. Document language = majority of body characters.",
    deps=("segments",), partitioned=True,
)
def document_languages(context: dg.AssetExecutionContext, warehouse: WarehouseResource, compute: ComputeResource):
    detect.reset_process_detector()   # in-process analyses (one worker) start from an empty memo
    version = stage_version(context)

    def plan_day(conn):
        excluded = quarantined_document_ids(conn, before_stage=STAGE)
        plan, rebuild = plan_for(conn, STAGE, LANGUAGE_TABLES,
                                 combined_keys(version, recorded_keys(conn, "clean"), excluded=excluded))
        ids = register_ids(conn, plan.todo)
        segment_rows = read_records(conn, "segments", where=f"document_id IN (SELECT document_id FROM {ids})",
                                    order_by="document_id, seq")
        by_document: dict[str, list[Segment]] = {}
        for row in segment_rows:
            by_document.setdefault(row.document_id, []).append(row.segment())
        return plan, rebuild, list(by_document.items())

    work = plan_days(warehouse.lake_path, partition_days(context), plan_day)
    # Reprints share most of their texts: each distinct text is analysed once, on the pool, and
    # the documents are then labelled here from those analyses (lookups, no detection).
    texts = sorted(set().union(*(linguistic_texts(segs) for day in work for _, segs in day.items)))
    outcomes = map_isolated(analyse_text, texts, compute.workers, preload=(detect.__name__,),
                            on_progress=progress_logger(context, len(texts), "analysed distinct texts"))
    detector = LanguageDetector()
    failed = {}
    for text, outcome in zip(texts, outcomes):
        if outcome.ok:
            detector.remember(text, *outcome.result)
        else:
            failed[text] = outcome.error
    all_segment_languages, all_document_languages, all_records = [], [], []
    counts: Counter = Counter()
    for day in work:
        segment_languages, document_languages = [], []
        records: list[QuarantineRecord] = []
        for document_id, doc_segments in with_progress(context, day.items, f"language-tagged documents of {day.day}"):
            # a document whose analysis or labelling raised has no language rows: it is quarantined
            error = next((failed[t] for t in linguistic_texts(doc_segments) if t in failed), None)
            if error is None:
                try:
                    rows, document_row = tag_document(document_id, doc_segments, detector)
                except Exception as exc:  # noqa: BLE001 - one document's trouble is that document's
                    error = error_detail(exc)
            if error is not None:
                records.append(document_record(STAGE, "stage_error", document_id, error))
                continue
            segment_languages.extend(rows)
            document_languages.append(document_row)
            if document_row.language == UNDETERMINED_LANGUAGE:
                records.append(document_record(STAGE, "unknown_language", document_id,
                                               f"no language told from the body ({document_row.method})"))
        counts.update(write_document_rows(warehouse.lake_path, day.day, day.plan,
                                          {"segment_languages": segment_languages,
                                           "document_languages": document_languages}, day.rebuild,
                                          quarantine=records, run_id=context.run.run_id))
        all_segment_languages += segment_languages
        all_document_languages += document_languages
        all_records += records
    log_quarantine(context, STAGE, all_records)
    yield dg.MaterializeResult(
        asset_key=raw_key("segment_languages"),
        metadata={
            "dagster/row_count": counts["segment_languages"], **days_metadata(work),
            "languages": dg.MetadataValue.json(dict(Counter(r.language for r in all_segment_languages))),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("document_languages"),
        metadata={
            "dagster/row_count": counts["document_languages"], **days_metadata(work),
            "languages": dg.MetadataValue.json(dict(Counter(r.language for r in all_document_languages))),
            **quarantine_metadata(all_records),
        },
    )
