"""The nightly rebuild."""
import dagster as dg

from orchestration.jobs import claimgrid_all


def build_nightly_rebuild(timezone: str) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="nightly_rebuild",
        job=claimgrid_all,
        cron_schedule="0 2 * * *",
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Materialize every asset at 02:00 (CLAIMGRID_SCHEDULE_TZ, default UTC).",
    )
