"""Segment a plain-text dump into typed spans (the text path of cleaning).

The text is read line by line (var_dump blocks are cut out first as `embedded_data`, since
their JSON may hold newlines or run to the end of the file). Each line's surrounding spaces
and line break are `whitespace`; its content is typed in two passes:

1. **Rules** (rules/boilerplate.yaml): `prefix` rules cut a dateline off the start of a line,
   `line` rules type whole lines (share widgets, credits, comment-thread headers ...), `inline`
   rules cut debris out of a line. A rule that `opens: comment_thread` starts the readers'
   section: until a rule `closes` it, untyped lines are `reader_comment`.
2. **Structure** (named code paths, rule ids `struct:*`): the title (first short line that does
   not read like a sentence, or the dump's title hint), the same title repeated in the head,
   the standfirst right under the title, short lines repeated (tag widgets), a short line in
   another script next to a photo credit (a caption), short lines between body paragraphs
   (headings). Whatever is left is `body`.

Each body line is one paragraph of `body_text`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from orchestration.core.cleaning.embedded import EmbeddedSpan, find_var_dumps
from orchestration.core.cleaning.ledger import LedgerBuilder
from orchestration.core.cleaning.markup import MarkupSpan, find_markup
from orchestration.core.cleaning.rules import Rule, RuleSet
from orchestration.core.language.scripts import dominant_script
from orchestration.core.text.tokens import folded

HEAD_LINES = 8              # rules with `where: head` look at this many first content lines
TITLE_MAX_WORDS = 30
STANDFIRST_MAX_WORDS = 60
HEADING_MAX_WORDS = 12
CAPTION_MAX_WORDS = 40
REPEATED_MAX_WORDS = 5
BODY_RULE = "text:body"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\n|\r)?")
_WORD = re.compile(r"\w+")
_SENTENCE_END = re.compile(r"[.,;:]['\"\u2019\u201d)]*$")


@dataclass
class Piece:
    """A typed stretch of one line's content."""
    start: int
    end: int
    kind: str | None = None     # None until typed
    rule_id: str | None = None
    match: re.Match | None = None
    key: object = None


@dataclass
class Line:
    index: int                  # content-line number (blank lines are not counted)
    start: int                  # content start (surrounding whitespace excluded)
    end: int
    text: str
    blank_before: bool          # a blank line (or the start of the text) precedes it
    pieces: list[Piece] = field(default_factory=list)
    markup: list[MarkupSpan] = field(default_factory=list)   # debris tags inside the line

    @property
    def kind(self) -> str | None:
        """The kind of the line's main piece (the longest)."""
        main = max(self.pieces, key=lambda p: p.end - p.start)
        return main.kind


@dataclass
class TextParse:
    segments: list
    title: str | None = None
    subtitle: str | None = None
    byline: str | None = None
    dateline_place: str | None = None
    published_text: str | None = None       # the date as written, to be parsed by the caller
    body_paragraphs: list[str] = field(default_factory=list)
    comments: list[tuple[object, str | None, str]] = field(default_factory=list)  # (key, author, text)
    captions: list[tuple[object, str, str | None]] = field(default_factory=list)  # (key, text, credit)
    embedded: list[EmbeddedSpan] = field(default_factory=list)
    keys: dict = field(default_factory=dict)


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _peel_markup(text: str, start: int, end: int, markup: list[MarkupSpan],
                 ledger: LedgerBuilder) -> tuple[int, int, list[MarkupSpan]]:
    """Cut the markup that opens or closes a line (`<p>`, `<span class=meta>` ... `</span>`)
    off its ends into the ledger; returns the text's new bounds and the markup left inside."""
    inside = [m for m in markup if start <= m.start and m.end <= end]
    while inside and inside[0].start == start:
        first = inside.pop(0)
        ledger.add(first.start, first.end, "markup", first.rule_id)
        start = first.end + (len(text[first.end:end]) - len(text[first.end:end].lstrip()))
        ledger.add(first.end, start, "whitespace", "ledger:whitespace")
    while inside and inside[-1].end == end:
        last = inside.pop()
        ledger.add(last.start, last.end, "markup", last.rule_id)
        end = start + len(text[start:last.start].rstrip())
        ledger.add(end, last.start, "whitespace", "ledger:whitespace")
    return start, end, inside


