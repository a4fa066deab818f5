"""A sensor on the landing folder: new or changed dumps ask for a run.

It only stats files (never reads them, never opens DuckDB: a sensor must not contend with a
running pipeline for the warehouse). The cursor is a fixed-size digest of every file's size and
modification time plus the file count, so it does not grow with the archive; the run_key is that
digest, so the same folder state never launches two runs.
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


@dg.sensor(
    name="landing_folder_sensor",
    job=claimgrid_all,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Request a run when dumps are added to or changed in the landing folder.",
)
def landing_folder_sensor(context: dg.SensorEvaluationContext, landing: LandingResource):
    fingerprint = landing_fingerprint(landing.landing_dir)
    if not fingerprint:
        return dg.SkipReason(f"no dumps in {landing.landing_dir}")
    previous = json.loads(context.cursor) if context.cursor else {}
    state = {"digest": fingerprint_key(fingerprint), "files": len(fingerprint)}
    if state["digest"] == previous.get("digest"):
        return dg.SkipReason("no new or changed dumps")
    context.update_cursor(json.dumps(state, sort_keys=True))
    return dg.RunRequest(
        run_key=state["digest"],
        tags={"claimgrid/landed_files": str(len(fingerprint)),
              "claimgrid/file_count_change": str(len(fingerprint) - previous.get("files", 0))},
    )
