"""The HTML path of cleaning: trafilatura picks the article, the ledger keeps the whole page.

For an HTML dump the decoded text *is* the HTML source, so the ledger has to type every
character of the markup too. The approach:

1. **Lex** the source into markup tokens (tags, comments, doctype, and whole `<script>` /
   `<style>` / `<noscript>` / `<template>` / `<svg>` elements) and text tokens. Markup becomes
   `markup` spans with rule id `html:markup` (tags with only whitespace between them make one
   span); the text inside `<title>` is a `title` span
   (`html:title`).
2. **Extract** with trafilatura (`bare_extraction`, metadata on, comments kept apart) the
   article paragraphs and the reader comments; metadata gives title, author, date (htmldate),
   sitename, hostname and url.
3. **Align** each extracted paragraph back onto the page: the words (`\\w+`, case-folded,
   entities unescaped) of the text tokens form one stream; a paragraph is anchored on its
   first words (searching forward from where the previous paragraph ended, so repeated phrases
   map in reading order) and walked word by word, skipping page words trafilatura dropped and
   paragraph words the page does not have. Matched words become `body` spans (one span per run
   inside one text token), comment words `reader_comment` (`html:trafilatura_comments`),
   and page text trafilatura did not keep is `boilerplate` with `html:trafilatura_dropped`.
   A paragraph the page sets wholly inside `<h1>`-`<h6>` is a `heading` span
   (`html:heading_element`): trafilatura's text carries no heading marks, the page does.
4. **Debris rules** (the same rules file as the text path) run on each extracted paragraph:
   a paragraph that is a share widget, a credit, a "Read more" line ... becomes a span of the
   rule's kind with the rule's id; `prefix` and `inline` matches are cut at word level.

`body_text` is rebuilt from the body spans only: the spans of one paragraph are unescaped and
joined (without a space when only inline tags separate them, so "<b>foo</b>bar" stays
"foobar"), spaces are collapsed, and paragraphs are joined by a blank line. It is therefore
trafilatura's article minus what the rules removed, and every character of it traces back to
a span of the page.
"""
from __future__ import annotations

import bisect
import html
import re
from collections import defaultdict
from itertools import accumulate
from dataclasses import dataclass, field

import trafilatura

from orchestration.core.cleaning.dates import parse_published
from orchestration.core.cleaning.ledger import LedgerBuilder
from orchestration.core.cleaning.rules import RuleSet
from orchestration.core.text.tokens import folded
from orchestration.core.types import CleanedDocument, RawDump, ReaderComment

HEAD_PARAGRAPHS = 4
_RAW_TEXT_ELEMENTS = "script|style|noscript|template|svg|textarea|iframe|object"
# A raw-text element runs to its closing tag: the body is scanned as runs of non-"<" characters
# and single "<"s not opening that closing tag, possessively. A lazy `.*?` tried the closing
# tag at every character of an inline script, 70% of the page lexer's scan time.
# The element's name is group `raw`, a tag's is group `tag` (comments, doctypes and text: none).
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"
    rf"|<(?P<raw>{_RAW_TEXT_ELEMENTS})\b[^>]*>(?:[^<]++|<(?!/(?P=raw)\s*>))*+(?:</(?P=raw)\s*>|\Z)"
    r"|<!\[CDATA\[.*?(?:\]\]>|\Z)"
    r"|<[!?][^>]*>"
    r"""|</?(?P<tag>[A-Za-z][A-Za-z0-9:-]*)[^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>"""
    r"|[^<]+|<",
    re.DOTALL | re.IGNORECASE,
)
_RAW_WORD = re.compile(r"\S+")
_WORD = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[.!?:;,]['\")\u2019\u201d]*$")
# Inline elements: text on both sides of them belongs to one run of prose without a space.
_INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code data dfn em font i kbd mark q s samp small span strong sub sup "
    "time u var wbr ins del".split())
