"""Thread settings of the BLAS that the C kernels call."""


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
    from ckeras._ext import _blas
    _blas.set_num_threads(n)


def get_blas_threads():
    """Returns the number of threads a BLAS call may use."""
    from ckeras._ext import _blas
    return _blas.get_num_threads()
