"""HTML left in plain-text dumps: find it with a real HTML parser, tell debris from quoted code.

Crawlers and news APIs often leave fragments of the page in "plain" text: a caption wrapped in
`<span class=meta>`, a `<p>` around a paragraph, a `<br>`, an inline `<script>` of an ad. These
are typed `markup` segments in the ledger (so the body is clean and nothing is lost). Text that
*talks about* code keeps it: an article on a security flaw may quote `<script>alert(1)</script>`,
and that sentence is body text (escaped wherever it is displayed).

How a candidate is recognised: a `<...>` run is fed to the standard library's HTML parser
(html.parser, the tokenizer behind the stdlib's HTML handling), which must read it as exactly one
start tag, end tag or comment of a known HTML element (`<Reuters>` or `<john@example.org>` are
text). A `<script>` / `<style>` start tag takes its element's content up to the matching end tag
with it (only when that end tag exists: a lone `<script>` mentioned in prose does not swallow the
rest of the text).

Debris or quoted, per unit (rule ids in parentheses):
- inside quotation marks or backticks on its line: quoted, stays text;
- an "active" element (script, style, iframe, object, embed, svg, or any tag with an `on...=`
  handler or a `javascript:` URL) with words on both sides on its line: quoted code in prose;
- anything else: debris (`markup:tag`, `markup:comment`, `markup:element`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

HTML_ELEMENTS = frozenset("""
a abbr address area article aside audio b base bdi bdo blockquote body br button canvas caption
center cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset
figcaption figure font footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input
ins kbd label legend li link main map mark menu meta meter nav noscript object ol optgroup option
output p param picture pre progress q rp rt ruby s samp script section select slot small source span
strike strong style sub summary sup svg table tbody td template textarea tfoot th thead time title tr
track tt u ul var video wbr
""".split())
RAW_TEXT_ELEMENTS = frozenset({"script", "style"})
ACTIVE_ELEMENTS = frozenset({"script", "style", "iframe", "object", "embed", "svg"})
MAX_TAG_CHARS = 2_000
MAX_ELEMENT_CHARS = 100_000

TAG_RULE = "markup:tag"
COMMENT_RULE = "markup:comment"
ELEMENT_RULE = "markup:element"

_CANDIDATE = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]{0,%d}>" % MAX_TAG_CHARS, re.DOTALL)
_QUOTES = {'"': '"', "'": "'", "`": "`", "\u201c": "\u201d", "\u2018": "\u2019", "\u00ab": "\u00bb"}
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class MarkupSpan:
    start: int
    end: int
    rule_id: str


@dataclass(frozen=True)
class _Tag:
    kind: str                   # 'start' | 'end' | 'startend' | 'comment'
    name: str | None
    attrs: tuple


class _OneTag(HTMLParser):
    """Parses one candidate; `tags` lists what the parser saw, `data` any text around it."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.tags: list[_Tag] = []
        self.data = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(_Tag("start", tag, tuple(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.tags.append(_Tag("startend", tag, tuple(attrs)))

    def handle_endtag(self, tag):
        self.tags.append(_Tag("end", tag, ()))

    def handle_comment(self, data):
        self.tags.append(_Tag("comment", None, ()))

    def handle_data(self, data):
        if data.strip():
            self.data = True


def parse_tag(candidate: str) -> _Tag | None:
    """The single tag `candidate` is, by the HTML parser, if it is one of a known element."""
    parser = _OneTag()
    try:
        parser.feed(candidate)
        parser.close()
    except Exception:  # noqa: BLE001 - the stdlib parser is lenient; anything odd is not a tag
        return None
    if len(parser.tags) != 1 or parser.data:
        return None
    tag = parser.tags[0]
    if tag.kind != "comment" and tag.name not in HTML_ELEMENTS:
        return None
    return tag


def _active(tag: _Tag) -> bool:
    if tag.name in ACTIVE_ELEMENTS:
        return True
    return any(name.startswith("on") or "javascript:" in (value or "").lower() for name, value in tag.attrs)


def _line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    line_end = len(text)
    for stop in ("\n", "\r"):
        found = text.find(stop, end)
        if found != -1:
            line_end = min(line_end, found)
    return line_start, line_end


def _quoted(text: str, start: int, end: int, line_start: int, line_end: int) -> bool:
    before = text[line_start:start].rstrip()
    after = text[end:line_end].lstrip()
    if before and after and before[-1] in _QUOTES and after[0] == _QUOTES[before[-1]]:
        return True
    # inside a quoted stretch: an odd number of backticks before it on its line
    return text.count("`", line_start, start) % 2 == 1 and "`" in text[end:line_end]


def _in_prose(text: str, start: int, end: int, line_start: int, line_end: int) -> bool:
    return bool(_WORD.search(text[line_start:start])) and bool(_WORD.search(text[end:line_end]))


def find_markup(text: str, skip: list[tuple[int, int]] = ()) -> list[MarkupSpan]:
    """The markup debris of a plain text, in order, never overlapping; spans inside `skip`
    (e.g. var_dump payloads already cut out) are left alone."""
    if "<" not in text:
        return []
    skip = sorted(skip)
    spans: list[MarkupSpan] = []
    pos = 0
    for match in _CANDIDATE.finditer(text):
        start, end = match.span()
        if start < pos or any(s <= start < e for s, e in skip):
            continue
        tag = parse_tag(match.group(0))
        if tag is None:
            continue
        rule = COMMENT_RULE if tag.kind == "comment" else TAG_RULE
        if tag.kind == "start" and tag.name in RAW_TEXT_ELEMENTS:
            closing = re.compile(rf"</{tag.name}\s*>", re.IGNORECASE).search(text, end, end + MAX_ELEMENT_CHARS)
            if closing:
                end, rule = closing.end(), ELEMENT_RULE
        line_start, line_end = _line_bounds(text, start, end)
        pos = end
        if _quoted(text, start, end, line_start, line_end):
            continue
        if _active(tag) and _in_prose(text, start, end, line_start, line_end):
            continue
        spans.append(MarkupSpan(start, end, rule))
    return spans
