"""Clean: decode each dump and cut it into a lossless segment ledger plus the document parts."""

import json
from collections import Counter

import dagster as dg

from orchestration.assets.common import raw_key, stage_multi_asset, with_progress
from orchestration.core.cleaning.clean import clean_dump
from orchestration.core.types import (
    CaptionRow,
    CleanedDocument,
    DocumentRow,
    EmbeddedBlobRow,
    EmbeddedItemRow,
    ReaderCommentRow,
    RelatedArticleRow,
    SegmentRow,
)
from orchestration.resources import WarehouseResource
from orchestration.warehouse import read_records, replace_raw_table

CLEAN_TABLES = (
    "documents", "segments", "reader_comments", "captions", "embedded_blobs", "embedded_items",
    "related_articles",
)


def cleaned_rows(documents: list[CleanedDocument]) -> dict[str, list]:
    """Flatten cleaned documents into one record list per raw table."""
    rows: dict[str, list] = {table: [] for table in CLEAN_TABLES}
    for doc in documents:
        doc_id = doc.document_id
        rows["documents"].append(DocumentRow.of(doc))
        rows["segments"].extend(SegmentRow.of(doc_id, s) for s in doc.segments)
        rows["reader_comments"].extend(ReaderCommentRow(doc_id, c.seq, c.author, c.text) for c in doc.comments)
        rows["captions"].extend(CaptionRow(doc_id, c.seq, c.text, c.credit) for c in doc.captions)
        for blob_seq, blob in enumerate(doc.embedded):
            rows["embedded_blobs"].append(EmbeddedBlobRow(
                doc_id, blob_seq, blob.position, blob.declared_length, blob.actual_length, blob.status,
                blob.reason, blob.raw_json, len(blob.items),
            ))
            rows["embedded_items"].extend(
                EmbeddedItemRow(doc_id, blob_seq, i, json.dumps(item, ensure_ascii=False))
                for i, item in enumerate(blob.items)
            )
        rows["related_articles"].extend(
            RelatedArticleRow(doc_id, r.related_id, r.title, r.picture_path, r.related_date)
            for r in doc.related_articles
        )
    return rows


@stage_multi_asset(
    "cleaned_documents", CLEAN_TABLES, "clean",
    "Cleaning output: decode, repair and segment every dump; the segment ledger (raw.segments) tiles "
    "each decoded text exactly; bodies, comments, captions and embedded data go to their tables.",
    deps=("dumps",),
)
def cleaned_documents(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as conn:
        dumps = read_records(conn, "dumps")
    documents = [clean_dump(d) for d in with_progress(context, dumps, "cleaned")]
    rows = cleaned_rows(documents)
    with warehouse.connect() as conn:
        counts = {table: replace_raw_table(conn, table, rows[table]) for table in CLEAN_TABLES}
    quarantined = Counter(d.quarantine_reason for d in documents if d.quarantine_reason)
    removed = Counter(s.rule_id for d in documents for s in d.segments if s.kind not in ("body", "heading"))
    for table in CLEAN_TABLES:
        metadata: dict = {"dagster/row_count": counts[table]}
        if table == "documents":
            metadata["quarantined"] = dg.MetadataValue.json(dict(quarantined))
        if table == "segments":
            metadata["removed_by_rule"] = dg.MetadataValue.json(dict(removed.most_common(30)))
        yield dg.MaterializeResult(asset_key=raw_key(table), metadata=metadata)
