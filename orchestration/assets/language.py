"""Language: every segment once, then each document by the majority of its body characters."""

from collections import Counter

import dagster as dg

from orchestration.assets.common import progress_logger, raw_key, stage_multi_asset, stage_version
from orchestration.core.language.detect import detect_document, label_segments, process_detector, reset_process_detector
from orchestration.core.types import DocumentLanguageRow, LanguageGuess, Segment, SegmentLanguageRow
from orchestration.incremental import combined_keys, plan_for, recorded_keys, register_ids, write_document_rows
from orchestration.pool import map_isolated
from orchestration.resources import ComputeResource, WarehouseResource
from orchestration.warehouse import read_records

STAGE = "language"
LANGUAGE_TABLES = ("segment_languages", "document_languages")

def tag_document(item: tuple[str, list[Segment]]) -> tuple[list[SegmentLanguageRow], DocumentLanguageRow]:
    """The segment and document language rows of one document (runs in a pool worker)."""
    document_id, segments = item
    detector = process_detector()
    segment_rows = [
        SegmentLanguageRow(document_id, seq, guess.language, guess.probability, guess.method)
        for seq, guess in label_segments(segments, detector)
    ]
    guess = detect_document([(s.kind, s.text) for s in segments], detector)
    return segment_rows, DocumentLanguageRow(document_id, guess.language, guess.probability, guess.method)


def _undetermined(document_id: str, segments: list[Segment]) -> tuple[list[SegmentLanguageRow], DocumentLanguageRow]:
    """A document whose detection failed: every segment and the document `und` (stage_error)."""
    und = LanguageGuess("und", 0.0, "abstain:stage_error")
    return ([SegmentLanguageRow(document_id, s.seq, und.language, und.probability, und.method) for s in segments],
            DocumentLanguageRow(document_id, und.language, und.probability, und.method))


@stage_multi_asset(
    "document_languages", LANGUAGE_TABLES, "language",
    "Languages: langdetect (seeded) plus script rules on every segment; `und` where the text is too "
    "short or the guess too weak. Document language = majority of body characters.",
    deps=("segments",),
)
def document_languages(context: dg.AssetExecutionContext, warehouse: WarehouseResource, compute: ComputeResource):
    reset_process_detector()
    with warehouse.connect(read_only=True) as conn:
        plan, rebuild = plan_for(conn, STAGE, LANGUAGE_TABLES,
                                 combined_keys(stage_version(context), recorded_keys(conn, "clean")))
        ids = register_ids(conn, plan.todo)
        segment_rows = read_records(conn, "segments", where=f"document_id IN (SELECT document_id FROM {ids})",
                                    order_by="document_id, seq")
    by_document: dict[str, list[Segment]] = {}
    for row in segment_rows:
        by_document.setdefault(row.document_id, []).append(row.segment())
    items = list(by_document.items())
    outcomes = map_isolated(tag_document, items, compute.workers, preload=(__name__,),
                            on_progress=progress_logger(context, len(items), "language-tagged documents"))
    segment_languages, document_languages = [], []
    for (document_id, doc_segments), outcome in zip(items, outcomes):
        if not outcome.ok:
            context.log.warning(f"language of {document_id} failed: {outcome.error}")
        rows, document_row = outcome.result if outcome.ok else _undetermined(document_id, doc_segments)
        segment_languages.extend(rows)
        document_languages.append(document_row)
    with warehouse.connect() as conn:
        counts = write_document_rows(conn, plan, {"segment_languages": segment_languages,
                                          "document_languages": document_languages}, rebuild)
    yield dg.MaterializeResult(
        asset_key=raw_key("segment_languages"),
        metadata={
            "dagster/row_count": counts["segment_languages"], **plan.metadata(),
            "languages": dg.MetadataValue.json(dict(Counter(r.language for r in segment_languages))),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("document_languages"),
        metadata={
            "dagster/row_count": counts["document_languages"], **plan.metadata(),
            "languages": dg.MetadataValue.json(dict(Counter(r.language for r in document_languages))),
        },
    )
