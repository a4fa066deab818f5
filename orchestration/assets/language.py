"""Language: every segment once, then each document by the majority of its body characters."""

from collections import Counter

import dagster as dg

from orchestration.assets.common import raw_key, raw_specs, with_progress
from orchestration.assets.quarantine import (
    log_quarantine, quarantine_metadata, quarantined_document_ids, write_stage_quarantine,
)
from orchestration.core.quarantine import document_record, isolate
from orchestration.core.language import UNDETERMINED, LanguageDetector, detect_document, label_segments
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
        excluded = quarantined_document_ids(conn, before_stage="language")
    detector = LanguageDetector()
    segment_rows, document_rows = [], []
    by_document = [(d, f) for d, f in segments.groupby("document_id", sort=True) if d not in excluded]

    def label(item) -> tuple[str, list[dict], dict]:
        document_id, frame = item
        doc_segments = [
            Segment(seq=int(r.seq), kind=r.kind, start=int(r.start_char), end=int(r.end_char),
                    rule_id=r.rule_id, text=r.text)
            for r in frame.itertuples(index=False)
        ]
        labels = label_segments(doc_segments, detector)
        document_guess = detect_document([(s.kind, s.text) for s in doc_segments], detector)
        return document_id, [
            {"document_id": document_id, "seq": seq, "language": guess.language,
             "probability": guess.probability, "method": guess.method}
            for seq, guess in labels
        ], {
            "document_id": document_id, "language": document_guess.language,
            "probability": document_guess.probability, "method": document_guess.method,
        }

    outcome = isolate(with_progress(context, by_document, "language-tagged documents"), label, "language",
                      document_id=lambda item: item[0])
    records = list(outcome.quarantined)
    for document_id, rows, document_row in outcome.results:
        segment_rows.extend(rows)
        document_rows.append(document_row)
        if document_row["language"] == UNDETERMINED:
            records.append(document_record("language", "unknown_language", document_id,
                                           f"no language told from the body ({document_row['method']})"))
    with warehouse.connect() as conn:
        replace_raw_table(conn, "segment_languages", segment_rows)
        replace_raw_table(conn, "document_languages", document_rows)
        write_stage_quarantine(conn, "language", records, context.run.run_id)
    log_quarantine(context, "language", records)
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
            **quarantine_metadata(records),
        },
    )