MARKUP_RULE = "html:markup"
DROPPED_RULE = "html:trafilatura_dropped"
COMMENTS_RULE = "html:trafilatura_comments"
COMMENT_AUTHOR_RULE = "html:comment_author"
HEADLINE_RULE = "html:headline"
TITLE_RULE = "html:title"
BODY_RULE = "html:trafilatura_body"
HEADING_RULE = "html:heading_element"
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


@dataclass
class PageWords:
    """The words of the page's text, in order, with where each sits in the source.

    Words are read across inline tags ("<span>T</span>he" is the word "the") but never across
    block tags; a "raw word" is a run of non-space characters inside one text token, the unit
    the ledger spans are made of.
    """
    tokens: list[str] = field(default_factory=list)         # case-folded \w+ words
    word_raws: list[list[int]] = field(default_factory=list)  # word -> raw words it touches
    raw_words: list[tuple[int, int, int]] = field(default_factory=list)  # (start, end, text token no)
    text_tokens: list[tuple[int, int, bool]] = field(default_factory=list)  # (start, end, in <title>)
    markup: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, tag name)
    in_heading: list[bool] = field(default_factory=list)              # per text token: inside <h1>-<h6>
    url_like: list[bool] = field(default_factory=list)                # per raw word
    block_words: list[int] = field(default_factory=list)              # words per run between block tags
    _index: dict | None = None
    _clean: list[bool] | None = None
    _found: dict | None = None

    def positions(self, key: tuple[str, ...], clean: bool = True) -> list[int]:
        """Page positions where the words `key` (1 or 3 words) start. With `clean`, positions
        in the <title> element or in a URL printed on the page are left out: an article
        paragraph does not start there, though a URL slug repeats the headline word for word.

        Only single words are indexed; three words are looked up from the first one's positions.
        A page has thousands of words and a page's paragraphs ask for a few dozen keys: indexing
        every trigram of the page cost more than all the look-ups."""
        if self._index is None:
            index: dict[str, list[int]] = defaultdict(list)
            toks, text_tokens, raw_words, url_like = self.tokens, self.text_tokens, self.raw_words, self.url_like
            for i, token in enumerate(toks):
                index[token].append(i)
            self._clean = [not (text_tokens[raw_words[raws[0]][2]][2] or any(url_like[r] for r in raws))
                           for raws in self.word_raws]
            self._index, self._found = index, {}
        found = self._found.get((key, clean))
        if found is None:
            at = self._index.get(key[0], [])
            if len(key) == 3:
                toks, second, third = self.tokens, key[1], key[2]
                at = [i for i in at if i + 2 < len(toks) and toks[i + 1] == second and toks[i + 2] == third]
            if clean:
                is_clean = self._clean
                at = [i for i in at if is_clean[i]]
            found = self._found[(key, clean)] = at
        return found


_URL_LIKE = re.compile(r"://|^www\.|(?:/[^/\s]+){3,}")


