"""Sentences: split accepted bodies into sentences with offsets, each with its language."""

import dagster as dg

from orchestration.assets.common import stage_asset, with_progress, write_stage
from orchestration.core.language.detect import LanguageDetector
from orchestration.core.text.sentences import split_sentences
from orchestration.core.types import SentenceRow
from orchestration.resources import WarehouseResource
from orchestration.warehouse import read_table


@stage_asset(
    "sentences", "sentences", "Body sentences of accepted documents, with offsets into the body and a language each.",
    deps=("documents", "document_languages"),
)
def sentences(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as conn:
        documents = read_table(conn, "documents")
        document_languages = read_table(conn, "document_languages")
    language_of = dict(zip(document_languages["document_id"], document_languages["language"]))
    accepted = documents[documents["quarantine_reason"].isna()].sort_values("document_id")
    detector = LanguageDetector()
    rows = []
    for doc in with_progress(context, list(accepted.itertuples(index=False)), "split documents"):
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
    return write_stage(warehouse, "sentences", rows, documents=len(accepted))
