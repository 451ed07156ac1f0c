# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Activation kernels: act_fwd(code, x) and act_bwd(code, y, dy).

Any C-contiguous float32/float64 array; softmax (code 4) is row-wise over
the last axis. The backward takes the forward OUTPUT y.
"""

cimport numpy as cnp

from ckeras._ext._checks cimport (
    check_array, check_code, check_status, empty, same_shape)
from ckeras._ext.ck_act cimport (
    CK_ACT_HARD_SIGMOID, CK_ACT_LINEAR, CK_ACT_NCODES, CK_ACT_RELU,
    CK_ACT_SIGMOID, CK_ACT_SOFTMAX, CK_ACT_TANH, ck_act_bwd_f32, ck_act_bwd_f64,
    ck_act_fwd_f32, ck_act_fwd_f64, ck_act_softmax_bwd_f32,
    ck_act_softmax_bwd_f64, ck_act_softmax_fwd_f32, ck_act_softmax_fwd_f64)

cnp.import_array()

LINEAR = CK_ACT_LINEAR
RELU = CK_ACT_RELU
SIGMOID = CK_ACT_SIGMOID
TANH = CK_ACT_TANH
SOFTMAX = CK_ACT_SOFTMAX
HARD_SIGMOID = CK_ACT_HARD_SIGMOID
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
    cdef size_t n = cnp.PyArray_SIZE(xa)
    cdef size_t cols = _cols(xa)
    cdef size_t rows = n // cols if cols > 0 else 0
    cdef int st = 0
    if n == 0:
        return y
    cdef void *xp = cnp.PyArray_DATA(xa)
    cdef void *yp = cnp.PyArray_DATA(<cnp.ndarray> y)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            if code == CK_ACT_SOFTMAX:
                st = ck_act_softmax_fwd_f32(rows, cols, <float *> xp, <float *> yp)
            else:
                st = ck_act_fwd_f32(code, n, <float *> xp, <float *> yp)
        else:
            if code == CK_ACT_SOFTMAX:
                st = ck_act_softmax_fwd_f64(rows, cols, <double *> xp, <double *> yp)
            else:
                st = ck_act_fwd_f64(code, n, <double *> xp, <double *> yp)
    check_status(st, "act_fwd")
    return y


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
    cdef size_t n = cnp.PyArray_SIZE(ya)
    cdef size_t cols = _cols(ya)
    cdef size_t rows = n // cols if cols > 0 else 0
    cdef int st = 0
    if n == 0:
        return dx
    cdef void *yp = cnp.PyArray_DATA(ya)
    cdef void *gp = cnp.PyArray_DATA(<cnp.ndarray> dy)
    cdef void *dp = cnp.PyArray_DATA(<cnp.ndarray> dx)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            if code == CK_ACT_SOFTMAX:
                st = ck_act_softmax_bwd_f32(rows, cols, <float *> yp, <float *> gp, <float *> dp)
            else:
                st = ck_act_bwd_f32(code, n, <float *> yp, <float *> gp, <float *> dp)
        else:
            if code == CK_ACT_SOFTMAX:
                st = ck_act_softmax_bwd_f64(rows, cols, <double *> yp, <double *> gp, <double *> dp)
            else:
                st = ck_act_bwd_f64(code, n, <double *> yp, <double *> gp, <double *> dp)
    check_status(st, "act_bwd")
    return dx
