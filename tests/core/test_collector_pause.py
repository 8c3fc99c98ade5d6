"""Batches pause Python's cycle collector while they build rows, and always resume it."""

import gc

import pytest

from core.services import gc_paused


def test_a_batch_runs_without_the_collector_and_resumes_it_even_when_it_fails():
    seen = []

    @gc_paused()
    def batch(fail: bool):
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("refused")

    batch(False)
    with pytest.raises(ValueError):
        batch(True)

    assert seen == [False, False]
    assert gc.isenabled()


def test_a_batch_inside_a_batch_leaves_the_resuming_to_the_outer_one():
    with gc_paused():
        with gc_paused():
            pass
        still_paused = not gc.isenabled()

    assert still_paused and gc.isenabled()
