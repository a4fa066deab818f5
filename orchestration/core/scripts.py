"""Which writing system a piece of text is in (Latin, Hebrew, Arabic, ...), from Unicode names.

Used to tell a caption in another script from the body around it; language identification
proper is the language stage's job.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache


@lru_cache(maxsize=8192)
def char_script(char: str) -> str | None:
    """The script of a letter ('LATIN', 'HEBREW', 'ARABIC', 'CJK', ...), None for non-letters."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else None


_ASCII_LETTERS = re.compile(r"[A-Za-z]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def script_counts(text: str) -> Counter:
    """Letters per script. ASCII letters are counted by a regex (in C): whole documents are
    mostly ASCII and a per-character Python loop over them dominated cleaning time."""
    counts = Counter(s for s in map(char_script, _NON_ASCII.findall(text)) if s)
    ascii_letters = len(_ASCII_LETTERS.findall(text))
    if ascii_letters:
        counts["LATIN"] += ascii_letters
    return counts


def dominant_script(text: str) -> str | None:
    counts = script_counts(text)
    return counts.most_common(1)[0][0] if counts else None
