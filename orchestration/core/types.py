"""The records that flow between pipeline stages.

These dataclasses are the contract between the plain-Python core and the Dagster assets that
load them into DuckDB: each asset turns a list of these into one DataFrame per warehouse table
(`dataclasses.asdict`), so a field added here becomes a column in `raw.*`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

# Closed vocabularies. Great Expectations suites and dbt accepted_values tests read the same lists.
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


@dataclass(frozen=True)
class RawDump:
    """One document as landed: a file, or one record of a .jsonl file. `payload` is the bytes
    after gunzip (for jsonl records: the record's `html` or `text` value encoded as UTF-8)."""
    document_id: str            # first 16 hex chars of content_sha256: same content, same id
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


@dataclass(frozen=True)
class TextReuse:
    """`document_id` repeats `shared_sentences` sentences of the earlier `source_document_id`."""
    document_id: str
    source_document_id: str
    shared_sentences: int
    reused_share: float         # shared sentences / sentences of document_id, in [0, 1]
