"""The one recipe for ids made up from text: the first hex digits of sha1 over the parts joined by
U+001F. (A document's id is not made up: it is the start of its content's sha256, see ingest.)"""
from __future__ import annotations

import hashlib


def stable_id(*parts: str, length: int = 16) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]
