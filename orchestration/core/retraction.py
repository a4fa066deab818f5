"""Retraction: which documents leave the warehouse, and why.

A document is retracted when the file (or jsonl record) it came from is removed from the
landing folder, when its file is replaced by a new version, or when manifest.jsonl marks its
file `"retracted": true` (optionally with a `"retraction_reason"`). Retracted documents are not
ingested, so the next run drops them from every table and the next published snapshot; the
retraction ledger keeps one row per retracted document (when it was first seen retracted, why)
until the document is landed again.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from orchestration.core.types import RawDump, RetractedDocument

REMOVED = "removed from the landing folder"
REPLACED = "its file was replaced by a new version"
MANIFEST = "marked retracted in manifest.jsonl"


@dataclass(frozen=True)
class Retraction:
    document_id: str
    source_file: str
    url: str | None
    reason: str


def manifest_retraction(entry: Mapping | None) -> str | None:
    """The reason a manifest entry retracts its file, or None when it does not."""
    if not entry or entry.get("retracted") is not True:
        return None
    given = entry.get("retraction_reason")
    return f"{MANIFEST}: {given}" if isinstance(given, str) and given.strip() else MANIFEST


def manifest_retractions(manifest_text: str) -> dict[str, dict]:
    """file -> entry for the lines of manifest.jsonl that retract their file. The manifest check
    (core/manifest.py) reports unusable lines; here they are only skipped."""
    entries: dict[str, dict] = {}
    for line in manifest_text.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("file"), str) and manifest_retraction(entry):
            entries[entry["file"].strip()] = entry
    return entries


def withhold_retracted(dumps: Iterable[RawDump], manifest: Mapping[str, Mapping]) -> tuple[list[RawDump], list[Retraction]]:
    """Split landed dumps into those to ingest and those the manifest retracts. A manifest entry
    names its file by path relative to the landing folder or by bare file name, as for the
    other manifest fields."""
    kept: list[RawDump] = []
    retracted: list[Retraction] = []
    for dump in dumps:
        entry = manifest.get(dump.source_file) or manifest.get(PurePosixPath(dump.source_file).name)
        reason = manifest_retraction(entry)
        if reason:
            retracted.append(Retraction(dump.document_id, dump.source_file, dump.url, reason))
        else:
            kept.append(dump)
    return kept, retracted


def no_longer_landed(previous: Iterable[Mapping], landed: Iterable[RawDump]) -> list[Retraction]:
    """Documents of the previous ingest (rows with document_id, source_file, url, content_sha256)
    that the landing folder no longer holds: their file was removed, or replaced by other
    content. A file that still holds the same content under another document id (its outlet
    was named anew, or the id recipe changed: decision 0019) retracted nothing. An empty landing
    folder retracts nothing: it is far likelier an unmounted volume than the retraction of
    everything (and the ingest gate stops that run anyway)."""
    landed = list(landed)
    if not landed:
        return []
    landed_ids = {d.document_id for d in landed}
    landed_files = {d.source_file for d in landed}
    still_held = {(d.source_file, d.content_sha256) for d in landed}
    return [
        Retraction(row["document_id"], row["source_file"], row.get("url"),
                   REPLACED if row["source_file"] in landed_files else REMOVED)
        for row in previous
        if row["document_id"] not in landed_ids and (row["source_file"], row.get("content_sha256")) not in still_held
    ]


def updated_ledger(ledger: Iterable[RetractedDocument], retractions: Iterable[Retraction],
                   ingested_ids: set[str], now: datetime) -> list[RetractedDocument]:
    """The retraction ledger after this ingest: earlier rows stay (with their original time and
    reason) while their document is still absent, documents landed again leave it, and new
    retractions join with `now`. One row per document."""
    rows: dict[str, RetractedDocument] = {}
    for row in ledger:
        if row.document_id not in ingested_ids:
            rows[row.document_id] = row
    for r in retractions:
        if r.document_id not in ingested_ids and r.document_id not in rows:
            rows[r.document_id] = RetractedDocument(r.document_id, r.source_file, r.url, r.reason, now)
    return sorted(rows.values(), key=lambda r: (r.retracted_at, r.document_id))
