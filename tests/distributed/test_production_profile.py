"""Issue 14: the same code location on Dagster's production storage (PostgreSQL) with its steps
spread over Celery workers, a worker lost mid-run, and the warehouse a one-machine run builds."""
from __future__ import annotations

import dagster as dg
import pytest

from tests.distributed.cluster_runs import kill_worker_running, run_job, warehouse_contents

pytestmark = pytest.mark.distributed

# The longest step on the samples (dbt, ~30 s): time enough to kill its worker mid-step.
LONG_STEP = "claimgrid_dbt_models"


def test_the_instance_keeps_runs_events_and_schedules_in_postgresql(cluster):
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

    with cluster.instance() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_steps_spread_over_both_workers_and_a_lost_worker_costs_no_run(cluster, cluster_warehouse, sample_warehouse):
    first = run_job(cluster)
    assert first.status == dg.DagsterRunStatus.SUCCESS, first.log[-3000:]
    assert first.workers() == {w.hostname for w in cluster.workers}, first.executions

    # The machine running the longest step dies mid-step: the broker hands the unacknowledged
    # task to the other worker, which runs the step again, and the run succeeds.
    second = run_job(cluster, while_running=kill_worker_running(cluster, LONG_STEP))
    killed = [w for w in cluster.workers if not w.alive]
    assert len(killed) == 1, "the test meant to kill one worker"
    survivor = next(w for w in cluster.workers if w.alive)
    assert second.status == dg.DagsterRunStatus.SUCCESS, second.log[-3000:]
    assert second.workers_of(LONG_STEP) == [killed[0].hostname, survivor.hostname], second.executions

    # What analysts read is what one machine builds from the same dumps (tests/conftest.py's run).
    distributed = warehouse_contents(cluster_warehouse / "analytics.duckdb")
    one_machine = warehouse_contents(sample_warehouse / "analytics.duckdb")
    assert distributed.keys() == one_machine.keys()
    assert {t for t in distributed if distributed[t] != one_machine[t]} == set()
