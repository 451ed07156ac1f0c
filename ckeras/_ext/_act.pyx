"""Activation kernels: act_fwd(code, x) and act_bwd(code, y, dy).

Any C-contiguous float32/float64 array; softmax (code SOFTMAX) is row-wise
over the last axis. The backward takes the forward OUTPUT y.
"""

cimport numpy as cnp
from cython cimport floating

from ckeras._ext._checks cimport (
    check_array, check_code, check_status, data_or_null, empty, same_shape)
from ckeras._ext.ck_act cimport (
    CK_ACT_NCODES, CK_ACT_SOFTMAX, act_enum, ck_act_bwd, ck_act_fwd, ck_act_softmax_bwd,
    ck_act_softmax_fwd)

cnp.import_array()

ENUMS = {"Act": act_enum()}
NCODES = CK_ACT_NCODES


cdef inline Py_ssize_t _cols(cnp.ndarray a):
    cdef int nd = cnp.PyArray_NDIM(a)
    return cnp.PyArray_DIMS(a)[nd - 1] if nd > 0 else 1


def act_fwd(int code, x):
    """y = act(x) for activation `code`; a new array of x's shape and dtype."""
    check_code(code)
    cdef int t = check_array(x, "x", -1, -1)
    cdef cnp.ndarray xa = <cnp.ndarray> x
    if code == CK_ACT_SOFTMAX and cnp.PyArray_NDIM(xa) == 0:
        raise ValueError("x must have at least 1 dimension for softmax, got a 0-d array")
    y = empty(cnp.PyArray_NDIM(xa), cnp.PyArray_DIMS(xa), t)
    if cnp.PyArray_SIZE(xa) == 0:
        return y
    if t == cnp.NPY_FLOAT32:
        _fwd(<float *> data_or_null(y), code, xa)
    else:
        _fwd(<double *> data_or_null(y), code, xa)
    return y


cdef int _fwd(floating *y, int code, cnp.ndarray x) except -1:
    cdef const floating *xp = <const floating *> cnp.PyArray_DATA(x)
    cdef size_t n = cnp.PyArray_SIZE(x)
    cdef size_t cols = _cols(x)
    cdef int st
    with nogil:
        if code == CK_ACT_SOFTMAX:
            st = ck_act_softmax_fwd(n // cols if cols > 0 else 0, cols, xp, y)
        else:
            st = ck_act_fwd(code, n, xp, y)
    return check_status(st, "act_fwd")


def act_bwd(int code, y, dy):
    """dx = dy * act'(x), computed from the forward output y = act(x)."""
    check_code(code)
    cdef int t = check_array(y, "y", -1, -1)
    check_array(dy, "dy", -1, t)
    cdef cnp.ndarray ya = <cnp.ndarray> y
    if not same_shape(ya, <cnp.ndarray> dy):
        raise ValueError(f"dy has shape {dy.shape}, expected y's shape {y.shape}")
    if code == CK_ACT_SOFTMAX and cnp.PyArray_NDIM(ya) == 0:
        raise ValueError("y must have at least 1 dimension for softmax, got a 0-d array")
    dx = empty(cnp.PyArray_NDIM(ya), cnp.PyArray_DIMS(ya), t)
    if cnp.PyArray_SIZE(ya) == 0:
        return dx
    if t == cnp.NPY_FLOAT32:
        _bwd(<float *> data_or_null(dx), code, ya, dy)
    else:
        _bwd(<double *> data_or_null(dx), code, ya, dy)
    return dx


cdef int _bwd(floating *dx, int code, cnp.ndarray y, object dy) except -1:
    cdef const floating *yp = <const floating *> cnp.PyArray_DATA(y)
    cdef const floating *gp = <const floating *> data_or_null(dy)
    cdef size_t n = cnp.PyArray_SIZE(y)
    cdef size_t cols = _cols(y)
    cdef int st
    with nogil:
        if code == CK_ACT_SOFTMAX:
            st = ck_act_softmax_bwd(n // cols if cols > 0 else 0, cols, yp, gp, dx)
        else:
            st = ck_act_bwd(code, n, yp, gp, dx)
    return check_status(st, "act_bwd")
