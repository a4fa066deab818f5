"""The sentence-embedding model in a process of its own, for the length of a step.

torch and the model hold ~0.5 GB, and a process that embeds thousands of texts fragments its heap
further (decision record 0031). In the step's process that memory would stay under every later
step of the run (the in-process executor runs them all in one process); in a process of its own
it goes back when the step's semantic pass ends. The process starts on the first text to embed:
a run whose texts are all cached never loads the model.
"""
from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager

import numpy as np


def _encode(texts: list[str]) -> np.ndarray:
    # Read once, when torch loads; a value already set is kept.
    # torch's OpenMP threads spin between parallel regions by default, burning the cores other
    # steps and workers use.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # oneDNN keeps a primitive, with its buffers, per matrix shape it has run (1,024 by default),
    # and every batch pads to its own length: the process grew with every call, to 1.38 GB in
    # the 10k bench run. Eight: 2,000 texts in calls of 128 peaked at 0.68-0.69 GB instead of
    # 0.73-0.78, in the same CPU time (decision record 0031).
    os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "8")
    from orchestration.core.claims.semantic import shared_encoder
    return shared_encoder().encode(texts)


class ModelProcess:
    """`encode(texts)` runs the model in a single worker process, started on first use."""

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("forkserver"))
        try:
            return self._executor.submit(_encode, list(texts)).result()
        except BrokenProcessPool:
            # the process died on these texts: the caller retries them one at a time, each call
            # in a new process, so only a text that kills it again goes unembedded
            self.close()
            raise

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


@contextmanager
def model_process() -> Iterator[ModelProcess]:
    process = ModelProcess()
    try:
        yield process
    finally:
        process.close()
