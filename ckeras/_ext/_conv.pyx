# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Convolution (im2col + GEMM with fused bias and activation) and pooling.

Arrays are channels_last: x (N, H, W, C), kernel (KH, KW, C, O), y
(N, OH, OW, O), C-contiguous, one dtype (float32 or float64). 1-D callers
pass H == 1. `pads` = (top, left) leading zero padding and `out_hw` =
(OH, OW): the caller resolves 'valid'/'same'/'causal' (trailing padding is
implied by the output size).
"""

cimport numpy as cnp
import numpy as np

from ckeras._ext._checks cimport (
    check_array, check_code, check_status, data_or_null, empty)
from ckeras._ext.ck_act cimport CK_ACT_LINEAR
from ckeras._ext.ck_blas cimport attach_blas
from ckeras._ext.ck_conv cimport *

cnp.import_array()
attach_blas()


cdef int _shape(ck_conv2d_shape *s, tuple xshape, tuple kshape, object strides,
                object dilations, object pads, object out_hw) except -1:
    if len(xshape) != 4:
        raise ValueError(f"x must be 4-D (N, H, W, C), got shape {xshape}")
    s.N, s.H, s.W, s.C = xshape
    s.KH, s.KW = kshape[0], kshape[1]
    s.O = kshape[3] if len(kshape) == 4 else s.C
    s.SH, s.SW = strides
    s.DH, s.DW = dilations
    s.PT, s.PL = pads
    s.OH, s.OW = out_hw
    if s.SH < 1 or s.SW < 1 or s.DH < 1 or s.DW < 1:
        raise ValueError("strides and dilations must be >= 1")
    return 0


cdef object _col(ck_conv2d_shape *s, int t):
    cdef size_t elem = 4 if t == cnp.NPY_FLOAT32 else 8
    cdef size_t rows = ck_conv2d_col_rows(s, elem)
    cdef cnp.npy_intp n = rows * s.KH * s.KW * s.C
    if rows == 0:
        return None
    return empty(1, &n, t)


cdef object _empty4(size_t a, size_t b, size_t c, size_t d, int t):
    cdef cnp.npy_intp dims[4]
    dims[0] = a
    dims[1] = b
    dims[2] = c
    dims[3] = d
    return empty(4, dims, t)


def conv2d_fwd(x, w, b, int code, strides, dilations, pads, out_hw):
    """y = act(conv2d(x, w) + b) -> (N, OH, OW, O); b (O,) or None."""
    check_code(code)
    cdef int t = check_array(x, "x", 4, -1)
    check_array(w, "w", 4, t)
    cdef ck_conv2d_shape s
    _shape(&s, x.shape, w.shape, strides, dilations, pads, out_hw)
    if <size_t> w.shape[2] != s.C:
        raise ValueError(f"w has shape {w.shape}, expected (KH, KW, {s.C}, O) "
                         f"for x of shape {x.shape}")
    if b is not None:
        check_array(b, "b", 1, t)
        if <size_t> b.shape[0] != s.O:
            raise ValueError(f"b has shape {b.shape}, expected ({s.O},)")
    y = _empty4(s.N, s.OH, s.OW, s.O, t)
    col = _col(&s, t)
    cdef void *xp = data_or_null(x)
    cdef void *wp = data_or_null(w)
    cdef void *bp = data_or_null(b)
    cdef void *cp = data_or_null(col)
    cdef void *yp = data_or_null(y)
    cdef int st
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_conv2d_fwd_f32(&s, <float *> xp, <float *> wp, <float *> bp, code,
                                   <float *> cp, <float *> yp)
        else:
            st = ck_conv2d_fwd_f64(&s, <double *> xp, <double *> wp, <double *> bp, code,
                                   <double *> cp, <double *> yp)
    check_status(st, "conv2d_fwd")
    return y


def conv2d_bwd(x, w, y, dy, int code, strides, dilations, pads, need_dx=True,
               need_dw=True, need_db=True, x_shape=None):
    """Gradients of y = act(conv2d(x, w) + b) from the saved output y.

    Returns (dx, dw, db), None where not needed. x may be None when dw is not
    needed (then x_shape gives its shape); y may be None for the linear code.
    """
    check_code(code)
    cdef int t = check_array(dy, "dy", 4, -1)
    check_array(w, "w", 4, t)
    if x is not None:
        check_array(x, "x", 4, t)
        x_shape = x.shape
    elif need_dw or x_shape is None:
        raise ValueError("x is needed for dw (and x_shape when x is None)")
    x_shape = tuple(int(v) for v in x_shape)
    cdef ck_conv2d_shape s
    _shape(&s, x_shape, w.shape, strides, dilations, pads, dy.shape[1:3])
    if <size_t> w.shape[2] != s.C or <size_t> dy.shape[0] != s.N or \
            <size_t> dy.shape[3] != s.O:
        raise ValueError(f"shapes do not agree: x {x_shape}, w {w.shape}, dy {dy.shape}")
    if code != CK_ACT_LINEAR:
        check_array(y, "y", 4, t)
        if y.shape != dy.shape:
            raise ValueError(f"y has shape {y.shape}, expected {dy.shape}")
    dz = None if code == CK_ACT_LINEAR else _empty4(s.N, s.OH, s.OW, s.O, t)
    dx = _empty4(s.N, s.H, s.W, s.C, t) if need_dx else None
    dw = np.empty(w.shape, dtype=w.dtype) if need_dw else None
    cdef cnp.npy_intp nb = s.O
    db = empty(1, &nb, t) if need_db else None
    col = _col(&s, t) if (need_dx or need_dw) else None
    cdef void *xp = data_or_null(x)
    cdef void *wp = data_or_null(w)
    cdef void *yp = data_or_null(y) if code != CK_ACT_LINEAR else NULL
    cdef void *gp = data_or_null(dy)
    cdef void *zp = data_or_null(dz)
    cdef void *cp = data_or_null(col)
    cdef void *dxp = data_or_null(dx)
    cdef void *dwp = data_or_null(dw)
    cdef void *dbp = data_or_null(db)
    cdef int st
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_conv2d_bwd_f32(&s, <float *> xp, <float *> wp, <float *> yp,
                                   <float *> gp, code, <float *> zp, <float *> cp,
                                   <float *> dxp, <float *> dwp, <float *> dbp)
        else:
            st = ck_conv2d_bwd_f64(&s, <double *> xp, <double *> wp, <double *> yp,
                                   <double *> gp, code, <double *> zp, <double *> cp,
                                   <double *> dxp, <double *> dwp, <double *> dbp)
    check_status(st, "conv2d_bwd")
    return dx, dw, db


def pool2d_fwd(x, pool_size, strides, pads, out_hw, int mode):
    """Max (mode 0) or average (mode 1) pooling -> (y, idx); idx (int32, the
    flat input position of each maximum) is None for average pooling."""
    cdef int t = check_array(x, "x", 4, -1)
    cdef ck_conv2d_shape s
    _shape(&s, x.shape, tuple(pool_size), strides, (1, 1), pads, out_hw)
    y = _empty4(s.N, s.OH, s.OW, s.C, t)
    idx = np.empty((s.N, s.OH, s.OW, s.C), np.intc) if mode == 0 else None
    cdef void *xp = data_or_null(x)
    cdef void *yp = data_or_null(y)
    cdef void *ip = NULL if idx is None else cnp.PyArray_DATA(<cnp.ndarray> idx)
    cdef int st
    with nogil:
        if mode == 0:
            if t == cnp.NPY_FLOAT32:
                st = ck_pool2d_max_fwd_f32(&s, <float *> xp, <float *> yp, <int *> ip)
            else:
                st = ck_pool2d_max_fwd_f64(&s, <double *> xp, <double *> yp, <int *> ip)
        else:
            if t == cnp.NPY_FLOAT32:
                st = ck_pool2d_avg_fwd_f32(&s, <float *> xp, <float *> yp)
            else:
                st = ck_pool2d_avg_fwd_f64(&s, <double *> xp, <double *> yp)
    check_status(st, "pool2d_fwd")
    return y, idx


def pool2d_bwd(dy, idx, x_shape, pool_size, strides, pads, int mode):
    """dx of pool2d_fwd (idx from the forward call for max pooling)."""
    cdef int t = check_array(dy, "dy", 4, -1)
    cdef ck_conv2d_shape s
    _shape(&s, tuple(int(v) for v in x_shape), tuple(pool_size), strides, (1, 1), pads,
           dy.shape[1:3])
    if mode == 0:
        if not isinstance(idx, np.ndarray) or idx.dtype != np.intc or \
                not idx.flags.c_contiguous or idx.shape != dy.shape:
            raise ValueError("idx must be the C-contiguous int32 array of pool2d_fwd")
    dx = _empty4(s.N, s.H, s.W, s.C, t)
    cdef void *gp = data_or_null(dy)
    cdef void *dxp = data_or_null(dx)
    cdef void *ip = NULL if mode != 0 else cnp.PyArray_DATA(<cnp.ndarray> idx)
    cdef int st
    with nogil:
        if mode == 0:
            if t == cnp.NPY_FLOAT32:
                st = ck_pool2d_max_bwd_f32(&s, <int *> ip, <float *> gp, <float *> dxp)
            else:
                st = ck_pool2d_max_bwd_f64(&s, <int *> ip, <double *> gp, <double *> dxp)
        else:
            if t == cnp.NPY_FLOAT32:
                st = ck_pool2d_avg_bwd_f32(&s, <float *> gp, <float *> dxp)
            else:
                st = ck_pool2d_avg_bwd_f64(&s, <double *> gp, <double *> dxp)
    check_status(st, "pool2d_bwd")
    return dx
