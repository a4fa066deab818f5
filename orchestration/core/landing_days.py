"""The landing day of a dumped file: the partition its documents belong to.

A file's day is the date of its manifest `fetched_at` where the manifest gives one, else the
date (UTC) of the file's modification time; a day before FIRST_LANDING_DAY or after `today` is
clamped into that range, so every file has a partition (docs/decisions/0009). Computed from the
manifest and stat() alone: the sensor calls it every minute and reads no dump's bytes.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath

from orchestration.core.cleaning.dates import parse_published

# The first day of the daily partitions: older fetched_at dates land on it.
FIRST_LANDING_DAY = date(2020, 1, 1)


_ISO_SECONDS = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})?\Z", re.ASCII)


def read_fetched_at(value: str | None) -> str | None:
    """A manifest's `fetched_at` as ISO 8601, None when it is no date: any format parse_published
    reads. The machine-written form crawlers leave is read with datetime.fromisoformat, which
    gives what dateutil's fuzzy parser gives (tests/unit/test_fetched_at.py) 6 times faster (7
    against 41 µs): ingest reads every file's date twice a run (manifest check, landing days),
    8.4k at 10k dumps. (Here, not in parse_published: the cleaning stage's version would change.)"""
    if not value:
        return None
    value = value.strip()
    if _ISO_SECONDS.match(value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass  # out of range (a 30 February, hour 24, offset +25:00): as dateutil decides
        else:
            return None if parsed.year < 1900 else parsed.isoformat()
    return parse_published(value)


def landing_day(fetched_at: str | None, mtime_ns: int, today: date, first: date = FIRST_LANDING_DAY) -> date:
    """The day of a file from its manifest `fetched_at` (any date format the manifest check
    accepts) or, when absent or unreadable, its modification time in UTC."""
    day = None
    parsed = read_fetched_at(fetched_at) if fetched_at else None
    if parsed:
        day = date.fromisoformat(parsed[:10])
    if day is None:
        day = datetime.fromtimestamp(mtime_ns / 1e9, tz=timezone.utc).date()
    return min(max(day, first), today)


def landing_name(path: Path, landing_dir: Path) -> str:
    """A landed file's name as raw.dumps, the manifest and the sensor give it: its path below the
    landing folder, posix."""
    # cut as a string: Path.relative_to parses both paths again, and a run with nothing new
    # names every landed file several times (93k files: 280k calls, 4.6 s of a profile)
    root, text = str(landing_dir), str(path)
    if root not in ("", ".") and text.startswith(root + os.sep):
        return text[len(root) + 1:].replace(os.sep, "/")
    return path.relative_to(landing_dir).as_posix()


def manifest_entry(manifest: Mapping[str, Mapping], source_file: str) -> Mapping:
    """A file's manifest fields, by its landing-relative path or its bare name (as ingest does)."""
    return manifest.get(source_file) or manifest.get(PurePosixPath(source_file).name) or {}


def file_days(landing_dir: Path, paths: list[Path], manifest: Mapping[str, Mapping],
              today: date) -> dict[Path, str]:
    """path -> ISO landing day of each file (lstat: a symlink is dated by the link itself); a file
    gone meanwhile is left out."""
    days = {}
    for path in paths:
        try:
            mtime_ns = path.lstat().st_mtime_ns
        except OSError:
            continue
        entry = manifest_entry(manifest, landing_name(path, landing_dir))
        days[path] = landing_day(entry.get("fetched_at"), mtime_ns, today).isoformat()
    return days


def day_digests(stats: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """day -> digest of its files' names, sizes and modification times, from
    source_file -> (day, "size:mtime_ns"): two folder states give the same digest for a day
    exactly when no file of that day was added, changed or removed."""
    by_day: dict[str, list[str]] = {}
    for source_file, (day, stat) in sorted(stats.items()):
        by_day.setdefault(day, []).append(f"{source_file}\0{stat}")
    return {day: hashlib.sha256("\n".join(lines).encode()).hexdigest()[:12] for day, lines in by_day.items()}


# The sensor remembers one digest per landing day for this many recent days, and one combined
# digest for every older day: its cursor has a fixed size however long the archive grows.
RECENT_DAYS = 62


def _xor(digests) -> str:
    value = 0
    for digest in digests:
        value ^= int(digest, 16)
    return f"{value:012x}"


@dataclass(frozen=True)
class LandedFile:
    day: str
    stat: str          # "size:mtime_ns"
    ctime_ns: int


def changed_days(previous: Mapping | None, files: Mapping[str, LandedFile], today: date,
                 now_ns: int) -> tuple[list[str], dict]:
    """(landing days whose files were added, changed or removed since the state `previous`, the
    new state). A recent day is compared by its own digest; older days by one XOR of theirs, and
    when that moved, the older days holding a file changed (ctime) since the last look; a file
    removed from an older day cannot be placed, so then every older day is asked for.
    `previous` None (the first look): every day present."""
    digests = day_digests({name: (f.day, f.stat) for name, f in files.items()})
    cutoff = (today - timedelta(days=RECENT_DAYS)).isoformat()
    recent = {d: g for d, g in digests.items() if d >= cutoff}
    older_days = sorted(d for d in digests if d < cutoff)
    state = {"recent": recent, "older": _xor(digests[d] for d in older_days), "checked_ns": now_ns}
    if previous is None:
        return sorted(digests), state
    before = previous.get("recent", {})
    changed = {d for d in set(recent) | {d for d in before if d >= cutoff} if recent.get(d) != before.get(d)}
    # days that left the window since the last look carry their digest into the older XOR
    expected_older = _xor([previous.get("older", _xor([])), *(g for d, g in before.items() if d < cutoff)])
    if state["older"] != expected_older:
        since = int(previous.get("checked_ns", 0))
        touched = {f.day for f in files.values() if f.day < cutoff and f.ctime_ns > since}
        changed |= touched or set(older_days)
    return sorted(changed), state


def day_is_current(files: Mapping[str, LandedFile], day: str, processed_since_ns: int | None) -> bool:
    """Whether every file of `day` is older (ctime: a write, a rename, a touch) than the start of
    the last successful run over that day (`processed_since_ns`; None: no such run). A day with no
    file is current: there is nothing to run."""
    changed = [f.ctime_ns for f in files.values() if f.day == day]
    if not changed:
        return True
    return processed_since_ns is not None and max(changed) < processed_since_ns
