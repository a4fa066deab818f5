"""Sentence splitting over a cleaned body, with offsets into it.

Regex-based on purpose: pysbd gives similar results on news prose but is ~90x slower, and the
splitter runs over every sentence of every dump.

Rules, in the order they apply:
- Paragraphs (separated by a blank line, i.e. "\\n\\n") are hard boundaries. A single newline
  inside a paragraph is ordinary whitespace (wrapped lines).
- Datelines are split off and NOT emitted as sentences: a paragraph that opens with
  "JERUSALEM –", "GAZA CITY (Ma'an) --", "WASHINGTON, D.C. —" or "June 4, 2014 Jerusalem —"
  yields a first sentence that starts after the dash. The place belongs to the document (the
  cleaning stage's `dateline_place`), not to the proposition the sentence states, so keeping it
  out keeps claim matching clean. Every paragraph is checked, because copied reports often embed
  the original article, dateline included, below their own introduction.
- A candidate boundary is `.`, `!`, `?` or `…` (optionally followed by closing quotes/brackets)
  followed by whitespace. It is a boundary unless the next word starts lower-case, or the word
  before the period is an abbreviation: titles such as "Sen."/"Mr." never end a sentence;
  dotted acronyms ("U.S.", "U.N."), party-state tags ("D-Mass.") and the `may_be_final` list
  (abbreviations.yaml) end one only when the next word is a typical sentence opener ("The",
  "He", ...) or an opening quote. Single capital initials ("John F. Kennedy") never end one.
  Decimals ("3.5") have no whitespace after the period and are never candidates.
- Fragments with no letter or digit (a stray quote mark, "..." alone) are dropped; their quote
  marks still count for quote tracking.
- Quotes: curly and straight double quotes are one kind (sources mix “ with "), single quotes
  another (’ between letters is an apostrophe). `continues_quote` is True when a quotation
  opened by an earlier sentence is still open where the sentence starts. The open-quote state is
  reset at each paragraph end — a quote that continues into the next paragraph re-opens with its
  own opening mark by newspaper convention — except when the paragraph ends with a dangling
  opening mark, which then opens the quote of the next paragraph.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from orchestration.core.types import Sentence

ABBREVIATIONS_FILE = Path(__file__).with_name("abbreviations.yaml")

OPENING_DOUBLE = "“„«"
CLOSING_DOUBLE = "”»"
OPENING_SINGLE = "‘‹"
CLOSING_SINGLE = "’›"
ALL_QUOTES = OPENING_DOUBLE + CLOSING_DOUBLE + OPENING_SINGLE + CLOSING_SINGLE + "\"'"
OPENING_BRACKETS = "([{"
# Characters before an opening straight quote: start, whitespace, brackets, dashes, slashes.
_BEFORE_OPENING = set(" \t\n([{—–-/") | set(OPENING_DOUBLE) | set(OPENING_SINGLE)

_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")
_CANDIDATE = re.compile(r"(?:[.!?]+|…)[\"'”’»›)\]]*(?=\s)")
_WORD_BEFORE = re.compile(r"(\S+)$")
_DOTTED_ACRONYM = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]$")          # U.S / a.m / D.C
_PARTY_STATE = re.compile(r"^[A-Z]-[A-Z][A-Za-z]{1,6}$")            # D-Mass / R-Texas
_INITIAL = re.compile(r"^[A-Z]$")
_DASH = r"(?:--|[–—]|-(?=\s))"
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATELINE = re.compile(
    # "JERUSALEM –", "GAZA CITY (Ma'an) --", "WASHINGTON, D.C. —", "CAIRO, Egypt (AP) —"
    r"(?:[A-Z][A-Z.'’-]*(?:\s+[A-Z][A-Z.'’-]*){0,3}(?:,\s*[A-Z][A-Za-z.]*(?:\s[A-Z][A-Za-z.]*)?)?"
    r"(?:\s*\([^()\n]{1,40}\))?"
    # "June 4, 2014 Jerusalem —" (date then a place of at most four capitalised words)
    r"|" + _MONTH + r"\s+\d{1,2},?\s+\d{4},?\s+[A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,3}"
    r"(?:\s*\([^()\n]{1,40}\))?)"
    r"\s*" + _DASH + r"\s*(?=[\"“‘'A-Z0-9])"
)


@lru_cache(maxsize=1)
def _abbreviations() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    data = yaml.safe_load(ABBREVIATIONS_FILE.read_text(encoding="utf-8"))
    never = frozenset(w.lower() for w in data["never_final"])
    may = frozenset(w.lower() for w in data["may_be_final"])
    openers = frozenset(data["sentence_openers"])
    return never, may, openers


def document_sentences(body_text: str, title: str | None = None) -> list[Sentence]:
    """A document's sentences: its body's (split_sentences), then its title as one more sentence
    (section 'title', offsets into the title). The headline is where an outlet states its claim
    most plainly, and a headline-only dump has no other sentence. The title comes last so that
    body sentences keep their numbers whether or not a title is known."""
    sentences = split_sentences(body_text)
    headline = (title or "").strip()
    if headline and any(ch.isalnum() for ch in headline):
        start = (title or "").index(headline)
        sentences.append(Sentence(seq=len(sentences), start=start, end=start + len(headline),
                                  text=headline, section="title"))
    return sentences


def split_sentences(text: str) -> list[Sentence]:
    """Split a body into sentences; `text[s.start:s.end] == s.text` and `s.text` is stripped."""
    sentences: list[Sentence] = []
    quotes = _QuoteState()
    for para_start, para_end in _paragraphs(text):
        start = para_start
        dateline = _DATELINE.match(text, para_start, para_end)
        if dateline and dateline.end() < para_end:
            quotes.scan(text, para_start, dateline.end())
            start = dateline.end()
        for span_start, span_end in _sentence_spans(text, start, para_end):
            inside = quotes.is_open()
            quotes.scan(text, span_start, span_end)
            if not any(ch.isalnum() for ch in text[span_start:span_end]):
                continue
            sentences.append(Sentence(
                seq=len(sentences), start=span_start, end=span_end,
                text=text[span_start:span_end], continues_quote=inside,
            ))
        quotes.end_paragraph(text, para_start, para_end)
    return sentences


def _paragraphs(text: str):
    """(start, end) of each paragraph, stripped of surrounding whitespace."""
    position = 0
    for brk in _PARAGRAPH_BREAK.finditer(text):
        yield from _stripped(text, position, brk.start())
        position = brk.end()
    yield from _stripped(text, position, len(text))


def _stripped(text: str, start: int, end: int):
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


def _sentence_spans(text: str, start: int, end: int):
    position = start
    for candidate in _CANDIDATE.finditer(text, start, end):
        if candidate.end() <= position:
            continue
        next_start = candidate.end()
        while next_start < end and text[next_start].isspace():
            next_start += 1
        if next_start >= end:
            break
        if _is_boundary(text, position, candidate, next_start):
            yield from _stripped(text, position, candidate.end())
            position = next_start
    yield from _stripped(text, position, end)


def _is_boundary(text: str, sentence_start: int, candidate: re.Match, next_start: int) -> bool:
    never, may, openers = _abbreviations()
    marks = candidate.group().rstrip("\"'”’»›)]")
    first = text[next_start]
    next_word = re.match(r"[\"'“‘«(\[]*([^\s\"'”’»),;:.!?]*)", text[next_start:next_start + 40])
    word_after = next_word.group(1) if next_word else ""
    opens_quote = first in "\"“‘«'([" and len(word_after) > 0
    if not word_after and not opens_quote:
        return first not in ",;:" and not first.islower()
    starts_upper = word_after[:1].isupper() or word_after[:1].isdigit()
    if not (starts_upper or opens_quote):
        return False            # lower-case continuation: "U.S, government", "e.g. the"
    if "!" in marks or "?" in marks or marks == "…" or len(marks) > 1:
        return True
    # A single period: look at the word it closes.
    before = _WORD_BEFORE.search(text, sentence_start, candidate.start())
    word = before.group(1).lstrip("\"'“‘«([") if before else ""
    if candidate.group() != marks:
        return True             # period then closing quote/bracket: `...said." The`
    if _INITIAL.match(word):
        return False
    lower = word.lower()
    if lower in never:
        return False
    if lower in may or _DOTTED_ACRONYM.match(word) or _PARTY_STATE.match(word):
        return opens_quote or word_after in openers
    return True


class _QuoteState:
    """Tracks open double and single quotations across the sentences of a body."""

    def __init__(self) -> None:
        self.double = False
        self.single = False

    def is_open(self) -> bool:
        return self.double or self.single

    def scan(self, text: str, start: int, end: int) -> None:
        for i in range(start, end):
            ch = text[i]
            if ch not in ALL_QUOTES:
                continue
            prev = text[i - 1] if i > 0 else " "
            nxt = text[i + 1] if i + 1 < len(text) else " "
            if ch in OPENING_DOUBLE:
                self.double = True
            elif ch in CLOSING_DOUBLE:
                self.double = False
            elif ch == '"':
                if prev in _BEFORE_OPENING and not nxt.isspace():
                    self.double = True
                elif nxt.isspace() or not nxt.isalnum():
                    self.double = False
                else:
                    self.double = not self.double
            elif prev.isalpha() and nxt.isalpha():
                continue        # apostrophe: Israel’s, don't
            elif ch in OPENING_SINGLE or (ch == "'" and prev in _BEFORE_OPENING and nxt.isalpha()):
                self.single = True
            elif self.single and (ch in CLOSING_SINGLE or ch == "'"):
                self.single = False

    def end_paragraph(self, text: str, start: int, end: int) -> None:
        last = text[end - 1] if end > start else ""
        dangling_open = last in OPENING_DOUBLE + OPENING_SINGLE or (
            last in "\"'" and end - 2 >= start and text[end - 2].isspace())
        if not dangling_open:
            self.double = self.single = False
