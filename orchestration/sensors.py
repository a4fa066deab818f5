"""A sensor on the landing folder: the landing days whose dumps were added, changed or removed
(and manifest edits, such as a retraction or a corrected fetched_at) ask for a run of those days.

It only stats files and reads the manifest (never a dump's bytes, never DuckDB: a sensor must
not contend with a running pipeline for the warehouse). Each file's landing day comes from the
manifest's fetched_at or its modification time (orchestration/core/landing_days.py); the cursor
holds one digest of names, sizes and modification times per recent day and one for all older
days, so it has a fixed size however long the archive grows (core.landing_days.changed_days).

Each changed day is one run of that partition (ingest to publish): the document stages process
only that day's new or changed dumps, the corpus stages and dbt read every day. The first tick
(no cursor: a new deployment, or an upgrade from the cursor of one digest for the folder) asks
for one run over every day present. The run key carries a change counter, so a day that returns
to a state seen before (a dump added then removed again) still gets its run.
"""

import json
import time
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from orchestration.core.landing_days import LandedFile, changed_days, file_days, landing_name, manifest_entry
from orchestration.core.manifest import MANIFEST_NAME
from orchestration.core.retraction import manifest_retractions
from orchestration.jobs import claimgrid_all
from orchestration.landed import look_at
from orchestration.partitions import range_tags
from orchestration.resources import LandingResource


def landed_files(landing_dir: Path) -> dict[str, LandedFile]:
    """source_file -> (landing day, size:mtime, ctime) of every dump; a manifest change dates
    the files it names, so it moves (or re-asks for) their days."""
    files, outside, checked = look_at(landing_dir)
    manifest = checked.entries
    manifest_path = landing_dir / MANIFEST_NAME
    retracting = manifest_retractions(manifest_path.read_text(encoding="utf-8", errors="replace")
                                      if manifest_path.is_file() else "")
    today = datetime.now(timezone.utc).date()
    landed = {}
    for path, day in file_days(landing_dir, files + outside, manifest, today).items():
        try:
            stat = path.lstat()
        except OSError:
            continue
        name = landing_name(path, landing_dir)
        entry = [manifest_entry(manifest, name), manifest_entry(retracting, name)]
        # a manifest line for the file is part of its state: editing it re-asks for its day
        state = f"{stat.st_size}:{stat.st_mtime_ns}:{json.dumps(entry, sort_keys=True)}"
        landed[name] = LandedFile(day, state, stat.st_ctime_ns)
    return landed


def read_cursor(cursor: str | None) -> tuple[dict | None, int, int]:
    """(the last look's state, dumps then, changes seen); a cursor of an earlier version has no
    state."""
    state = json.loads(cursor) if cursor else {}
    changes = state.get("changes", 0)
    return ((state if "recent" in state else None), int(state.get("dumps", 0)),
            changes if isinstance(changes, int) else 0)


@dg.sensor(
    name="landing_folder_sensor",
    job=claimgrid_all,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Request a run of each landing day whose dumps were added to, changed in or removed from "
                "the landing folder.",
)
def landing_folder_sensor(context: dg.SensorEvaluationContext, landing: LandingResource):
    landing_dir = Path(landing.landing_dir)
    files = landed_files(landing_dir)
    previous, previous_dumps, changes = read_cursor(context.cursor)
    if not files:
        # an empty folder is far likelier an unmounted volume than the retraction of everything
        # (and the ingest gate would refuse it anyway): wait, and keep the cursor
        return dg.SkipReason(f"no dumps in {landing.landing_dir}")
    days, state = changed_days(previous, files, datetime.now(timezone.utc).date(), time.time_ns())
    if not days:
        return dg.SkipReason("no new, changed or removed dumps")
    changes += 1
    dumps = len(files)
    context.update_cursor(json.dumps({**state, "dumps": dumps, "changes": changes}, sort_keys=True))
    # how many dumps landed, and the change since the last request (negative after removals)
    tags = {"claimgrid/landed_dumps": str(dumps), "claimgrid/dump_count_change": str(dumps - previous_dumps)}
    if previous is None:
        return [dg.RunRequest(run_key=f"{changes}-{days[0]}-{days[-1]}", tags={**tags, **range_tags(days[0], days[-1])})]
    return [dg.RunRequest(run_key=f"{changes}-{day}-{state['recent'].get(day, 'older')}", partition_key=day, tags=tags)
            for day in days]
