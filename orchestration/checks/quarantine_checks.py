"""Rate gates: each document stage may quarantine a bounded share of its batch.

One blocking asset check per stage (`quarantine_rate_<stage>`) on the table the stage writes. It
counts (for a document stage: over the run's landing days) the documents the stage was given
(the landed documents less those quarantined by an earlier stage; at ingest, the files and
records read) and those it set aside, and fails when they exceed the QuarantinePolicy limit
(CLAIMGRID_QUARANTINE_MAX_SHARE, per-stage overrides, an allowance of a few documents). The
check's metadata names the quarantined documents; the outcome is recorded in
quality.validation_results like every GX suite, so publish refuses after a failed rate gate too.
"""

from collections import Counter

import dagster as dg

from orchestration.assets.quarantine import MAX_NAMED_IN_METADATA, QUARANTINE_TABLE
from orchestration.checks.gx_validation import ExpectationOutcome, ValidationOutcome, sanitise
from orchestration.checks.history import record_validation
from orchestration.core.quarantine import rate_verdict
from orchestration.core.types import QUARANTINE_STAGES
from orchestration.lake import PARTITIONED_STAGES, partition_connection
from orchestration.partitions import run_days
from orchestration.resources import QuarantinePolicyResource, WarehouseResource
from orchestration.warehouse import RAW_SCHEMA, table_exists

# The table each stage's rate gate hangs on (the stage's main output).
RATED_STAGES: dict[str, str] = {
    "ingest": "raw/dumps",
    "clean": "raw/documents",
    "language": "raw/document_languages",
    "outlets": "raw/document_outlets",
    "sentences": "raw/sentences",
    "claims": "raw/claim_mentions",
}


def stage_counts(conn, stage: str) -> tuple[int, list[tuple]]:
    """(batch size, quarantined rows (document_id, source_file, record_index, reason, detail))."""
    dumps = conn.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.dumps").fetchone()[0] if table_exists(conn, "dumps") else 0
    if not table_exists(conn, QUARANTINE_TABLE):
        return dumps, []
    rows = conn.execute(
        f"SELECT document_id, source_file, record_index, reason, detail FROM {RAW_SCHEMA}.{QUARANTINE_TABLE} "
        "WHERE stage = ? ORDER BY source_file, record_index, document_id",
        [stage],
    ).fetchall()
    if stage == "ingest":
        return dumps + len(rows), rows
    earlier = list(QUARANTINE_STAGES[: QUARANTINE_STAGES.index(stage)])
    out_before = conn.execute(
        f"SELECT count(DISTINCT document_id) FROM {RAW_SCHEMA}.{QUARANTINE_TABLE} "
        f"WHERE document_id IS NOT NULL AND stage IN ({', '.join('?' for _ in earlier)})",
        earlier,
    ).fetchone()[0]
    # a document counts once per stage, whatever number of records it got there
    documents = {}
    for row in rows:
        documents.setdefault(row[0] or (row[1], row[2]), row)
    return max(dumps - out_before, 0), list(documents.values())


def rate_check_name(stage: str) -> str:
    return f"quarantine_rate_{stage}"


def rate_spec(stage: str, asset: str) -> dg.AssetCheckSpec:
    """The rate gate of `stage`: a blocking check on the table the stage writes."""
    return dg.AssetCheckSpec(
        rate_check_name(stage), asset=dg.AssetKey.from_user_string(asset), blocking=True,
        description=(f"At most the configured share of the {stage} stage's batch is quarantined "
                     "(CLAIMGRID_QUARANTINE_MAX_SHARE / _STAGE_SHARES / _ALLOWANCE)."),
    )


def evaluate_rate(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource,
                  quarantine_policy: QuarantinePolicyResource, stage: str, asset: str) -> dg.AssetCheckResult:
    """Count the stage's batch and what it quarantined (over the run's landing days for a
    document stage), judge it by the policy, record the outcome."""
    days = run_days(context.run.tags)
    with (partition_connection(warehouse.lake_path, days) if stage in PARTITIONED_STAGES and days
          else warehouse.connect(read_only=True)) as source:
        batch, rows = stage_counts(source, stage)
    with warehouse.connect() as conn:
        verdict = rate_verdict(stage, batch, len(rows), quarantine_policy.policy)
        named = [
            {"document_id": r[0], "file": sanitise(r[1] or "", 200), "record": r[2], "reason": r[3],
             "detail": sanitise(r[4] or "", 200)}
            for r in rows[:MAX_NAMED_IN_METADATA]
        ]
        outcome = ValidationOutcome(
            suite_name=rate_check_name(stage), success=verdict.passed, row_count=batch,
            outcomes=[ExpectationOutcome(
                expectation=f"quarantined_share_at_most({verdict.max_share:g}, allowance {verdict.limit})",
                success=verdict.passed, observed_value=sanitise(verdict.describe(), 500),
                unexpected_count=verdict.quarantined,
                examples=[sanitise(f"{n['document_id'] or n['file']}: {n['reason']}") for n in named[:5]],
            )],
        )
        record_validation(conn, context.run.run_id, asset, outcome, blocking=True)
    if not verdict.passed:
        context.log.error(f"{rate_check_name(stage)}: {verdict.describe()}; the run stops before publishing")
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey.from_user_string(asset),
        check_name=rate_check_name(stage),
        passed=verdict.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=verdict.describe(),
        metadata={
            "batch": batch,
            "quarantined": verdict.quarantined,
            "limit": verdict.limit,
            "share": float(round(verdict.share, 6)),
            "by_reason": dg.MetadataValue.json(dict(Counter(r[3] for r in rows))),
            "quarantined_rows": dg.MetadataValue.json(named),
        },
    )
