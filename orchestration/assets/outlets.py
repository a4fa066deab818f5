"""Outlets: attribute every document to the outlet that published it.

Evidence in priority order (orchestration.core.outlets): the manifest sidecar, then the page's
own metadata (canonical URL, og:site_name, hostname), then the outlet's self-references from the
registry (dbt seed `outlet_registry`), else one unknown outlet per document.
"""

from collections import Counter

import dagster as dg

import hashlib
from pathlib import Path

from orchestration.assets.common import counts, partition_days, progress_logger, stage_asset, stage_version
from orchestration.assets.quarantine import log_quarantine, quarantine_metadata, quarantined_document_ids
from orchestration.core.quarantine import isolate
from orchestration.core.outlets import attribute_outlet, load_registry
from orchestration.core.types import DocumentOutletRow
from orchestration.incremental import (
    combined_keys, days_metadata, plan_days, plan_for, recorded_keys, register_ids, write_document_rows,
)
from orchestration.lake import partition_connection
from orchestration.resources import ReferenceDataResource, WarehouseResource
from orchestration.settings import DEFAULT_OUTLET_REGISTRY

STAGE = "outlets"
# documents whose decoded pages a step holds at once (the 10k bench's pages average ~25 kB)
OUTLETS_BATCH = 2000

# The decoded page text, furniture included: self-references live in headers and footers.
DECODED_TEXT_SQL = """
SELECT document_id, string_agg(text, '' ORDER BY seq) AS decoded_text
FROM raw.segments
WHERE document_id IN (SELECT document_id FROM {ids})
GROUP BY document_id
"""


def outlet_inputs(lake, day: str, document_ids: list[str]) -> list[tuple]:
    """(document, its decoded text) of `document_ids` in the day's partition, in id order: the
    document's url, sitename and hostname with its dump's outlet hint and url."""
    with partition_connection(lake, [day]) as conn:
        ids = register_ids(conn, document_ids)
        in_plan = f"WHERE document_id IN (SELECT document_id FROM {ids})"
        dumps = conn.execute(f"SELECT document_id, outlet_hint, url FROM raw.dumps {in_plan}").df()
        documents = conn.execute(
            f"SELECT document_id, url, sitename, hostname FROM raw.documents {in_plan} ORDER BY document_id").df()
        decoded = conn.execute(DECODED_TEXT_SQL.format(ids=ids)).df()
    texts = dict(zip(decoded.document_id, decoded.decoded_text))
    merged = documents.merge(dumps, on="document_id", how="left", suffixes=("", "_manifest"))
    return [(doc, texts.get(doc.document_id, "")) for doc in merged.itertuples(index=False)]


def _optional(value) -> str | None:
    """pandas hands back NaN/None for SQL NULL; the core wants None."""
    return value if isinstance(value, str) and value else None


def _unregistered_name(method: str, evidence: str | None, doc) -> str | None:
    """An outlet missing from the registry still has a name when the manifest or the page's
    own metadata gave one."""
    if method == "manifest":
        return evidence
    if method == "html_meta":
        return _optional(doc.sitename) or _optional(doc.hostname)
    return None


@stage_asset(
    "document_outlets", "outlets",
    "One outlet per document with the method that decided it (manifest > html_meta > marker > unknown).",
    deps=("dumps", "documents", "segments"),
    # the registry analysts edit is data of this stage: editing the seed marks it stale in the UI
    version_files=(str(DEFAULT_OUTLET_REGISTRY),), partitioned=True,
)
def document_outlets(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, reference: ReferenceDataResource
) -> dg.MaterializeResult:
    # the registry in use (a setting may point elsewhere than the seed) is part of every key
    registry_key = hashlib.sha256(Path(reference.outlet_registry).read_bytes()).hexdigest()
    version = stage_version(context) + registry_key

    def plan_day(conn):
        excluded = quarantined_document_ids(conn, before_stage=STAGE)
        plan, rebuild = plan_for(conn, STAGE, ["document_outlets"], combined_keys(
            version, recorded_keys(conn, "clean"), excluded=excluded))
        return plan, rebuild, sorted(plan.todo)

    work = plan_days(warehouse.lake_path, partition_days(context), STAGE, version, plan_day)
    registry = load_registry(reference.outlet_registry)

    def attribute(item) -> DocumentOutletRow:
        doc, text = item
        attribution = attribute_outlet(
            doc.document_id,
            text,
            registry,
            manifest_outlet=_optional(doc.outlet_hint),
            url=_optional(doc.url_manifest) or _optional(doc.url),
            canonical_url=_optional(doc.url),
            site_name=_optional(doc.sitename),
            hostname=_optional(doc.hostname),
        )
        outlet = attribution.outlet
        return DocumentOutletRow(
            document_id=doc.document_id,
            outlet_id=attribution.outlet_id,
            outlet_name=outlet.name if outlet else _unregistered_name(attribution.method, attribution.evidence, doc),
            domain=outlet.domain if outlet else _optional(doc.hostname),
            country=outlet.country if outlet else None,
            attribution_method=attribution.method,
            evidence=attribution.evidence,
        )

    rows, quarantined = [], []
    row_count = 0
    progress, done = progress_logger(context, sum(len(day.items) for day in work), "attributed documents"), 0
    # Day by day, OUTLETS_BATCH documents at a time: the decoded pages are the largest thing a
    # document stage reads (every segment, furniture included), so a step holds one batch of them,
    # whatever the day or the range holds, and the day's rows (one short row per document)
    for day in work:
        day_rows, day_quarantined = [], []
        for start in range(0, len(day.items), OUTLETS_BATCH):
            batch = outlet_inputs(warehouse.lake_path, day.day, day.items[start:start + OUTLETS_BATCH])
            outcome = isolate(batch, attribute, STAGE, document_id=lambda item: item[0].document_id)
            day_rows += outcome.results
            day_quarantined += outcome.quarantined
            done += len(batch)
            progress(done)
        row_count += write_document_rows(warehouse.lake_path, day.day, day.plan, {"document_outlets": day_rows},
                                         day.rebuild, quarantine=day_quarantined,
                                         run_id=context.run.run_id)["document_outlets"]
        rows += day_rows
        quarantined += day_quarantined
    log_quarantine(context, STAGE, quarantined)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": row_count, **days_metadata(work),
        "methods": counts(r.attribution_method for r in rows),
        "outlets": dg.MetadataValue.json(dict(Counter(r.outlet_id for r in rows).most_common(20))),
        **quarantine_metadata(quarantined),
    })
