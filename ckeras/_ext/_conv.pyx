"""Convolution (im2col + GEMM with fused bias and activation) and pooling.

Arrays are channels_last: x (N, H, W, C), kernel (KH, KW, C, O), y
(N, OH, OW, O), C-contiguous, one dtype (float32 or float64). 1-D callers
pass H == 1. `pads` = (top, left) leading zero padding and `out_hw` =
(OH, OW): the caller resolves 'valid'/'same'/'causal' (trailing padding is
implied by the output size).
"""

cimport numpy as cnp
from cython cimport floating
import numpy as np

from ckeras._ext._checks cimport (
    check_array, check_code, check_status, data_or_null, empty)
from ckeras._ext.ck_act cimport CK_ACT_LINEAR, act_enum
from ckeras._ext.ck_blas cimport attach_blas
from ckeras._ext.ck_conv cimport *

cnp.import_array()
attach_blas()

ENUMS = {"Act": act_enum(), "Pool": {"MAX": CK_POOL_MAX, "AVG": CK_POOL_AVG}}


# The kernels' index arithmetic (oh*SH + kh*DH - PT, in ptrdiff_t) is exact
# for any window, stride, dilation, pad and output size below this; beyond it
# no image fits in memory anyway.
cdef size_t _GEOMETRY_MAX = 1 << 31


cdef int _shape(ck_conv2d_shape *s, tuple xshape, tuple kshape, object strides,
                object dilations, object pads, object out_hw) except -1:
    if len(xshape) != 4:
        raise ValueError(f"x must be 4-D (N, H, W, C), got shape {xshape}")
    if len(kshape) < 2:
        raise ValueError(f"the window must have 2 sizes (KH, KW), got {kshape}")
    s.N, s.H, s.W, s.C = xshape
    s.KH, s.KW = kshape[0], kshape[1]
    s.O = kshape[3] if len(kshape) == 4 else s.C
    s.SH, s.SW = strides
    s.DH, s.DW = dilations
    s.PT, s.PL = pads
    s.OH, s.OW = out_hw
    if s.SH < 1 or s.SW < 1 or s.DH < 1 or s.DW < 1:
        raise ValueError("strides and dilations must be >= 1")
    for v in (s.KH, s.KW, s.SH, s.SW, s.DH, s.DW, s.PT, s.PL, s.OH, s.OW):
        if v >= _GEOMETRY_MAX:
            raise ValueError(f"window, strides, dilations, pads and output sizes must be "
                             f"< 2**31, got {v}")
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
    if t == cnp.NPY_FLOAT32:
        _fwd(<float *> data_or_null(y), &s, x, w, b, code, col)
    else:
        _fwd(<double *> data_or_null(y), &s, x, w, b, code, col)
    return y


cdef int _fwd(floating *y, const ck_conv2d_shape *s, x, w, b, int code, col) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *wp = <const floating *> data_or_null(w)
    cdef const floating *bp = <const floating *> data_or_null(b)
    cdef floating *cp = <floating *> data_or_null(col)
    cdef int st
    with nogil:
        st = ck_conv2d_fwd(s, xp, wp, bp, code, cp, y)
    return check_status(st, "conv2d_fwd")


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
    if t == cnp.NPY_FLOAT32:
        _bwd(<float *> data_or_null(dy), &s, x, w, y, code, dz, col, dx, dw, db)
    else:
        _bwd(<double *> data_or_null(dy), &s, x, w, y, code, dz, col, dx, dw, db)
    return dx, dw, db


cdef int _bwd(const floating *dy, const ck_conv2d_shape *s, x, w, y, int code, dz, col,
              dx, dw, db) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *wp = <const floating *> data_or_null(w)
    cdef const floating *yp = <const floating *> (data_or_null(y) if code != CK_ACT_LINEAR
                                                  else NULL)
    cdef floating *zp = <floating *> data_or_null(dz)
    cdef floating *cp = <floating *> data_or_null(col)
    cdef floating *dxp = <floating *> data_or_null(dx)
    cdef floating *dwp = <floating *> data_or_null(dw)
    cdef floating *dbp = <floating *> data_or_null(db)
    cdef int st
    with nogil:
        st = ck_conv2d_bwd(s, xp, wp, yp, dy, code, zp, cp, dxp, dwp, dbp)
    return check_status(st, "conv2d_bwd")


def pool2d_fwd(x, pool_size, strides, pads, out_hw, int mode):
    """Max (mode MAX) or average (any other mode) pooling -> (y, idx); idx
    (int32, the flat input position of each maximum) is None for average."""
    cdef int t = check_array(x, "x", 4, -1)
    cdef ck_conv2d_shape s
    _shape(&s, x.shape, tuple(pool_size), strides, (1, 1), pads, out_hw)
    y = _empty4(s.N, s.OH, s.OW, s.C, t)
    idx = np.empty((s.N, s.OH, s.OW, s.C), np.intc) if mode == CK_POOL_MAX else None
    if t == cnp.NPY_FLOAT32:
        _pool_fwd(<float *> data_or_null(y), &s, x, idx, mode == CK_POOL_MAX)
    else:
        _pool_fwd(<double *> data_or_null(y), &s, x, idx, mode == CK_POOL_MAX)
    return y, idx


cdef int _pool_fwd(floating *y, const ck_conv2d_shape *s, x, idx, bint is_max) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef int *ip = <int *> (NULL if idx is None else cnp.PyArray_DATA(<cnp.ndarray> idx))
    cdef int st
    with nogil:
        if is_max:
            st = ck_pool2d_max_fwd(s, xp, y, ip)
        else:
            st = ck_pool2d_avg_fwd(s, xp, y)
    return check_status(st, "pool2d_fwd")


def pool2d_bwd(dy, idx, x_shape, pool_size, strides, pads, int mode):
    """dx of pool2d_fwd (idx from the forward call for max pooling)."""
    cdef int t = check_array(dy, "dy", 4, -1)
    cdef ck_conv2d_shape s
    _shape(&s, tuple(int(v) for v in x_shape), tuple(pool_size), strides, (1, 1), pads,
           dy.shape[1:3])
    if mode == CK_POOL_MAX:
        if not isinstance(idx, np.ndarray) or idx.dtype != np.intc or \
                not idx.flags.c_contiguous or idx.shape != dy.shape:
            raise ValueError("idx must be the C-contiguous int32 array of pool2d_fwd")
    dx = _empty4(s.N, s.H, s.W, s.C, t)
    if t == cnp.NPY_FLOAT32:
        _pool_bwd(<float *> data_or_null(dx), &s, dy, idx, mode == CK_POOL_MAX)
    else:
        _pool_bwd(<double *> data_or_null(dx), &s, dy, idx, mode == CK_POOL_MAX)
    return dx


cdef int _pool_bwd(floating *dx, const ck_conv2d_shape *s, dy, idx, bint is_max) except -1:
    cdef const floating *gp = <const floating *> data_or_null(dy)
    cdef const int *ip = <const int *> (cnp.PyArray_DATA(<cnp.ndarray> idx) if is_max
                                        else NULL)
    cdef int st
    with nogil:
        if is_max:
            st = ck_pool2d_max_bwd(s, ip, gp, dx)
        else:
            st = ck_pool2d_avg_bwd(s, gp, dx)
    return check_status(st, "pool2d_bwd")
