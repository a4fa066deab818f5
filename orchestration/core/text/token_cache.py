"""The content tokens and surface words of a text, computed once per distinct text, and kept
between runs.

Stories, text reuse, discovery, catalog matching and the semantic pass read the same sentences,
one after the other in the in-process executor, and reprints repeat them (151,147 sentences,
58,193 distinct texts at 10k bench dumps); tokenising was most of the claims stage's time. Kept
apart from tokens.py, which the cleaning stage imports too: a stage's code version covers the
modules it reaches, and a cache is no reason to clean the archive again.

Between runs: a corpus stage re-reads the whole archive (a new document may join any story or
repeat any sentence), and tokenising it again was two thirds of the stories step of a nightly run.
The caller primes this cache with the tokens it stored for the texts it reads (`remember`, keyed
by `text_key`), stores the ones computed here (`computed`), then lets go of them all (`forget`).
"""
from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from functools import lru_cache

from orchestration.core.text.tokens import content_tokens, words

# Tokens are stored joined: one string per text reads back far faster than a list column.
# Not a space: a synonym group's canonical form may be a phrase ("united states").
TOKEN_SEPARATOR = "\x1f"
# What is kept per text: its content tokens (similarity) and its surface words (verbatim copies).
# Every token is interned: a vocabulary of a few hundred thousand words spread over tens of
# millions of token slots at 100k documents. Priming the 10k bench warehouse's bodies and
# sentences took 413 MB as separate strings, 175 MB interned (0.9 s -> 1.1 s).
CONTENT_TOKENS, WORDS = "content_tokens", "words"
ANALYSES = {CONTENT_TOKENS: content_tokens, WORDS: words}

_stored: dict[str, dict[str, tuple[str, ...]]] = {kind: {} for kind in ANALYSES}
_computed: dict[str, dict[str, tuple[str, ...]]] = {kind: {} for kind in ANALYSES}


def text_key(text: str) -> str:
    """The key a text's tokens are kept under: DuckDB's md5(text) is the same."""
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def joined(tokens: Iterable[str]) -> str:
    return TOKEN_SEPARATOR.join(tokens)


def split(joined_tokens: str) -> tuple[str, ...]:
    return tuple(map(sys.intern, joined_tokens.split(TOKEN_SEPARATOR))) if joined_tokens else ()


def remember(stored: Iterable[tuple[str, str, str]]) -> None:
    """Prime the cache with (analysis, text key, joined tokens) rows stored by an earlier run."""
    for kind, key, joined_tokens in stored:
        _stored[kind][key] = split(joined_tokens)


def computed() -> dict[str, dict[str, tuple[str, ...]]]:
    """analysis -> text key -> tokens of the texts analysed in this process since the last forget."""
    return {kind: dict(by_key) for kind, by_key in _computed.items()}


def absorb(computed_elsewhere: dict[str, dict[str, tuple[str, ...]]]) -> None:
    """Take what another process computed (its `computed()`) as computed here, to be stored."""
    for kind, by_key in computed_elsewhere.items():
        for key, tokens in by_key.items():
            if key not in _stored[kind]:
                _computed[kind].setdefault(key, tokens)


def _analysed(kind: str, text: str) -> tuple[str, ...]:
    key = text_key(text)
    tokens = _stored[kind].get(key)
    if tokens is None:
        tokens = _computed[kind].get(key)
    if tokens is None:
        tokens = _computed[kind][key] = tuple(map(sys.intern, ANALYSES[kind](text)))
    return tokens


@lru_cache(maxsize=1 << 18)
def token_sequence(text: str) -> tuple[str, ...]:
    return _analysed(CONTENT_TOKENS, text)


@lru_cache(maxsize=1 << 18)
def token_set(text: str) -> frozenset[str]:
    return frozenset(token_sequence(text))


@lru_cache(maxsize=1 << 18)
def surface_words(text: str) -> tuple[str, ...]:
    """Every word of the text in order, stopwords kept (tokens.words)."""
    return _analysed(WORDS, text)


def forget() -> None:
    """Drop every text held (the stage that primed the cache has ended): bodies' tokens at 100k
    documents are gigabytes, and the next stage primes what it reads."""
    for by_key in (*_stored.values(), *_computed.values()):
        by_key.clear()
    token_sequence.cache_clear()
    token_set.cache_clear()
    surface_words.cache_clear()
