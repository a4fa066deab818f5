"""Sentences: split accepted bodies into sentences with offsets, each with its language."""

import dagster as dg

from orchestration.assets.common import raw_key, with_progress
from orchestration.core.language.detect import LanguageDetector
from orchestration.core.text.sentences import split_sentences
from orchestration.core.types import SentenceRow
from orchestration.resources import DUCKDB_POOL, WarehouseResource
from orchestration.warehouse import read_table, replace_raw_table


@dg.asset(
    key=raw_key("sentences"),
    group_name="sentences",
    deps=[raw_key("documents"), raw_key("document_languages")],
    pool=DUCKDB_POOL,
    kinds={"python", "duckdb"},
    description="Body sentences of accepted documents, with offsets into the body and a language each.",
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
    with warehouse.connect() as conn:
        count = replace_raw_table(conn, "sentences", rows)
    return dg.MaterializeResult(metadata={"dagster/row_count": count, "documents": len(accepted)})
