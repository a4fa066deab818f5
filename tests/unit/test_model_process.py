"""The embedding model in its own process: the same vectors as in this one, and the process
gone when the step's pass ends."""
from __future__ import annotations

import os

import numpy as np
import pytest

from orchestration.core.claims.semantic import Embedder, ModelUnavailable
from orchestration.model_process import ModelProcess, model_process

TEXTS = ["The harbour authority said the new terminal would open next spring.",
         "Officials denied that the minister had resigned."]


def test_texts_are_embedded_in_another_process_which_ends_with_the_block():
    with model_process() as model:
        vectors = Embedder(encode_texts=model.encode).encode(TEXTS)
        workers = list(model._executor._processes.values())
        assert workers and all(w.pid != os.getpid() and w.is_alive() for w in workers)
    assert not any(w.is_alive() for w in workers)
    here = Embedder().encode(TEXTS)
    np.testing.assert_allclose(vectors, here, atol=1e-5)


def test_a_killed_model_process_fails_its_texts_alone_and_the_next_call_starts_a_new_one():
    model = ModelProcess()
    try:
        model.encode(TEXTS[:1])
        (worker,) = model._executor._processes.values()
        worker.kill()
        worker.join()
        embedder = Embedder(encode_texts=model.encode)
        vectors = embedder.encode(TEXTS)
        # the batch broke on the dead process; retried one text at a time, each got a new one
        assert embedder.failed == [] and np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    finally:
        model.close()


def test_a_model_that_cannot_load_stops_the_batch_instead_of_failing_every_text():
    def unavailable(texts):
        raise ModelUnavailable("no weights")

    with pytest.raises(ModelUnavailable):
        Embedder(encode_texts=unavailable).encode(TEXTS)
