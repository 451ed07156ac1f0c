"""Convolution (im2col + GEMM with fused bias and activation) and pooling.

Arrays are channels_last: x (N, H, W, C) or (N, D, H, W, C), kernel
(KH, KW, C, O) or (KD, KH, KW, C, O), y (N, OH, OW, O) or (N, OD, OH, OW, O),
C-contiguous, one dtype (float32 or float64). 1-D callers pass H == 1 to the
2-D ops. `pads` = the leading zero padding per spatial axis and `out_hw` /
`out_sizes` the output sizes: the caller resolves 'valid'/'same'/'causal'
(trailing padding is implied by the output size). The 2-D ops run the C
ck_conv2d_* / ck_pool2d_* entries, the 3-D ops ck_conv3d_* / ck_pool3d_*.
"""

cimport numpy as cnp
from cython cimport floating
import numpy as np

from ckeras._ext._checks cimport (
    check_array, check_code, check_status, data_or_null, empty)
from ckeras._ext.ck_act cimport CK_ACT_LINEAR, act_enum
from ckeras._ext.ck_blas cimport attach_blas
from ckeras._ext.ck_conv cimport *
from ckeras._ext.ck_threads cimport attach_threads

cnp.import_array()
attach_blas()
attach_threads()

ENUMS = {"Act": act_enum(), "Pool": {"MAX": CK_POOL_MAX, "AVG": CK_POOL_AVG}}


# The kernels' index arithmetic (oh*SH + kh*DH - PT, in ptrdiff_t) is exact
# for any window, stride, dilation, pad and output size below this; beyond it
# no image fits in memory anyway.
cdef size_t _GEOMETRY_MAX = 1 << 31


cdef int _shape(ck_conv3d_shape *s, int rank, tuple xshape, tuple kshape, object strides,
                object dilations, object pads, object out_sizes) except -1:
    """Fills the 3-D shape; a 2-D problem (rank 2) is the D == 1 case."""
    axes = "(N, H, W, C)" if rank == 2 else "(N, D, H, W, C)"
    if len(xshape) != rank + 2:
        raise ValueError(f"x must be {rank + 2}-D {axes}, got shape {xshape}")
    if len(kshape) < rank:
        raise ValueError(f"the window must have {rank} sizes, got {kshape}")
    if len(strides) != rank or len(dilations) != rank or len(pads) != rank or \
            len(out_sizes) != rank:
        raise ValueError(f"strides, dilations, pads and output sizes need {rank} values each")
    lead = () if rank == 3 else (1,)
    zero = () if rank == 3 else (0,)
    o = kshape[rank + 1] if len(kshape) == rank + 2 else xshape[rank + 1]
    s.N = xshape[0]
    s.D, s.H, s.W = lead + tuple(xshape[1:rank + 1])
    s.C = xshape[rank + 1]
    s.KD, s.KH, s.KW = lead + tuple(kshape[:rank])
    s.O = o
    s.SD, s.SH, s.SW = lead + tuple(strides)
    s.DD, s.DH, s.DW = lead + tuple(dilations)
    s.PF, s.PT, s.PL = zero + tuple(pads)
    s.OD, s.OH, s.OW = lead + tuple(out_sizes)
    if min(s.SD, s.SH, s.SW, s.DD, s.DH, s.DW) < 1:
        raise ValueError("strides and dilations must be >= 1")
    for v in (s.KD, s.KH, s.KW, s.SD, s.SH, s.SW, s.DD, s.DH, s.DW, s.PF, s.PT, s.PL,
              s.OD, s.OH, s.OW):
        if v >= _GEOMETRY_MAX:
            raise ValueError(f"window, strides, dilations, pads and output sizes must be "
                             f"< 2**31, got {v}")
    return 0


cdef ck_conv2d_shape _as_2d(const ck_conv3d_shape *s) noexcept nogil:
    cdef ck_conv2d_shape t
    t.N, t.H, t.W, t.C = s.N, s.H, s.W, s.C
    t.KH, t.KW, t.O = s.KH, s.KW, s.O
    t.SH, t.SW, t.DH, t.DW = s.SH, s.SW, s.DH, s.DW
    t.PT, t.PL, t.OH, t.OW = s.PT, s.PL, s.OH, s.OW
    return t


