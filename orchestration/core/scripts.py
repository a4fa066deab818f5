"""Which writing system a piece of text is in (Latin, Hebrew, Arabic, ...), from Unicode names.

Used to tell a caption in another script from the body around it; language identification
proper is the language stage's job.
"""
from __future__ import annotations

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


def script_counts(text: str) -> Counter:
    return Counter(s for s in map(char_script, text) if s)


def dominant_script(text: str) -> str | None:
    counts = script_counts(text)
    return counts.most_common(1)[0][0] if counts else None
