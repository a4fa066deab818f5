"""The process pool of the per-document stages: order kept, one item's trouble is that item's."""
from __future__ import annotations

import os
import time

from orchestration import pool as pool_module
from orchestration.pool import WORKER_DIED, map_isolated, shared_pool


def square_or_fail(n: int) -> int:
    if n == 13:
        raise ValueError("thirteen")
    return n * n


def die_on_seven(n: int) -> int:
    if n == 7:
        os._exit(3)  # a worker killed mid-item (segfault, OOM kill) looks like this to the pool
    return n + 1


def worker_pid(_: int) -> int:
    return os.getpid()


def with_pid(n: int) -> tuple[int, int]:
    return n, os.getpid()


def frozen_objects(_: int) -> int:
    import gc
    return gc.get_freeze_count()


def test_results_come_back_in_input_order_from_several_processes():
    outcomes = map_isolated(with_pid, list(range(200)), workers=2)
    assert [o.result[0] for o in outcomes] == list(range(200))
    pids = {o.result[1] for o in outcomes}
    # two workers, neither of them this process (a loaded machine may let one do every chunk)
    assert 1 <= len(pids) <= 2 and os.getpid() not in pids
    assert [o.result for o in map_isolated(square_or_fail, range(12), workers=2)] == [n * n for n in range(12)]


def test_an_exception_fails_only_its_item():
    done = []
    outcomes = map_isolated(square_or_fail, list(range(100)), workers=2, on_progress=done.append)
    failed = [i for i, o in enumerate(outcomes) if not o.ok]
    assert failed == [13]
    assert outcomes[13].error == "ValueError: thirteen"
    assert outcomes[14].result == 196
    assert done[-1] == 100


def test_a_dying_worker_fails_only_the_item_that_kills_it():
    outcomes = map_isolated(die_on_seven, list(range(40)), workers=2)
    assert [i for i, o in enumerate(outcomes) if not o.ok] == [7]
    assert outcomes[7].error == WORKER_DIED
    assert [o.result for i, o in enumerate(outcomes) if i != 7] == [n + 1 for n in range(40) if n != 7]


def test_one_worker_or_few_items_run_in_this_process():
    assert {o.result for o in map_isolated(worker_pid, list(range(50)), workers=1)} == {os.getpid()}
    assert {o.result for o in map_isolated(worker_pid, list(range(5)), workers=2)} == {os.getpid()}
    assert [o.error for o in map_isolated(square_or_fail, [13], workers=1)] == ["ValueError: thirteen"]


def _block_workers() -> set[int]:
    """The pids of the open shared_pool block's worker processes. Which of them takes a chunk is
    up to the scheduler (on a loaded machine one worker may take all 64 items), so the test
    compares each batch with the pool's workers, never one batch with another."""
    (pool,) = [p for p in pool_module._shared.values() if p is not None]
    return set(pool._processes)


def test_batches_of_one_step_share_its_workers_and_a_dead_worker_is_replaced():
    with shared_pool(2):
        first = {o.result for o in map_isolated(worker_pid, list(range(64)), workers=2)}
        workers = _block_workers()
        second = {o.result for o in map_isolated(worker_pid, list(range(64)), workers=2)}
        assert first | second <= workers        # the second batch ran on the first batch's workers
        assert _block_workers() == workers
        died = map_isolated(die_on_seven, list(range(40)), workers=2)
        assert died[7].error == WORKER_DIED and [o.result for o in died[8:]] == list(range(9, 41))
        after = {o.result for o in map_isolated(worker_pid, list(range(64)), workers=2)}
        assert not after & workers              # the broken pool was not reused
    outside = {o.result for o in map_isolated(worker_pid, list(range(64)), workers=2)}
    assert not outside & (workers | after)      # the block's pool ended with the block


def test_a_worker_killed_between_batches_of_a_block_costs_the_next_batch_nothing():
    with shared_pool(2):
        map_isolated(worker_pid, list(range(64)), workers=2)
        workers = _block_workers()
        for pid in workers:                     # the OOM killer takes the block's idle workers
            os.kill(pid, 9)
        time.sleep(0.5)                         # the pool's manager thread notices and breaks the pool
        outcomes = map_isolated(worker_pid, list(range(64)), workers=2)
        assert all(o.ok for o in outcomes)
        assert not {o.result for o in outcomes} & workers
        assert not _block_workers() & workers   # a fresh pool took the batch and stays the block's


def test_workers_freeze_what_they_inherit_before_their_first_item():
    # the forkserver's modules are in the collector's permanent generation in every worker
    outcomes = map_isolated(frozen_objects, list(range(32)), workers=2, preload=("orchestration.core.cleaning.html",))
    assert all(o.ok and o.result > 10_000 for o in outcomes)
