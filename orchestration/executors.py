"""The executor a run uses, chosen by the CLAIMGRID_EXECUTOR setting.

- `in_process` (the default, `make run`): every step in the run's own process, one at a time;
  the per-document stages fan out over the cores with orchestration.pool.
- `celery` (the production profile): the run submits each step as a Celery task to a broker and a
  pool of workers, on any number of machines, executes them (orchestration/celery_app.py). Steps
  still claim the instance's concurrency pools before they are submitted, so the "duckdb" pool
  keeps one writer on the DuckDB file whichever worker runs the step.
"""
from __future__ import annotations

import dagster as dg

from orchestration.settings import Settings

# Celery's settings for both sides: the run that submits tasks and the workers that take them.
CELERY_CONFIG_SOURCE = {
    # A task is acknowledged when its step has finished, not when a worker took it: if the worker
    # (the machine) dies mid-step, the broker hands the task to another worker instead of losing it,
    # and the run goes on. Steps may run twice, so every stage replaces what it writes.
    "task_acks_late": True,
    "task_reject_on_worker_lost": True,
    # A worker reserves one task at a time: a long step never holds a queued step hostage while
    # another worker is idle.
    "worker_prefetch_multiplier": 1,
    "broker_connection_retry_on_startup": True,
}


def celery_executor_config(settings: Settings) -> dict:
    """dagster-celery's executor config: the same for the run and for the workers' app."""
    return {"broker": settings.celery_broker, "backend": settings.celery_backend,
            "config_source": dict(CELERY_CONFIG_SOURCE)}


# How often a run asks the broker whether its submitted steps have finished. dagster-celery's
# run loop sleeps a fixed second between two polls (core_execution_loop.TICK_SECONDS), so each
# step of a run waited up to a second after its predecessor ended, and up to another before its
# result was read. The distributed tier (three document runs and a corpus run of about twenty
# steps each): 161 s at 1 s, 135 s at 0.1 s, side by side on an idle machine.
RESULT_POLL_SECONDS = 0.1


def build_executor(settings: Settings) -> dg.ExecutorDefinition:
    if settings.executor == "celery":
        from dagster_celery import celery_executor
        from dagster_celery.executor import CELERY_CONFIG

        @dg.executor(name="celery", config_schema=CELERY_CONFIG,
                     requirements=dg.multiple_process_executor_requirements())
        def polling_celery_executor(init_context):
            # set in the run's own process, when it creates its executor (not when the code
            # location loads): the loop that reads it runs there
            from dagster_celery import core_execution_loop

            core_execution_loop.TICK_SECONDS = RESULT_POLL_SECONDS
            return celery_executor.executor_creation_fn(init_context)

        return polling_celery_executor.configured(celery_executor_config(settings), name="celery")
    return dg.in_process_executor