def lex_page(source: str) -> PageWords:
    page = PageWords()
    tokens, word_raws, raw_words = page.tokens, page.word_raws, page.raw_words
    text_tokens, in_heading, url_like, markup = page.text_tokens, page.in_heading, page.url_like, page.markup
    in_title = False
    heading_depth = 0
    # the text since the last block boundary, as pieces: (text, raw word no or -1 for a space)
    piece_texts: list[str] = []
    piece_raws: list[int] = []

    def flush() -> None:
        if not piece_texts:
            return
        text = "".join(piece_texts)
        words_before = len(tokens)
        if len(piece_texts) == 1:
            # one raw word since the last block tag (a menu item, a button): no mapping needed
            raw = piece_raws[0]
            for word in _WORD.findall(text):
                tokens.append(word.casefold())
                word_raws.append([raw] if raw >= 0 else [])
        else:
            starts = list(accumulate((len(t) for t in piece_texts), initial=0))
            for match in _WORD.finditer(text):
                first = bisect.bisect_right(starts, match.start()) - 1
                if match.end() <= starts[first + 1]:
                    # the common case: the word lies inside one raw word (a space piece has no word)
                    raws = [piece_raws[first]]
                else:
                    last = bisect.bisect_right(starts, match.end() - 1, first) - 1
                    raws = [piece_raws[k] for k in range(first, last + 1) if piece_raws[k] >= 0]
                tokens.append(match.group(0).casefold())
                word_raws.append(raws)
        page.block_words.append(len(tokens) - words_before)
        piece_texts.clear()
        piece_raws.clear()

    for match in _TOKEN.finditer(source):
        start, end = match.span()
        chunk = match.group(0)
        if chunk[0] == "<" and len(chunk) > 1:
            name = (match["tag"] or match["raw"] or "").lower()
            if name == "title":
                in_title = not chunk.startswith("</")
            elif name in _HEADING_TAGS and not chunk.endswith("/>"):
                heading_depth = max(0, heading_depth + (-1 if chunk.startswith("</") else 1))
            if piece_texts and name not in _INLINE_TAGS and not chunk.startswith("<!--"):
                flush()
            markup.append((start, end, name))
            continue
        text_no = len(text_tokens)
        text_tokens.append((start, end, in_title))
        in_heading.append(heading_depth > 0)
        if chunk[:1].isspace():
            piece_texts.append(" ")
            piece_raws.append(-1)
            if chunk.isspace():     # the indentation between two tags: no raw word
                continue
        last = len(chunk)
        for raw in _RAW_WORD.finditer(chunk):
            raw_start, raw_end = raw.span()
            word = raw.group(0)
            piece_raws.append(len(raw_words))
            raw_words.append((start + raw_start, start + raw_end, text_no))
            url_like.append(_URL_LIKE.search(word) is not None)
            piece_texts.append(html.unescape(word) if "&" in word else word)
            if raw_end < last:
                piece_texts.append(" ")
                piece_raws.append(-1)
    flush()
    return page


def _candidates(page: PageWords, words: list[str], i: int, cursor: int) -> list[tuple[int, int]]:
    """Where paragraph words from `i` on may start on the page: (page position, word index),
    positions after the cursor first (reading order), then the first one before it."""
    candidates: list[tuple[int, int]] = []
    for clean in (True, False):
        for offset in range(i, min(len(words), i + 6)):
            key = tuple(words[offset:offset + 3]) if len(words) - offset >= 3 else (words[offset],)
            found = page.positions(key, clean)
            if not found:
                continue
            at = bisect.bisect_left(found, cursor)
            picked = found[at:at + 5] + found[:min(at, 1)]
            candidates.extend((pos, offset) for pos in picked if (pos, offset) not in candidates)
            break
    return candidates


def _walk(page: PageWords, words: list[str], pos: int, i: int, lookahead: int = 40) -> tuple[list, int]:
    """Greedy word-by-word match from (pos, i); stops when 4 paragraph words in a row are missing
    around here. Returns the pairs and the paragraph index where matching stopped."""
    tokens = page.tokens
    pairs = []
    missing_from = None
    while i < len(words) and pos < len(tokens):
        if tokens[pos] == words[i]:
            pairs.append((i, pos))
            i += 1
            pos += 1
            missing_from = None
            continue
        # resync: the page has extra words (trafilatura dropped them) or the paragraph does
        nxt = words[i + 1] if i + 1 < len(words) else None
        skip = next((k for k in range(1, lookahead) if pos + k < len(tokens) and tokens[pos + k] == words[i]
                     and (nxt is None or (pos + k + 1 < len(tokens) and tokens[pos + k + 1] == nxt))), None)
        if skip is not None:
            pos += skip
            continue
        if missing_from is None:
            missing_from = i
        i += 1
        if i - missing_from >= 4:
            return pairs, missing_from
    return pairs, (missing_from if missing_from is not None and i >= len(words) and pos >= len(tokens) else i)


