"""Tokens for matching sentences: content words, lightly stemmed, with synonyms joined.

Used by story grouping, claim discovery, catalog matching and text reuse, so that all of them
agree on what "the same words" means. The synonym groups are data (synonyms.yaml).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

SYNONYMS_FILE = Path(__file__).with_name("synonyms.yaml")

# Function words plus reporting verbs: "X said", "according to Y", "reports that" frame a
# proposition without being part of it, so they must not make two sentences look alike.
STOPWORDS = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before
being below between both but by can could did do does doing down during each even ever every few
for from further had has have having he her here hers herself him himself his how however i if in
into is it its itself just least less let like may me might more most much must my myself neither
no nor not now of off on once only or other otherwise our ours ourselves out over own per perhaps
quite rather same shall she should since so some such than that the their theirs them themselves
then there these they this those though through thus to too under until up upon very was we were
what when where whether which while who whom whose why will with within without would yet you your
yours yourself yourselves it's that's there's he's she's isn't wasn't weren't won't don't doesn't
didn't hasn't haven't hadn't can't couldn't shouldn't wouldn't
say says said saying tell tells told telling report reports reported reporting reportedly
according add adds added note notes noted explain explains explained stated
claim claims claimed allegedly reportedly quoted quoting quote
""".split())

_WORD = re.compile(r"(?:[a-z](?:\.[a-z])+\.?)|[a-z0-9]+(?:['’\-][a-z0-9]+)*")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})


@lru_cache(maxsize=1)
def _synonyms() -> tuple[dict[str, str], dict[str, str], re.Pattern | None]:
    """(single word -> canonical, phrase -> canonical, pattern finding the phrases)."""
    data = yaml.safe_load(SYNONYMS_FILE.read_text(encoding="utf-8"))
    single: dict[str, str] = {}
    phrases: dict[str, str] = {}
    for group in data["groups"]:
        group = [str(item).lower() for item in group]
        for variant in group:
            (phrases if " " in variant else single)[variant] = group[0]
    pattern = None
    if phrases:
        alternatives = sorted(phrases, key=len, reverse=True)      # longest phrase first
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in alternatives) + r")\b")
    return single, phrases, pattern


def normalise(text: str) -> str:
    """Lower-cased NFKC text with one kind of apostrophe."""
    return unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).lower()


_ANY_WORD = re.compile(r"\w+")


def folded(text: str) -> str:
    """The words of a text case-folded, one space apart: equal for two lines that differ only in
    case, punctuation and spacing (a headline repeated in the body, a title hint)."""
    return " ".join(_ANY_WORD.findall(text.casefold()))


def words(text: str) -> list[str]:
    """Every word of the text, lower case, in order (stopwords kept): the surface form."""
    return [w.replace(".", "") for w in _WORD.findall(normalise(text))]


def content_tokens(text: str) -> list[str]:
    """Content tokens in order: stopwords dropped, synonyms joined, stems for the rest."""
    synonym_words, phrases, phrase_pattern = _synonyms()
    lowered = normalise(text)
    if phrase_pattern is not None:
        # Replace multi-word synonyms by their canonical single token before splitting.
        lowered = phrase_pattern.sub(lambda m: " " + phrases[m.group(0)] + " ", lowered)
    tokens = []
    for found in _WORD.finditer(lowered):
        raw = found.group()
        word = raw.rstrip(".") if "." in raw and len(raw) > 2 and raw.count(".") == 1 else raw
        if word.endswith("'s"):
            word = word[:-2]
        word = word.strip("'")
        if word in synonym_words:
            tokens.append(synonym_words[word])
            continue
        if word in STOPWORDS or len(word) < 2:
            continue
        word = word.replace("-", "").replace("'", "").replace(".", "")
        if word in synonym_words:
            tokens.append(synonym_words[word])
            continue
        if word in STOPWORDS:
            continue
        tokens.append(stem(word))
    return tokens


def stem(word: str) -> str:
    """A light English suffix stripper: plurals, -ing, -ed, final -e. Deliberately conservative
    (names like "Hamas" and words shorter than five letters are left alone)."""
    if len(word) < 5 or word.isdigit():
        return word
    if word.endswith("ies") and len(word) > 5:
        word = word[:-3] + "y"
    elif word.endswith("ied") and len(word) > 5:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is", "as", "os")):
        word = word[:-1]
    if word.endswith("ing") and len(word) >= 6:
        word = _undouble(word[:-3])
    elif word.endswith("ed") and len(word) >= 5:
        word = _undouble(word[:-2])
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def _undouble(word: str) -> str:
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "lsz":
        return word[:-1]
    return word
