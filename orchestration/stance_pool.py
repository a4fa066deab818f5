"""Stance labels on every core: the distinct inputs no run has labelled yet, classified on the
step's process pool (orchestration/pool.py) before the mentions step labels its mentions.

Classifying is most of the mentions step when labels are new (10k bench warehouse, every input
new: 71,344 distinct inputs in 29.2 s of a 35 s step, one core), and it is a pure function of
its input, so the inputs are spread over the workers and the labels come back by input key. An
input whose classification raises is left out: the step labels it again in its own process,
where the error quarantines its document as before. A light module: the workers import it, and
importing the asset module would import Dagster in each (~2 s).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from orchestration.core.stance.classify import classify_stance, load_model
from orchestration.core.types import StanceResult
from orchestration.pool import map_isolated

PRELOAD = (__name__,)
# Inputs per worker below which the step classifies them itself: a pool starts in ~0.6 s,
# an input takes ~0.4 ms.
INPUTS_PER_WORKER = 2000

# (sentence, claim text, quotation context, policy): what a label is a function of (stance_cache)
StanceInput = tuple[str, str | None, str | None, str]


@lru_cache(maxsize=4)
def _model(model_path: str | None):
    return load_model(model_path)


def classify_input(item: tuple[str | None, StanceInput]) -> StanceResult:
    """One input's label under the stance model at `model_path` (loaded once per process)."""
    model_path, (sentence, claim_text, quote_context, policy) = item
    model = _model(model_path)
    return classify_stance(sentence, claim_text=claim_text, quote_context=quote_context,
                           model=model, use_model=model is not None, policy=policy)


def labels_on_cores(inputs: Mapping[str, StanceInput], model_path: str | None, workers: int,
                    on_progress: Callable[[int], Any] | None = None) -> dict[str, StanceResult]:
    """input key -> label of every input that could be classified."""
    keys = sorted(inputs)
    outcomes = map_isolated(classify_input, [(model_path, inputs[key]) for key in keys], workers,
                            preload=PRELOAD, on_progress=on_progress, min_items_per_worker=INPUTS_PER_WORKER)
    return {key: outcome.result for key, outcome in zip(keys, outcomes) if outcome.ok}
