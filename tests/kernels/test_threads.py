"""The kernels' one helper thread (ckeras._ext._threads, csrc/ck_threads.h):
every kernel that shares work (batch-1 LSTM inference, the first pass of
pad_rows) goes through the same helper, and set_kernel_threads governs all
of them."""
import os
import time

import numpy as np
import pytest

from ckeras.utils import get_kernel_threads, set_kernel_threads

threads = pytest.importorskip("ckeras._ext._threads")
rnn = pytest.importorskip("ckeras._ext._rnn")
sequence = pytest.importorskip("ckeras._ext._sequence")

TANH, SIGMOID = 3, 2


def _lstm_args(T=12, F=16, U=128, seed=0):
    """Batch-1 float32 LSTM inputs large enough for the two-thread split."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, T, F)).astype(np.float32)
    W = (rng.standard_normal((F, 4 * U)) / np.sqrt(F + U)).astype(np.float32)
    R = (rng.standard_normal((U, 4 * U)) / np.sqrt(F + U)).astype(np.float32)
    h0 = rng.standard_normal((1, U)).astype(np.float32)
    c0 = rng.standard_normal((1, U)).astype(np.float32)
    return x, W, R, None, h0, c0, None, False, TANH, SIGMOID, True, False


def _rows(n=6000, seed=1):
    """Enough items (>= 2**18 output items) for the two-thread padding pass."""
    rng = np.random.default_rng(seed)
    return [rng.integers(-9, 10_000, size=rng.integers(0, 90)).tolist() for _ in range(n)]


def _pad(seqs, maxlen=80):
    out = np.empty((len(seqs), maxlen), np.int32)
    sequence.pad_rows(seqs, out, np.full(1, -1, np.int32), 0, 1,
                      lambda i, s: pytest.fail("no row needs the slow path"))
    # every non-empty row belongs to the first, two-thread pass (an empty
    # list has no item array, so the second pass fills it)
    assert sequence.first_pass_left() == sum(len(s) == 0 for s in seqs)
    return out


def _pad_expected(seqs, maxlen=80):
    out = np.full((len(seqs), maxlen), -1, np.int32)
    for i, s in enumerate(seqs):
        kept = s[:maxlen]
        if kept:
            out[i, maxlen - len(kept):] = kept
    return out


@pytest.fixture
def kernel_threads():
    prev = get_kernel_threads()
    time.sleep(0.03)   # past the helper's back-off after overlapping calls
    yield
    set_kernel_threads(prev)


@pytest.mark.parametrize("items", ["ints", "numpy_scalars"])
def test_padding_pass_uses_the_helper_and_obeys_set_kernel_threads(kernel_threads, items):
    # NumPy scalars (`list(array)`) are immutable like ints: the first,
    # two-thread pass takes them too.
    seqs = _rows()
    if items == "numpy_scalars":
        seqs = [list(np.array(s, np.int64)) for s in seqs]
    want = _pad_expected(seqs)
    set_kernel_threads(1)
    jobs = threads.helper_jobs_taken()
    np.testing.assert_array_equal(_pad(seqs), want)
    assert threads.helper_jobs_taken() == jobs
    set_kernel_threads(2)
    # The caller may finish alone before the helper wakes; over a few calls
    # the helper takes part, and the result never depends on who did what.
    for _ in range(200):
        np.testing.assert_array_equal(_pad(seqs), want)
        if threads.helper_jobs_taken() > jobs:
            break
    assert threads.helper_jobs_taken() > jobs


def test_lstm_split_obeys_set_kernel_threads(kernel_threads):
    args = _lstm_args()
    prev_strict = rnn.set_split_strict(True)
    try:
        set_kernel_threads(1)
        assert not threads.helper_enabled()
        jobs = threads.helper_jobs_taken()
        one = rnn.lstm_infer(*args)
        assert threads.helper_jobs_taken() == jobs
        set_kernel_threads(2)
        assert threads.helper_enabled()
        two = rnn.lstm_infer(*args)
        assert threads.helper_jobs_taken() == jobs + 1
    finally:
        rnn.set_split_strict(prev_strict)
    for a, b in zip(one, two):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-5)


def test_set_helper_enabled_returns_previous(kernel_threads):
    assert threads.set_helper_enabled(False) is True
    assert threads.helper_enabled() is False
    assert threads.set_helper_enabled(True) is False
    assert threads.helper_enabled() is True


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc")
def test_one_helper_thread_for_every_kernel(kernel_threads):
    """_rnn and _sequence each compile the threading code, but attach to
    _threads' copy: using both adds at most one thread to the process."""
    def count():
        return len(os.listdir("/proc/self/task"))
    args = _lstm_args()
    seqs = _rows()
    prev_strict = rnn.set_split_strict(True)
    try:
        rnn.lstm_infer(*args)            # the helper exists from here on
        before = count()
        jobs = threads.helper_jobs_taken()
        for _ in range(5):
            rnn.lstm_infer(*args)
            _pad(seqs)
        assert count() == before
        assert threads.helper_jobs_taken() >= jobs + 5
    finally:
        rnn.set_split_strict(prev_strict)
