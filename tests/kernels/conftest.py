"""Fixtures shared by the kernel tests."""
import numpy as np
import pytest


def _assert_same(alone, shared):
    if isinstance(alone, (tuple, list)):
        assert len(alone) == len(shared)
        for a, b in zip(alone, shared):
            _assert_same(a, b)
    else:
        np.testing.assert_array_equal(alone, shared)


@pytest.fixture
def same_with_helper():
    """`check(run, tries)`: `run()` (arrays, or nested tuples/lists of them)
    with the helper thread off, then again with it on until the helper has
    taken a job (at most `tries` calls), each result bit-identical to the
    first; fails if the helper never took part. The helper's setting is
    restored."""
    threads = pytest.importorskip("ckeras._ext._threads")

    def check(run, tries):
        prev = threads.set_helper_enabled(False)
        try:
            alone = run()
        finally:
            threads.set_helper_enabled(True)
        try:
            jobs = threads.helper_jobs_taken()
            for _ in range(tries):
                _assert_same(alone, run())
                if threads.helper_jobs_taken() > jobs:
                    break
            assert threads.helper_jobs_taken() > jobs
        finally:
            threads.set_helper_enabled(prev)
    return check
