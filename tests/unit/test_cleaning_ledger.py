"""Property tests: the segment ledger reproduces the decoded text for any input.

Generated dumps mix prose in several scripts, debris lines taken from the rules' own examples,
PHP var_dump blocks (well-formed, mis-sized, truncated), blank lines and every line-ending
style; the five samples are also perturbed (CRLF, truncation, inserted debris).
"""
from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.core.cleaning.clean import clean_dump
from orchestration.core.ingest import _make_dump
from orchestration.core.cleaning.ledger import check_tiling
from orchestration.core.cleaning.rules import load_rules
from orchestration.core.types import SEGMENT_KINDS

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples" / "landing").glob("*.txt"))
SAMPLE_TEXTS = [p.read_text(encoding="utf-8") for p in SAMPLES]
RULES = load_rules()
DEBRIS_LINES = sorted({ex for rule in RULES if rule.scope == "line" and rule.where == "anywhere"
                       for ex in rule.must_match})
# Latin, Hebrew, Arabic, Cyrillic letters, digits and sentence punctuation (no parentheses, so
# generated prose can never spell a var_dump header)
ALPHABET = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:'’“”—-"
            "אבגדהוזחטיכלמנסעפצקרשת" "ابتثجحخدذرزسشصضطظعغفقكلمنهوي" "абвгдежзиклмнопрст\u00a0\t")
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

prose = st.text(alphabet=ALPHABET, min_size=1, max_size=160)
item = st.fixed_dictionaries({
    "id": st.integers(1, 10**7).map(str),
    "title": st.text(alphabet=ALPHABET, min_size=1, max_size=40),
    "pic": st.dates().map(lambda d: f"/{d:%Y/%m/%d}/pic.jpg"),
})


@st.composite
def var_dump(draw) -> str:
    payload = json.dumps(draw(st.lists(item, min_size=1, max_size=4)), ensure_ascii=False)
    size = len(payload.encode("utf-8")) + draw(st.sampled_from([0, 0, 0, 3, -2]))
    if draw(st.booleans()) and draw(st.booleans()):
        cut = draw(st.integers(1, len(payload) - 1))
        return f'string({size}) "{payload[:cut]}'     # truncated: no closing quote
    return f'string({size}) "{payload}"'


line = st.one_of(prose, prose, prose, st.sampled_from(DEBRIS_LINES), st.just(""), var_dump())


def assert_ledger(doc) -> None:
    check_tiling(doc.segments, doc.decoded_text)
    assert "".join(s.text for s in doc.segments) == doc.decoded_text
    for seg in doc.segments:
        assert seg.kind in SEGMENT_KINDS
        assert seg.end > seg.start
        assert seg.kind == "body" or seg.rule_id
    for caption in doc.captions:
        assert doc.segments[caption.seq].kind == "caption"
    for comment in doc.comments:
        assert doc.segments[comment.seq].kind == "reader_comment"


def txt_dump(text: str):
    return _make_dump(text.encode("utf-8"), "generated.txt", 0, "txt", {})


@SETTINGS
@given(lines=st.lists(line, min_size=1, max_size=25), newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_ledger_tiles_generated_text(lines, newline):
    text = newline.join(lines)
    doc = clean_dump(txt_dump(text))
    assert_ledger(doc)
    assert "string(" not in doc.body_text
    assert len(doc.embedded) == sum(1 for ln in lines if ln.startswith("string("))


@SETTINGS
@given(index=st.integers(0, len(SAMPLE_TEXTS) - 1), crlf=st.booleans(),
       cut=st.floats(0.05, 1.0), debris=st.sampled_from(DEBRIS_LINES), at=st.floats(0, 1))
def test_ledger_tiles_perturbed_samples(index, crlf, cut, debris, at):
    lines = SAMPLE_TEXTS[index][: max(1, int(len(SAMPLE_TEXTS[index]) * cut))].split("\n")
    position = int(len(lines) * at)
    lines[position:position] = ["", debris, ""]
    text = ("\r\n" if crlf else "\n").join(lines)
    doc = clean_dump(txt_dump(text))
    assert_ledger(doc)
    assert debris not in doc.body_text.split("\n\n")


@settings(max_examples=80, deadline=None)
@given(payload=st.binary(max_size=400), fmt=st.sampled_from(["txt", "jsonl"]))
def test_any_bytes_clean_without_error(payload, fmt):
    doc = clean_dump(_make_dump(payload, "junk", 0, fmt, {}))
    assert_ledger(doc)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paragraphs=st.lists(st.text(alphabet=ALPHABET + "&<>", min_size=20, max_size=200), min_size=1, max_size=6),
       tag=st.sampled_from(["p", "div", "li"]))
def test_ledger_tiles_generated_html(paragraphs, tag):
    from html import escape
    body = "".join(f"<{tag}>{escape(p) if i % 2 else p}</{tag}>\n" for i, p in enumerate(paragraphs))
    page = f"<html><head><title>T</title></head><body><article>{body}</article></body></html>"
    doc = clean_dump(_make_dump(page.encode("utf-8"), "g.html", 0, "html", {}))
    assert_ledger(doc)