def align_paragraph(page: PageWords, words: list[str], cursor: int) -> list[tuple[int, int]]:
    """(paragraph word index, page token index) pairs: the best of a few anchors, re-anchored
    where the page copy stops (a teaser can repeat a paragraph's start elsewhere on the page)."""
    pairs: list[tuple[int, int]] = []
    i = 0
    for _attempt in range(8):
        if i >= len(words):
            break
        best, best_end = [], i
        for pos, offset in _candidates(page, words, i, cursor):
            found, end = _walk(page, words, pos, offset)
            if len(found) > len(best):
                best, best_end = found, end
        if not best:
            break
        pairs.extend(best)
        cursor = best[-1][1] + 1
        i = max(best_end, best[-1][0] + 1)
    return pairs


@dataclass
class _Label:
    kind: str
    rule_id: str
    group: int          # paragraph / comment number, so runs never merge across paragraphs


# What page text no paragraph claimed is: the <title> element's text, else dropped boilerplate.
_TITLE_LABEL = _Label("title", TITLE_RULE, -1)
_DROPPED_LABEL = _Label("boilerplate", DROPPED_RULE, -2)


def _line_rule(line: str, rules: RuleSet, index: int, in_comments: bool = False):
    """The first whole-line rule that applies to an extracted paragraph, or None."""
    for rule in rules.by_scope("line"):
        if rule.where == "comment_thread" or (rule.where == "head" and (in_comments or index >= HEAD_PARAGRAPHS)):
            continue
        if rule.match(line):
            return rule
    return None


def _rule_label(paragraph: str, words: list[str], index: int, rules: RuleSet):
    """Per-word labels from the debris rules for one extracted paragraph (None = body)."""
    labels: list[tuple[str, str] | None] = [None] * len(words)
    rule = _line_rule(paragraph, rules, index)
    if rule is not None:
        return [(rule.kind, rule.id)] * len(words), rule.match(paragraph)
    spans = []
    for rule in rules.by_scope("prefix"):
        if rule.where == "head" and index >= HEAD_PARAGRAPHS:
            continue
        match = rule.match(paragraph)
        if match and match.end() < len(paragraph):
            spans.append((match.start(), match.end(), rule, match))
            break
    for rule in rules.by_scope("inline"):
        spans.extend((m.start(), m.end(), rule, m) for m in rule.finditer(paragraph) if m.end() > m.start())
    captured = None
    if spans:
        starts = [m.start() for m in _WORD.finditer(paragraph)]
        for s, e, rule, match in spans:
            for w, ws in enumerate(starts):
                if s <= ws < e and w < len(labels):
                    labels[w] = (rule.kind, rule.id)
            if rule.scope == "prefix":
                captured = match
    return labels, captured


@dataclass(frozen=True)
class ExtractionOptions:
    """How trafilatura is asked; the defaults are what extraction_quality.py measured best.

    `favor_precision` drops more page furniture, but on some pages it drops most of the article
    too: when its text is shorter than `fallback_ratio` times what the balanced settings keep,
    the balanced text is used instead (0 turns the fallback off). A second trafilatura pass costs
    as much as the first, so it is only asked for when the precise text has fewer words than
    `fallback_ratio` times the page's prose (words in runs of at least `prose_block_words` words
    between block tags, counted by our own lexer): on the 181 benchmark pages that is 1 page in
    16, and it still finds every page where the fallback changes the text.

    `fast` skips trafilatura's comparison of its own extraction with its backup extractors
    (readability, jusText) on every pass: a sixth of a page's cleaning time for the same
    extraction quality (decision 0032).
    """
    favor_precision: bool = True
    favor_recall: bool = False
    fast: bool = True
    fallback_ratio: float = 0.5
    prose_block_words: int = 40
    apply_rules: bool = True


DEFAULT_OPTIONS = ExtractionOptions()


def prose_words(page: PageWords, min_block_words: int) -> int:
    """Words of the page in runs of at least `min_block_words` between block tags: the text an
    article can be made of (menus, teasers and footers come in short runs)."""
    return sum(n for n in page.block_words if n >= min_block_words)


