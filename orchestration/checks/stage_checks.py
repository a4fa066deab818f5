"""One Great Expectations suite per pipeline stage, run as a Dagster asset check.

A blocking check (severity ERROR) that fails stops every downstream asset in the run, so bad
data stays where it was found and publish never runs. Each check reads its frame from DuckDB
with SQL (GX 1.x cannot read DuckDB), validates it with the suite of the same name from
expectations/, records every outcome in quality.validation_results and attaches counts plus a
few sanitised failing examples to the check's metadata.
"""

from dataclasses import dataclass

import dagster as dg

from orchestration.checks.gx_validation import validate_frame
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

STAGE_SUITES: tuple[StageSuite, ...] = (
    StageSuite(
        "raw_dumps", "raw/dumps",
        "SELECT document_id, content_sha256, source_file, record_index, source_format, byte_size FROM raw.dumps",
        True, "Landed dumps: at least one, readable, non-empty, within size bounds, hashes unique.",
    ),
    StageSuite(
        "cleaned_documents", "raw/documents",
        "SELECT d.*, d.quarantine_reason IS NULL AS is_accepted FROM raw.documents d",
        True, "Cleaned documents: accepted bodies non-empty and free of debris; quarantine reasons from the closed list.",
    ),
    StageSuite(
        "segment_ledger", "raw/segments", LEDGER_COVERAGE_SQL,
        True, "The segment ledger covers every decoded character exactly once.",
    ),
    StageSuite(
        "document_languages", "raw/document_languages",
        "SELECT * FROM raw.document_languages",
        True, "Document languages: ISO 639-1 or und, probabilities in [0, 1].",
    ),
    StageSuite(
        "segment_languages", "raw/segment_languages",
        "SELECT l.*, s.kind FROM raw.segment_languages l JOIN raw.segments s USING (document_id, seq)",
        True, "Segment languages: ISO 639-1 or und, probabilities in [0, 1].",
    ),
    StageSuite(
        "document_outlets", "raw/document_outlets",
        "SELECT * FROM raw.document_outlets",
        True, "Every document has exactly one outlet and a known attribution method.",
    ),
    StageSuite(
        "sentences", "raw/sentences",
        "SELECT *, document_id || ':' || sentence_seq AS sentence_key FROM raw.sentences",
        True, "Body sentences: non-empty, offsets ordered, languages valid.",
    ),
    StageSuite(
        "claims", "raw/claims",
        "SELECT * FROM raw.claims",
        True, "Claims: unique ids, non-empty text, known origin.",
    ),
    StageSuite(
        "claim_mentions", "raw/claim_mentions",
        "SELECT m.*, s.text AS sentence_text FROM raw.claim_mentions m "
        "LEFT JOIN raw.sentences s USING (document_id, sentence_seq)",
        True, "Claim mentions: stance from the closed list, similarity in [0, 1], every mention on a real sentence.",
    ),
    StageSuite(
        "mart_dim_document", "marts/dim_document", "SELECT * FROM marts.dim_document",
        True, "dim_document: keys unique, languages valid.",
    ),
    StageSuite(
        "mart_fct_outlet_claims", "marts/fct_outlet_claims", "SELECT * FROM marts.fct_outlet_claims",
        True, "The dense outlet-by-claim grid: one row per outlet x claim, stances from the closed list.",
    ),
)


def _check_metadata(outcome) -> dict:
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
                for f in failed[:10]
            ]
        )
    return metadata


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
            record_validation(conn, context.run.run_id, spec.asset, outcome)
        if not outcome.success:
            first = outcome.failed[0]
            context.log.error(
                f"{spec.suite_name}: {len(outcome.failed)} expectation(s) failed; first: "
                f"{first.expectation} examples={first.examples[:3]}"
            )
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if spec.blocking else dg.AssetCheckSeverity.WARN,
            metadata=_check_metadata(outcome),
        )

    return _stage_check


stage_checks = [build_stage_check(spec) for spec in STAGE_SUITES]
