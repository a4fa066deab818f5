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
    # torch's OpenMP threads spin between parallel regions by default, burning the cores other
    # steps and workers use; read once, when torch loads, and a value already set is kept
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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
