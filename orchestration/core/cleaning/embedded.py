"""Machine-printed payloads inside text: PHP `var_dump` blocks `string(N) "..."`.

A crawler that scraped a page template sometimes captures a debug print of the data the page
was built from. Each block is cut out of the text as one `embedded_data` span and kept as an
EmbeddedBlob:

- the payload ends where N UTF-8 bytes later a `"` stands; failing that, at the first `"`
  followed only by spaces up to a line end (JSON quotes its own strings, so a bare `"` cannot
  end it), never past the next `string(N) "` header; with no such quote it is truncated;
- N is compared with the UTF-8 byte length of the payload (PHP counts bytes, not characters):
  a payload cut off by the end of the text is `truncated`, a complete one of another length is
  `length_mismatch`, one that does not parse as JSON is `invalid_json`, otherwise `ok`;
- the JSON items are kept (a list of objects, or one object); when the JSON does not parse, the
  complete `{...}` objects that do parse are salvaged so a truncated list still yields its rows;
- items that look like a related-articles list (an id, a title and a picture path) become
  RelatedArticle rows, the date read from a `/YYYY/MM/DD/` part of the picture path.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from orchestration.core.types import EmbeddedBlob, RelatedArticle

_VAR_DUMP_START = re.compile(r'string\((\d+)\)\s?"')
_PAYLOAD_END = re.compile(r'"[ \t]*(?=\r?\n|$)')
_FLAT_OBJECT = re.compile(r"\{[^{}]*\}")
_PATH_DATE = re.compile(r"/((?:19|20)\d{2})/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/")
_ID_KEYS = ("id", "article_id", "nid", "post_id")
_TITLE_KEYS = ("title", "headline", "name")
_PICTURE_KEYS = ("pic", "picture", "image", "img", "thumb", "thumbnail", "photo")


@dataclass(frozen=True)
class EmbeddedSpan:
    start: int          # offset of `string(` in the text
    end: int            # offset just after the closing quote (or end of text when truncated)
    blob: EmbeddedBlob


def _items_of(value) -> list[dict]:
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    if isinstance(value, dict):
        return [value]
    return []


def _salvage_objects(payload: str) -> list[dict]:
    items = []
    for match in _FLAT_OBJECT.finditer(payload):
        try:
            value = json.loads(match.group(0))
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            items.append(value)
    return items


def parse_var_dump_at(text: str, match: re.Match) -> EmbeddedSpan:
    declared = int(match.group(1))
    payload_start = match.end()
    exact_end = _end_of_declared_bytes(text, payload_start, declared)
    next_header = _VAR_DUMP_START.search(text, payload_start)
    limit = next_header.start() if next_header else len(text)
    end_match = _PAYLOAD_END.search(text, payload_start, limit)
    if exact_end is not None and exact_end < limit and text[exact_end] == '"':
        # N bytes later there is the closing quote: trust the declared length
        payload, span_end, closed = text[payload_start:exact_end], exact_end + 1, True
    elif end_match is not None:
        payload, span_end, closed = text[payload_start:end_match.start()], end_match.start() + 1, True
    else:
        # no closing quote before the next block or the end: the blob was cut off
        span_end = payload_start + len(text[payload_start:limit].rstrip())
        payload, closed = text[payload_start:span_end], False
    actual = len(payload.encode("utf-8"))
    try:
        items = _items_of(json.loads(payload))
        json_ok = True
    except json.JSONDecodeError as exc:
        items = _salvage_objects(payload)
        json_ok = False
        json_error = str(exc)
    if not closed or (actual < declared and not json_ok):
        status = "truncated"
        reason = (f"payload has {actual} of {declared} declared bytes and no closing quote"
                  if not closed else f"payload has {actual} of {declared} declared bytes and is not valid JSON")
    elif actual != declared:
        status = "length_mismatch"
        reason = f"declared {declared} bytes, payload has {actual} UTF-8 bytes"
    elif not json_ok:
        status = "invalid_json"
        reason = json_error
    else:
        status, reason = "ok", None
    blob = EmbeddedBlob(
        position=match.start(), declared_length=declared, actual_length=actual, status=status,
        reason=reason, raw_json=payload, items=items,
    )
    return EmbeddedSpan(start=match.start(), end=span_end, blob=blob)


def _end_of_declared_bytes(text: str, start: int, declared: int) -> int | None:
    """The character offset where `declared` UTF-8 bytes after `start` end, if they fit."""
    count = 0
    pos = start
    while count < declared and pos < len(text):
        count += len(text[pos].encode("utf-8", "surrogatepass"))
        pos += 1
    return pos if count == declared and pos < len(text) else None


def find_var_dumps(text: str) -> list[EmbeddedSpan]:
    """Every var_dump string block in the text, in order, non-overlapping."""
    spans: list[EmbeddedSpan] = []
    pos = 0
    while True:
        match = _VAR_DUMP_START.search(text, pos)
        if match is None:
            return spans
        span = parse_var_dump_at(text, match)
        spans.append(span)
        pos = max(span.end, match.end())


def _first(item: dict, keys: tuple[str, ...]):
    for key in keys:
        value = item.get(key)
        if value not in (None, ""):
            return value
    return None


def path_date(path: str | None) -> str | None:
    """ISO date from a `/YYYY/MM/DD/` part of a path or URL."""
    if not path:
        return None
    match = _PATH_DATE.search(path)
    return "-".join(match.groups()) if match else None


def related_articles(items: list[dict]) -> list[RelatedArticle]:
    """Items that carry an id, a title and a picture path, as related-article rows."""
    rows = []
    for item in items:
        related_id = _first(item, _ID_KEYS)
        title = _first(item, _TITLE_KEYS)
        picture = _first(item, _PICTURE_KEYS)
        if related_id is None or title is None or picture is None:
            continue
        rows.append(RelatedArticle(
            related_id=str(related_id), title=str(title), picture_path=str(picture),
            related_date=path_date(str(picture)),
        ))
    return rows
