"""Clean one raw dump: decode, repair, segment into a lossless ledger, assemble the document.

    clean_dump(dump: RawDump) -> CleanedDocument

Steps: `encoding.decode_payload` (BOM / UTF-16 / UTF-8 / declared / charset-normalizer, then
ftfy, NFC, control characters) gives `decoded_text`; the text path (`text_segments`) or the
HTML path (`html_extract`) cuts it into typed segments that tile it exactly; the body is the
body and heading segments only. Debris rules come from `rules/boilerplate.yaml`. Nothing here
knows any particular outlet: what is debris is data.
"""
from __future__ import annotations

import json
from collections import defaultdict

from orchestration.core.cleaning.dates import parse_published
from orchestration.core.cleaning.embedded import related_articles
from orchestration.core.cleaning.encoding import DecodedText, decode_payload
from orchestration.core.cleaning.ledger import LedgerBuilder, check_tiling
from orchestration.core.cleaning.rules import DEFAULT_RULES_PATH, RuleSet, load_rules
from orchestration.core.cleaning.plain_text import segment_text
from orchestration.core.quarantine import debris_in, document_record, isolate
from orchestration.core.types import (
    QUARANTINE_REASONS, RAW_TABLES, SOURCE_FORMATS, Caption, CaptionRow, CleanedDocument, DocumentRow,
    EmbeddedBlobRow, EmbeddedItemRow, QuarantineRecord, RawDump, ReaderComment, ReaderCommentRow,
    RelatedArticleRow, SegmentRow, as_columns,
)

STAGE = "clean"                     # the stage that quarantines what cleaning rejects

MAX_PAYLOAD_BYTES = 20_000_000      # a "dump" larger than this is a crawl accident, not an article
UNDECODABLE_SHARE = 0.05            # more replacement characters than this: we guessed wrong
BINARY_CONTROL_SHARE = 0.05         # more C0 control bytes than this in a single-byte text: binary
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c\x1b")
_BINARY_CONTROLS = bytes(b for b in range(32) if b not in _TEXT_CONTROLS)
# A dump with no body is still a document when its title reads as a headline (feeds and wire
# alerts land headlines alone): a few words, not a page name such as "Home" or "t".
HEADLINE_MIN_WORDS = 3


def is_headline(title: str | None) -> bool:
    """A title that can stand as a document's only sentence (a headline-only dump)."""
    return sum(1 for word in (title or "").split() if any(ch.isalpha() for ch in word)) >= HEADLINE_MIN_WORDS


def looks_binary(payload: bytes, method: str) -> bool:
    """Bytes that are not text in any 8-bit encoding: many C0 control bytes (a stray NUL in an
    article is a crawler glitch; one byte in twenty is an image or an archive). UTF-16/32,
    recognised by their BOM or NUL pattern, legitimately carry NUL bytes."""
    if method in ("bom", "nul_pattern") or not payload:
        return False
    sample = payload[:65536]
    # counted in C (bytes.translate deletes them): a byte-by-byte Python loop cost 2 ms a page
    controls = len(sample) - len(sample.translate(None, _BINARY_CONTROLS))
    return controls / len(sample) > BINARY_CONTROL_SHARE


def _whole_text_document(dump: RawDump, decoded, reason: str) -> CleanedDocument:
    """A quarantined document: the whole text is one boilerplate segment, so the ledger still tiles."""
    ledger = LedgerBuilder(decoded.text)
    ledger.add_with_edges(0, len(decoded.text), "boilerplate", f"quarantine:{reason}")
    segments, _ = ledger.build()
    return CleanedDocument(
        document_id=dump.document_id, decoded_text=decoded.text, encoding=decoded.encoding,
        encoding_method=decoded.method, repairs=decoded.repairs, segments=segments,
        title=dump.title_hint, subtitle=None, byline=None, dateline_place=None, published_at=None,
        published_at_source=None, body_text="", url=dump.url, quarantine_reason=reason,
    )


def quarantined_document(dump: RawDump, reason: str) -> CleanedDocument:
    """A document that could not be cleaned: decoded when decoding works, else empty, as one
    boilerplate segment, so the ledger still accounts for it."""
    try:
        decoded = decode_payload(dump.payload, is_html=dump.source_format == "html")
    except Exception:  # noqa: BLE001 - this is the fallback of a failure already being reported
        decoded = DecodedText(text="", encoding="unknown", method="empty")
    return _whole_text_document(dump, decoded, reason)


def _early_quarantine(dump: RawDump, decoded) -> str | None:
    if not dump.payload:
        return "empty_file"
    if dump.source_format not in SOURCE_FORMATS:
        return "unsupported_format"
    if len(dump.payload) > MAX_PAYLOAD_BYTES:
        return "oversize"
    if decoded.text and decoded.text.count("\ufffd") / len(decoded.text) > UNDECODABLE_SHARE:
        return "undecodable"
    if looks_binary(dump.payload, decoded.method):
        return "undecodable"
    if not decoded.text.strip():
        return "empty_file"
    return None


