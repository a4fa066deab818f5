"""One Great Expectations suite per pipeline stage, run as a Dagster asset check.

A blocking check (severity ERROR) that fails stops every downstream asset in the run, so bad
data stays where it was found and publish never runs. Each check reads its frame from DuckDB
with SQL (GX 1.x cannot read DuckDB), validates it with the suite of the same name from
expectations/, records every outcome in quality.validation_results and attaches counts plus a
few sanitised failing examples to the check's metadata.
"""

from dataclasses import dataclass

import dagster as dg

from orchestration.checks.gx_validation import ValidationOutcome, validate_frame
from orchestration.checks.history import record_validation
from orchestration.resources import DUCKDB_POOL, WarehouseResource


@dataclass(frozen=True)
class StageSuite:
    suite_name: str             # expectations/gx/expectations/<suite_name>.json
    asset: str                  # key (a/b) of the asset whose output the suite validates
    query: str                  # SQL producing the frame to validate
    blocking: bool
    description: str


# Ledger coverage per document: segments must start at 0, follow each other without gap or
# overlap, and end at the decoded length. GX validates the per-document result columns.
LEDGER_COVERAGE_SQL = """
WITH ordered AS (
    SELECT document_id, seq, start_char, end_char, length(text) AS text_chars,
           lag(end_char) OVER (PARTITION BY document_id ORDER BY seq) AS previous_end
    FROM raw.segments
)
SELECT d.document_id,
       d.decoded_chars,
       coalesce(sum(o.end_char - o.start_char), 0) AS covered_chars,
       coalesce(max(o.end_char), 0) AS last_end,
       count(*) FILTER (WHERE o.seq IS NOT NULL AND coalesce(o.previous_end, 0) <> o.start_char) AS gaps,
       count(*) FILTER (WHERE o.text_chars <> o.end_char - o.start_char) AS bad_lengths,
       CASE WHEN d.decoded_chars = 0 THEN 1.0
            ELSE coalesce(sum(o.end_char - o.start_char), 0) / d.decoded_chars END AS coverage
FROM raw.documents d
LEFT JOIN ordered o USING (document_id)
GROUP BY d.document_id, d.decoded_chars
"""

RAW_DUMPS_SQL = """
SELECT document_id, content_sha256, source_file, record_index, source_format, byte_size, url,
       coalesce(document_id = left(content_sha256, 16), false) AS id_is_hash_prefix
FROM raw.dumps
"""
CLEANED_DOCUMENTS_SQL = """
SELECT d.*, d.quarantine_reason IS NULL AS is_accepted, u.document_id IS NOT NULL AS has_dump
FROM raw.documents d
LEFT JOIN (SELECT DISTINCT document_id FROM raw.dumps) u ON u.document_id = d.document_id
"""
SEGMENTS_SQL = "SELECT document_id, seq, kind, start_char, end_char, rule_id FROM raw.segments"
SEGMENT_LANGUAGES_SQL = """
SELECT l.*, s.seq IS NOT NULL AS has_segment
FROM raw.segment_languages l
LEFT JOIN (SELECT DISTINCT document_id, seq FROM raw.segments) s
       ON s.document_id = l.document_id AND s.seq = l.seq
"""
DOCUMENT_OUTLETS_SQL = """
SELECT *, coalesce(attribution_method <> 'unknown' OR outlet_id = 'unknown-' || document_id, false)
          AS unknown_outlet_per_document
FROM raw.document_outlets
"""
# substr is 1-based and counts characters (code points), like Python's offsets
SENTENCES_SQL = """
SELECT s.*, s.document_id || ':' || s.sentence_seq AS sentence_key,
       coalesce(d.accepted, false) AS on_accepted_document,
       coalesce(substr(d.body_text, s.start_char + 1, s.end_char - s.start_char) = s.text, false) AS offsets_match
FROM raw.sentences s
LEFT JOIN (SELECT document_id, any_value(body_text) AS body_text,
                  bool_and(quarantine_reason IS NULL) AS accepted
           FROM raw.documents GROUP BY document_id) d ON d.document_id = s.document_id
"""
CLAIMS_SQL = """
SELECT c.*, c.story_id IS NULL OR c.story_id IN (SELECT story_id FROM raw.stories) AS story_known
FROM raw.claims c
"""
CLAIM_MENTIONS_SQL = """
SELECT m.*, s.text AS sentence_text, m.claim_id IN (SELECT claim_id FROM raw.claims) AS claim_known
FROM raw.claim_mentions m
LEFT JOIN raw.sentences s USING (document_id, sentence_seq)
"""
TEXT_REUSE_SQL = """
SELECT *, coalesce(document_id <> source_document_id, false) AS distinct_documents FROM {table}
"""
OUTLET_CLAIMS_SQL = """
SELECT *, coalesce(is_covered = (mention_count > 0), false) AS coverage_consistent,
       is_covered OR (stance IS NULL AND first_mention_id IS NULL) AS omission_has_no_stance
FROM marts.fct_outlet_claims
"""


