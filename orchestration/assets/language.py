"""Language: every segment once, then each document by the majority of its body characters."""

from collections import Counter

import dagster as dg

from orchestration.assets.common import raw_key, raw_specs, with_progress
from orchestration.core.language import LanguageDetector, detect_document, label_segments
from orchestration.core.types import Segment
from orchestration.resources import DUCKDB_POOL, WarehouseResource
from orchestration.warehouse import read_table, replace_raw_table


@dg.multi_asset(
    name="document_languages",
    specs=raw_specs(("segment_languages", "document_languages"), "language", [raw_key("segments")], "Languages"),
    pool=DUCKDB_POOL,
    description=(
        "langdetect (seeded) plus script rules on every segment; `und` where the text is too "
        "short or the guess too weak. Document language = majority of body characters."
    ),
)
def document_languages(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as conn:
        segments = read_table(conn, "segments").sort_values(["document_id", "seq"])
    detector = LanguageDetector()
    segment_rows, document_rows = [], []
    by_document = list(segments.groupby("document_id", sort=True))
    for document_id, frame in with_progress(context, by_document, "language-tagged documents"):
        doc_segments = [
            Segment(seq=int(r.seq), kind=r.kind, start=int(r.start_char), end=int(r.end_char),
                    rule_id=r.rule_id, text=r.text)
            for r in frame.itertuples(index=False)
        ]
        labels = label_segments(doc_segments, detector)
        segment_rows.extend(
            {"document_id": document_id, "seq": seq, "language": guess.language,
             "probability": guess.probability, "method": guess.method}
            for seq, guess in labels
        )
        document_guess = detect_document([(s.kind, s.text) for s in doc_segments], detector)
        document_rows.append({
            "document_id": document_id, "language": document_guess.language,
            "probability": document_guess.probability, "method": document_guess.method,
        })
    with warehouse.connect() as conn:
        replace_raw_table(conn, "segment_languages", segment_rows)
        replace_raw_table(conn, "document_languages", document_rows)
    yield dg.MaterializeResult(
        asset_key=raw_key("segment_languages"),
        metadata={
            "dagster/row_count": len(segment_rows),
            "languages": dg.MetadataValue.json(dict(Counter(r["language"] for r in segment_rows))),
        },
    )
    yield dg.MaterializeResult(
        asset_key=raw_key("document_languages"),
        metadata={
            "dagster/row_count": len(document_rows),
            "languages": dg.MetadataValue.json(dict(Counter(r["language"] for r in document_rows))),
        },
    )
