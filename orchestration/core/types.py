"""The records that flow between pipeline stages, and the one schema of the raw tables.

The closed vocabularies below are the only copy: the GX suites read them, dbt's accepted_values
tests read them through the generated macro dbt_project/macros/vocabularies.sql, and Python
imports them. The `*Row` records at the end are the raw tables: orchestration/warehouse.py derives
each table's DuckDB DDL from one of them, the assets write lists of them, and the dbt sources
(dbt_project/models/staging/_sources.yml, generated) list their columns.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Annotated

# Closed vocabularies.
SEGMENT_KINDS = (
    "title", "subtitle", "dateline", "byline", "body", "heading", "caption", "photo_credit",
    "boilerplate", "reader_comment", "embedded_data", "whitespace", "markup",
)
SOURCE_FORMATS = ("txt", "html", "jsonl")
# Why a document, a file or a configuration row was set aside (raw.quarantine.reason). A document
# in quarantine is left out of every table downstream of the stage that quarantined it; the run
# goes on with the rest. See orchestration/core/quarantine.py.
QUARANTINE_REASONS = (
    # a landed file (or one record of it) that never became a document
    "unreadable",           # I/O error, or a .gz that is not gzip
    "truncated",            # a .gz that ends before its end marker
    "oversize",             # over the size limit as landed, or once decompressed (gzip bomb)
    "vanished",             # listed, then gone before it was read
    "changed_while_read",   # size or mtime moved while it was read: read again next run
    "outside_landing",      # a symlink pointing out of the landing folder (never followed)
    "bad_record",           # a .jsonl line that is not a JSON object with `html` or `text`
    # a document, by what cleaning found
    "empty_file", "undecodable", "empty_body", "unsupported_format",
    "debris_residue",       # var_dump or JSON structure left in the body after cleaning
    # a document, by a later stage
    "unknown_language",     # no language could be told from the body
    "no_sentence",          # the body splits into no sentence
    "stage_error",          # the stage's code raised on this document (detail: the exception)
    # configuration, checked when the run starts
    "bad_manifest_entry", "bad_catalog_row",
)
# The stages that quarantine, in pipeline order: a document quarantined at one stage is not in
# the batch of the stages after it.
QUARANTINE_STAGES = ("config", "ingest", "clean", "language", "outlets", "sentences", "claims")
QUARANTINE_SUBJECTS = ("document", "file", "record", "config_row")
STANCES = ("asserts", "reports", "denies", "questions")
ATTRIBUTION_METHODS = ("manifest", "html_meta", "marker", "unknown")
CLAIM_ORIGINS = ("discovered", "catalog")
# Where in a document a sentence stands: its headline or its body (captions, credits, widgets,
# comments and embedded JSON are never sentences).
SENTENCE_SECTIONS = ("title", "body")
EMBEDDED_STATUSES = ("ok", "length_mismatch", "truncated", "invalid_json")
# fct_outlet_claims rolls an outlet's mentions up to one stance, or 'mixed' when it both carries
# and denies the claim.
GRID_STANCES = (*STANCES, "mixed")
UNDETERMINED_LANGUAGE = "und"


def _read_iso_639_1() -> tuple[str, ...]:
    codes: list[str] = []
    for line in (Path(__file__).with_name("iso_639_1.txt")).read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            codes.extend(line.split())
    return tuple(codes)


# ISO 639-1 codes (a data file beside this module, in the standard's order).
ISO_639_1_CODES = _read_iso_639_1()
LANGUAGE_CODES = (*ISO_639_1_CODES, UNDETERMINED_LANGUAGE)

# Every closed list by the name dbt and the suites use for it.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "segment_kinds": SEGMENT_KINDS,
    "source_formats": SOURCE_FORMATS,
    "quarantine_reasons": QUARANTINE_REASONS,
    "stances": STANCES,
    "grid_stances": GRID_STANCES,
    "attribution_methods": ATTRIBUTION_METHODS,
    "claim_origins": CLAIM_ORIGINS,
    "sentence_sections": SENTENCE_SECTIONS,
    "embedded_statuses": EMBEDDED_STATUSES,
    "iso_639_1_codes": ISO_639_1_CODES,
    "quarantine_stages": QUARANTINE_STAGES,
    "quarantine_subjects": QUARANTINE_SUBJECTS,
}


@dataclass(frozen=True)
class RawDump:
    """One document as landed: a file, or one record of a .jsonl file. `payload` is the bytes
    after gunzip (for jsonl records: the record's `html` or `text` value encoded as UTF-8)."""
    document_id: str            # ingest.document_id_for(content_sha256, outlet_hint)
    content_sha256: str         # sha256 of payload
    source_file: str            # file name as landed (path relative to the landing dir)
    record_index: int           # 0 for plain files; line number (0-based) inside a .jsonl
    source_format: str          # one of SOURCE_FORMATS
    payload: bytes
    url: str | None = None      # from manifest.jsonl or the jsonl record
    outlet_hint: str | None = None
    fetched_at: str | None = None
    title_hint: str | None = None


@dataclass(frozen=True)
class Segment:
    """A span of the decoded text. Segments of a document tile it: in `seq` order, each starts
    where the previous ended, and joining their `text` reproduces the decoded text exactly."""
    seq: int
    kind: str                   # one of SEGMENT_KINDS
    start: int                  # character offsets into the decoded text, end exclusive
    end: int
    rule_id: str                # the rule (rules file id, or a named code path) that typed it
    text: str


@dataclass(frozen=True)
class ReaderComment:
    seq: int
    author: str | None
    text: str


@dataclass(frozen=True)
class Caption:
    seq: int                    # seq of the caption segment
    text: str
    credit: str | None          # e.g. "Photo: Reuters"


@dataclass(frozen=True)
class EmbeddedBlob:
    """A machine-printed payload cut out of the text, e.g. PHP var_dump `string(N) "..."`."""
    position: int               # character offset in the decoded text
    declared_length: int | None # N of string(N)
    actual_length: int          # UTF-8 byte length of the payload
    status: str                 # 'ok' | 'length_mismatch' | 'truncated' | 'invalid_json'
    reason: str | None
    raw_json: str
    items: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class RelatedArticle:
    related_id: str
    title: str | None
    picture_path: str | None
    related_date: str | None    # ISO date read from the picture path (/YYYY/MM/DD/)


@dataclass
class CleanedDocument:
    document_id: str
    decoded_text: str
    encoding: str               # detected or declared encoding
    encoding_method: str        # 'bom' | 'utf-8' | 'charset-normalizer' | 'declared' | ...
    repairs: list[str]          # e.g. ['ftfy', 'nfc', 'control_chars']
    segments: list[Segment]
    title: str | None
    subtitle: str | None
    byline: str | None
    dateline_place: str | None
    published_at: str | None    # ISO 8601
    published_at_source: str | None  # 'text' | 'html_meta' | 'manifest' | None
    body_text: str              # body + heading segments only, paragraphs joined by "\n\n"
    url: str | None = None
    sitename: str | None = None
    hostname: str | None = None
    author: str | None = None
    comments: list[ReaderComment] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)
    embedded: list[EmbeddedBlob] = field(default_factory=list)
    related_articles: list[RelatedArticle] = field(default_factory=list)
    quarantine_reason: str | None = None   # one of QUARANTINE_REASONS, None when accepted


