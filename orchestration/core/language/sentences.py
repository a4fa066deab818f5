"""The sentences of one document, each with its language: the sentences stage's per-document
function, run on the stage's pool workers."""
from __future__ import annotations

from orchestration.core.language.detect import process_detector
from orchestration.core.text.sentences import document_sentences
from orchestration.core.types import SentenceRow


def split_document(item: tuple[str, str, str | None, str]) -> list[SentenceRow]:
    """The sentence rows of one document: (document id, body, title, its language)."""
    document_id, body_text, title, document_language = item
    detector = process_detector()
    rows = []
    for sentence in document_sentences(body_text, title):
        # A sentence too weak to decide alone takes its document's language only where its
        # own best candidate is that language (see LanguageDetector.detect_in_document).
        guess = detector.detect_in_document(sentence.text, document_language)
        rows.append(SentenceRow(
            document_id=document_id, sentence_seq=sentence.seq, section=sentence.section, start_char=sentence.start,
            end_char=sentence.end, text=sentence.text, language=guess.language,
            language_probability=guess.probability, language_method=guess.method,
            continues_quote=sentence.continues_quote,
        ))
    return rows