cdef object _col(ck_conv3d_shape *s, int t):
    cdef size_t elem = 4 if t == cnp.NPY_FLOAT32 else 8
    cdef cnp.npy_intp n = ck_conv3d_col_size(s, elem)
    if n == 0:
        return None
    return empty(1, &n, t)


cdef object _empty(int rank, size_t n, size_t d, size_t h, size_t w, size_t c, int t):
    """(n, h, w, c) for rank 2, (n, d, h, w, c) for rank 3."""
    cdef cnp.npy_intp dims[5]
    cdef int i = 0
    dims[i] = n
    i += 1
    if rank == 3:
        dims[i] = d
        i += 1
    dims[i] = h
    dims[i + 1] = w
    dims[i + 2] = c
    return empty(rank + 2, dims, t)


def conv2d_fwd(x, w, b, int code, strides, dilations, pads, out_hw):
    """y = act(conv2d(x, w) + b) -> (N, OH, OW, O); b (O,) or None."""
    return _conv_fwd(2, x, w, b, code, strides, dilations, pads, out_hw)


def conv3d_fwd(x, w, b, int code, strides, dilations, pads, out_sizes):
    """y = act(conv3d(x, w) + b) -> (N, OD, OH, OW, O); b (O,) or None."""
    return _conv_fwd(3, x, w, b, code, strides, dilations, pads, out_sizes)


cdef object _conv_fwd(int rank, x, w, b, int code, strides, dilations, pads, out_sizes):
    check_code(code)
    cdef int t = check_array(x, "x", rank + 2, -1)
    check_array(w, "w", rank + 2, t)
    cdef ck_conv3d_shape s
    _shape(&s, rank, x.shape, w.shape, strides, dilations, pads, out_sizes)
    if <size_t> w.shape[rank] != s.C:
        raise ValueError(f"w has shape {w.shape}, expected (*window, {s.C}, O) "
                         f"for x of shape {x.shape}")
    if b is not None:
        check_array(b, "b", 1, t)
        if <size_t> b.shape[0] != s.O:
            raise ValueError(f"b has shape {b.shape}, expected ({s.O},)")
    y = _empty(rank, s.N, s.OD, s.OH, s.OW, s.O, t)
    col = _col(&s, t)
    if t == cnp.NPY_FLOAT32:
        _fwd(<float *> data_or_null(y), rank, &s, x, w, b, code, col)
    else:
        _fwd(<double *> data_or_null(y), rank, &s, x, w, b, code, col)
    return y


cdef int _fwd(floating *y, int rank, const ck_conv3d_shape *s, x, w, b, int code,
              col) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *wp = <const floating *> data_or_null(w)
    cdef const floating *bp = <const floating *> data_or_null(b)
    cdef floating *cp = <floating *> data_or_null(col)
    cdef ck_conv2d_shape s2 = _as_2d(s)
    cdef int st
    with nogil:
        if rank == 2:
            st = ck_conv2d_fwd(&s2, xp, wp, bp, code, cp, y)
        else:
            st = ck_conv3d_fwd(s, xp, wp, bp, code, cp, y)
    return check_status(st, "conv2d_fwd" if rank == 2 else "conv3d_fwd")


def conv2d_bwd(x, w, y, dy, int code, strides, dilations, pads, need_dx=True,
               need_dw=True, need_db=True, x_shape=None):
    """Gradients of y = act(conv2d(x, w) + b) from the saved output y.

    Returns (dx, dw, db), None where not needed. x may be None when dw is not
    needed (then x_shape gives its shape); y may be None for the linear code.
    """
    return _conv_bwd(2, x, w, y, dy, code, strides, dilations, pads, need_dx, need_dw,
                     need_db, x_shape)


