"""The nightly run: the landing day that has just ended, then the corpus stages, dbt and publish."""
from datetime import timedelta, timezone

import dagster as dg

from orchestration.jobs import claimgrid_all


def build_nightly_rebuild(execution_timezone: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="nightly_rebuild",
        job=claimgrid_all,
        cron_schedule="0 2 * * *",
        execution_timezone=execution_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="At 02:00 (CLAIMGRID_SCHEDULE_TZ, default UTC) materialize the last complete landing day "
                    "(UTC), then everything downstream of it.",
    )
    def nightly_rebuild(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        # landing days are UTC days: the last one complete at the scheduled time, whatever the zone
        day = (context.scheduled_execution_time.astimezone(timezone.utc).date() - timedelta(days=1)).isoformat()
        return dg.RunRequest(run_key=day, partition_key=day)

    return nightly_rebuild
