"""Cleaning by content: the five bundled samples, the HTML path, quarantine, and the ledger."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestration.core.cleaning.clean import clean_dump
from orchestration.core.ingest import _make_dump, scan_landing
from orchestration.core.cleaning.ledger import check_tiling
from orchestration.core.language.scripts import dominant_script
from orchestration.core.types import QUARANTINE_REASONS, SEGMENT_KINDS

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "landing"
JSON_RUN = re.compile(r'[\[\]{}]{2,}|\{"|":"|"\s*,\s*"')


@pytest.fixture(scope="module")
def samples() -> dict[str, object]:
    """sample number ('000' ...) -> (RawDump, CleanedDocument)."""
    return {d.source_file[:3]: (d, clean_dump(d)) for d in scan_landing(SAMPLES)}


def doc_of(samples, key):
    return samples[key][1]


def test_five_samples_are_accepted(samples):
    assert sorted(samples) == ["000", "001", "002", "003", "004"]
    for dump, doc in samples.values():
        assert doc.quarantine_reason is None, dump.source_file
        assert len(doc.body_text) > 1000


def test_ledger_reproduces_every_sample_byte_for_byte(samples):
    for dump, doc in samples.values():
        check_tiling(doc.segments, doc.decoded_text)
        assert "".join(s.text for s in doc.segments).encode("utf-8") == dump.payload
        assert all(s.kind in SEGMENT_KINDS for s in doc.segments)
        assert all(s.rule_id for s in doc.segments if s.kind != "body")


@pytest.mark.parametrize(("key", "title"), [
    ("000", "The U.S. Has Been Speaking To Hamas Through Back Channels For More Than Six Months"),
    ("001", "The U.S. has been speaking to Hamas through back channels for more than six months"),
    ("002", "US held secret talks with Hamas for months: Report"),
    ("003", "Report: US held secret talks with Hamas"),
    ("004", None),   # the dump starts with its dateline: there is no headline to find
])
def test_titles(samples, key, title):
    doc = doc_of(samples, key)
    assert doc.title == title
    if title:
        assert not doc.body_text.startswith(title)


def test_title_repeated_on_two_lines_is_one_title(samples):
    doc = doc_of(samples, "002")
    title_segments = [s for s in doc.segments if s.kind == "title"]
    assert [s.text for s in title_segments] == [doc.title, doc.title]
    assert [s.rule_id for s in title_segments] == ["struct:first_short_line", "struct:repeated_title"]
    assert doc.title not in doc.body_text


def test_standfirst_dateline_and_dates(samples):
    assert doc_of(samples, "003").subtitle.startswith("Diplomat sources claim that US, Hamas negotiated")
    assert doc_of(samples, "000").dateline_place == "Jerusalem"
    assert doc_of(samples, "000").published_at == "2014-06-04"
    assert doc_of(samples, "000").published_at_source == "text"
    assert doc_of(samples, "002").published_at == "2014-06-06T11:44:06"
    assert doc_of(samples, "004").dateline_place == "JERUSALEM"
    assert doc_of(samples, "004").body_text.startswith("The White House did not reject")


def test_hebrew_caption_is_a_caption_with_its_credit(samples):
    doc = doc_of(samples, "003")
    assert len(doc.captions) == 1
    caption = doc.captions[0]
    assert dominant_script(caption.text) == "hebrew"
    assert caption.credit == "Photo: Reuters"
    segment = doc.segments[caption.seq]
    assert (segment.kind, segment.text) == ("caption", caption.text)
    credits = [s for s in doc.segments if s.kind == "photo_credit"]
    assert [s.text for s in credits] == ["Photo: Reuters", "Photo: Reuters"]
    assert caption.text not in doc.body_text and "Photo:" not in doc.body_text


def test_six_related_articles_from_the_var_dump(samples):
    doc = doc_of(samples, "002")
    assert len(doc.embedded) == 1
    blob = doc.embedded[0]
    assert (blob.status, blob.declared_length, blob.actual_length) == ("ok", 1057, 1057)
    assert len(blob.items) == 6
    rows = [(r.related_id, r.related_date) for r in doc.related_articles]
    assert rows == [
        ("1578533", "2014-03-23"), ("1588314", "2014-04-25"), ("1588787", "2014-04-26"),
        ("1593024", "2014-05-11"), ("1595148", "2014-05-18"), ("1598850", "2014-05-31"),
    ]
    assert all(r.title and r.picture_path.startswith("/2014/") for r in doc.related_articles)
    assert doc.related_articles[3].title == "Hamas welcomes UN rapporteur’s remarks on Israel"
    embedded = [s for s in doc.segments if s.kind == "embedded_data"]
    assert len(embedded) == 1 and embedded[0].text.startswith('string(1057) "[{')
    assert embedded[0].text.endswith('} ]"')


def test_reader_comment_is_in_comments_not_body(samples):
    doc = doc_of(samples, "001")
    assert len(doc.comments) == 1
    comment = doc.comments[0]
    assert comment.author == "pabelmont"
    assert comment.text.startswith("Trust he is also watching")
    assert "national security" in comment.text
    assert "Trust he is also watching" not in doc.body_text
    assert "pabelmont" not in doc.body_text


# Every piece of debris in the samples, the rule that must have removed it.
DEBRIS = [
    ("000", "0", "lone_counter"),
    ("000", "Hamas", "struct:repeated_short_line"),
    ("000", "June 4, 2014 Jerusalem —", "dateline_date_place"),
    ("000", "Read the rest here.", "read_more_line"),
    ("000", "Comments are closed.", "comments_closed"),
    ("001", "[Continue reading…]", "continue_reading_inline"),
    ("001", "Print Friendly, PDF & Email", "share_print_email"),
    ("001", "1 thought on “The U.S. has been speaking to Hamas through back channels for more than six months",
     "comment_thread_header"),
    ("001", "1. pabelmont", "comment_author_line"),
    ("001", "Comments are closed.", "comments_closed"),
    ("002", "Fri Jun 6, 2014 11:44:06", "date_line"),
    ("002", "BA/BA", "editor_initials"),
    ("003", "Photo: Reuters", "photo_credit"),
    ("003", "Related Stories", "related_stories_header"),
    ("003", "new comment", "comment_form_widget"),
    ("003", 'See all talkbacks "Report: US held secret talks with Hamas"', "comment_form_widget"),
    ("003", "This will delete your current comment", "comment_form_widget"),
    ("004", "JERUSALEM –", "dateline_place"),
]


@pytest.mark.parametrize(("key", "debris", "rule_id"), DEBRIS, ids=[f"{k}:{r}" for k, _, r in DEBRIS])
def test_debris_is_out_of_the_body_with_its_rule(samples, key, debris, rule_id):
    doc = doc_of(samples, key)
    typed = [s for s in doc.segments if s.text.strip() == debris]
    assert typed, f"no segment holds {debris!r}"
    assert all(s.rule_id == rule_id and s.kind not in ("body", "heading") for s in typed)
    paragraphs = doc.body_text.split("\n\n")
    assert debris not in paragraphs
    if len(debris) > 8:
        assert debris not in doc.body_text


def test_bodies_hold_no_var_dump_or_json_residue(samples):
    for dump, doc in samples.values():
        assert "string(" not in doc.body_text, dump.source_file
        assert not JSON_RUN.search(doc.body_text), (dump.source_file, JSON_RUN.search(doc.body_text))


def test_heading_kept_in_body_and_typed(samples):
    doc = doc_of(samples, "003")
    headings = [s for s in doc.segments if s.kind == "heading"]
    assert [s.text for s in headings] == ["'Aid to PA will continue'"]
    assert "\n\n'Aid to PA will continue'\n\n" in doc.body_text


def test_body_is_only_body_and_heading_segments(samples):
    for _dump, doc in samples.values():
        kept = [s.text.strip() for s in doc.segments if s.kind in ("body", "heading")]
        assert doc.body_text.replace("\n\n", " ").split() == " ".join(kept).split()


# ---- var_dump edge cases --------------------------------------------------------------------

def _text_doc(text: str):
    return clean_dump(_make_dump(text.encode("utf-8"), "t.txt", 0, "txt", {}))


INTRO = "A headline for a test\n\nThe council met on Monday and voted for the budget after a long debate.\n\n"


def test_length_mismatch_is_stored_with_reason():
    doc = _text_doc(INTRO + 'string(99) "[{"id":"7","title":"Other story","pic":"/2020/01/31/a.jpg"}]"\n')
    blob = doc.embedded[0]
    assert blob.status == "length_mismatch" and "99" in blob.reason
    assert blob.actual_length == len('[{"id":"7","title":"Other story","pic":"/2020/01/31/a.jpg"}]')
    assert doc.related_articles[0].related_date == "2020-01-31"
    assert "string(" not in doc.body_text


def test_truncated_blob_salvages_complete_items():
    payload = '[{"id":"1","title":"One","pic":"/2019/05/01/x.jpg"} ,{"id":"2","title":"Tw'
    doc = _text_doc(INTRO + f'string(400) "{payload}')
    blob = doc.embedded[0]
    assert blob.status == "truncated"
    assert [r.related_id for r in doc.related_articles] == ["1"]
    assert doc.body_text == "The council met on Monday and voted for the budget after a long debate."


def test_invalid_json_of_right_length():
    payload = "{not json at all}"
    doc = _text_doc(INTRO + f'string({len(payload)}) "{payload}"\n')
    assert doc.embedded[0].status == "invalid_json"
    assert doc.embedded[0].reason


def test_utf8_byte_length_is_what_n_counts():
    payload = '{"title":"café – ünïcode"}'
    doc = _text_doc(INTRO + f'string({len(payload.encode())}) "{payload}"\n')
    assert doc.embedded[0].status == "ok"
    assert doc.embedded[0].items == [{"title": "café – ünïcode"}]


# ---- quarantine -------------------------------------------------------------------------------

@pytest.mark.parametrize(("payload", "fmt", "reason"), [
    (b"", "txt", "empty_file"),
    (b"   \n\n  ", "txt", "empty_file"),
    (b"Share this article\n\nComments are closed.\n", "txt", "empty_body"),
    (b"some text", "pdf", "unsupported_format"),
    (b"<html><head><title>t</title></head><body><script>var a = 1;</script></body></html>", "html", "empty_body"),
])
def test_quarantine_reasons(payload, fmt, reason):
    doc = clean_dump(_make_dump(payload, "x", 0, fmt, {}))
    assert doc.quarantine_reason == reason
    assert reason in QUARANTINE_REASONS
    check_tiling(doc.segments, doc.decoded_text)


@pytest.mark.parametrize(("payload", "fmt", "title"), [
    (b"Willie Nelson dead at 81, reports say\n", "txt", "Willie Nelson dead at 81, reports say"),
    (b"<html><head><title>Batmobile stolen from film set in Detroit</title></head><body>"
     b"<script>var a = 1;</script></body></html>", "html", "Batmobile stolen from film set in Detroit"),
])
def test_a_headline_only_dump_is_a_document_with_no_body(payload, fmt, title):
    doc = clean_dump(_make_dump(payload, "x", 0, fmt, {}))
    assert doc.quarantine_reason is None
    assert doc.title == title and doc.body_text == ""
    check_tiling(doc.segments, doc.decoded_text)


# ---- HTML path ----------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head><title>Council approves budget &amp; new park | Daily Example</title>
<meta name="author" content="Jane Smith">
<meta property="article:published_time" content="2019-03-12T10:30:00Z">
<script>var ads = {"x": "Council approves budget"};</script><style>p{color:red}</style></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>Council approves budget &amp; new park</h1>
<p><span class="dropcap">T</span>he city council approved the annual budget on Tuesday after a long
debate, with nine votes in favour and two against.</p>
<p>The budget includes money for a new park in the northern district, which residents have
requested for more than a decade, officials said.</p>
<div class="share">Share this article</div>
<p>Opposition members said the plan would raise local taxes &amp; fees, and promised to challenge
it at the next meeting of the council.</p>
<p>Construction of the park is expected to begin in the spring and to take about two years,
according to the city's planning department.</p>
</article>
<div id="comments" class="comments"><h3>2 Comments</h3>
<div class="comment"><p class="comment-author">Bob</p><p>This park is long overdue, and I am glad
the council finally agreed to pay for it this year.</p></div>
<div class="comment"><p class="comment-author">Alice</p><p>Higher taxes again? The council should
have cut spending elsewhere before approving this plan.</p></div>
</div>
<footer>© 2019 Daily Example. All rights reserved.</footer></body></html>
"""


