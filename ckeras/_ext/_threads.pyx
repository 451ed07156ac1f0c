"""The kernels' helper thread (csrc/ck_threads.h): one per process.

This module's copy of the C threading code is the one that runs; every
module whose kernels share work with the helper (_rnn: batch-1 LSTM
inference, _sequence: the first pass of pad_sequences) attaches to it at
import (``ck_threads.pxd: attach_threads``).
"""

from libc.stdint cimport uintptr_t

from ckeras._ext.ck_threads cimport (
    ck_threads_attach, ck_threads_enabled, ck_threads_jobs_taken, ck_threads_own,
    ck_threads_set_enabled)

ck_threads_attach(ck_threads_own())


def _table_address():
    """Address of the helper's function table, for attach_threads()."""
    return <uintptr_t> ck_threads_own()


def set_helper_enabled(bint on):
    """Whether kernels may share a call's work with the helper thread.
    Returns the previous setting."""
    return bool(ck_threads_set_enabled(1 if on else 0))


def helper_enabled():
    """Whether kernels may use the helper thread."""
    return bool(ck_threads_enabled())


def helper_jobs_taken():
    """How many jobs the helper thread has taken part in (tests)."""
    return ck_threads_jobs_taken()
