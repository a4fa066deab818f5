"""Python's cyclic garbage collector paused for the length of a corpus step.

A corpus step builds millions of small objects that hold no reference cycles (the sentences of
every story a day's news reaches, their proposition units, clusters, candidate pairs). Each time
the live objects grow by a quarter, CPython's full collection walks all of them again: reading
937k sentences of the 100k bench took 6.5-9.3 s with the collector on and 3.3-5.0 s off, and
discovery over them 103 s against 88 s (/tmp/s14 scripts, alternated in one process). Reference
counting still frees everything that is not in a cycle; what is in one waits for the next
collection (step_memory.release_free_memory runs one after a step that grew; not after every
step: a full collection costs 0.2-0.7 s, much of a run with nothing new). Document stages are
not paused: they loop over batches for a whole range of days, and a cycle per batch would add up.
"""
from __future__ import annotations

import functools
import gc
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def without_cyclic_gc(fn: Callable) -> Callable:
    """`fn` (a step's function, plain or a generator of results) run with the collector paused."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def steps(*args, **kwargs):
            with cyclic_gc_paused():
                yield from fn(*args, **kwargs)
        return steps

    @functools.wraps(fn)
    def step(*args, **kwargs):
        with cyclic_gc_paused():
            return fn(*args, **kwargs)
    return step
