"""A sensor on the landing folder: new or changed dumps ask for a run.

It only hashes files (never opens DuckDB: a sensor must not contend with a running pipeline for
the warehouse). The cursor holds the fingerprint of the folder as last seen; the run_key is
derived from the content hashes, so the same folder state never launches two runs.
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
    previous = json.loads(context.cursor) if context.cursor else {}
    if not fingerprint:
        return dg.SkipReason(f"no dumps in {landing.landing_dir}")
    if fingerprint == previous:
        return dg.SkipReason("no new or changed dumps")
    changed = sorted(f for f, digest in fingerprint.items() if previous.get(f) != digest)
    context.update_cursor(json.dumps(fingerprint, sort_keys=True))
    return dg.RunRequest(
        run_key=fingerprint_key(fingerprint),
        tags={"claimgrid/changed_files": str(len(changed))},
    )
