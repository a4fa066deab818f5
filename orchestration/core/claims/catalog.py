"""The analyst claim catalog (CLAIMGRID_CLAIM_CATALOG): a CSV of claim_id,claim_text[,story_hint],
checked when the run starts.

A catalog in another encoding than UTF-8 is decoded (charset-normalizer) and says which. Rows that
cannot be used are reported with their row number (QuarantineRecords of stage `config`) and left
out: an empty id or text, and every row of an id that appears more than once (which of them is
meant cannot be told), named in the detail. A catalog that cannot be used at all (no such file, a
required column missing) is a ConfigError that stops the run before it ingests anything: running
without the analysts' claims would publish a grid silently missing them.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from orchestration.core.quarantine import ConfigError, config_record
from orchestration.core.types import CatalogClaim, QuarantineRecord

CATALOG_COLUMNS = ("claim_id", "claim_text")


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


def load_catalog(path: str | Path | None) -> list[CatalogClaim]:
    """The catalog's usable claims; no path means no catalog."""
    return check_catalog(path).claims
