"""Which writing system each letter belongs to, from the Unicode Script_Extensions property.

Language detection needs only a coarse answer ("this text is 97% Hebrew letters"). The `regex`
package knows every code point's scripts (\\p{scx=...}), so there is no table to keep up to date.
Script_Extensions rather than Script: letters shared by scripts (the Arabic tatweel, the
Japanese prolonged-sound mark ー) count for the script they are written in, not as "Common".
Only letters (`str.isalpha`) are counted: digits, punctuation and combining marks (niqqud,
harakat) carry no script vote.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

import regex

# (our name, Unicode script), in the order a letter of several scripts is attributed.
SCRIPTS: tuple[tuple[str, str], ...] = (
    ("latin", "Latin"), ("greek", "Greek"), ("cyrillic", "Cyrillic"), ("armenian", "Armenian"),
    ("hebrew", "Hebrew"), ("arabic", "Arabic"), ("syriac", "Syriac"), ("thaana", "Thaana"),
    ("devanagari", "Devanagari"), ("bengali", "Bengali"), ("gurmukhi", "Gurmukhi"),
    ("gujarati", "Gujarati"), ("oriya", "Oriya"), ("tamil", "Tamil"), ("telugu", "Telugu"),
    ("kannada", "Kannada"), ("malayalam", "Malayalam"), ("sinhala", "Sinhala"), ("thai", "Thai"),
    ("lao", "Lao"), ("tibetan", "Tibetan"), ("myanmar", "Myanmar"), ("georgian", "Georgian"),
    ("hangul", "Hangul"), ("ethiopic", "Ethiopic"), ("khmer", "Khmer"), ("kana", "Hiragana"),
    ("kana", "Katakana"), ("han", "Han"),
)
_SCRIPT_OF = regex.compile("|".join(f"(?P<s{i}>\\p{{scx={script}}})" for i, (_, script) in enumerate(SCRIPTS)))


@lru_cache(maxsize=8192)
def script_of(char: str) -> str:
    """The script of one letter ('latin', 'hebrew', ...); 'other' for scripts not listed."""
    match = _SCRIPT_OF.match(char)
    return SCRIPTS[int(match.lastgroup[1:])][0] if match else "other"


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
