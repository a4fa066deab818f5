"""Language: every segment once, then each document by the majority of its body characters."""

from collections import Counter

import dagster as dg

from orchestration.assets.common import raw_key, stage_multi_asset, with_progress
from orchestration.core.language.detect import LanguageDetector, detect_document, label_segments
from orchestration.core.types import DocumentLanguageRow, Segment, SegmentLanguageRow
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
    by_document: dict[str, list[Segment]] = {}
    for row in segment_rows:
        by_document.setdefault(row.document_id, []).append(row.segment())
    detector = LanguageDetector()
    segment_languages, document_languages = [], []
    for document_id, doc_segments in with_progress(context, list(by_document.items()), "language-tagged documents"):
        segment_languages.extend(
            SegmentLanguageRow(document_id, seq, guess.language, guess.probability, guess.method)
            for seq, guess in label_segments(doc_segments, detector)
        )
        guess = detect_document([(s.kind, s.text) for s in doc_segments], detector)
        document_languages.append(DocumentLanguageRow(document_id, guess.language, guess.probability, guess.method))
    with warehouse.connect() as conn:
        replace_raw_table(conn, "segment_languages", segment_languages)
        replace_raw_table(conn, "document_languages", document_languages)
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
        },
    )
