"""Fused dense kernels: y = act(x @ w + b) and its backward; the gradient
of an embedding lookup (a dense layer on one-hot rows).

2-D C-contiguous inputs of one dtype (float32 or float64); the caller
reshapes N-D inputs to 2-D. Activation codes as in ckeras._ext._act.
"""

cimport numpy as cnp
from cython cimport floating

from ckeras._ext._checks cimport (
    check_array, check_code, check_status, data_or_null, empty)
from ckeras._ext.ck_common cimport CK_ERR_ARG, ck_fpmode, ck_ftz_enter, ck_ftz_leave
from ckeras._ext.ck_act cimport CK_ACT_LINEAR, act_enum
from ckeras._ext.ck_blas cimport attach_blas
from ckeras._ext.ck_dense cimport (
    ck_dense_bwd, ck_dense_embedding_bwd_f32, ck_dense_embedding_bwd_f64, ck_dense_fwd,
    ck_dense_set_gemv)

cnp.import_array()
attach_blas()

ENUMS = {"Act": act_enum()}


cdef inline object _empty2(Py_ssize_t rows, Py_ssize_t cols, int t):
    cdef cnp.npy_intp dims[2]
    dims[0] = rows
    dims[1] = cols
    return empty(2, dims, t)


def dense_fwd(x, w, b, int code):
    """y = act(x @ w + b): x (M, K), w (K, N), b (N,) or None -> y (M, N)."""
    check_code(code)
    cdef int t = check_array(x, "x", 2, -1)
    check_array(w, "w", 2, t)
    cdef cnp.npy_intp *xd = cnp.PyArray_DIMS(<cnp.ndarray> x)
    cdef cnp.npy_intp *wd = cnp.PyArray_DIMS(<cnp.ndarray> w)
    cdef size_t M = xd[0], K = xd[1], N = wd[1]
    if <size_t> wd[0] != K:
        raise ValueError(f"w has shape {w.shape}, expected ({K}, N) for x of shape {x.shape}")
    if b is not None:
        check_array(b, "b", 1, t)
        if <size_t> cnp.PyArray_DIMS(<cnp.ndarray> b)[0] != N:
            raise ValueError(f"b has shape {b.shape}, expected ({N},) for w of shape {w.shape}")
    y = _empty2(M, N, t)
    if t == cnp.NPY_FLOAT32:
        _fwd(<float *> data_or_null(y), x, w, b, code, M, K, N)
    else:
        _fwd(<double *> data_or_null(y), x, w, b, code, M, K, N)
    return y


cdef int _fwd(floating *y, x, w, b, int code, size_t M, size_t K, size_t N) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *wp = <const floating *> data_or_null(w)
    cdef const floating *bp = <const floating *> data_or_null(b)
    cdef int st
    cdef ck_fpmode fp
    with nogil:
        fp = ck_ftz_enter()
        st = ck_dense_fwd(M, K, N, xp, wp, bp, code, y)
        ck_ftz_leave(fp)
    return check_status(st, "dense_fwd")


def set_gemv(bint on):
    """Whether dense_fwd gives batch-1 inputs (M == 1) its own streaming
    kernel (the default) or the GEMM; returns the previous setting. For
    tests and benchmarks that compare the two."""
    return bool(ck_dense_set_gemv(on))


