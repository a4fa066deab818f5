"""The stance cue lexicon (stance_lexicon.yaml): cues by stance, speech verbs, speaker stop words."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

LEXICON_PATH = Path(__file__).with_name("stance_lexicon.yaml")


# --- the lexicon ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Cue:
    cue_id: str
    stance: str                  # one of STANCES, or 'feature' for model-only evidence
    regex: re.Pattern


@dataclass(frozen=True)
class Lexicon:
    cues: tuple[Cue, ...]
    speech_verbs: frozenset[str]
    speaker_stop_words: frozenset[str]
    speech_verb_re: re.Pattern


@lru_cache(maxsize=1)
def load_lexicon(path: str | Path = LEXICON_PATH) -> Lexicon:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    cues = []
    for stance in ("denies", "questions", "reports", "features"):
        for entry in data.get(stance, []):
            # Case matters for a few cues (NOT in capitals is emphasis); they say so with (?-i).
            cues.append(Cue(str(entry["id"]), "feature" if stance == "features" else stance,
                            re.compile(entry["pattern"], re.IGNORECASE if entry["id"] not in _CASED_CUES else 0)))
    verbs = frozenset(v.lower() for v in data["speech_verbs"]) | {"reporting"}
    # Lowercase only: "States" in "the United States" is not the verb "states".
    verb_re = re.compile(r"\b(" + "|".join(sorted(verbs, key=len, reverse=True)) + r")\b")
    return Lexicon(tuple(cues), verbs, frozenset(w.lower() for w in data["speaker_stop_words"]), verb_re)


# Cues whose meaning depends on capitals (headline emphasis "Banksy has NOT been arrested",
# a leading capitalised source "Report: ...").
_CASED_CUES = {"not_capitalised", "colon_source", "trailing_source"}


def find_cues(text: str, lexicon: Lexicon | None = None) -> list[tuple[Cue, str]]:
    """Every lexicon cue in `text` with the words it matched, in lexicon order."""
    if lexicon is None or lexicon is load_lexicon():
        return list(_default_cues(text))
    return _cues(text, lexicon)


@lru_cache(maxsize=1 << 16)
def _default_cues(text: str) -> tuple[tuple[Cue, str], ...]:
    # Labelling one mention searches its sentence for every cue three times (the rules, the
    # rules again as a model feature, the features) and its claim's text once per mention;
    # a claim has many mentions. About 50 regular expressions a search.
    return tuple(_cues(text, load_lexicon()))


def _cues(text: str, lexicon: Lexicon) -> list[tuple[Cue, str]]:
    found = []
    for cue in lexicon.cues:
        match = cue.regex.search(text)
        if match:
            found.append((cue, match.group(0).strip()))
    return found


