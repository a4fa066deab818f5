"""The lossless segment ledger: typed spans that tile a decoded text exactly.

Producers add spans in any order; `build` sorts them, fills any gap with a `whitespace` span
(gaps that hold only whitespace) or a `boilerplate` span typed `ledger:unclaimed` (anything else,
so a bug upstream shows up as a visible rule id rather than lost text), merges adjacent
whitespace, and checks the tiling: in `seq` order each segment starts where the previous one
ended, and ''.join(texts) == text.
"""
from __future__ import annotations

from dataclasses import dataclass

from orchestration.core.types import SEGMENT_KINDS, Segment

WHITESPACE_RULE = "ledger:whitespace"
UNCLAIMED_RULE = "ledger:unclaimed"


class LedgerError(ValueError):
    """Spans overlap or leave the text; a programming error, never a data condition."""


@dataclass
class Span:
    start: int
    end: int
    kind: str
    rule_id: str
    key: object = None      # producer's handle, to find the seq of this span after `build`


class LedgerBuilder:
    def __init__(self, text: str):
        self.text = text
        self.spans: list[Span] = []

    def add(self, start: int, end: int, kind: str, rule_id: str, key: object = None) -> None:
        if end <= start:
            return
        if kind not in SEGMENT_KINDS:
            raise LedgerError(f"unknown segment kind {kind!r}")
        self.spans.append(Span(start, end, kind, rule_id, key))

    def add_with_edges(self, start: int, end: int, kind: str, rule_id: str, key: object = None) -> None:
        """Add a span, giving its leading and trailing whitespace to `whitespace` spans."""
        piece = self.text[start:end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right <= left:
            self.add(start, end, "whitespace", WHITESPACE_RULE)
            return
        self.add(start, start + left, "whitespace", WHITESPACE_RULE)
        self.add(start + left, start + right, kind, rule_id, key)
        self.add(start + right, end, "whitespace", WHITESPACE_RULE)

    def build(self) -> tuple[list[Segment], dict[object, int]]:
        """The segments in order and a map from span key to segment seq."""
        text = self.text
        ordered = sorted(self.spans, key=lambda s: (s.start, s.end))
        filled: list[Span] = []
        pos = 0
        for span in ordered:
            if span.start < pos:
                raise LedgerError(f"span {span} overlaps the previous one ending at {pos}")
            if span.start > pos:
                filled.append(self._gap(pos, span.start))
            filled.append(span)
            pos = span.end
        if pos > len(text):
            raise LedgerError(f"span ends at {pos}, past the text end {len(text)}")
        if pos < len(text):
            filled.append(self._gap(pos, len(text)))
        merged: list[Span] = []
        for span in filled:
            if merged and span.kind == "whitespace" and merged[-1].kind == "whitespace" and span.key is None:
                merged[-1].end = span.end
            else:
                merged.append(span)
        segments = []
        keys: dict[object, int] = {}
        for seq, span in enumerate(merged):
            segments.append(Segment(seq=seq, kind=span.kind, start=span.start, end=span.end,
                                    rule_id=span.rule_id, text=text[span.start:span.end]))
            if span.key is not None:
                keys[span.key] = seq
        return segments, keys

    def _gap(self, start: int, end: int) -> Span:
        if self.text[start:end].strip():
            return Span(start, end, "boilerplate", UNCLAIMED_RULE)
        return Span(start, end, "whitespace", WHITESPACE_RULE)


def check_tiling(segments: list[Segment], text: str) -> None:
    """Raise LedgerError unless the segments tile `text` exactly."""
    pos = 0
    for expected_seq, seg in enumerate(segments):
        if seg.seq != expected_seq or seg.start != pos or text[seg.start:seg.end] != seg.text:
            raise LedgerError(f"segment {seg.seq} breaks the tiling at {pos}")
        pos = seg.end
    if pos != len(text):
        raise LedgerError(f"segments cover {pos} of {len(text)} characters")
