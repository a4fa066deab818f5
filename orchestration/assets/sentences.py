"""Sentences: split accepted bodies into sentences with offsets, each with its language."""

import dagster as dg

from orchestration.assets.common import stage_asset, with_progress, write_stage
from orchestration.assets.quarantine import (
    log_quarantine, quarantine_metadata, quarantined_document_ids, write_stage_quarantine,
)
from orchestration.core.quarantine import document_record, isolate
from orchestration.core.language.detect import LanguageDetector
from orchestration.core.text.sentences import split_sentences
from orchestration.core.types import SentenceRow
from orchestration.resources import WarehouseResource
from orchestration.warehouse import read_records


@stage_asset(
    "sentences", "sentences", "Body sentences of accepted documents, with offsets into the body and a language each.",
    deps=("documents", "document_languages", "document_outlets"),
)
def sentences(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as conn:
        excluded = quarantined_document_ids(conn, before_stage="sentences")
        documents = read_records(conn, "documents", where="quarantine_reason IS NULL", order_by="document_id")
        document_languages = read_records(conn, "document_languages")
    language_of = {row.document_id: row.language for row in document_languages}
    accepted = [doc for doc in documents if doc.document_id not in excluded]
    detector = LanguageDetector()

    def split(doc) -> tuple[str, list[SentenceRow]]:
        rows = []
        for sentence in split_sentences(doc.body_text or ""):
            # A sentence too weak to decide alone takes its document's language only where its
            # own best candidate is that language (see LanguageDetector.detect_in_document).
            guess = detector.detect_in_document(sentence.text, language_of.get(doc.document_id, "und"))
            rows.append(SentenceRow(
                document_id=doc.document_id, sentence_seq=sentence.seq, start_char=sentence.start,
                end_char=sentence.end, text=sentence.text, language=guess.language,
                language_probability=guess.probability, language_method=guess.method,
                continues_quote=sentence.continues_quote,
            ))
        return doc.document_id, rows

    outcome = isolate(with_progress(context, accepted, "split documents"), split, "sentences",
                      document_id=lambda doc: doc.document_id)
    records = list(outcome.quarantined)
    rows = []
    for document_id, document_rows in outcome.results:
        if not document_rows:
            records.append(document_record("sentences", "no_sentence", document_id, "the body splits into no sentence"))
        rows.extend(document_rows)
    with warehouse.connect() as conn:
        write_stage_quarantine(conn, "sentences", records, context.run.run_id)
    log_quarantine(context, "sentences", records)
    return write_stage(warehouse, "sentences", rows, documents=len(accepted), **quarantine_metadata(records))