def _extract(source: str, url: str | None, options: ExtractionOptions, page: PageWords):
    """(article text, comments text, metadata document or None)."""
    main = trafilatura.bare_extraction(
        source, url=url, with_metadata=True, include_comments=True, output_format="python",
        favor_precision=options.favor_precision, favor_recall=options.favor_recall, fast=options.fast,
    )
    # None also when trafilatura gives the page up because its metadata failed (htmldate raises
    # on a date no datetime can hold): the balanced pass below reads the article then
    text = (main.text if main else "") or ""
    comments = (main.comments if main else "") or ""
    words = len(_WORD.findall(text))
    if (options.favor_precision and options.fallback_ratio > 0
            and words < options.fallback_ratio * prose_words(page, options.prose_block_words)):
        balanced = trafilatura.bare_extraction(source, url=url, include_comments=True, output_format="python",
                                               fast=options.fast)
        balanced_text = (balanced.text if balanced else "") or ""
        if len(text) < options.fallback_ratio * len(balanced_text):
            text, comments = balanced_text, (balanced.comments or "")
    if not text.strip():
        # nothing kept: ask for recall before giving the page up as empty
        retry = trafilatura.bare_extraction(source, url=url, favor_recall=True, include_comments=True,
                                            output_format="python", fast=options.fast)
        if retry is not None and (retry.text or "").strip():
            text, comments = retry.text, (retry.comments or "")
    return text, comments, main


def _page_title(source: str) -> str | None:
    """The page's title when trafilatura found no article: a headline-only page is still a
    document (its title its only sentence)."""
    from trafilatura.metadata import extract_metadata, extract_title
    from trafilatura.utils import load_html

    try:
        metadata = extract_metadata(source)
    except ValueError:  # htmldate on a date no datetime can hold: the title alone
        tree = load_html(source)
        return extract_title(tree) if tree is not None else None
    return metadata.title if metadata else None


def clean_html_dump(dump: RawDump, decoded, rules: RuleSet,
                    options: ExtractionOptions = DEFAULT_OPTIONS) -> CleanedDocument:
    """Extract the article with trafilatura, align its paragraphs and comments back onto the
    page's words, type every word, and cut the page into the segment ledger."""
    source = decoded.text
    page = lex_page(source)
    text, comments_text, extracted = _extract(source, dump.url, options, page)
    title = (extracted.title if extracted else _page_title(source)) or dump.title_hint
    labels: dict[int, _Label] = {}          # page token -> label
    captured, group = _label_paragraphs(page, text, title, rules, options, labels)
    comment_groups = _label_comments(page, comments_text, rules, options, labels, group)
    segments, seq_of, body_runs, comment_runs = _cut_ledger(source, page, _raw_word_labels(page, labels))

    body_paragraphs = [_join_runs(source, runs, page) for _, runs in sorted(body_runs.items())]
    body_paragraphs = [p for p in body_paragraphs if p]
    comments = []
    for g, commenter in comment_groups:
        runs = comment_runs.get(g)
        if runs:
            comments.append(ReaderComment(seq=seq_of[runs[0]], author=commenter,
                                          text=_join_runs(source, runs, page)))

    meta_date = extracted.date if extracted else None
    published = parse_published(meta_date)
    source_of_date = "html_meta" if published else None
    if published is None and captured.get("date"):
        published = parse_published(captured.get("date"))
        source_of_date = "text" if published else None
    author = (extracted.author if extracted else None) or captured.get("name")
    return CleanedDocument(
        document_id=dump.document_id, decoded_text=source, encoding=decoded.encoding,
        encoding_method=decoded.method, repairs=decoded.repairs, segments=segments,
        title=title, subtitle=(extracted.description if extracted else None),
        byline=author, dateline_place=captured.get("place"), published_at=published,
        published_at_source=source_of_date, body_text="\n\n".join(body_paragraphs),
        url=(extracted.url if extracted else None) or dump.url,
        sitename=extracted.sitename if extracted else None,
        hostname=extracted.hostname if extracted else None, author=author, comments=comments,
    )


