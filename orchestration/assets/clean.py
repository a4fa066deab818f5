"""Clean: decode each dump and cut it into a lossless segment ledger plus the document parts;
one dump that cannot be cleaned is quarantined, never the reason the run stops."""

import json
from collections import Counter
from collections.abc import Iterable

import dagster as dg

from orchestration.assets.common import raw_key, stage_multi_asset, with_progress
from orchestration.assets.quarantine import log_quarantine, quarantine_metadata, write_stage_quarantine
from orchestration.core.cleaning.clean import clean_dump, quarantined_document
from orchestration.core.cleaning.rules import DEFAULT_RULES_PATH, RuleSet, load_rules
from orchestration.core.quarantine import debris_in, document_record, isolate
from orchestration.core.types import (
    CaptionRow,
    CleanedDocument,
    QuarantineRecord,
    RawDump,
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


def quarantine_of(dump: RawDump, document: CleanedDocument) -> QuarantineRecord | None:
    """The clean-stage quarantine record of a cleaned document: cleaning's own reason, or
    debris left in an accepted body (which used to fail a blocking expectation for the batch)."""
    if document.quarantine_reason is None:
        debris = debris_in(document.body_text)
        if debris is None:
            return None
        document.quarantine_reason = "debris_residue"
        return document_record("clean", "debris_residue", dump.document_id, f"in body: {debris!r}",
                               dump.source_file, dump.record_index)
    return document_record("clean", document.quarantine_reason, dump.document_id,
                           f"{document.quarantine_reason} ({dump.source_format}, {len(dump.payload)} bytes)",
                           dump.source_file, dump.record_index)


def clean_isolated(dumps: Iterable[RawDump], rules: RuleSet) -> tuple[list[CleanedDocument], list[QuarantineRecord]]:
    """Clean every dump; a dump whose cleaning raises is kept as one boilerplate segment (so
    the ledger still covers it) and quarantined with the exception."""
    documents, records = [], []
    for dump in dumps:
        outcome = isolate([dump], lambda d: clean_dump(d, rules), "clean",
                          document_id=lambda d: d.document_id, source_file=lambda d: d.source_file)
        if outcome.results:
            document = outcome.results[0]
            record = quarantine_of(dump, document)
        else:
            record = outcome.quarantined[0]
            document = quarantined_document(dump, "stage_error")
        documents.append(document)
        if record:
            records.append(record)
    return documents, records


@stage_multi_asset(
    "cleaned_documents", CLEAN_TABLES, "clean",
    "Cleaning output: decode, repair and segment every dump; the segment ledger (raw.segments) tiles "
    "each decoded text exactly; bodies, comments, captions and embedded data go to their tables; a "
    "dump that cannot be cleaned goes to raw.quarantine, not into a failed run.",
    deps=("dumps",),
)
def cleaned_documents(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect(read_only=True) as conn:
        dumps = read_records(conn, "dumps")
    rules = load_rules(DEFAULT_RULES_PATH)
    documents, records = clean_isolated(with_progress(context, dumps, "cleaned"), rules)
    rows = cleaned_rows(documents)
    with warehouse.connect() as conn:
        counts = {table: replace_raw_table(conn, table, rows[table]) for table in CLEAN_TABLES}
        write_stage_quarantine(conn, "clean", records, context.run.run_id)
    log_quarantine(context, "clean", records)
    removed = Counter(s.rule_id for d in documents for s in d.segments if s.kind not in ("body", "heading"))
    for table in CLEAN_TABLES:
        metadata: dict = {"dagster/row_count": counts[table]}
        if table == "documents":
            metadata.update(quarantine_metadata(records))
        if table == "segments":
            metadata["removed_by_rule"] = dg.MetadataValue.json(dict(removed.most_common(30)))
        yield dg.MaterializeResult(asset_key=raw_key(table), metadata=metadata)
