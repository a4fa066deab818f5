"""Sentences: split accepted bodies into sentences with offsets, each with its language."""

import dagster as dg

from orchestration.assets.common import raw_key, with_progress
from orchestration.assets.quarantine import (
    log_quarantine, quarantine_metadata, quarantined_document_ids, write_stage_quarantine,
)
from orchestration.core.quarantine import document_record, isolate
from orchestration.core.language import LanguageDetector
from orchestration.core.sentences import split_sentences
from orchestration.resources import DUCKDB_POOL, WarehouseResource
from orchestration.warehouse import read_table, replace_raw_table


@dg.asset(
    key=raw_key("sentences"),
    group_name="sentences",
    deps=[raw_key("documents"), raw_key("document_languages"), raw_key("document_outlets")],
    pool=DUCKDB_POOL,
    kinds={"python", "duckdb"},
    description="Body sentences of accepted documents, with offsets into the body and a language each.",
)
def sentences(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as conn:
        excluded = quarantined_document_ids(conn, before_stage="sentences")
        documents = conn.execute(
            "SELECT document_id, body_text FROM raw.documents WHERE quarantine_reason IS NULL ORDER BY document_id"
        ).fetchall()
        document_languages = read_table(conn, "document_languages")
    language_of = dict(zip(document_languages["document_id"], document_languages["language"]))
    accepted = [(document_id, body or "") for document_id, body in documents if document_id not in excluded]
    detector = LanguageDetector()

    def split(doc: tuple[str, str]) -> tuple[str, list[dict]]:
        document_id, body = doc
        rows = []
        for sentence in split_sentences(body):
            # A sentence too weak to decide alone takes its document's language only where its
            # own best candidate is that language (see LanguageDetector.detect_in_document).
            guess = detector.detect_in_document(sentence.text, language_of.get(document_id, "und"))
            rows.append({
                "document_id": document_id, "sentence_seq": sentence.seq,
                "start_char": sentence.start, "end_char": sentence.end, "text": sentence.text,
                "language": guess.language, "language_probability": guess.probability,
                "language_method": guess.method, "continues_quote": sentence.continues_quote,
            })
        return document_id, rows

    outcome = isolate(with_progress(context, accepted, "split documents"), split, "sentences",
                      document_id=lambda doc: doc[0])
    records = list(outcome.quarantined)
    rows = []
    for document_id, document_rows in outcome.results:
        if not document_rows:
            records.append(document_record("sentences", "no_sentence", document_id, "the body splits into no sentence"))
        rows.extend(document_rows)
    with warehouse.connect() as conn:
        count = replace_raw_table(conn, "sentences", rows)
        write_stage_quarantine(conn, "sentences", records, context.run.run_id)
    log_quarantine(context, "sentences", records)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": count, "documents": len(accepted), **quarantine_metadata(records),
    })