def _mart(name: str, description: str, warn_description: str | None = None,
          query: str | None = None) -> list[StageSuite]:
    query = query or f"SELECT * FROM marts.{name}"
    specs = [StageSuite(f"mart_{name}", f"marts/{name}", query, True, description)]
    if warn_description:
        specs.append(StageSuite(f"mart_{name}_warn", f"marts/{name}", query, False, warn_description))
    return specs


STAGE_SUITES: tuple[StageSuite, ...] = (
    StageSuite("raw_dumps", "raw/dumps", RAW_DUMPS_SQL, True,
               "Landed dumps: at least one, ids derived from unique sha256 hashes, formats known."),
    StageSuite("raw_dumps_warn", "raw/dumps", RAW_DUMPS_SQL, False,
               "Suspicious dumps: empty or >50 MB files, relative URLs."),
    StageSuite("cleaned_documents", "raw/documents", CLEANED_DOCUMENTS_SQL, True,
               "Cleaned documents: one per dump, at least one accepted, bodies free of debris and "
               "boilerplate, quarantine reasons from the closed list."),
    StageSuite("cleaned_documents_warn", "raw/documents", CLEANED_DOCUMENTS_SQL, False,
               "Suspicious documents: very short bodies, undecoded bytes, JSON-looking text, mass quarantine."),
    StageSuite("segment_ledger", "raw/segments", LEDGER_COVERAGE_SQL, True,
               "The segment ledger covers every decoded character exactly once."),
    StageSuite("segments", "raw/segments", SEGMENTS_SQL, True,
               "Segments: unique (document, seq), kinds from the closed list, spans ordered."),
    StageSuite("document_languages", "raw/document_languages", "SELECT * FROM raw.document_languages", True,
               "Document languages: one per document, ISO 639-1 or und, probabilities in [0, 1]."),
    StageSuite("document_languages_warn", "raw/document_languages", "SELECT * FROM raw.document_languages",
               False, "More than half the documents without a language."),
    StageSuite("segment_languages", "raw/segment_languages", SEGMENT_LANGUAGES_SQL, True,
               "Segment languages: one per existing segment, ISO 639-1 or und, probabilities in [0, 1]."),
    StageSuite("document_outlets", "raw/document_outlets", DOCUMENT_OUTLETS_SQL, True,
               "Every document has exactly one outlet and a known attribution method."),
    StageSuite("document_outlets_warn", "raw/document_outlets", DOCUMENT_OUTLETS_SQL, False,
               "Suspicious outlet metadata: malformed country or domain, mostly unknown publishers."),
    StageSuite("sentences", "raw/sentences", SENTENCES_SQL, True,
               "Body sentences of accepted documents: keyed, non-empty, offsets ordered, languages valid."),
    StageSuite("sentences_warn", "raw/sentences", SENTENCES_SQL, False,
               "Suspicious sentences: text not at its offsets, over 2000 characters."),
    StageSuite("stories", "raw/stories", "SELECT * FROM raw.stories", True,
               "Every document belongs to exactly one story."),
    StageSuite("claims", "raw/claims", CLAIMS_SQL, True,
               "Claims: at least one, unique ids, clean text, known origin and story."),
    StageSuite("claims_warn", "raw/claims", CLAIMS_SQL, False, "Claims shorter than 20 or longer than 1000 characters; catalog claims of no known story."),
    StageSuite("claim_mentions", "raw/claim_mentions", CLAIM_MENTIONS_SQL, True,
               "Claim mentions: of known claims, on real sentences, stances closed, similarity in [0, 1]."),
    StageSuite("text_reuse", "raw/text_reuse", TEXT_REUSE_SQL.format(table="raw.text_reuse"), True,
               "Text reuse: unique pairs, never self-reuse, shares in [0, 1]."),
    *_mart("dim_outlet", "dim_outlet: one row per outlet, attribution methods from the closed list."),
    *_mart("dim_document", "dim_document: keyed, attributed, languages valid, bodies non-empty.",
           "Suspicious documents: short bodies, no headline, mostly no publication time."),
    *_mart("dim_claim", "dim_claim: keyed, known origin, coverage counts consistent.",
           "Claims carried by one outlet only, or by no document."),
    *_mart("fct_claim_mentions", "fct_claim_mentions: keyed, closed stances, similarity in [0, 1]."),
    *_mart("fct_outlet_claims", "The dense outlet-by-claim grid: one row per outlet x claim, coverage consistent.",
           query=OUTLET_CLAIMS_SQL),
    *_mart("fct_related_articles", "fct_related_articles: one row per page and related id, clean titles."),
    *_mart("fct_captions", "fct_captions: captions with text and a valid language, no debris."),
    *_mart("fct_text_reuse", "fct_text_reuse: unique pairs, never self-reuse, shares in [0, 1].",
           query=TEXT_REUSE_SQL.format(table="marts.fct_text_reuse")),
    *_mart("dim_story", "dim_story: one row per story, each with documents and outlets."),
    *_mart("fct_retractions", "fct_retractions: one row per retracted document, with when and why."),
)


