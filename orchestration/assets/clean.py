"""Clean: decode each dump and cut it into a lossless segment ledger plus the document parts."""

import json
from collections import Counter

import dagster as dg

from orchestration.assets.common import raw_key, raw_specs, with_progress
from orchestration.core.cleaning import clean_dump
from orchestration.core.types import CleanedDocument, RawDump
from orchestration.resources import DUCKDB_POOL, WarehouseResource
from orchestration.warehouse import read_table, replace_raw_table

CLEAN_TABLES = (
    "documents", "segments", "reader_comments", "captions", "embedded_blobs", "embedded_items",
    "related_articles",
)


def cleaned_rows(documents: list[CleanedDocument]) -> dict[str, list[dict]]:
    """Flatten cleaned documents into one row list per raw table."""
    rows: dict[str, list[dict]] = {table: [] for table in CLEAN_TABLES}
    for doc in documents:
        doc_id = doc.document_id
        rows["documents"].append({
            "document_id": doc_id, "encoding": doc.encoding, "encoding_method": doc.encoding_method,
            "repairs": json.dumps(doc.repairs), "decoded_chars": len(doc.decoded_text),
            "title": doc.title, "subtitle": doc.subtitle, "byline": doc.byline,
            "dateline_place": doc.dateline_place, "published_at": doc.published_at,
            "published_at_source": doc.published_at_source, "body_text": doc.body_text,
            "url": doc.url, "sitename": doc.sitename, "hostname": doc.hostname,
            "author": doc.author, "quarantine_reason": doc.quarantine_reason,
        })
        rows["segments"].extend(
            {"document_id": doc_id, "seq": s.seq, "kind": s.kind, "start_char": s.start,
             "end_char": s.end, "rule_id": s.rule_id, "text": s.text}
            for s in doc.segments
        )
        rows["reader_comments"].extend(
            {"document_id": doc_id, "seq": c.seq, "author": c.author, "text": c.text} for c in doc.comments
        )
        rows["captions"].extend(
            {"document_id": doc_id, "seq": c.seq, "text": c.text, "credit": c.credit} for c in doc.captions
        )
        for blob_seq, blob in enumerate(doc.embedded):
            rows["embedded_blobs"].append({
                "document_id": doc_id, "blob_seq": blob_seq, "position": blob.position,
                "declared_length": blob.declared_length, "actual_length": blob.actual_length,
                "status": blob.status, "reason": blob.reason, "raw_json": blob.raw_json,
                "item_count": len(blob.items),
            })
            rows["embedded_items"].extend(
                {"document_id": doc_id, "blob_seq": blob_seq, "item_seq": i,
                 "raw_json": json.dumps(item, ensure_ascii=False)}
                for i, item in enumerate(blob.items)
            )
        rows["related_articles"].extend(
            {"document_id": doc_id, "related_id": r.related_id, "title": r.title,
             "picture_path": r.picture_path, "related_date": r.related_date}
            for r in doc.related_articles
        )
    return rows


def dumps_from_frame(frame) -> list[RawDump]:
    return [
        RawDump(
            document_id=r.document_id, content_sha256=r.content_sha256, source_file=r.source_file,
            record_index=int(r.record_index), source_format=r.source_format, payload=bytes(r.payload),
            url=r.url, outlet_hint=r.outlet_hint, fetched_at=r.fetched_at, title_hint=r.title_hint,
        )
        for r in frame.itertuples(index=False)
    ]


@dg.multi_asset(
    name="cleaned_documents",
    specs=raw_specs(CLEAN_TABLES, "clean", [raw_key("dumps")], "Cleaning output"),
    pool=DUCKDB_POOL,
    description=(
        "Decode, repair and segment every dump: the segment ledger (raw.segments) tiles each "
        "decoded text exactly; bodies, comments, captions and embedded data go to their tables."
    ),
)
def cleaned_documents(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as conn:
        dumps = dumps_from_frame(read_table(conn, "dumps"))
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
