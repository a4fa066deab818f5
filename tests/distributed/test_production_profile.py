"""Issue 14: the same code location on Dagster's production storage (PostgreSQL), a backfill whose
days spread over two Celery workers, a worker killed mid-step during a second backfill, and the
warehouse a one-machine run builds from the same dumps."""
from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from orchestration.cluster_runs import backfill, daemon, kill_worker_mid_step, run_job
from orchestration.landed import landing_days
from tests.distributed.conftest import DAYS

pytestmark = pytest.mark.distributed


def test_the_instance_keeps_runs_events_and_schedules_in_postgresql(cluster):
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

    with cluster.instance() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


# Columns that say when or in which run a row was written, not what the warehouse holds.
VOLATILE_COLUMNS = {"run_id", "ingested_at", "first_seen_at", "last_seen_at", "validated_at"}


def warehouse_contents(snapshot: Path) -> dict[str, list[tuple]]:
    """Every table of the published snapshot's raw and marts schemas, as sorted rows."""
    contents = {}
    with duckdb.connect(str(snapshot), read_only=True) as conn:
        tables = conn.sql("select table_schema, table_name from information_schema.tables "
                          "where table_schema in ('raw', 'marts') order by 1, 2").fetchall()
        for schema, table in tables:
            columns = [c for (c,) in conn.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                "order by ordinal_position", [schema, table]).fetchall() if c not in VOLATILE_COLUMNS]
            selected = ", ".join(f'"{c}"' for c in columns)
            contents[f"{schema}.{table}"] = sorted(conn.sql(f'select {selected} from "{schema}"."{table}"').fetchall(),
                                                   key=repr)
    return contents


def test_a_backfill_spreads_over_the_workers_and_survives_a_lost_worker(cluster, landing, cluster_warehouse,
                                                                         one_machine):
    days = landing_days(landing)
    assert len(days) == DAYS, days
    hostnames = {w.hostname for w in cluster.workers}
    with daemon(cluster):
        # Every landing day but the last, one run each, side by side: every day's steps on whichever
        # worker is free.
        first = backfill(cluster, "claimgrid_documents", days[:-1])
        assert first.succeeded, first.failures()
        assert [r.partition for r in first.runs] == days[:-1]
        assert first.workers() == hostnames, first.table()

        # The last day; the first worker seen on a step is killed in the middle of it.
        # The broker hands its unacknowledged task to the other worker; every run succeeds.
        killer = kill_worker_mid_step(cluster)
        second = backfill(cluster, "claimgrid_documents", days[-1:], watcher=killer)
        assert killer.killed, "no step was caught running"
        run_id, step, killed = killer.killed
        survivor = (hostnames - {killed}).pop()
        assert second.succeeded, second.failures()
        interrupted = next(r for r in second.runs if r.run_id == run_id)
        assert interrupted.workers_of(step) == [killed, survivor], interrupted.executions

        # The corpus stages, dbt and publish, once over every day, on the worker left.
        corpus = run_job(cluster, "claimgrid_corpus")
        assert corpus.succeeded, corpus.failures()
        assert corpus.workers() == {survivor}

    # What analysts read is what one machine builds from the same dumps and the same runs (a run
    # per day, then the corpus run) with the in-process executor (tests/distributed/one_machine.py,
    # started beside the cluster).
    distributed = warehouse_contents(cluster_warehouse / "analytics.duckdb")
    waiting = time.monotonic()
    reference = warehouse_contents(one_machine.wait() / "analytics.duckdb")
    # where the tier's time goes (shown with -s or on failure)
    print(f"backfill of {len(first.runs)} days {first.seconds:.0f} s, backfill with the kill {second.seconds:.0f} s, "
          f"corpus run {corpus.seconds:.0f} s, then waited {time.monotonic() - waiting:.0f} s for the one-machine runs")
    assert distributed.keys() == reference.keys()
    assert [t for t in distributed if distributed[t] != reference[t]] == []
    assert distributed["marts.fct_outlet_claims"], "an empty grid proves nothing"