@pytest.fixture(scope="module")
def html_doc():
    return clean_dump(_make_dump(PAGE.encode("utf-8"), "page.html", 0, "html", {}))


def test_html_metadata(html_doc):
    assert html_doc.title == "Council approves budget & new park"
    assert html_doc.author == "Jane Smith"
    assert html_doc.published_at == "2019-03-12"
    assert html_doc.published_at_source == "html_meta"


def test_a_date_no_datetime_can_hold_leaves_the_document_without_a_date():
    # an offset of a day or more: dateutil reads it, a datetime cannot hold it; it quarantined
    # the whole document as a stage error
    page = PAGE.replace("2019-03-12T10:30:00Z", "2019-03-12T10:30:00+24:00")
    doc = clean_dump(_make_dump(page.encode("utf-8"), "page.html", 0, "html", {}))
    assert doc.quarantine_reason is None and doc.published_at is None
    assert doc.body_text.startswith("The city council approved the annual budget")


def test_html_body_is_the_article_only(html_doc):
    paragraphs = html_doc.body_text.split("\n\n")
    assert paragraphs[0].startswith("The city council approved the annual budget")  # drop cap glued
    assert "taxes & fees" in html_doc.body_text                                     # entity unescaped
    assert len(paragraphs) == 4
    for debris in ("Home", "Share this article", "var ads", "color:red", "All rights reserved",
                   "long overdue", "Bob", "2 Comments"):
        assert debris not in html_doc.body_text


