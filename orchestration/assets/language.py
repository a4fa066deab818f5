"""Language: every segment once, then each document by the majority of its body characters."""

from collections import Counter

import dagster as dg

from orchestration.assets.common import (
    partition_days, progress_logger, raw_key, stage_multi_asset, stage_version, with_progress,
)
from orchestration.assets.quarantine import log_quarantine, quarantine_metadata, quarantined_document_ids
from orchestration.core.language import detect
from orchestration.core.language.detect import (
    LanguageDetector, SegmentText, analyse_text, detect_document, has_body_text, label_segments, linguistic_texts,
)
from orchestration.core.quarantine import document_record, error_detail
from orchestration.core.types import (
    UNDETERMINED_LANGUAGE, DocumentLanguageRow, QuarantineRecord, SegmentLanguageRow, tuples_as_columns,
)
from orchestration.incremental import (
    combined_keys, days_metadata, plan_days, plan_for, recorded_keys, register_ids, staged_rows, write_staged_rows,
)
from orchestration.lake import STAGE_TABLES, partition_connection
from orchestration.pool import map_isolated, shared_pool
from orchestration.resources import ComputeResource, WarehouseResource
from orchestration.warehouse import read_tuples

STAGE = "language"
LANGUAGE_TABLES = STAGE_TABLES[STAGE]
# Documents tagged (and held) at once. A text repeated across batches is sent again, and answered
# from the memo of the step's pool workers; a memo of the whole range in the step grew with the archive.
LANGUAGE_BATCH = 2000
# Imported once by the pool's forkserver, so each worker starts with the detector's profiles loaded.
LANGUAGE_PRELOAD = (detect.__name__,)
# Distinct texts per pool worker below which the step analyses them itself. A text costs about
# 0.5 ms (80 texts of the samples: 0.04 s in the step); a worker first loads the n-gram model
# (about 1.1 s: the same 80 texts took 1.18 s on a pool of two), so a pool pays from a few
# thousand texts, a few hundred documents.
LANGUAGE_TEXTS_PER_WORKER = 1000


def tag_document(document_id: str, segments: list[SegmentText],
                 detector: LanguageDetector) -> tuple[list[tuple], DocumentLanguageRow]:
    """The segment language rows (tuples of SegmentLanguageRow's fields, in order) and the
    document language row of one document."""
    segment_rows = [
        (document_id, seq, guess.language, guess.probability, guess.method)
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
        return plan, rebuild, sorted(plan.todo)

    work = plan_days(warehouse.lake_path, partition_days(context), STAGE, version, plan_day)
    segment_language_counts, document_language_counts, all_records = Counter(), Counter(), []
    counts: Counter = Counter()
    # Day by day, LANGUAGE_BATCH documents at a time (their segments, analyses and rows held, not
    # the range's), staged as Parquet and written into the day's files together.
    # one pool for the step's batches: its workers start once, and keep their memo of texts
    with shared_pool(compute.workers, LANGUAGE_PRELOAD):
        for day in work:
            with staged_rows(warehouse.lake_path, STAGE, day.day, LANGUAGE_TABLES) as staged:
                for start in range(0, len(day.items), LANGUAGE_BATCH):
                    segments = read_segments(warehouse.lake_path, day.day, day.items[start:start + LANGUAGE_BATCH])
                    segment_languages, document_languages, records = tag_batch(context, compute, segments, day.day)
                    staged.add({"segment_languages": segment_languages, "document_languages": document_languages},
                               records)
                    segment_language_counts.update(segment_languages["language"])
                    document_language_counts.update(r.language for r in document_languages)
                counts.update(write_staged_rows(warehouse.lake_path, day.day, day.plan, staged, day.rebuild,
                                                run_id=context.run.run_id))
                all_records += staged.quarantine
    log_quarantine(context, STAGE, all_records)
    yield dg.MaterializeResult(
        asset_key=raw_key("segment_languages"),
        metadata={
            "dagster/row_count": counts["segment_languages"], **days_metadata(work),
            "languages": dg.MetadataValue.json(dict(segment_language_counts)),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("document_languages"),
        metadata={
            "dagster/row_count": counts["document_languages"], **days_metadata(work),
            "languages": dg.MetadataValue.json(dict(document_language_counts)),
            **quarantine_metadata(all_records),
        },
    )


def read_segments(lake, day: str, document_ids: list[str]) -> list[tuple[str, list[SegmentText]]]:
    """(document id, its segments in order) of the documents of `document_ids` that have segments."""
    with partition_connection(lake, [day]) as conn:
        ids = register_ids(conn, document_ids)
        rows = read_tuples(conn, "segments", ("document_id", *SegmentText._fields),
                          where=f"document_id IN (SELECT document_id FROM {ids})", order_by="document_id, seq")
    by_document: dict[str, list[SegmentText]] = {}
    segment_text = SegmentText._make
    for row in rows:
        by_document.setdefault(row[0], []).append(segment_text(row[1:]))
    return list(by_document.items())


def tag_batch(context: dg.AssetExecutionContext, compute: ComputeResource, items: list[tuple[str, list[SegmentText]]],
              day: str) -> tuple[dict[str, list], list[DocumentLanguageRow], list[QuarantineRecord]]:
    """The segment language rows (as columns), the document language rows and the quarantine
    records of a batch of documents. Reprints share most of their texts: each distinct text is
    analysed once, on the pool, and the documents are then labelled here from those analyses
    (lookups, no detection)."""
    texts = sorted(set().union(*(linguistic_texts(segs) for _, segs in items)))
    outcomes = map_isolated(analyse_text, texts, compute.workers, preload=LANGUAGE_PRELOAD,
                            on_progress=progress_logger(context, len(texts), "analysed distinct texts"),
                            min_items_per_worker=LANGUAGE_TEXTS_PER_WORKER)
    detector = LanguageDetector()
    failed = {}
    for text, outcome in zip(texts, outcomes):
        if outcome.ok:
            detector.remember(text, *outcome.result)
        else:
            failed[text] = outcome.error
    segment_languages, document_languages, records = [], [], []
    for document_id, doc_segments in with_progress(context, items, f"language-tagged documents of {day}"):
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
        # a body whose language cannot be told is a fragment (decision 0005); a headline-only
        # document keeps its headline, all it has, with language und (decision 0018)
        if document_row.language == UNDETERMINED_LANGUAGE and has_body_text((s.kind, s.text) for s in doc_segments):
            records.append(document_record(STAGE, "unknown_language", document_id,
                                           f"no language told from the body ({document_row.method})"))
    return tuples_as_columns(segment_languages, SegmentLanguageRow), document_languages, records
