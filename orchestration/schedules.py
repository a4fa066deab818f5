"""The nightly run: the landing day that has just ended, then the corpus stages, dbt and publish.

The schedule asks for no run (a SkipReason the Dagster UI shows on the tick) when that day has
no dump, or when a successful run over the day started after its last file changed (the landing
sensor usually ran it already): a run with nothing new would only re-read the warehouse. Like
the sensor it stats files and reads the manifest; it never opens DuckDB.
"""
from datetime import timedelta, timezone
from pathlib import Path

import dagster as dg

from orchestration.core.landing_days import day_is_current
from orchestration.jobs import claimgrid_all
from orchestration.partitions import run_days
from orchestration.resources import LandingResource
from orchestration.sensors import landed_files

# the successful runs looked at for the day's last one (a day is rarely run more often)
RECENT_RUNS = 200


def last_success_start_ns(instance: dg.DagsterInstance, day: str) -> tuple[int | None, str | None]:
    """(start in ns, run id) of the latest successful claimgrid_all run over `day`, if any."""
    records = instance.get_run_records(
        dg.RunsFilter(job_name=claimgrid_all.name, statuses=[dg.DagsterRunStatus.SUCCESS]), limit=RECENT_RUNS)
    for record in records:     # newest first
        if day in run_days(record.dagster_run.tags) and record.start_time is not None:
            return int(record.start_time * 1e9), record.dagster_run.run_id
    return None, None


def build_nightly_rebuild(execution_timezone: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="nightly_rebuild",
        job=claimgrid_all,
        cron_schedule="0 2 * * *",
        execution_timezone=execution_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="At 02:00 (CLAIMGRID_SCHEDULE_TZ, default UTC) materialize the last complete landing day "
                    "(UTC), then everything downstream of it; skipped when that day has no dump or nothing "
                    "in it changed since its last successful run.",
    )
    def nightly_rebuild(context: dg.ScheduleEvaluationContext, landing: LandingResource):
        # landing days are UTC days: the last one complete at the scheduled time, whatever the zone
        day = (context.scheduled_execution_time.astimezone(timezone.utc).date() - timedelta(days=1)).isoformat()
        files = landed_files(Path(landing.landing_dir))
        if not any(f.day == day for f in files.values()):
            return dg.SkipReason(f"no dumps landed on {day} in {landing.landing_dir}")
        since_ns, run_id = last_success_start_ns(context.instance, day)
        if day_is_current(files, day, since_ns):
            return dg.SkipReason(f"nothing new on {day}: its dumps are unchanged since run {run_id}")
        return dg.RunRequest(run_key=day, partition_key=day)

    return nightly_rebuild
