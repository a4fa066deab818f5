"""Per-document work on every core: a process pool inside one step.

`map_isolated(fn, items, workers)` returns, in input order, one `Outcome` per item: fn's result,
or the error that item raised. Items travel to worker processes in chunks (pickled plain data) and
results come back the same way, so a step pays one pickling per chunk, not per document.

Isolation is per item, never per batch:
- an exception inside fn ends as that item's `error`; the chunk goes on with the next item;
- a worker that dies (segfault, OOM kill) breaks the pool: the items whose chunks were still
  pending are then run one at a time in a fresh single-worker pool, so only the item that kills
  its worker again is marked failed ("worker process died").

Workers come from a forkserver: it imports the modules named in `preload` once, and each worker
is a fork of that clean server, not of the (threaded) Dagster step process. A step that maps batch
after batch (a day at a time) wraps them in `shared_pool(workers, preload)`, so its workers start
once per step, not once per batch.
"""
from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many items per worker a pool costs more than it saves (worker start-up ~0.3 s). A
# stage whose items are cheap beside its workers' start-up (a model each worker loads) passes
# its own minimum to map_isolated.
MIN_ITEMS_PER_WORKER = 8
# Chunks per worker: enough that a slow chunk at the end does not leave the other cores idle.
CHUNKS_PER_WORKER = 8
MAX_CHUNK = 256
WORKER_DIED = "worker process died"
UNUSABLE_AFTER = 3


@dataclass(frozen=True)
class Outcome(Generic[R]):
    result: R | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _run_chunk(fn: Callable[[T], R], chunk: Sequence[T]) -> list[Outcome]:
    outcomes = []
    for item in chunk:
        try:
            outcomes.append(Outcome(result=fn(item)))
        except Exception as exc:  # noqa: BLE001 - one item's trouble is that item's outcome
            outcomes.append(Outcome(error=_describe(exc)))
    return outcomes


def chunk_size_for(count: int, workers: int) -> int:
    return max(1, min(MAX_CHUNK, -(-count // (workers * CHUNKS_PER_WORKER))))


# (workers, preload) of each open shared_pool block -> its pool, None until a batch needs one
_shared: dict[tuple[int, tuple[str, ...]], ProcessPoolExecutor | None] = {}


@contextmanager
def shared_pool(workers: int, preload: Sequence[str] = ()) -> Iterator[None]:
    """Inside the block, map_isolated calls with these workers and preload reuse one pool (a pool
    a dead worker broke is replaced); the pool is shut down when the block ends."""
    key = (workers, tuple(preload))
    _shared[key] = None
    try:
        yield
    finally:
        pool = _shared.pop(key, None)
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _freeze_inherited_objects() -> None:
    """A worker's first act: what it inherited from the forkserver (the preloaded modules, ~50k
    objects for cleaning) goes to the collector's permanent generation. Otherwise every full
    collection walks it again while the worker's documents come and go: 1.3-1.5 s of 490 pages'
    cleaning against 0.4-0.6 s frozen (gc callbacks, alternated); and the walk writes to each
    object's header, copying the forkserver's pages into every worker."""
    gc.freeze()


def _new_pool(workers: int, context) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_freeze_inherited_objects)


def _context(preload: Sequence[str]):
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return context


def map_isolated(
    fn: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    preload: Sequence[str] = (),
    on_progress: Callable[[int], Any] | None = None,
    min_items_per_worker: int = MIN_ITEMS_PER_WORKER,
) -> list[Outcome]:
    """fn over items on `workers` processes (in this process when 1 or when there are fewer than
    `min_items_per_worker` items per worker, too few to pay for a pool); one Outcome per item,
    in order. `fn` must be a module-level function (it is pickled by reference);
    `on_progress(done)` is called as chunks finish."""
    items = list(items)
    key = (workers, tuple(preload))
    workers = max(1, min(workers, len(items) // max(1, min_items_per_worker)))
    if workers == 1:
        outcomes = []
        step = chunk_size_for(len(items), 1)
        for start in range(0, len(items), step):
            outcomes.extend(_run_chunk(fn, items[start:start + step]))
            if on_progress:
                on_progress(len(outcomes))
        return outcomes

    size = chunk_size_for(len(items), workers)
    starts = list(range(0, len(items), size))
    outcomes: list[Outcome | None] = [None] * len(items)
    done = 0
    context = _context(preload)
    shared = key in _shared
    if shared and _shared[key] is None:
        _shared[key] = _new_pool(key[0], context)
    pool = _shared[key] if shared else _new_pool(workers, context)
    broken = False
    futures: dict[Future, int] = {}
    try:
        for start in starts:
            try:
                futures[pool.submit(_run_chunk, fn, items[start:start + size])] = start
            except BrokenProcessPool:
                if futures:
                    # a worker died on one of this batch's chunks while the rest were being sent:
                    # what was not sent runs one item at a time below, like any chunk a death lost
                    broken = True
                    break
                # a block's worker died between batches (an idle worker OOM-killed): nothing of
                # this batch was involved, so it gets a fresh pool
                pool.shutdown(cancel_futures=True)
                pool = _new_pool(key[0] if shared else workers, context)
                if shared:
                    _shared[key] = pool
                futures[pool.submit(_run_chunk, fn, items[start:start + size])] = start
        pending = set(futures)
        while pending and not broken:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                start = futures[future]
                try:
                    chunk_outcomes = future.result()
                except BrokenProcessPool:
                    broken = True
                    continue
                outcomes[start:start + len(chunk_outcomes)] = chunk_outcomes
                done += len(chunk_outcomes)
                if on_progress:
                    on_progress(done)
    finally:
        if not shared or broken:
            pool.shutdown(cancel_futures=True)
            if shared:
                _shared[key] = None         # the next batch of the block starts a fresh pool
    for future, start in futures.items():
        # chunks that ended well before the pool broke keep their results
        if outcomes[start] is None and future.done() and not future.cancelled() and future.exception() is None:
            chunk_outcomes = future.result()
            outcomes[start:start + len(chunk_outcomes)] = chunk_outcomes
    left = [i for i, outcome in enumerate(outcomes) if outcome is None]
    if left:
        _run_one_by_one(fn, items, left, outcomes, context)
    if on_progress and done < len(items):
        on_progress(len(items))
    return outcomes  # type: ignore[return-value]


def _run_one_by_one(fn, items, indexes: list[int], outcomes: list, context) -> None:
    """After a worker died: each left item alone in a single-worker pool, so the item that kills
    its worker is the only one that fails."""
    pool = _new_pool(1, context)
    any_worked = any(o is not None for o in outcomes)
    try:
        for n, i in enumerate(indexes):
            try:
                outcomes[i] = pool.submit(_run_chunk, fn, [items[i]]).result()[0]
                any_worked = True
            except BrokenProcessPool:
                if not any_worked and n >= UNUSABLE_AFTER - 1:
                    # no worker ever returned: the pool itself is broken (a batch problem), not a document
                    raise RuntimeError(f"process pool unusable: its first {n + 1} workers died on start") from None
                outcomes[i] = Outcome(error=WORKER_DIED)
                pool.shutdown(wait=False, cancel_futures=True)
                pool = _new_pool(1, context)
    finally:
        pool.shutdown()