@dataclass(frozen=True)
class QuarantineRecord:
    """One thing set aside by a stage (a row of raw.quarantine): a document (document_id set),
    a landed file or a record of one that never became a document, or a configuration row."""
    stage: str                  # one of QUARANTINE_STAGES
    reason: str                 # one of QUARANTINE_REASONS
    subject: str                # one of QUARANTINE_SUBJECTS
    source_file: str | None     # landing-relative path, or the manifest / catalog file
    record_index: int | None    # jsonl line, manifest line or catalog row; None for whole files
    document_id: str | None     # set when the subject is a document
    detail: str                 # what was found, for the operator (sanitised where displayed)


@dataclass(frozen=True)
class LanguageGuess:
    language: str               # ISO 639-1 code or 'und'
    probability: float          # in [0, 1]; 0.0 for 'und' without a guess
    method: str                 # e.g. 'langdetect', 'script:hebrew', 'letters:persian', 'abstain:short'


@dataclass(frozen=True)
class Sentence:
    seq: int
    start: int                  # offsets into CleanedDocument.body_text
    end: int
    text: str
    continues_quote: bool = False   # inside a quotation opened by an earlier sentence
    section: str = "body"           # one of SENTENCE_SECTIONS; a title's offsets are into the title


@dataclass(frozen=True)
class Outlet:
    outlet_id: str
    name: str
    domain: str | None
    country: str | None
    markers: tuple[str, ...] = ()


