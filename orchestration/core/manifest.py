"""The landing folder's manifest.jsonl and the analyst claim catalog, checked before the run.

Configuration that cannot be used is reported when the run starts, with the file, the row and
the reason (QuarantineRecords of stage `config`), never found as a crash in the middle of a
stage. A bad row is left out and the rest is used; only a catalog that cannot be used at all
(no such file, a required column missing) is a `ConfigError`, which stops the run before it
ingests anything: running without the analysts' claims would publish a grid silently missing
them.
"""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from charset_normalizer import from_bytes

from orchestration.core.dates import parse_published
from orchestration.core.quarantine import short
from orchestration.core.types import CatalogClaim, QuarantineRecord

MANIFEST_NAME = "manifest.jsonl"
MANIFEST_FIELDS = ("url", "outlet", "fetched_at")
MAX_MANIFEST_VALUE_CHARS = 2_000      # a url; an outlet name longer than this is a crawler bug
MAX_OUTLET_NAME_CHARS = 200
CATALOG_COLUMNS = ("claim_id", "claim_text")


class ConfigError(ValueError):
    """Configuration that cannot be used at all; the message names the file and the reason."""


def config_record(reason: str, source_file: str, row: int | None, detail: str) -> QuarantineRecord:
    return QuarantineRecord(stage="config", reason=reason, subject="config_row", source_file=source_file,
                            record_index=row, document_id=None, detail=short(detail))


@dataclass
class ManifestCheck:
    entries: dict[str, dict] = field(default_factory=dict)      # landing-relative file -> fields
    problems: list[QuarantineRecord] = field(default_factory=list)


def _safe_relative(name: str) -> str | None:
    """The landing-relative posix path a manifest `file` names, or None when it points outside
    the landing folder (absolute, or climbing with ..)."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return path.as_posix()


def check_manifest(landing_dir: Path, landed: list[Path]) -> ManifestCheck:
    """Every usable line of manifest.jsonl, keyed by the file it names; one problem per line
    (or field) that could not be used. `landed` are the dump files of the folder."""
    check = ManifestCheck()
    path = Path(landing_dir) / MANIFEST_NAME
    if not path.is_file():
        return check
    known = {p.relative_to(landing_dir).as_posix() for p in landed}
    known_names = Counter(p.name for p in landed)

    def problem(row: int, detail: str) -> None:
        check.problems.append(config_record("bad_manifest_entry", MANIFEST_NAME, row, detail))

    with open(path, "rb") as handle:
        for row, raw in enumerate(handle):
            line = raw.decode("utf-8", errors="replace").strip()
            if not line:
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                problem(row, f"not JSON: {error}")
                continue
            if not isinstance(entry, dict) or not isinstance(entry.get("file"), str) or not entry["file"].strip():
                problem(row, "not an object with a `file` name")
                continue
            name = _safe_relative(entry["file"].strip())
            if name is None:
                problem(row, f"`file` points outside the landing folder: {entry['file']!r}")
                continue
            if name not in known and known_names.get(name) != 1:
                problem(row, f"`file` names no landed dump: {name!r}")
                continue
            fields: dict[str, str] = {}
            for key in MANIFEST_FIELDS:
                value = entry.get(key)
                if value is None:
                    continue
                if not isinstance(value, str) or len(value) > MAX_MANIFEST_VALUE_CHARS or (
                        key == "outlet" and len(value) > MAX_OUTLET_NAME_CHARS):
                    shown = value if isinstance(value, str) else json.dumps(value)
                    problem(row, f"`{key}` ignored: not a string of a sensible length ({len(shown)} chars)")
                    continue
                if key == "fetched_at" and parse_published(value) is None:
                    problem(row, f"`fetched_at` ignored: not a date: {value!r}")
                    continue
                fields[key] = value.strip()
            check.entries[name] = fields
    return check


@dataclass
class CatalogCheck:
    claims: list[CatalogClaim] = field(default_factory=list)
    problems: list[QuarantineRecord] = field(default_factory=list)
    encoding: str = "utf-8"


def decode_catalog(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 (with or without BOM) when it is, else the detected encoding."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            return data.decode("cp1252", errors="replace"), "cp1252 (fallback)"
        return str(best), best.encoding


def check_catalog(path: Path | str | None) -> CatalogCheck:
    """The analyst catalog (CSV claim_id,claim_text[,story_hint]) with its unusable rows set
    aside: empty ids or texts, and every row of an id that appears more than once (which of
    them is meant cannot be told). Raises ConfigError when the file cannot be used at all."""
    check = CatalogCheck()
    if not path:
        return check
    catalog_path = Path(path)
    if not catalog_path.is_file():
        raise ConfigError(f"claim catalog {catalog_path}: no such file (CLAIMGRID_CLAIM_CATALOG)")
    text, check.encoding = decode_catalog(catalog_path.read_bytes())
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    reader.fieldnames = columns
    missing = [c for c in CATALOG_COLUMNS if c not in columns]
    if missing:
        raise ConfigError(f"claim catalog {catalog_path}: row 1 (header) lacks column(s) {', '.join(missing)}; "
                          f"found {', '.join(columns) or 'no header'}")
    name = catalog_path.name
    rows: list[tuple[int, CatalogClaim]] = []
    try:
        for row_number, row in enumerate(reader, start=2):     # row 1 is the header
            claim_id = (row.get("claim_id") or "").strip()
            claim_text = " ".join((row.get("claim_text") or "").split())
            if not claim_id or not claim_text:
                check.problems.append(config_record(
                    "bad_catalog_row", name, row_number, "empty claim_id" if not claim_id else f"empty claim_text for {claim_id!r}"))
                continue
            rows.append((row_number, CatalogClaim(claim_id=claim_id, claim_text=claim_text,
                                                  story_hint=(row.get("story_hint") or "").strip() or None)))
    except csv.Error as error:
        raise ConfigError(f"claim catalog {catalog_path}: not readable as CSV at row {reader.line_num}: {error}") from error
    counts = Counter(claim.claim_id for _, claim in rows)
    for row_number, claim in rows:
        if counts[claim.claim_id] > 1:
            duplicates = [str(n) for n, c in rows if c.claim_id == claim.claim_id]
            check.problems.append(config_record(
                "bad_catalog_row", name, row_number,
                f"duplicate claim_id {claim.claim_id!r} (rows {', '.join(duplicates)}): all rejected"))
        else:
            check.claims.append(claim)
    return check