def clean_text_dump(dump: RawDump, decoded, rules: RuleSet) -> CleanedDocument:
    parse = segment_text(decoded.text, rules, title_hint=dump.title_hint)
    seq_of = parse.keys
    published = parse_published(parse.published_text)
    blobs = [span.blob for span in parse.embedded]
    related = [row for blob in blobs for row in related_articles(blob.items)]
    return CleanedDocument(
        document_id=dump.document_id, decoded_text=decoded.text, encoding=decoded.encoding,
        encoding_method=decoded.method, repairs=decoded.repairs, segments=parse.segments,
        title=parse.title or dump.title_hint, subtitle=parse.subtitle, byline=parse.byline,
        dateline_place=parse.dateline_place, published_at=published,
        published_at_source="text" if published else None,
        body_text="\n\n".join(parse.body_paragraphs), url=dump.url, author=parse.byline,
        comments=[ReaderComment(seq=seq_of[key], author=author, text=text)
                  for key, author, text in parse.comments],
        captions=[Caption(seq=seq_of[key], text=text, credit=credit) for key, text, credit in parse.captions],
        embedded=blobs, related_articles=related,
    )


def clean_dump(dump: RawDump, rules: RuleSet | None = None) -> CleanedDocument:
    """Decode, repair and segment one dump. Never raises on bad data: such dumps come back with
    a `quarantine_reason` (one of QUARANTINE_REASONS) and a ledger that still tiles the text."""
    rules = rules if rules is not None else load_rules(DEFAULT_RULES_PATH)
    is_html = dump.source_format == "html"
    decoded = decode_payload(dump.payload, is_html=is_html)
    reason = _early_quarantine(dump, decoded)
    if reason:
        return _whole_text_document(dump, decoded, reason)
    if is_html:
        from orchestration.core.cleaning.html import clean_html_dump
        document = clean_html_dump(dump, decoded, rules)
    else:
        document = clean_text_dump(dump, decoded, rules)
    check_tiling(document.segments, document.decoded_text)
    if (not document.body_text.strip() and document.quarantine_reason is None
            and not is_headline(document.title)):
        document.quarantine_reason = "empty_body"
    assert document.quarantine_reason in (None, *QUARANTINE_REASONS)
    return document


def quarantine_of(dump: RawDump, document: CleanedDocument) -> QuarantineRecord | None:
    """The clean-stage quarantine record of a cleaned document: cleaning's own reason, or
    debris left in an accepted body (which used to fail a blocking expectation for the batch)."""
    if document.quarantine_reason is None:
        debris = debris_in(document.body_text)
        if debris is None:
            return None
        document.quarantine_reason = "debris_residue"
        return document_record(STAGE, "debris_residue", dump.document_id, f"in body: {debris!r}",
                               dump.source_file, dump.record_index)
    return document_record(STAGE, document.quarantine_reason, dump.document_id,
                           f"{document.quarantine_reason} ({dump.source_format}, {len(dump.payload)} bytes)",
                           dump.source_file, dump.record_index)


def clean_isolated(dump: RawDump) -> tuple[CleanedDocument, QuarantineRecord | None]:
    """Clean one dump (the pool's per-document function): its document and its quarantine
    record, if any. A dump whose cleaning raises is kept as one boilerplate segment (so the
    ledger still covers it) and quarantined `stage_error` with the exception."""
    outcome = isolate([dump], lambda d: clean_dump(d, load_rules(DEFAULT_RULES_PATH)), STAGE,
                      document_id=lambda d: d.document_id, source_file=lambda d: d.source_file)
    if outcome.results:
        document = outcome.results[0]
        return document, quarantine_of(dump, document)
    return quarantined_document(dump, "stage_error"), outcome.quarantined[0]


def worker_died(dump: RawDump, error: str) -> tuple[CleanedDocument, QuarantineRecord]:
    """The document and record of a dump whose pool worker died under it (segfault, OOM kill)."""
    return (quarantined_document(dump, "stage_error"),
            document_record(STAGE, "stage_error", dump.document_id, error, dump.source_file, dump.record_index))


def cleaned_rows(documents: list[CleanedDocument]) -> dict[str, list]:
    """Flatten cleaned documents into one record list per raw table (the tables with rows; which
    tables the stage writes is orchestration.lake.STAGE_TABLES')."""
    rows: dict[str, list] = defaultdict(list)
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
    return {table: records for table, records in rows.items() if records}


def cleaned_columns(document: CleanedDocument) -> dict[str, dict[str, list]]:
    """A cleaned document's rows, table by table, as columns (`as_columns`)."""
    return {table: as_columns(records, RAW_TABLES[table]) for table, records in cleaned_rows([document]).items()}


def clean_to_columns(dump: RawDump) -> tuple[dict[str, dict[str, list]], QuarantineRecord | None]:
    """`clean_isolated` as the pool runs it: the document's rows as columns, and its quarantine
    record. A page's ledger is hundreds of segments; sent back as objects, loading them cost the
    step's own process more than its workers' time writing them (decision 0030)."""
    document, record = clean_isolated(dump)
    return cleaned_columns(document), record


def worker_died_columns(dump: RawDump, error: str) -> tuple[dict[str, dict[str, list]], QuarantineRecord]:
    """`worker_died` as columns, the way `clean_to_columns` returns a dump's outcome."""
    document, record = worker_died(dump, error)
    return cleaned_columns(document), record