@dataclass(frozen=True)
class StanceResult:
    stance: str                 # one of STANCES
    attributed_to: str | None
    cue: str | None             # the phrase that decided it, for explanation


@dataclass(frozen=True)
class OutletAttribution:
    """Who published a document, and how we know (method is one of ATTRIBUTION_METHODS)."""
    outlet_id: str              # registry id, or 'unknown-<document_id>' (unknowns never merge)
    method: str
    outlet: Outlet | None       # the registry entry, None for unknown / unregistered outlets
    evidence: str | None        # the manifest value, URL, site name or marker that decided it


@dataclass(frozen=True)
class CatalogClaim:
    """An analyst-supplied claim (CLAIMGRID_CLAIM_CATALOG: claim_id,claim_text[,story_hint])."""
    claim_id: str
    claim_text: str
    story_hint: str | None = None


@dataclass(frozen=True)
class ClaimRecord:
    """Claims: propositions discovered across the documents of a story, or from the analyst catalog."""
    claim_id: str               # deterministic; kept for claims already in the warehouse
    story_id: str | None
    claim_text: str             # the most representative sentence (or clause)
    origin: str                 # one of CLAIM_ORIGINS


@dataclass(frozen=True)
class ClaimMention:
    claim_id: str
    document_id: str
    sentence_seq: int
    similarity: float           # in [0, 1]: how close the sentence is to the claim
    cross_language: bool = False    # the sentence is in another language than the claim


@dataclass(frozen=True)
class TextReuse:
    """`document_id` repeats `shared_sentences` sentences of the earlier `source_document_id`."""
    document_id: str
    source_document_id: str
    shared_sentences: int
    reused_share: float         # shared sentences / sentences of document_id, in [0, 1]


# ---- the raw tables ---------------------------------------------------------------------------
# One record per raw.<table>; the docstring describes the table. Python types map to DuckDB types
# in orchestration/warehouse.py; Annotated names the DuckDB type where the plain one would be wrong.
BigInt = Annotated[int, "BIGINT"]
IsoDate = Annotated[str, "DATE"]


@dataclass(frozen=True, kw_only=True)
class DumpRow(RawDump):
    """One row per landed document (a file, or one record of a .jsonl): one per content and named outlet."""
    byte_size: BigInt
    ingested_at: datetime

    @classmethod
    def of(cls, dump: RawDump, ingested_at: datetime) -> DumpRow:
        return cls(**{f: getattr(dump, f) for f in RawDump.__dataclass_fields__},
                   byte_size=len(dump.payload), ingested_at=ingested_at)


@dataclass(frozen=True)
class DocumentRow:
    """Cleaned documents, one per dump; quarantine_reason is set for the ones not accepted."""
    document_id: str
    encoding: str
    encoding_method: str
    repairs: str                # JSON list
    decoded_chars: BigInt
    title: str | None
    subtitle: str | None
    byline: str | None
    dateline_place: str | None
    published_at: str | None
    published_at_source: str | None
    body_text: str
    url: str | None
    sitename: str | None
    hostname: str | None
    author: str | None
    quarantine_reason: str | None

    @classmethod
    def of(cls, doc: CleanedDocument) -> DocumentRow:
        return cls(
            document_id=doc.document_id, encoding=doc.encoding, encoding_method=doc.encoding_method,
            repairs=json.dumps(doc.repairs), decoded_chars=len(doc.decoded_text), title=doc.title,
            subtitle=doc.subtitle, byline=doc.byline, dateline_place=doc.dateline_place,
            published_at=doc.published_at, published_at_source=doc.published_at_source,
            body_text=doc.body_text, url=doc.url, sitename=doc.sitename, hostname=doc.hostname,
            author=doc.author, quarantine_reason=doc.quarantine_reason,
        )


