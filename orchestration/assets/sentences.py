"""Sentences: split accepted bodies into sentences with offsets, each with its language."""

import dagster as dg

from orchestration.assets.common import progress_logger, raw_key
from orchestration.core.language.detect import process_detector, reset_process_detector
from orchestration.core.text.sentences import split_sentences
from orchestration.core.types import SentenceRow
from orchestration.lib.pool import map_isolated
from orchestration.resources import DUCKDB_POOL, ComputeResource, WarehouseResource
from orchestration.warehouse import read_table, replace_raw_table


def split_document(item: tuple[str, str, str]) -> list[SentenceRow]:
    """The sentence rows of one body (runs in a pool worker): (document id, body, its language)."""
    document_id, body_text, document_language = item
    detector = process_detector()
    rows = []
    for sentence in split_sentences(body_text):
        # A sentence too weak to decide alone takes its document's language only where its
        # own best candidate is that language (see LanguageDetector.detect_in_document).
        guess = detector.detect_in_document(sentence.text, document_language)
        rows.append(SentenceRow(
            document_id=document_id, sentence_seq=sentence.seq, start_char=sentence.start,
            end_char=sentence.end, text=sentence.text, language=guess.language,
            language_probability=guess.probability, language_method=guess.method,
            continues_quote=sentence.continues_quote,
        ))
    return rows


@dg.asset(
    key=raw_key("sentences"),
    group_name="sentences",
    deps=[raw_key("documents"), raw_key("document_languages")],
    pool=DUCKDB_POOL,
    kinds={"python", "duckdb"},
    description="Body sentences of accepted documents, with offsets into the body and a language each.",
)
def sentences(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
              compute: ComputeResource) -> dg.MaterializeResult:
    reset_process_detector()
    with warehouse.connect(read_only=True) as conn:
        documents = read_table(conn, "documents")
        document_languages = read_table(conn, "document_languages")
    language_of = dict(zip(document_languages["document_id"], document_languages["language"]))
    accepted = documents[documents["quarantine_reason"].isna()].sort_values("document_id")
    items = [(doc.document_id, doc.body_text or "", language_of.get(doc.document_id, "und"))
             for doc in accepted.itertuples(index=False)]
    outcomes = map_isolated(split_document, items, compute.workers, preload=(__name__,),
                            on_progress=progress_logger(context, len(items), "split documents"))
    rows = []
    for (document_id, _, _), outcome in zip(items, outcomes):
        if outcome.ok:
            rows.extend(outcome.result)
        else:
            # no sentences: the document still counts in the run, it carries no claim
            context.log.warning(f"splitting {document_id} failed: {outcome.error}")
    with warehouse.connect() as conn:
        count = replace_raw_table(conn, "sentences", rows)
    return dg.MaterializeResult(metadata={"dagster/row_count": count, "documents": len(accepted)})