def split_lines(text: str, embedded: list[EmbeddedSpan], ledger: LedgerBuilder,
                markup: list[MarkupSpan] = ()) -> list[Line]:
    """Content lines outside embedded blocks; whitespace around them and markup that wraps
    them go to the ledger."""
    lines: list[Line] = []
    regions = []
    pos = 0
    for span in embedded:
        regions.append((pos, span.start))
        pos = span.end
    regions.append((pos, len(text)))
    blank_before = True
    for region_start, region_end in regions:
        region = text[region_start:region_end]
        for match in _LINE.finditer(region):
            raw = match.group(0)
            if not raw:
                continue
            start = region_start + match.start()
            content = raw.rstrip("\r\n")
            stripped = content.strip()
            if not stripped:
                ledger.add(start, start + len(raw), "whitespace", "ledger:whitespace")
                blank_before = True
                continue
            left = len(content) - len(content.lstrip())
            c_start = start + left
            c_end = c_start + len(stripped)
            ledger.add(start, c_start, "whitespace", "ledger:whitespace")
            ledger.add(c_end, start + len(raw), "whitespace", "ledger:whitespace")
            c_start, c_end, inside = _peel_markup(text, c_start, c_end, markup, ledger)
            if c_end <= c_start:
                continue    # a line of markup only: no content line (blank_before unchanged)
            lines.append(Line(index=len(lines), start=c_start, end=c_end, text=text[c_start:c_end],
                              blank_before=blank_before, markup=inside))
            blank_before = False
        blank_before = True
    return lines


def _rule_applies(rule: Rule, line: Line, in_thread: bool) -> bool:
    if rule.where == "head":
        return line.index < HEAD_LINES and not in_thread
    if rule.where == "comment_thread":
        return in_thread
    return True


def apply_rules(lines: list[Line], rules: RuleSet) -> dict:
    """Pass 1: type what the rules recognise. Returns values captured by named groups."""
    found: dict = {}
    in_thread = False
    thread_rule: str | None = None
    prefix_rules = rules.by_scope("prefix")
    line_rules = rules.by_scope("line")
    inline_rules = rules.by_scope("inline")
    for line in lines:
        start = line.start
        # prefix rules: a dateline cut off the start of the first lines
        for rule in prefix_rules:
            if not _rule_applies(rule, line, in_thread):
                continue
            match = rule.match(line.text)
            if match and 0 < match.end() < len(line.text):
                cut = len(line.text[:match.end()].rstrip())
                line.pieces.append(Piece(start, start + cut, rule.kind, rule.id, match))
                start = start + match.end()
                _capture(found, match)
                break
        rest = line.text[start - line.start:]
        typed = False
        for rule in line_rules:
            if not _rule_applies(rule, line, in_thread):
                continue
            match = rule.match(rest)
            if match:
                line.pieces.append(Piece(start, line.end, rule.kind, rule.id, match))
                _capture(found, match)
                if rule.opens:
                    in_thread, thread_rule = True, rule.id
                if rule.closes:
                    in_thread = False
                typed = True
                break
        if typed:
            continue
        if in_thread:
            line.pieces.append(Piece(start, line.end, "reader_comment", f"thread:{thread_rule}"))
            continue
        # inline rules cut debris out of what is left; the remainder stays untyped
        cuts = []
        for rule in inline_rules:
            for match in rule.finditer(rest):
                if match.end() > match.start():
                    cuts.append((start + match.start(), start + match.end(), rule))
        cuts.sort(key=lambda c: c[0])
        pos = start
        for cut_start, cut_end, rule in cuts:
            if cut_start < pos:
                continue
            if cut_start > pos:
                line.pieces.append(Piece(pos, cut_start))
            line.pieces.append(Piece(cut_start, cut_end, rule.kind, rule.id))
            pos = cut_end
        if pos < line.end:
            line.pieces.append(Piece(pos, line.end))
    return found


def _capture(found: dict, match: re.Match) -> None:
    for name, value in match.groupdict().items():
        if value and name not in found:
            found[name] = value.strip()


def _untyped(line: Line) -> bool:
    return any(p.kind is None for p in line.pieces) and all(
        p.kind is None or p.kind in ("dateline", "boilerplate") for p in line.pieces)


def _only_untyped(line: Line) -> bool:
    return all(p.kind is None for p in line.pieces)


def _type_line(line: Line, kind: str, rule_id: str) -> None:
    for piece in line.pieces:
        if piece.kind is None:
            piece.kind, piece.rule_id = kind, rule_id