def dense_bwd(x, w, y, dy, int code, need_dx=True, need_dw=True, need_db=True):
    """Gradients of y = act(x @ w + b) from the saved output y and dy = dL/dy.

    Returns (dx (M, K), dw (K, N), db (N,)); each is None when not needed.
    """
    check_code(code)
    cdef int t = check_array(x, "x", 2, -1)
    check_array(w, "w", 2, t)
    check_array(y, "y", 2, t)
    check_array(dy, "dy", 2, t)
    cdef cnp.npy_intp *xd = cnp.PyArray_DIMS(<cnp.ndarray> x)
    cdef cnp.npy_intp *wd = cnp.PyArray_DIMS(<cnp.ndarray> w)
    cdef cnp.npy_intp *yd = cnp.PyArray_DIMS(<cnp.ndarray> y)
    cdef cnp.npy_intp *gd = cnp.PyArray_DIMS(<cnp.ndarray> dy)
    cdef size_t M = xd[0], K = xd[1], N = wd[1]
    if <size_t> wd[0] != K:
        raise ValueError(f"w has shape {w.shape}, expected ({K}, N) for x of shape {x.shape}")
    if <size_t> yd[0] != M or <size_t> yd[1] != N:
        raise ValueError(f"y has shape {y.shape}, expected ({M}, {N})")
    if <size_t> gd[0] != M or <size_t> gd[1] != N:
        raise ValueError(f"dy has shape {dy.shape}, expected ({M}, {N})")
    # dZ gets its own buffer, never dy's or y's; linear needs none (dZ = dY).
    dz = None if code == CK_ACT_LINEAR else _empty2(M, N, t)
    dx = _empty2(M, K, t) if need_dx else None
    dw = _empty2(K, N, t) if need_dw else None
    cdef cnp.npy_intp nb = N
    db = empty(1, &nb, t) if need_db else None
    if t == cnp.NPY_FLOAT32:
        _bwd(<float *> data_or_null(dy), x, w, y, code, dz, dx, dw, db, M, K, N)
    else:
        _bwd(<double *> data_or_null(dy), x, w, y, code, dz, dx, dw, db, M, K, N)
    return dx, dw, db


cdef int _bwd(const floating *dy, x, w, y, int code, dz, dx, dw, db, size_t M, size_t K,
              size_t N) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *wp = <const floating *> data_or_null(w)
    cdef const floating *yp = <const floating *> data_or_null(y)
    cdef floating *zp = <floating *> data_or_null(dz)
    cdef floating *dxp = <floating *> data_or_null(dx)
    cdef floating *dwp = <floating *> data_or_null(dw)
    cdef floating *dbp = <floating *> data_or_null(db)
    cdef int st
    cdef ck_fpmode fp
    with nogil:
        fp = ck_ftz_enter()
        st = ck_dense_bwd(M, K, N, xp, wp, yp, dy, code, zp, dxp, dwp, dbp)
        ck_ftz_leave(fp)
    return check_status(st, "dense_bwd")


def embedding_bwd(ids, dy, Py_ssize_t input_dim):
    """dW (input_dim, D) of y = W[ids]: zeros, then dW[ids[k]] += dy[k] in
    order (the sums of np.add.at); ids (n,) C-contiguous numpy.intp in
    [-input_dim, input_dim), dy (n, D)."""
    if not cnp.PyArray_Check(ids) or cnp.PyArray_TYPE(<cnp.ndarray> ids) != cnp.NPY_INTP \
            or cnp.PyArray_NDIM(<cnp.ndarray> ids) != 1 \
            or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray> ids):
        raise ValueError("ids must be a C-contiguous 1-D numpy.intp array")
    cdef int t = check_array(dy, "dy", 2, -1)
    cdef cnp.npy_intp *gd = cnp.PyArray_DIMS(<cnp.ndarray> dy)
    cdef Py_ssize_t n = cnp.PyArray_DIMS(<cnp.ndarray> ids)[0]
    if gd[0] != n:
        raise ValueError(f"dy has shape {dy.shape}, expected ({n}, D) for {n} ids")
    if input_dim < 0:
        raise ValueError(f"input_dim must be >= 0, got {input_dim}")
    cdef size_t D = gd[1]
    dw = _empty2(input_dim, D, t)
    cdef const Py_ssize_t *ip = <const Py_ssize_t *> cnp.PyArray_DATA(<cnp.ndarray> ids)
    cdef const void *gp = data_or_null(dy)
    cdef void *wp = data_or_null(dw)
    cdef int st
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_dense_embedding_bwd_f32(n, D, input_dim, ip, <const float *> gp,
                                            <float *> wp)
        else:
            st = ck_dense_embedding_bwd_f64(n, D, input_dim, ip, <const double *> gp,
                                            <double *> wp)
    if st == CK_ERR_ARG:
        bad = ids[(ids < -input_dim) | (ids >= input_dim)][0]
        raise ValueError(f"ids contains {bad}, outside [-{input_dim}, {input_dim})")
    check_status(st, "embedding_bwd")
    return dw
