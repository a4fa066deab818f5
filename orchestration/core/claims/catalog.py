"""The analyst claim catalog: a CSV of claim_id,claim_text[,story_hint]."""
from __future__ import annotations

import csv
from pathlib import Path

from orchestration.core.types import CatalogClaim

REQUIRED_COLUMNS = frozenset({"claim_id", "claim_text"})


def load_catalog(path: str | Path | None) -> list[CatalogClaim]:
    """The catalog's claims, rows without an id or a text skipped; no path means no catalog."""
    if not path:
        return []
    catalog_path = Path(path)
    if not catalog_path.exists():
        raise FileNotFoundError(f"the claim catalog is a missing file: {catalog_path}")
    with open(catalog_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = REQUIRED_COLUMNS - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"claim catalog {catalog_path} lacks columns {sorted(missing)}")
        return [
            CatalogClaim(
                claim_id=row["claim_id"].strip(),
                claim_text=row["claim_text"].strip(),
                story_hint=(row.get("story_hint") or "").strip() or None,
            )
            for row in reader
            if (row.get("claim_id") or "").strip() and (row.get("claim_text") or "").strip()
        ]