def _label_paragraphs(page: PageWords, text: str, title: str | None, rules: RuleSet,
                      options: ExtractionOptions, labels: dict[int, _Label]) -> tuple[dict, int]:
    """Label the page words of each extracted paragraph (title, a rule's kind, heading or body).
    Returns the values rules captured (date, place, name) and the last group number used."""
    cursor = 0
    group = 0
    captured: dict = {}
    paragraphs = [p for p in (line.strip() for line in text.split("\n")) if p]
    title_norm = folded(title or "")
    for index, paragraph in enumerate(paragraphs):
        words = _WORD.findall(paragraph.casefold())
        if not words:
            continue
        if index < HEAD_PARAGRAPHS and title_norm and folded(paragraph) == title_norm:
            rule_labels, match = [("title", HEADLINE_RULE)] * len(words), None
        else:
            rule_labels, match = (_rule_label(paragraph, words, index, rules) if options.apply_rules
                                  else ([None] * len(words), None))
        if match is not None:
            for name, value in match.groupdict().items():
                if value and name not in captured:
                    captured[name] = value.strip()
        pairs = align_paragraph(page, words, cursor)
        group += 1
        # trafilatura's text has no heading marks: a paragraph the page sets entirely inside
        # <h1>-<h6> is a heading (it stays in the body text, typed as what it is)
        plain = _Label("heading", HEADING_RULE, group) if _all_in_heading(page, pairs) \
            else _Label("body", BODY_RULE, group)
        for i, pos in pairs:
            if pos in labels:
                continue
            rule_label = rule_labels[i] if i < len(rule_labels) else None
            labels[pos] = plain if rule_label is None else _Label(rule_label[0], rule_label[1], group)
        if pairs:
            cursor = pairs[-1][1] + 1
    return captured, group


def _label_comments(page: PageWords, comments_text: str, rules: RuleSet, options: ExtractionOptions,
                    labels: dict[int, _Label], group: int) -> list[tuple[int, str | None]]:
    """Label the page words of the reader comments; returns (group, author) per comment.

    Furniture lines ("2 Comments", "Reply") are typed by the rules; a short line followed by a
    longer one is taken as the name of the commenter who wrote it."""
    comment_groups: list[tuple[int, str | None]] = []
    comment_cursor = 0
    lines = [c.strip() for c in comments_text.split("\n") if _WORD.search(c)]
    author: str | None = None
    for n, line in enumerate(lines):
        words = _WORD.findall(line.casefold())
        rule = _line_rule(line, rules, n, in_comments=True) if options.apply_rules else None
        nxt = lines[n + 1] if n + 1 < len(lines) else ""
        is_author = (rule is None and len(words) <= 4 and not _SENTENCE_END.search(line)
                     and len(_WORD.findall(nxt)) > 4)
        pairs = align_paragraph(page, words, comment_cursor)
        group += 1
        label = (_Label(rule.kind, rule.id, group) if rule is not None
                 else _Label("reader_comment", COMMENT_AUTHOR_RULE if is_author else COMMENTS_RULE, group))
        fresh = [pos for _, pos in pairs if pos not in labels]
        for pos in fresh:
            labels[pos] = label
        if pairs:
            comment_cursor = pairs[-1][1] + 1
        if is_author:
            author = line
        elif rule is None and fresh:
            comment_groups.append((group, author))
            author = None
    return comment_groups


def _raw_word_labels(page: PageWords, labels: dict[int, _Label]) -> list[_Label | None]:
    """The label of each raw word of the page: that of its words (the first labelled one). A raw
    word (e.g. a URL printed in the page) takes a label only when all its words have one, and
    punctuation-only words ("—", "|") join the run around them when both sides agree."""
    raw_labels: list[_Label | None] = [None] * len(page.raw_words)
    raw_has_word = [False] * len(page.raw_words)
    raw_unlabelled = [False] * len(page.raw_words)
    for pos, raws in enumerate(page.word_raws):
        label = labels.get(pos)
        for raw_no in raws:
            raw_has_word[raw_no] = True
            if label is None:
                raw_unlabelled[raw_no] = True
            elif raw_labels[raw_no] is None:
                raw_labels[raw_no] = label
    for raw_no, unlabelled in enumerate(raw_unlabelled):
        if unlabelled:
            raw_labels[raw_no] = None
    for r in range(len(page.raw_words)):
        if not raw_has_word[r]:
            prev = raw_labels[r - 1] if r > 0 else None
            nxt = next((raw_labels[k] for k in range(r + 1, len(page.raw_words)) if raw_has_word[k]), None)
            if prev is not None and nxt is not None and (prev.kind, prev.group) == (nxt.kind, nxt.group):
                raw_labels[r] = prev
    return raw_labels


