"""Outlets: attribute every document to the outlet that published it.

Evidence in priority order (orchestration.core.outlets): the manifest sidecar, then the page's
own metadata (canonical URL, og:site_name, hostname), then the outlet's self-references from the
registry (dbt seed `outlet_registry`), else one unknown outlet per document.
"""

from collections import Counter

import dagster as dg

from orchestration.assets.common import counts, stage_asset, with_progress, write_stage
from orchestration.assets.quarantine import (
    log_quarantine, quarantine_metadata, quarantined_document_ids, write_stage_quarantine,
)
from orchestration.core.quarantine import isolate
from orchestration.core.outlets import attribute_outlet, load_registry
from orchestration.core.types import DocumentOutletRow
from orchestration.resources import ReferenceDataResource, WarehouseResource
from orchestration.warehouse import read_table

# The decoded page text, furniture included: self-references live in headers and footers.
DECODED_TEXT_SQL = """
SELECT document_id, string_agg(text, '' ORDER BY seq) AS decoded_text
FROM raw.segments
GROUP BY document_id
"""


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
)
def document_outlets(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, reference: ReferenceDataResource
) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as conn:
        excluded = quarantined_document_ids(conn, before_stage="outlets")
        dumps = read_table(conn, "dumps")[["document_id", "outlet_hint", "url"]]
        documents = read_table(conn, "documents")[["document_id", "url", "sitename", "hostname"]]
        documents = documents[~documents["document_id"].isin(excluded)]
        decoded = conn.execute(DECODED_TEXT_SQL).df() if len(documents) else None
    texts = dict(zip(decoded.document_id, decoded.decoded_text)) if decoded is not None else {}
    merged = documents.merge(dumps, on="document_id", how="left", suffixes=("", "_manifest"))
    registry = load_registry(reference.outlet_registry)

    def attribute(doc) -> DocumentOutletRow:
        attribution = attribute_outlet(
            doc.document_id,
            texts.get(doc.document_id, ""),
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

    outcome = isolate(with_progress(context, list(merged.itertuples(index=False)), "attributed documents"),
                      attribute, "outlets", document_id=lambda doc: doc.document_id)
    rows = outcome.results
    with warehouse.connect() as conn:
        write_stage_quarantine(conn, "outlets", outcome.quarantined, context.run.run_id)
    log_quarantine(context, "outlets", outcome.quarantined)
    return write_stage(
        warehouse, "document_outlets", rows, methods=counts(r.attribution_method for r in rows),
        outlets=dg.MetadataValue.json(dict(Counter(r.outlet_id for r in rows).most_common(20))),
        **quarantine_metadata(outcome.quarantined),
    )