def apply_structure(lines: list[Line], text: str, title_hint: str | None) -> dict:
    """Pass 2: title, standfirst, repeated lines, captions, headings; the rest is body."""
    found: dict = {}
    # captions: a short line in another script than the document, next to a photo credit
    doc_script = dominant_script(text)
    captions = []
    for i, line in enumerate(lines):
        if not _only_untyped(line) or _words(line.text) > CAPTION_MAX_WORDS:
            continue
        script = dominant_script(line.text)
        if script is None or script == doc_script:
            continue
        neighbours = [lines[j] for j in (i - 1, i + 1) if 0 <= j < len(lines)]
        credits = [n for n in neighbours if n.kind == "photo_credit"]
        if credits:
            _type_line(line, "caption", "struct:caption_near_credit")
            captions.append((line, credits[0].text))
    found["captions"] = captions

    # title: the dump's hint when a line carries it, else the first untyped line if it is short
    # and does not end like a sentence.
    title_line: Line | None = None
    if title_hint:
        hint = folded(title_hint)
        title_line = next((ln for ln in lines[:HEAD_LINES] if _only_untyped(ln) and folded(ln.text) == hint), None)
        if title_line:
            _type_line(title_line, "title", "struct:title_hint")
    if title_line is None:
        first = next((ln for ln in lines if _untyped(ln)), None)
        if (first is not None and _only_untyped(first) and first.index < HEAD_LINES
                and _words(first.text) <= TITLE_MAX_WORDS and not first.text.endswith(".")):
            title_line = first
            _type_line(first, "title", "struct:first_short_line")
    if title_line is not None:
        found["title"] = title_line.text
        title_norm = folded(title_line.text)
        for line in lines[title_line.index + 1:HEAD_LINES]:
            if _only_untyped(line) and folded(line.text) == title_norm:
                _type_line(line, "title", "struct:repeated_title")
        following = lines[title_line.index + 1] if title_line.index + 1 < len(lines) else None
        if (following is not None and not following.blank_before and _only_untyped(following)
                and _words(following.text) <= STANDFIRST_MAX_WORDS):
            _type_line(following, "subtitle", "struct:standfirst")
            found["subtitle"] = following.text

    # short lines repeated on consecutive lines (tag and topic widgets print a tag twice)
    for prev, line in zip(lines, lines[1:]):
        if (_only_untyped(line) and _words(line.text) <= REPEATED_MAX_WORDS
                and folded(line.text) == folded(prev.text) and prev.kind in (None, "boilerplate")):
            _type_line(prev, "boilerplate", "struct:repeated_short_line")
            _type_line(line, "boilerplate", "struct:repeated_short_line")

    # headings: a short line standing alone between body paragraphs
    seen_body = False
    for i, line in enumerate(lines):
        if not _only_untyped(line):
            if line.kind is None:
                seen_body = True
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if (seen_body and line.blank_before and nxt is not None and nxt.blank_before
                and _only_untyped(nxt) and _words(line.text) <= HEADING_MAX_WORDS
                and not _SENTENCE_END.search(line.text) and _words(nxt.text) > HEADING_MAX_WORDS):
            _type_line(line, "heading", "struct:short_line_heading")
            continue
        seen_body = True
    for line in lines:
        _type_line(line, "body", BODY_RULE)
    return found


def _cut_markup(piece: Piece, markup: list[MarkupSpan], ledger: LedgerBuilder) -> list[tuple[int, int, object]]:
    """The stretches of `piece` outside the markup inside it (the markup goes to the ledger);
    the first stretch keeps the piece's key, so captions and comments still find their seq."""
    parts, pos = [], piece.start
    for span in markup:
        if span.start < pos or span.end > piece.end:
            continue
        parts.append((pos, span.start))
        ledger.add(span.start, span.end, "markup", span.rule_id)
        pos = span.end
    parts.append((pos, piece.end))
    kept = [(s, e) for s, e in parts if ledger.text[s:e].strip()] or parts[:1]
    return [(s, e, piece.key if i == 0 else (piece.key, i)) for i, (s, e) in enumerate(kept)]


def segment_text(text: str, rules: RuleSet, title_hint: str | None = None) -> TextParse:
    ledger = LedgerBuilder(text)
    embedded = find_var_dumps(text)
    for span in embedded:
        ledger.add(span.start, span.end, "embedded_data", f"embedded:var_dump:{span.blob.status}")
    markup = find_markup(text, skip=[(span.start, span.end) for span in embedded])
    lines = split_lines(text, embedded, ledger, markup)
    ruled = apply_rules(lines, rules)
    structured = apply_structure(lines, text, title_hint)

    parse = TextParse(segments=[], embedded=embedded)
    paragraphs: list[str] = []
    comments: list[list] = []
    for line in lines:
        body_parts = []
        for n, piece in enumerate(line.pieces):
            piece.key = (line.index, n)
            kept = _cut_markup(piece, line.markup, ledger)
            for part_start, part_end, key in kept:
                ledger.add_with_edges(part_start, part_end, piece.kind, piece.rule_id, key)
            if piece.kind in ("body", "heading"):
                body_parts.extend(text[part_start:part_end] for part_start, part_end, _ in kept)
            elif piece.kind == "reader_comment":
                author = piece.match.groupdict().get("author") if piece.match else None
                if author or not comments:
                    comments.append([piece.key, author.strip() if author else None, []])
                if not author:
                    comments[-1][2].append(text[piece.start:piece.end].strip())
        paragraph = " ".join(part.strip() for part in body_parts if part.strip())
        if paragraph:
            paragraphs.append(paragraph)
    parse.segments, parse.keys = ledger.build()
    parse.body_paragraphs = paragraphs
    parse.comments = [(key, author, "\n\n".join(texts)) for key, author, texts in comments if texts or author]
    parse.captions = [
        (next(p.key for p in line.pieces if p.kind == "caption"), line.text, credit)
        for line, credit in structured.get("captions", [])
    ]
    parse.title = structured.get("title")
    parse.subtitle = structured.get("subtitle")
    parse.byline = ruled.get("name")
    parse.dateline_place = ruled.get("place")
    parse.published_text = ruled.get("date")
    return parse
