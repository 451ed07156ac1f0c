"""Switches that only tests use: they force a kernel's internal strategy so
every code path can be checked against the reference. Not for production
code; nothing outside tests/ and benchmarks/ imports this module."""
from ckeras.kernels import c_module

__all__ = ["set_fused_steps", "set_split_strict", "set_batch_chunk", "set_train_strict",
           "train_strict_runs", "helper_jobs_taken"]


def set_fused_steps(on):
    """LSTM inference: allow (True, the default) or forbid the fused AVX-512
    step, so the generic transposed step can be tested on AVX-512 machines.
    Returns the previous setting."""
    return c_module("rnn").set_fused_steps(bool(on))


def set_split_strict(on):
    """Batch-1 LSTM inference: with True the helper thread must take every
    upper half of a step (the caller waits for it), so a test can assert the
    split path ran; never while kernels run on other threads. Returns the
    previous setting."""
    return c_module("rnn").set_split_strict(bool(on))


def set_batch_chunk(chunks):
    """Batched float LSTM inference on the AVX-512 tiles: run the batch in
    ranges of `chunks` 16-column chunks (0, the default: two halves, one
    per thread), so a test can compare splits bit for bit. Returns the
    previous setting."""
    return c_module("rnn").set_batch_chunk(int(chunks))


def set_train_strict(on):
    """Float LSTM training on the register tiles: with True, whenever the
    helper thread can start, it runs one half of the batch and the caller
    waits for it (instead of taking that half when the helper is late), so
    a test can compare the split with the caller alone bit for bit; never
    while kernels run on other threads. Returns the previous setting."""
    return c_module("rnn").set_train_strict(bool(on))


def train_strict_runs():
    """How many training halves the helper thread ran under set_train_strict."""
    return c_module("rnn").train_strict_runs()


def helper_jobs_taken():
    """How many jobs the helper thread has taken part in since the process began."""
    return c_module("threads").helper_jobs_taken()
