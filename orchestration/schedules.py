"""The nightly rebuild."""
import dagster as dg

from orchestration.jobs import claimgrid_all
from orchestration.settings import load_settings

nightly_rebuild = dg.ScheduleDefinition(
    name="nightly_rebuild",
    job=claimgrid_all,
    cron_schedule="0 2 * * *",
    execution_timezone=load_settings().schedule_timezone,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Materialize every asset at 02:00 (CLAIMGRID_SCHEDULE_TZ, default UTC).",
)
