"""The landing days present in a landing folder: what `make run` and the tests run over."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from orchestration.core.ingest import list_landed
from orchestration.core.landing_days import file_days
from orchestration.core.manifest import ManifestCheck, check_manifest


class LandedFolder(NamedTuple):
    """One look at a landing folder: its dump files, the symlinks leading out of it (both sorted,
    core.ingest.list_landed) and manifest.jsonl checked against those files."""
    files: list[Path]
    outside: list[Path]
    manifest: ManifestCheck


def look_at(landing_dir: Path | str) -> LandedFolder:
    landing_dir = Path(landing_dir)
    files, outside = list_landed(landing_dir)
    return LandedFolder(files, outside, check_manifest(landing_dir, files))


def landing_days(landing_dir: Path | str) -> list[str]:
    """Every landing day of the folder's files, sorted; [] for an empty folder."""
    landing_dir = Path(landing_dir)
    files, outside, manifest = look_at(landing_dir)
    return sorted(set(file_days(landing_dir, files + outside, manifest.entries,
                                datetime.now(timezone.utc).date()).values()))


def landing_day_range(landing_dir: Path | str) -> tuple[str, str]:
    """(first, last) landing day of the folder; today for an empty folder (a run over it finds
    nothing and the ingest gate says so)."""
    days = landing_days(landing_dir) or [datetime.now(timezone.utc).date().isoformat()]
    return days[0], days[-1]