MAX_FAILURES_IN_METADATA = 10


def check_metadata(outcome: ValidationOutcome) -> dict:
    """Counts plus, per failed expectation, its unexpected count and a few failing values. Every
    value that came from the data was sanitised (escaped, truncated) by gx_validation."""
    failed = outcome.failed
    metadata: dict = {
        "suite": outcome.suite_name,
        "rows_validated": outcome.row_count,
        "expectations": len(outcome.outcomes),
        "expectations_failed": len(failed),
    }
    if failed:
        metadata["failures"] = dg.MetadataValue.json(
            [
                {"expectation": f.expectation, "observed": f.observed_value,
                 "unexpected_count": f.unexpected_count, "examples": f.examples}
                for f in failed[:MAX_FAILURES_IN_METADATA]
            ]
        )
    return metadata


def failure_summary(outcome: ValidationOutcome) -> str:
    """One line naming the failed expectations and their counts: no data values, because check
    descriptions may be rendered as markdown (the values are in the JSON metadata)."""
    parts = [
        f"{f.expectation}" + (f" ({f.unexpected_count} unexpected)" if f.unexpected_count else "")
        for f in outcome.failed[:MAX_FAILURES_IN_METADATA]
    ]
    return f"{len(outcome.failed)} of {len(outcome.outcomes)} expectations failed: " + "; ".join(parts)


def build_stage_check(spec: StageSuite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey.from_user_string(spec.asset),
        name=f"gx_{spec.suite_name}",
        description=spec.description,
        blocking=spec.blocking,
        pool=DUCKDB_POOL,
    )
    def _stage_check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as conn:
            frame = conn.execute(spec.query).df()
            outcome = validate_frame(spec.suite_name, frame)
            record_validation(conn, context.run.run_id, spec.asset, outcome, blocking=spec.blocking)
        if not outcome.success:
            # the run log names the check and its first failing rows (sanitised values)
            log = context.log.error if spec.blocking else context.log.warning
            for failure in outcome.failed[:3]:
                log(
                    f"gx_{spec.suite_name} on {spec.asset}: {failure.expectation} failed"
                    f" ({failure.unexpected_count or 0} unexpected); first: {failure.examples[:3]}"
                    f" observed={failure.observed_value}"
                )
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if spec.blocking else dg.AssetCheckSeverity.WARN,
            description=None if outcome.success else failure_summary(outcome),
            metadata=check_metadata(outcome),
        )

    return _stage_check


stage_checks = [build_stage_check(spec) for spec in STAGE_SUITES]