@dataclass(frozen=True)
class SegmentRow:
    """The lossless segment ledger: the segments of a document tile its decoded text."""
    document_id: str
    seq: int
    kind: str
    start_char: int
    end_char: int
    rule_id: str
    text: str

    @classmethod
    def of(cls, document_id: str, s: Segment) -> SegmentRow:
        return cls(document_id, s.seq, s.kind, s.start, s.end, s.rule_id, s.text)

    def segment(self) -> Segment:
        return Segment(self.seq, self.kind, self.start_char, self.end_char, self.rule_id, self.text)


@dataclass(frozen=True)
class ReaderCommentRow:
    """Reader comments cut out of a page (author and text)."""
    document_id: str
    seq: int
    author: str | None
    text: str


@dataclass(frozen=True)
class CaptionRow:
    """Photo captions, keyed by the seq of their caption segment, with the photo credit."""
    document_id: str
    seq: int
    text: str
    credit: str | None


@dataclass(frozen=True)
class EmbeddedBlobRow:
    """Machine-printed payloads cut out of the text (PHP var_dump), with how far they parsed."""
    document_id: str
    blob_seq: int
    position: int
    declared_length: int | None
    actual_length: int
    status: str
    reason: str | None
    raw_json: str
    item_count: int


@dataclass(frozen=True)
class EmbeddedItemRow:
    """The items of an embedded payload's JSON list, one row each."""
    document_id: str
    blob_seq: int
    item_seq: int
    raw_json: str


@dataclass(frozen=True)
class RelatedArticleRow:
    """Related-article links read from embedded payloads."""
    document_id: str
    related_id: str
    title: str | None
    picture_path: str | None
    related_date: IsoDate | None


@dataclass(frozen=True)
class SegmentLanguageRow:
    """The language of every segment of the ledger."""
    document_id: str
    seq: int
    language: str
    probability: float
    method: str


@dataclass(frozen=True)
class DocumentLanguageRow:
    """The language of each document: the majority of its body characters."""
    document_id: str
    language: str
    probability: float
    method: str


@dataclass(frozen=True)
class DocumentOutletRow:
    """The outlet that published each document, and the evidence that decided it."""
    document_id: str
    outlet_id: str
    outlet_name: str | None
    domain: str | None
    country: str | None
    attribution_method: str
    evidence: str | None


@dataclass(frozen=True)
class SentenceRow:
    """Sentences of accepted documents: the body's, then the title as one sentence; offsets into
    the body (or the title, for the title's), a language each."""
    document_id: str
    sentence_seq: int
    section: str
    start_char: int
    end_char: int
    text: str
    language: str
    language_probability: float
    language_method: str
    continues_quote: bool

    def sentence(self) -> Sentence:
        return Sentence(self.sentence_seq, self.start_char, self.end_char, self.text, self.continues_quote,
                        self.section)


@dataclass(frozen=True)
class StoryRow:
    """The story of each accepted document: documents about one event share a story_id."""
    document_id: str
    story_id: str


@dataclass(frozen=True)
class ClaimSentenceRow:
    """The sentences that state each claim (claim discovery's or the catalog match's output), with
    how close each is to the claim; the claim mentions stage gives each one its stance."""
    claim_id: str
    document_id: str
    sentence_seq: int
    similarity: float
    cross_language: bool        # matched across languages by the semantic matcher

    @classmethod
    def of(cls, mention: ClaimMention) -> ClaimSentenceRow:
        return cls(mention.claim_id, mention.document_id, mention.sentence_seq, round(float(mention.similarity), 6),
                   mention.cross_language)