def conv3d_bwd(x, w, y, dy, int code, strides, dilations, pads, need_dx=True,
               need_dw=True, need_db=True, x_shape=None):
    """Gradients of y = act(conv3d(x, w) + b); as conv2d_bwd."""
    return _conv_bwd(3, x, w, y, dy, code, strides, dilations, pads, need_dx, need_dw,
                     need_db, x_shape)


cdef object _conv_bwd(int rank, x, w, y, dy, int code, strides, dilations, pads, need_dx,
                      need_dw, need_db, x_shape):
    check_code(code)
    cdef int t = check_array(dy, "dy", rank + 2, -1)
    check_array(w, "w", rank + 2, t)
    if x is not None:
        check_array(x, "x", rank + 2, t)
        x_shape = x.shape
    elif need_dw or x_shape is None:
        raise ValueError("x is needed for dw (and x_shape when x is None)")
    x_shape = tuple(int(v) for v in x_shape)
    cdef ck_conv3d_shape s
    _shape(&s, rank, x_shape, w.shape, strides, dilations, pads, dy.shape[1:rank + 1])
    if <size_t> w.shape[rank] != s.C or <size_t> dy.shape[0] != s.N or \
            <size_t> dy.shape[rank + 1] != s.O:
        raise ValueError(f"shapes do not agree: x {x_shape}, w {w.shape}, dy {dy.shape}")
    if code != CK_ACT_LINEAR:
        check_array(y, "y", rank + 2, t)
        if y.shape != dy.shape:
            raise ValueError(f"y has shape {y.shape}, expected {dy.shape}")
    dz = None if code == CK_ACT_LINEAR else _empty(rank, s.N, s.OD, s.OH, s.OW, s.O, t)
    dx = _empty(rank, s.N, s.D, s.H, s.W, s.C, t) if need_dx else None
    dw = np.empty(w.shape, dtype=w.dtype) if need_dw else None
    cdef cnp.npy_intp nb = s.O
    db = empty(1, &nb, t) if need_db else None
    col = _col(&s, t) if (need_dx or need_dw) else None
    if t == cnp.NPY_FLOAT32:
        _bwd(<float *> data_or_null(dy), rank, &s, x, w, y, code, dz, col, dx, dw, db)
    else:
        _bwd(<double *> data_or_null(dy), rank, &s, x, w, y, code, dz, col, dx, dw, db)
    return dx, dw, db


cdef int _bwd(const floating *dy, int rank, const ck_conv3d_shape *s, x, w, y, int code, dz,
              col, dx, dw, db) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *wp = <const floating *> data_or_null(w)
    cdef const floating *yp = <const floating *> (data_or_null(y) if code != CK_ACT_LINEAR
                                                  else NULL)
    cdef floating *zp = <floating *> data_or_null(dz)
    cdef floating *cp = <floating *> data_or_null(col)
    cdef floating *dxp = <floating *> data_or_null(dx)
    cdef floating *dwp = <floating *> data_or_null(dw)
    cdef floating *dbp = <floating *> data_or_null(db)
    cdef ck_conv2d_shape s2 = _as_2d(s)
    cdef int st
    with nogil:
        if rank == 2:
            st = ck_conv2d_bwd(&s2, xp, wp, yp, dy, code, zp, cp, dxp, dwp, dbp)
        else:
            st = ck_conv3d_bwd(s, xp, wp, yp, dy, code, zp, cp, dxp, dwp, dbp)
    return check_status(st, "conv2d_bwd" if rank == 2 else "conv3d_bwd")


def pool2d_fwd(x, pool_size, strides, pads, out_hw, int mode):
    """Max (mode MAX) or average (any other mode) pooling -> (y, idx); idx
    (int32, the flat input position of each maximum) is None for average."""
    return _pool_fwd(2, x, pool_size, strides, pads, out_hw, mode)


def pool3d_fwd(x, pool_size, strides, pads, out_sizes, int mode):
    """3-D pool2d_fwd: idx holds the flat positions (id*H + ih)*W + iw."""
    return _pool_fwd(3, x, pool_size, strides, pads, out_sizes, mode)


