"""A sensor on the landing folder: new, changed or removed dumps (and manifest edits, such as a
retraction) ask for a run.

It only stats files (never reads them, never opens DuckDB: a sensor must not contend with a
running pipeline for the warehouse). The cursor is fixed-size, so it does not grow with the
archive: a digest of every file's size and modification time, the number of dumps, and a
counter of the changes seen so far. The run key is (change number, folder digest): a tick that
sees no change launches nothing, and every change launches a run, even one back to a folder
state seen before (a dump added then removed again) — a key on the folder digest alone made
Dagster skip that run as already done, leaving the removed document in the snapshot.
A fixed-size cursor cannot name the files that changed; the tags give the number of dumps and
its change since the last run request (negative when dumps were removed).
"""

import hashlib
import json

import dagster as dg

from orchestration.core.ingest import landing_fingerprint
from orchestration.core.manifest import MANIFEST_NAME
from orchestration.jobs import claimgrid_all
from orchestration.resources import LandingResource


def fingerprint_key(fingerprint: dict[str, str]) -> str:
    canonical = json.dumps(sorted(fingerprint.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def read_cursor(cursor: str | None) -> tuple[str | None, int, int]:
    """(folder digest, dumps, changes seen) from the cursor. A cursor of an earlier version (a
    whole fingerprint map, of content hashes) has no digest: the first tick after an upgrade
    asks for one run."""
    state = json.loads(cursor) if cursor else {}
    if "digest" in state:
        return state["digest"], int(state.get("dumps", 0)), int(state.get("changes", 0))
    return None, 0, int(state.get("changes", 0)) if isinstance(state.get("changes"), int) else 0


@dg.sensor(
    name="landing_folder_sensor",
    job=claimgrid_all,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Request a run when dumps are added to, changed in or removed from the landing folder.",
)
def landing_folder_sensor(context: dg.SensorEvaluationContext, landing: LandingResource):
    fingerprint = landing_fingerprint(landing.landing_dir)
    previous_digest, previous_dumps, changes = read_cursor(context.cursor)
    if not fingerprint:
        # an empty folder is far likelier an unmounted volume than the retraction of everything
        # (and the ingest gate would refuse it anyway): wait, and keep the cursor
        return dg.SkipReason(f"no dumps in {landing.landing_dir}")
    digest = fingerprint_key(fingerprint)
    if digest == previous_digest:
        return dg.SkipReason("no new, changed or removed dumps")
    dumps = len(fingerprint) - (MANIFEST_NAME in fingerprint)
    changes += 1
    context.update_cursor(json.dumps({"digest": digest, "dumps": dumps, "changes": changes}, sort_keys=True))
    return dg.RunRequest(
        run_key=f"{changes}-{digest}",
        tags={"claimgrid/landed_dumps": str(dumps), "claimgrid/dump_count_change": str(dumps - previous_dumps)},
    )
