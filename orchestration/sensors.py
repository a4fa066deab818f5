"""A sensor on the landing folder: new, changed or removed dumps (and manifest edits, such as a
retraction) ask for a run.

It only hashes files (never opens DuckDB: a sensor must not contend with a running pipeline for
the warehouse). The cursor holds the fingerprint of the folder as last seen and a counter of the
changes seen so far. The run key is (change number, folder hash): a tick that sees no change
launches nothing, and every change launches a run, even one back to a folder state seen before
(a dump added then removed again) — a key on the folder hash alone made Dagster skip that run
as already done, leaving the removed document in the snapshot.
"""

import hashlib
import json

import dagster as dg

from orchestration.core.ingest import landing_fingerprint
from orchestration.jobs import claimgrid_all
from orchestration.resources import LandingResource


def fingerprint_key(fingerprint: dict[str, str]) -> str:
    canonical = json.dumps(sorted(fingerprint.items()), separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def read_cursor(cursor: str | None) -> tuple[dict[str, str], int]:
    """(fingerprint, changes seen) from the cursor; a cursor written before the change counter
    existed was the bare fingerprint."""
    state = json.loads(cursor) if cursor else {}
    if "fingerprint" in state and "changes" in state:
        return state["fingerprint"], int(state["changes"])
    return state, 0


@dg.sensor(
    name="landing_folder_sensor",
    job=claimgrid_all,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Request a run when dumps are added to, changed in or removed from the landing folder.",
)
def landing_folder_sensor(context: dg.SensorEvaluationContext, landing: LandingResource):
    fingerprint = landing_fingerprint(landing.landing_dir)
    previous, changes = read_cursor(context.cursor)
    if not fingerprint:
        # an empty folder is far likelier an unmounted volume than the retraction of everything
        # (and the ingest gate would refuse it anyway): wait, and keep the cursor
        return dg.SkipReason(f"no dumps in {landing.landing_dir}")
    if fingerprint == previous:
        return dg.SkipReason("no new, changed or removed dumps")
    changed = sorted(f for f, digest in fingerprint.items() if previous.get(f) != digest)
    removed = sorted(set(previous) - set(fingerprint))
    changes += 1
    context.update_cursor(json.dumps({"fingerprint": fingerprint, "changes": changes}, sort_keys=True))
    return dg.RunRequest(
        run_key=f"{changes}-{fingerprint_key(fingerprint)}",
        tags={"claimgrid/changed_files": str(len(changed)), "claimgrid/removed_files": str(len(removed))},
    )
