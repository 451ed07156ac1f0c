"""Layer normalization over the last axis (csrc/ck_normalization.h) and its
backward. Same signatures, results and errors as the NumPy reference.

x (rows, cols) float32 or float64, C-contiguous; gamma and beta (cols,) of
the same dtype, or None. Rows are shared with the helper thread.
"""

cimport numpy as cnp
from cython cimport floating

from ckeras._ext._checks cimport check_array, check_shaped, check_status, data_or_null, empty
from ckeras._ext.ck_normalization cimport ck_layer_norm_bwd, ck_layer_norm_fwd
from ckeras._ext.ck_threads cimport attach_threads

cnp.import_array()
attach_threads()

ENUMS = {}


cdef int _check_params(x, gamma, beta, int t) except -1:
    cdef tuple shape = (x.shape[1],)
    if gamma is not None:
        check_shaped(gamma, "gamma", shape, t)
    if beta is not None:
        check_shaped(beta, "beta", shape, t)
    return 0


def layer_norm_fwd(x, gamma, beta, double eps):
    """`(y, mean, rstd)`: y = (x - mean) * rstd * gamma + beta per row, with
    rstd = 1 / sqrt(var + eps); mean and rstd (rows,) for the backward."""
    cdef int t = check_array(x, "x", 2, -1)
    _check_params(x, gamma, beta, t)
    if not eps >= 0.0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    if x.shape[0] > 0 and x.shape[1] == 0:
        raise ValueError("x has no columns to normalize over")
    cdef cnp.npy_intp rows = x.shape[0]
    y = empty(2, cnp.PyArray_DIMS(<cnp.ndarray> x), t)
    mean = empty(1, &rows, t)
    rstd = empty(1, &rows, t)
    if t == cnp.NPY_FLOAT32:
        _fwd(<float *> data_or_null(y), x, gamma, beta, eps, mean, rstd)
    else:
        _fwd(<double *> data_or_null(y), x, gamma, beta, eps, mean, rstd)
    return y, mean, rstd


cdef int _fwd(floating *y, x, gamma, beta, double eps, mean, rstd) except -1:
    cdef size_t rows = x.shape[0], cols = x.shape[1]
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *gp = <const floating *> data_or_null(gamma)
    cdef const floating *bp = <const floating *> data_or_null(beta)
    cdef floating *mp = <floating *> data_or_null(mean)
    cdef floating *rp = <floating *> data_or_null(rstd)
    cdef int st
    with nogil:
        st = ck_layer_norm_fwd(rows, cols, xp, gp, bp, eps, y, mp, rp)
    return check_status(st, "layer_norm_fwd")


def layer_norm_bwd(x, gamma, mean, rstd, dy, bint with_beta):
    """`(dx, dgamma, dbeta)` of `layer_norm_fwd` from its saved statistics;
    dgamma is None without gamma, dbeta None unless `with_beta`."""
    cdef int t = check_array(x, "x", 2, -1)
    _check_params(x, gamma, None, t)
    check_shaped(mean, "mean", (x.shape[0],), t)
    check_shaped(rstd, "rstd", (x.shape[0],), t)
    check_shaped(dy, "dy", x.shape, t)
    cdef cnp.npy_intp cols = x.shape[1]
    dx = empty(2, cnp.PyArray_DIMS(<cnp.ndarray> x), t)
    dgamma = empty(1, &cols, t) if gamma is not None else None
    dbeta = empty(1, &cols, t) if with_beta else None
    if t == cnp.NPY_FLOAT32:
        _bwd(<float *> data_or_null(dx), x, gamma, mean, rstd, dy, dgamma, dbeta)
    else:
        _bwd(<double *> data_or_null(dx), x, gamma, mean, rstd, dy, dgamma, dbeta)
    return dx, dgamma, dbeta


cdef int _bwd(floating *dx, x, gamma, mean, rstd, dy, dgamma, dbeta) except -1:
    cdef size_t rows = x.shape[0], cols = x.shape[1]
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *gp = <const floating *> data_or_null(gamma)
    cdef const floating *mp = <const floating *> data_or_null(mean)
    cdef const floating *rp = <const floating *> data_or_null(rstd)
    cdef const floating *dp = <const floating *> data_or_null(dy)
    cdef floating *dgp = <floating *> data_or_null(dgamma)
    cdef floating *dbp = <floating *> data_or_null(dbeta)
    cdef int st
    with nogil:
        st = ck_layer_norm_bwd(rows, cols, xp, gp, mp, rp, dp, dx, dgp, dbp)
    return check_status(st, "layer_norm_bwd")