@dataclass(frozen=True)
class ClaimMentionRow:
    """Sentences that carry a claim, with the stance and source the sentence gives it (how close
    each is to its claim is raw.claim_sentences' fact: stance does not depend on it, so a claim
    re-centred by rediscovery re-labels nothing)."""
    claim_id: str
    document_id: str
    sentence_seq: int
    stance: str
    attributed_to: str | None
    stance_cue: str | None
    cross_language: bool        # the sentence is in another language than the claim


@dataclass(frozen=True)
class SentenceEmbeddingRow:
    """Sentence embeddings kept by the hash of their text, so a text is embedded once in the
    warehouse's life (the claims stage's semantic matcher; orchestration/core/claims/semantic.py)."""
    text_key: str               # first 32 hex chars of sha256(text)
    model: str
    embedding: bytes            # float32 unit vector


@dataclass(frozen=True)
class RetractedDocument:
    """The retraction ledger: documents that left the landing folder (file removed or replaced) or
    that manifest.jsonl marks retracted, one row each, kept across runs until the document is
    landed again (orchestration/core/retraction.py)."""
    document_id: str
    source_file: str
    url: str | None
    reason: str
    retracted_at: datetime      # UTC, the ingest time of the run that first found it retracted


@dataclass(frozen=True, kw_only=True)
class QuarantineRow(QuarantineRecord):
    """What each stage set aside (a document, a file, a record or a configuration row) and why;
    each stage replaces its own rows every run, keeping first_seen_at of those already there."""
    run_id: str
    first_seen_at: datetime
    last_seen_at: datetime


# raw.<table> -> its record. ClaimRecord and TextReuse are the rows of their tables as they are.
RAW_TABLES: dict[str, type] = {
    "dumps": DumpRow,
    "retractions": RetractedDocument,
    "documents": DocumentRow,
    "segments": SegmentRow,
    "reader_comments": ReaderCommentRow,
    "captions": CaptionRow,
    "embedded_blobs": EmbeddedBlobRow,
    "embedded_items": EmbeddedItemRow,
    "related_articles": RelatedArticleRow,
    "segment_languages": SegmentLanguageRow,
    "document_languages": DocumentLanguageRow,
    "document_outlets": DocumentOutletRow,
    "sentences": SentenceRow,
    "stories": StoryRow,
    "claims": ClaimRecord,
    "claim_sentences": ClaimSentenceRow,
    "claim_mentions": ClaimMentionRow,
    "text_reuse": TextReuse,
    "sentence_embeddings": SentenceEmbeddingRow,
    "quarantine": QuarantineRow,
}


def tuples_as_columns(rows: Sequence[tuple], record: type) -> dict[str, list]:
    """`rows`, each a tuple of `record`'s fields in field order, as its columns, for a step that
    makes millions of small rows and would spend more building them as records than computing
    them. A column at a time with itemgetter: zip(*rows) first unpacks every row into one
    argument tuple (900k rows: 0.09 s against 0.46 s here)."""
    names = [f.name for f in fields(record)]
    if any(len(row) != len(names) for row in rows):
        raise ValueError(f"{record.__name__} rows have the {len(names)} fields {names}")
    return {name: list(map(itemgetter(i), rows)) for i, name in enumerate(names)}


def as_columns(records: Iterable, record: type) -> dict[str, list]:
    """`records` (instances of `record`, checked) as its columns in field order, read once and a
    column at a time. Columns are what crosses processes and becomes Arrow: a list of strings
    pickles and loads in a fraction of the time the same rows do as objects."""
    names = [f.name for f in fields(record)]
    columns: dict[str, list] = {name: [] for name in names}
    appends = [columns[name].append for name in names]
    for r in records:
        if not isinstance(r, record):
            raise TypeError(f"{record.__name__} records expected, not {type(r).__name__}")
        for name, append in zip(names, appends):
            append(getattr(r, name))
    return columns
