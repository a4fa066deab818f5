"""The content tokens of a sentence, computed once per distinct text in a process.

Stories, text reuse, discovery, catalog matching and the semantic pass read the same sentences,
one after the other in the in-process executor, and reprints repeat them (151,147 sentences,
58,193 distinct texts at 10k bench dumps); tokenising was most of the claims stage's time. Kept
apart from tokens.py, which the cleaning stage imports too: a stage's code version covers the
modules it reaches, and a cache is no reason to clean the archive again.
"""
from __future__ import annotations

from functools import lru_cache

from orchestration.core.text.tokens import content_tokens


@lru_cache(maxsize=1 << 18)
def token_sequence(text: str) -> tuple[str, ...]:
    return tuple(content_tokens(text))


@lru_cache(maxsize=1 << 18)
def token_set(text: str) -> frozenset[str]:
    return frozenset(token_sequence(text))
