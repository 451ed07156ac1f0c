"""Thread settings of the C kernels and of the BLAS they call."""
from ckeras import kernels


def set_blas_threads(n):
    """Sets how many threads each BLAS call may use.

    One thread per call suits servers that predict from several Python
    threads at once: the kernels release the GIL, so the caller's threads run
    in parallel instead of competing for the BLAS pool.

    Args:
        n: a positive integer.
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"`n` must be a positive integer, received {n!r}")
    kernels.set_blas_threads(n)


def get_blas_threads():
    """Returns the number of threads a BLAS call may use."""
    return kernels.get_blas_threads()


def set_kernel_threads(n):
    """Sets how many threads one kernel call may use by itself.

    With 2 (the default) an LSTM inference call at batch size 1 shares each
    timestep with a helper thread: each core reads the weights of half the
    units from its own cache, and the call takes about two thirds of the
    time it takes on one thread; `pad_sequences` shares the conversion of
    large inputs with the same helper. The helper stays out while calls from
    several threads overlap, so servers that predict from many threads keep
    their throughput. After a call the helper polls for the next one for
    about 0.3 ms (so back-to-back calls find it awake), then sleeps. With 1
    every call runs on its caller's thread only.

    Args:
        n: a positive integer; values above 2 act as 2.

    Example:

    >>> from ckeras.utils import set_kernel_threads
    >>> set_kernel_threads(1)
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"`n` must be a positive integer, received {n!r}")
    kernels.set_helper_enabled(n >= 2)


def get_kernel_threads():
    """Returns how many threads one kernel call may use (1 or 2)."""
    return 2 if kernels.helper_enabled() else 1