cdef object _pool_fwd(int rank, x, pool_size, strides, pads, out_sizes, int mode):
    cdef int t = check_array(x, "x", rank + 2, -1)
    cdef ck_conv3d_shape s
    _shape(&s, rank, x.shape, tuple(pool_size), strides, (1,) * rank, pads, out_sizes)
    y = _empty(rank, s.N, s.OD, s.OH, s.OW, s.C, t)
    idx = np.empty(y.shape, np.intc) if mode == CK_POOL_MAX else None
    if t == cnp.NPY_FLOAT32:
        _pool_fwd_k(<float *> data_or_null(y), rank, &s, x, idx, mode == CK_POOL_MAX)
    else:
        _pool_fwd_k(<double *> data_or_null(y), rank, &s, x, idx, mode == CK_POOL_MAX)
    return y, idx


cdef int _pool_fwd_k(floating *y, int rank, const ck_conv3d_shape *s, x, idx,
                     bint is_max) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef int *ip = <int *> (NULL if idx is None else cnp.PyArray_DATA(<cnp.ndarray> idx))
    cdef ck_conv2d_shape s2 = _as_2d(s)
    cdef int st
    with nogil:
        if rank == 2:
            st = ck_pool2d_max_fwd(&s2, xp, y, ip) if is_max else ck_pool2d_avg_fwd(&s2, xp, y)
        else:
            st = ck_pool3d_max_fwd(s, xp, y, ip) if is_max else ck_pool3d_avg_fwd(s, xp, y)
    return check_status(st, "pool2d_fwd" if rank == 2 else "pool3d_fwd")


def pool2d_bwd(dy, idx, x_shape, pool_size, strides, pads, int mode):
    """dx of pool2d_fwd (idx from the forward call for max pooling)."""
    return _pool_bwd(2, dy, idx, x_shape, pool_size, strides, pads, mode)


def pool3d_bwd(dy, idx, x_shape, pool_size, strides, pads, int mode):
    """dx of pool3d_fwd (idx from the forward call for max pooling)."""
    return _pool_bwd(3, dy, idx, x_shape, pool_size, strides, pads, mode)


cdef object _pool_bwd(int rank, dy, idx, x_shape, pool_size, strides, pads, int mode):
    cdef int t = check_array(dy, "dy", rank + 2, -1)
    cdef ck_conv3d_shape s
    _shape(&s, rank, tuple(int(v) for v in x_shape), tuple(pool_size), strides,
           (1,) * rank, pads, dy.shape[1:rank + 1])
    if mode == CK_POOL_MAX:
        if not isinstance(idx, np.ndarray) or idx.dtype != np.intc or \
                not idx.flags.c_contiguous or idx.shape != dy.shape:
            raise ValueError(f"idx must be the C-contiguous int32 array of pool{rank}d_fwd")
    dx = _empty(rank, s.N, s.D, s.H, s.W, s.C, t)
    if t == cnp.NPY_FLOAT32:
        _pool_bwd_k(<float *> data_or_null(dx), rank, &s, dy, idx, mode == CK_POOL_MAX)
    else:
        _pool_bwd_k(<double *> data_or_null(dx), rank, &s, dy, idx, mode == CK_POOL_MAX)
    return dx


cdef int _pool_bwd_k(floating *dx, int rank, const ck_conv3d_shape *s, dy, idx,
                     bint is_max) except -1:
    cdef const floating *gp = <const floating *> data_or_null(dy)
    cdef const int *ip = <const int *> (cnp.PyArray_DATA(<cnp.ndarray> idx) if is_max
                                        else NULL)
    cdef ck_conv2d_shape s2 = _as_2d(s)
    cdef int st
    with nogil:
        if rank == 2:
            st = ck_pool2d_max_bwd(&s2, ip, gp, dx) if is_max else ck_pool2d_avg_bwd(&s2, gp, dx)
        else:
            st = ck_pool3d_max_bwd(s, ip, gp, dx) if is_max else ck_pool3d_avg_bwd(s, gp, dx)
    return check_status(st, "pool2d_bwd" if rank == 2 else "pool3d_bwd")
