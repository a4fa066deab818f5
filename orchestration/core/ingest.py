"""Scan a landing folder into RawDump records.

Formats: .txt, .html, .htm, each optionally .gz; .jsonl (one record a line with `html` or
`text` plus optional `url`, `outlet`, `fetched_at`, `title`). A `manifest.jsonl` sidecar (one
object a line: `file` plus any of `url`, `outlet`, `fetched_at`) adds metadata to the files it
names; it is metadata, not a dump. Identical payloads collapse to one RawDump (the first path in
sorted order wins) because the document id is derived from the content hash.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

from orchestration.core.types import RawDump

MANIFEST_NAME = "manifest.jsonl"
_FORMAT_BY_SUFFIX = {".txt": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl"}


def dump_format(path: Path) -> str | None:
    """The source format of a landed file by its name, or None when it is not a dump."""
    name = path.name.lower()
    if name == MANIFEST_NAME or name.startswith("."):
        return None
    if name.endswith(".gz"):
        name = name[:-3]
    return _FORMAT_BY_SUFFIX.get(Path(name).suffix)


def list_dump_files(landing_dir: Path) -> list[Path]:
    """Every dump file below the landing dir, sorted, so runs see files in a stable order."""
    return sorted(p for p in landing_dir.rglob("*") if p.is_file() and dump_format(p))


def read_manifest(landing_dir: Path) -> dict[str, dict]:
    """`file` -> metadata from manifest.jsonl; malformed lines are skipped, not fatal."""
    manifest = landing_dir / MANIFEST_NAME
    entries: dict[str, dict] = {}
    if not manifest.exists():
        return entries
    for line in manifest.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and entry.get("file"):
            entries[str(entry["file"])] = entry
    return entries


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name.lower().endswith(".gz") or data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError):
            return data  # a corrupt gzip is kept as bytes; cleaning quarantines it
    return data


def _make_dump(payload: bytes, source_file: str, record_index: int, fmt: str, meta: dict) -> RawDump:
    digest = sha256_hex(payload)
    return RawDump(
        document_id=digest[:16],
        content_sha256=digest,
        source_file=source_file,
        record_index=record_index,
        source_format=fmt,
        payload=payload,
        url=meta.get("url"),
        outlet_hint=meta.get("outlet"),
        fetched_at=meta.get("fetched_at"),
        title_hint=meta.get("title"),
    )


def _jsonl_records(payload: bytes, source_file: str, meta: dict) -> Iterator[RawDump]:
    for index, line in enumerate(payload.decode("utf-8", errors="replace").splitlines()):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(record, dict):
            continue
        body = record.get("html") if record.get("html") is not None else record.get("text")
        if body is None:
            continue
        fmt = "html" if record.get("html") is not None else "txt"
        merged = {**meta, **{k: record[k] for k in ("url", "outlet", "fetched_at", "title") if record.get(k)}}
        yield _make_dump(str(body).encode("utf-8"), source_file, index, fmt, merged)


def scan_landing(landing_dir: Path | str) -> list[RawDump]:
    """Read every dump below `landing_dir`, one RawDump per document, deduplicated by content."""
    landing_dir = Path(landing_dir)
    manifest = read_manifest(landing_dir)
    dumps: dict[str, RawDump] = {}
    for path in list_dump_files(landing_dir):
        source_file = path.relative_to(landing_dir).as_posix()
        meta = manifest.get(source_file) or manifest.get(path.name) or {}
        payload = _read_bytes(path)
        fmt = dump_format(path)
        records = (
            _jsonl_records(payload, source_file, meta)
            if fmt == "jsonl"
            else [_make_dump(payload, source_file, 0, fmt, meta)]
        )
        for dump in records:
            dumps.setdefault(dump.content_sha256, dump)
    return list(dumps.values())


def landing_fingerprint(landing_dir: Path | str) -> dict[str, str]:
    """source_file -> "size:mtime_ns" of every dump and the manifest; what the sensor compares
    between ticks. Only stat() is called: a tick reads no file's bytes (ingest hashes content)."""
    landing_dir = Path(landing_dir)
    paths = list_dump_files(landing_dir)
    if (landing_dir / MANIFEST_NAME).exists():
        paths.append(landing_dir / MANIFEST_NAME)
    fingerprint = {}
    for path in paths:
        stat = path.stat()
        fingerprint[path.relative_to(landing_dir).as_posix()] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return fingerprint