def _cut_ledger(source: str, page: PageWords, raw_labels: list[_Label | None]):
    """The segment ledger of the page (markup, then runs of equally labelled raw words), with the
    runs of each body paragraph and of each comment: (segments, seq_of, body_runs, comment_runs)."""
    ledger = LedgerBuilder(source)
    for start, end in _markup_runs(source, page.markup):
        ledger.add(start, end, "markup", MARKUP_RULE)
    body_runs: dict[int, list[tuple[int, int]]] = {}
    comment_runs: dict[int, list[tuple[int, int]]] = {}
    run_start = None
    raw_words, text_tokens = page.raw_words, page.text_tokens
    for r, (start, end, text_no) in enumerate(raw_words):
        label = raw_labels[r] or (_TITLE_LABEL if text_tokens[text_no][2] else _DROPPED_LABEL)
        nxt_same = (r + 1 < len(raw_words) and raw_words[r + 1][2] == text_no
                    and _same(raw_labels[r + 1] or _default(page, r + 1), label))
        if run_start is None:
            run_start = start
        if not nxt_same:
            ledger.add(run_start, end, label.kind, label.rule_id, key=(run_start, end))
            if label.kind in ("body", "heading"):
                body_runs.setdefault(label.group, []).append((run_start, end))
            elif label.kind == "reader_comment":
                comment_runs.setdefault(label.group, []).append((run_start, end))
            run_start = None
    segments, seq_of = ledger.build()
    return segments, seq_of, body_runs, comment_runs


def _markup_runs(source: str, markup: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Tags with nothing but whitespace between them, as one span each: a page is mostly markup,
    and one segment per tag (2,200 per page on the extraction benchmark, 90% of them markup or
    the whitespace between tags) made the ledger five times longer without telling more."""
    runs: list[tuple[int, int]] = []
    for start, end, _name in markup:
        if runs and (runs[-1][1] == start or source[runs[-1][1]:start].isspace()):
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _all_in_heading(page: PageWords, pairs: list[tuple[int, int]]) -> bool:
    text_nos = [page.raw_words[raw][2] for _, pos in pairs for raw in page.word_raws[pos]]
    return bool(text_nos) and all(page.in_heading[t] for t in text_nos)


def _default(page: PageWords, r: int) -> _Label:
    return _TITLE_LABEL if page.text_tokens[page.raw_words[r][2]][2] else _DROPPED_LABEL


def _same(a: _Label, b: _Label) -> bool:
    return a is b or (a.kind, a.rule_id, a.group) == (b.kind, b.rule_id, b.group)


def _join_runs(source: str, runs: list[tuple[int, int]], page: PageWords) -> str:
    """One paragraph's text from its spans: entities unescaped, inline tags glue, spaces collapse."""
    parts = []
    prev_end = None
    for start, end in runs:
        if prev_end is not None:
            gap = source[prev_end:start]
            parts.append("" if _inline_only(gap) else " ")
        parts.append(html.unescape(source[start:end]))
        prev_end = end
    return _SPACES.sub(" ", "".join(parts)).strip()


def _inline_only(gap: str) -> bool:
    if not gap or gap != gap.strip() or any(c.isspace() for c in gap):
        return False if gap else True
    for match in _TOKEN.finditer(gap):
        chunk = match.group(0)
        if not chunk.startswith("<"):
            return False
        if (match["tag"] or "").lower() not in _INLINE_TAGS:
            return False
    return True