def test_html_comments_kept_apart_with_authors(html_doc):
    assert [(c.author, c.text.split()[0]) for c in html_doc.comments] == [("Bob", "This"), ("Alice", "Higher")]
    for comment in html_doc.comments:
        assert html_doc.segments[comment.seq].kind == "reader_comment"


def test_html_ledger_tiles_the_source_and_types_markup(html_doc):
    check_tiling(html_doc.segments, html_doc.decoded_text)
    assert "".join(s.text for s in html_doc.segments) == PAGE
    rules = {s.rule_id for s in html_doc.segments}
    assert {"html:markup", "html:trafilatura_dropped", "html:title", "html:trafilatura_body"} <= rules
    assert all("<" not in s.text for s in html_doc.segments if s.kind == "body")
    script = next(s for s in html_doc.segments if "var ads" in s.text)
    assert (script.kind, script.rule_id) == ("markup", "html:markup")


def test_html_tags_with_only_whitespace_between_them_are_one_markup_segment(html_doc):
    markup = [s for s in html_doc.segments if s.kind == "markup"]
    # "</p>\n<p>" is one segment; no markup segment is followed by whitespace and more markup
    assert any("</p>" in s.text and "<p>" in s.text for s in markup)
    for before, after in zip(html_doc.segments, html_doc.segments[1:]):
        assert not (before.kind == "markup" and after.kind == "markup")
    kinds = [s.kind for s in html_doc.segments]
    for i in range(1, len(kinds) - 1):
        assert not (kinds[i] == "whitespace" and kinds[i - 1] == kinds[i + 1] == "markup")


