"""The corpus steps run with the cyclic collector paused, and leave it as they found it."""
import gc

import pytest

from orchestration.gc_pause import without_cyclic_gc


def test_a_step_runs_without_the_collector_and_restores_it_even_when_it_fails():
    seen = []

    @without_cyclic_gc
    def step(fail: bool):
        seen.append(gc.isenabled())
        if fail:
            raise RuntimeError("a step that fails")
        return "done"

    assert gc.isenabled()
    assert step(False) == "done"
    with pytest.raises(RuntimeError):
        step(True)
    assert seen == [False, False] and gc.isenabled()


def test_a_generator_step_is_paused_until_its_last_result_and_a_disabled_collector_stays_off():
    @without_cyclic_gc
    def step():
        yield gc.isenabled()
        yield gc.isenabled()

    assert list(step()) == [False, False] and gc.isenabled()
    gc.disable()
    try:
        assert list(step()) == [False, False]
        assert not gc.isenabled()
    finally:
        gc.enable()
