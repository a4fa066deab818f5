"""Which writing system each letter belongs to, from Unicode block ranges.

Language detection needs only a coarse answer ("this text is 97% Hebrew letters"), so a small
sorted table of block ranges searched with `bisect` is enough; `unicodedata.name()` would be
slower and names do not group cleanly by script. Only letters (`str.isalpha`) are counted:
digits, punctuation and combining marks (niqqud, harakat) carry no script vote.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from functools import lru_cache

# (first code point, last code point, script). Kept sorted by first code point.
_BLOCKS: tuple[tuple[int, int, str], ...] = (
    (0x0041, 0x005A, "latin"), (0x0061, 0x007A, "latin"), (0x00AA, 0x00AA, "latin"),
    (0x00BA, 0x00BA, "latin"), (0x00C0, 0x02AF, "latin"),
    (0x0370, 0x03FF, "greek"),
    (0x0400, 0x052F, "cyrillic"),
    (0x0530, 0x058F, "armenian"),
    (0x0590, 0x05FF, "hebrew"),
    (0x0600, 0x06FF, "arabic"),
    (0x0700, 0x074F, "syriac"),
    (0x0750, 0x077F, "arabic"),
    (0x0780, 0x07BF, "thaana"),
    (0x08A0, 0x08FF, "arabic"),
    (0x0900, 0x097F, "devanagari"),
    (0x0980, 0x09FF, "bengali"),
    (0x0A00, 0x0A7F, "gurmukhi"),
    (0x0A80, 0x0AFF, "gujarati"),
    (0x0B00, 0x0B7F, "oriya"),
    (0x0B80, 0x0BFF, "tamil"),
    (0x0C00, 0x0C7F, "telugu"),
    (0x0C80, 0x0CFF, "kannada"),
    (0x0D00, 0x0D7F, "malayalam"),
    (0x0D80, 0x0DFF, "sinhala"),
    (0x0E00, 0x0E7F, "thai"),
    (0x0E80, 0x0EFF, "lao"),
    (0x0F00, 0x0FFF, "tibetan"),
    (0x1000, 0x109F, "myanmar"),
    (0x10A0, 0x10FF, "georgian"),
    (0x1100, 0x11FF, "hangul"),
    (0x1200, 0x139F, "ethiopic"),
    (0x1780, 0x17FF, "khmer"),
    (0x1C80, 0x1C8F, "cyrillic"),
    (0x1C90, 0x1CBF, "georgian"),
    (0x1E00, 0x1EFF, "latin"),
    (0x1F00, 0x1FFF, "greek"),
    (0x2C60, 0x2C7F, "latin"),
    (0x2D00, 0x2D2F, "georgian"),
    (0x2DE0, 0x2DFF, "cyrillic"),
    (0x3040, 0x309F, "kana"),
    (0x30A0, 0x30FF, "kana"),
    (0x3130, 0x318F, "hangul"),
    (0x31F0, 0x31FF, "kana"),
    (0x3400, 0x4DBF, "han"),
    (0x4E00, 0x9FFF, "han"),
    (0xA640, 0xA69F, "cyrillic"),
    (0xA720, 0xA7FF, "latin"),
    (0xA960, 0xA97F, "hangul"),
    (0xAC00, 0xD7FF, "hangul"),
    (0xF900, 0xFAFF, "han"),
    (0xFB00, 0xFB06, "latin"),
    (0xFB13, 0xFB17, "armenian"),
    (0xFB1D, 0xFB4F, "hebrew"),
    (0xFB50, 0xFDFF, "arabic"),
    (0xFE70, 0xFEFF, "arabic"),
    (0xFF21, 0xFF3A, "latin"), (0xFF41, 0xFF5A, "latin"),
    (0xFF66, 0xFF9F, "kana"),
    (0x20000, 0x3134F, "han"),
)
_STARTS = [first for first, _, _ in _BLOCKS]


@lru_cache(maxsize=8192)
def script_of(char: str) -> str:
    """The script of one letter ('latin', 'hebrew', ...); 'other' outside the table."""
    code = ord(char)
    index = bisect_right(_STARTS, code) - 1
    if index >= 0:
        first, last, script = _BLOCKS[index]
        if first <= code <= last:
            return script
    return "other"


def script_letter_counts(text: str) -> Counter[str]:
    """Letters of `text` counted per script. Non-letters are not counted at all."""
    return Counter(script_of(ch) for ch in text if ch.isalpha())


_ASCII_LETTERS = re.compile(r"[A-Za-z]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def dominant_script(text: str) -> str | None:
    """The script most letters of `text` are written in; None when it has no letters.
    ASCII letters are counted by a regex (in C): whole documents are mostly ASCII and a
    per-character Python loop over them dominated cleaning time."""
    counts = Counter(script_of(ch) for ch in _NON_ASCII.findall(text) if ch.isalpha())
    ascii_letters = len(_ASCII_LETTERS.findall(text))
    if ascii_letters:
        counts["latin"] += ascii_letters
    return counts.most_common(1)[0][0] if counts else None
