"""Thread settings of the C kernels and of the BLAS they call.

By default ckeras decides each call's threads itself: a GEMM runs on its
caller's thread, and one large enough to pay for it is shared with ckeras's
one helper thread, when this process may use two cores or more (its affinity
mask and cgroup CPU quota). The helper polls briefly for work, then sleeps,
and a caller waiting for the helper's part sleeps too, so on a busy machine
ckeras loses about the share of the core another process takes, not more.
`set_blas_threads` and `set_kernel_threads` override the choice.
"""
from ckeras import kernels


def set_blas_threads(n):
    """Sets how many threads each BLAS call of the kernels may use.

    With None (the default) ckeras decides per call: the BLAS runs on the
    calling thread, and large products are shared with the kernels' helper
    thread (see `set_kernel_threads`). With a positive `n`, every product
    goes to the BLAS's own thread pool of `n` threads instead; when that
    BLAS is NumPy's (no `ckeras[openblas]` installed), this sets NumPy's
    pool too. One thread per call suits servers that predict from several
    Python threads at once: the kernels release the GIL, so the caller's
    threads run in parallel instead of competing for a pool.

    Args:
        n: a positive integer, or None for ckeras's own choice.

    Returns:
        The previous setting.

    Example:

    >>> from ckeras.utils import set_blas_threads
    >>> previous = set_blas_threads(1)
    >>> _ = set_blas_threads(previous)
    """
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 1):
        raise ValueError(f"`n` must be a positive integer or None, received {n!r}")
    return kernels.set_blas_threads(n)


def get_blas_threads():
    """Returns how many threads a BLAS call may use: None when ckeras
    decides per call (the default), else the `n` of `set_blas_threads`."""
    return kernels.get_blas_threads()


def set_kernel_threads(n):
    """Sets how many threads one kernel call may use by itself.

    With 2 (the default when this process may use two cores or more) large
    matrix products are shared with a helper thread, an LSTM inference call
    at batch size 1 shares each timestep with it (each core reads the
    weights of half the units from its own cache, and the call takes about
    two thirds of the time it takes on one thread), and `pad_sequences`
    shares the conversion of large inputs with it. With one core (affinity
    or cgroup quota) the default is 1. The helper stays out while calls from
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