def test_html_subheading_stays_in_the_body_typed_as_heading():
    page = PAGE.replace(
        "<p>Opposition members said",
        "<h2>Aid to the northern district will continue</h2>\n<p>Opposition members said")
    doc = clean_dump(_make_dump(page.encode("utf-8"), "page.html", 0, "html", {}))
    assert "Aid to the northern district will continue" in doc.body_text.split("\n\n")
    heading = [s for s in doc.segments if s.kind == "heading"]
    assert [" ".join(s.text for s in heading)] == ["Aid to the northern district will continue"]
    assert {s.rule_id for s in heading} == {"html:heading_element"}
    # paragraphs around it are still body, and the page's headline <h1> is the title, not a heading
    assert any(s.kind == "body" and "Opposition members" in s.text for s in doc.segments)
    assert not any("Council approves" in s.text for s in heading)


def test_no_debris_rule_matches_any_body_paragraph(samples, html_doc):
    """What the GX suite checks on the warehouse: no whole-line rule fires on a body paragraph."""
    from orchestration.core.cleaning.rules import load_rules
    line_rules = [r for r in load_rules() if r.scope == "line" and r.where == "anywhere"]
    docs = [doc for _dump, doc in samples.values()] + [html_doc]
    for doc in docs:
        for paragraph in doc.body_text.split("\n\n"):
            fired = [r.id for r in line_rules if r.match(paragraph)]
            assert not fired, (doc.document_id, paragraph[:80], fired)


@pytest.mark.parametrize("source, raw_element", [
    # a script body ends at its own closing tag only, whatever case or spacing it is in
    ("<p>a</p><script>var s = '</scr' + 'ipt>'; if (a<b) {}</SCRIPT ><p>b</p>",
     "<script>var s = '</scr' + 'ipt>'; if (a<b) {}</SCRIPT >"),
    ("<p>a</p><style>p < b { }</style\n><p>b</p>", "<style>p < b { }</style\n>"),
    ("<p>a</p><noscript><img src=x></noscript><p>b</p>", "<noscript><img src=x></noscript>"),
    # an element left open runs to the end of the page
    ("<p>a</p><script>never closed <p>b</p>", "<script>never closed <p>b</p>"),
])
def test_html_lexer_takes_raw_text_elements_whole(source, raw_element):
    from orchestration.core.cleaning.html import lex_page

    page = lex_page(source)
    spans = [source[start:end] for start, end, _name in page.markup]
    assert raw_element in spans
    assert "a" in page.tokens
    # text after a closed element is the page's again
    assert ("b" in page.tokens) == (not raw_element.endswith("<p>b</p>"))
    # each markup token comes with its tag name, lower-cased
    assert {name for *_, name in page.markup} >= {"p", raw_element[1:raw_element.index(">")].lower()}
