"""The landing folder's manifest.jsonl, checked line by line before any dump is read.

A line that cannot be used is reported when the run starts, with the file, the row and the
reason (a QuarantineRecord of stage `config`), never found as a crash in the middle of a stage;
the other lines, and the usable fields of a line, still apply. (The claim catalog is checked the
same way: orchestration/core/claims/catalog.py.)
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from orchestration.core.landing_days import landing_name, read_fetched_at
from orchestration.core.quarantine import config_record

MANIFEST_NAME = "manifest.jsonl"
MANIFEST_FIELDS = ("url", "outlet", "fetched_at")
MAX_MANIFEST_VALUE_CHARS = 2_000      # a url; an outlet name longer than this is a crawler bug
MAX_OUTLET_NAME_CHARS = 200


@dataclass
class ManifestCheck:
    entries: dict[str, dict] = field(default_factory=dict)      # landing-relative file -> fields
    problems: list = field(default_factory=list)     # QuarantineRecords


def _safe_relative(name: str) -> str | None:
    """The landing-relative posix path a manifest `file` names, or None when it points outside
    the landing folder (absolute, or climbing with ..)."""
    if "\\" not in name and not name.startswith("/") and all(part not in ("", ".", "..") for part in name.split("/")):
        return name     # already what the path below makes of it (a parse per line: 0.3 s at 87k lines)
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
    known = {landing_name(p, landing_dir) for p in landed}
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
                if key == "fetched_at" and read_fetched_at(value) is None:
                    problem(row, f"`fetched_at` ignored: not a date: {value!r}")
                    continue
                fields[key] = value.strip()
            check.entries[name] = fields
    return check
