"""Language: every segment once, then each document by the majority of its body characters."""

from collections import Counter

import dagster as dg

from orchestration.assets.common import raw_key, stage_multi_asset, with_progress
from orchestration.assets.quarantine import (
    log_quarantine, quarantine_metadata, quarantined_document_ids, write_stage_quarantine,
)
from orchestration.core.quarantine import document_record, isolate
from orchestration.core.language.detect import LanguageDetector, detect_document, label_segments
from orchestration.core.types import UNDETERMINED_LANGUAGE, DocumentLanguageRow, Segment, SegmentLanguageRow
from orchestration.resources import WarehouseResource
from orchestration.warehouse import read_records, replace_raw_table


@stage_multi_asset(
    "document_languages", ("segment_languages", "document_languages"), "language",
    "Languages: langdetect (seeded) plus script rules on every segment; `und` where the text is too "
    "short or the guess too weak. Document language = majority of body characters.",
    deps=("segments",),
)
def document_languages(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as conn:
        segment_rows = read_records(conn, "segments", order_by="document_id, seq")
        excluded = quarantined_document_ids(conn, before_stage="language")
    by_document: dict[str, list[Segment]] = {}
    for row in segment_rows:
        if row.document_id not in excluded:
            by_document.setdefault(row.document_id, []).append(row.segment())
    detector = LanguageDetector()

    def label(item: tuple[str, list[Segment]]) -> tuple[str, list[SegmentLanguageRow], DocumentLanguageRow]:
        document_id, doc_segments = item
        segment_guesses = [
            SegmentLanguageRow(document_id, seq, guess.language, guess.probability, guess.method)
            for seq, guess in label_segments(doc_segments, detector)
        ]
        guess = detect_document([(s.kind, s.text) for s in doc_segments], detector)
        return document_id, segment_guesses, DocumentLanguageRow(document_id, guess.language, guess.probability,
                                                                guess.method)

    outcome = isolate(with_progress(context, list(by_document.items()), "language-tagged documents"), label,
                      "language", document_id=lambda item: item[0])
    records = list(outcome.quarantined)
    segment_languages, document_languages = [], []
    for document_id, segment_guesses, document_guess in outcome.results:
        segment_languages.extend(segment_guesses)
        document_languages.append(document_guess)
        if document_guess.language == UNDETERMINED_LANGUAGE:
            records.append(document_record("language", "unknown_language", document_id,
                                           f"no language told from the body ({document_guess.method})"))
    with warehouse.connect() as conn:
        replace_raw_table(conn, "segment_languages", segment_languages)
        replace_raw_table(conn, "document_languages", document_languages)
        write_stage_quarantine(conn, "language", records, context.run.run_id)
    log_quarantine(context, "language", records)
    yield dg.MaterializeResult(
        asset_key=raw_key("segment_languages"),
        metadata={
            "dagster/row_count": len(segment_languages),
            "languages": dg.MetadataValue.json(dict(Counter(r.language for r in segment_languages))),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("document_languages"),
        metadata={
            "dagster/row_count": len(document_languages),
            "languages": dg.MetadataValue.json(dict(Counter(r.language for r in document_languages))),
            **quarantine_metadata(records),
        },
    )
