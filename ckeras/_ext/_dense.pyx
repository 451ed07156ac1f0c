"""Fused dense kernels: y = act(x @ w + b) and its backward; the gradient
of an embedding lookup (a dense layer on one-hot rows); the forward, sparse
softmax crossentropy and backward of a chain of dense layers in one call.

2-D C-contiguous inputs of one dtype (float32 or float64); the caller
reshapes N-D inputs to 2-D. Activation codes as in ckeras._ext._act.
"""

cimport numpy as cnp
from cython cimport floating
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc

from ckeras._ext._checks cimport (
    check_array, check_code, check_labels, check_shaped, check_status, data_or_null, empty)
from ckeras._ext.ck_common cimport CK_ERR_ARG, ck_fpmode, ck_ftz_enter, ck_ftz_leave
from ckeras._ext.ck_act cimport CK_ACT_LINEAR, act_enum
from ckeras._ext.ck_blas cimport attach_blas
from ckeras._ext.ck_dense cimport (
    ck_dense_bwd, ck_dense_embedding_bwd_f32, ck_dense_embedding_bwd_f64, ck_dense_fwd,
    ck_dense_set_gemv)
from ckeras._ext.ck_elementwise cimport ck_sparse_xent_bwd, ck_sparse_xent_fwd
from ckeras._ext.ck_threads cimport attach_threads

cnp.import_array()
attach_blas()
attach_threads()

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


def chain_sparse_xent_step(x, list weights, list biases, list codes, bint split, labels,
                           scale):
    """The forward and backward of a training step of dense layers in a
    chain ending in a sparse softmax crossentropy, in one call: the same
    kernels, arguments and order as `dense_fwd` layer by layer,
    `_elementwise.sparse_xent_fwd`/`sparse_xent_bwd` on the last output and
    `dense_bwd` layer by layer back (so the same bits), without the Python
    between them.

    Args:
        x: (M, K0) input.
        weights: the layers' kernels, (K_i, N_i) with K_{i+1} = N_i.
        biases: their biases, (N_i,) or None.
        codes: their activation codes; with `split`, the last one is
            applied by the loss (a softmax output crossed at its logits) and
            the last layer runs linear.
        labels: (M,) int64 in [0, N_last).
        scale: (M,) the gradient of the loss with respect to each row's
            crossentropy (1/M for a batch mean).

    Returns:
        (loss (M,), out, grads): out is the softmax of the logits with
        `split`, else the last layer's output; grads lists dW_i and db_i
        (None without a bias) layer by layer.
    """
    cdef Py_ssize_t L = len(weights), i
    if L < 1 or len(biases) != L or len(codes) != L:
        raise ValueError(f"weights, biases and codes must have one entry per layer (>= 1); "
                         f"got {len(weights)}, {len(biases)} and {len(codes)}")
    cdef int t = check_array(x, "x", 2, -1)
    cdef cnp.npy_intp *xd = cnp.PyArray_DIMS(<cnp.ndarray> x)
    cdef Py_ssize_t M = xd[0], K = xd[1], N
    dims = []
    eff = []
    for i in range(L):
        w, b = weights[i], biases[i]
        check_array(w, f"weights[{i}]", 2, t)
        if w.shape[0] != K:
            raise ValueError(f"weights[{i}] has shape {w.shape}, expected ({K}, N)")
        N = w.shape[1]
        if b is not None:
            check_shaped(b, f"biases[{i}]", (N,), t)
        code = int(codes[i])
        check_code(code)
        eff.append(CK_ACT_LINEAR if split and i == L - 1 else code)
        dims.append((K, N))
        K = N
    if M == 0 or N == 0:
        raise ValueError(f"the step needs rows and classes; got x of shape {x.shape} and "
                         f"{N} outputs")
    check_shaped(scale, "scale", (M,), t)
    check_labels(labels, M, N)
    outs = [_empty2(M, n, t) for _, n in dims]
    dzs = [None if eff[i] == CK_ACT_LINEAR else _empty2(M, dims[i][1], t) for i in range(L)]
    dxs = [None] + [_empty2(M, dims[i][0], t) for i in range(1, L)]
    grads = []
    cdef cnp.npy_intp nb
    for i in range(L):
        grads.append(_empty2(dims[i][0], dims[i][1], t))
        if biases[i] is None:
            grads.append(None)
        else:
            nb = dims[i][1]
            grads.append(empty(1, &nb, t))
    cdef cnp.npy_intp m = M
    loss = empty(1, &m, t)
    p = _empty2(M, N, t)
    g = _empty2(M, N, t)
    cdef void **ptr = <void **> malloc(9 * L * sizeof(void *))
    cdef size_t *sz = <size_t *> malloc(3 * L * sizeof(size_t))
    if ptr == NULL or sz == NULL:
        free(ptr)
        free(sz)
        raise MemoryError()
    try:
        for i in range(L):
            ptr[9 * i + 0] = data_or_null(x if i == 0 else outs[i - 1])
            ptr[9 * i + 1] = data_or_null(weights[i])
            ptr[9 * i + 2] = data_or_null(biases[i])
            ptr[9 * i + 3] = data_or_null(outs[i])
            ptr[9 * i + 4] = data_or_null(dzs[i])
            ptr[9 * i + 5] = data_or_null(dxs[i])
            ptr[9 * i + 6] = data_or_null(grads[2 * i])
            ptr[9 * i + 7] = data_or_null(grads[2 * i + 1])
            ptr[9 * i + 8] = data_or_null(g if i == L - 1 else dxs[i + 1])
            sz[3 * i] = dims[i][0]
            sz[3 * i + 1] = dims[i][1]
            sz[3 * i + 2] = eff[i]
        if t == cnp.NPY_FLOAT32:
            _chain(<float *> data_or_null(p), ptr, sz, L, M, labels, scale, loss)
        else:
            _chain(<double *> data_or_null(p), ptr, sz, L, M, labels, scale, loss)
    finally:
        free(ptr)
        free(sz)
    return loss, (p if split else outs[L - 1]), grads


cdef int _chain(floating *p, void **ptr, size_t *sz, Py_ssize_t L, size_t M, labels, scale,
                loss) except -1:
    cdef const int64_t *lp = <const int64_t *> data_or_null(labels)
    cdef const floating *sp = <const floating *> data_or_null(scale)
    cdef floating *op = <floating *> data_or_null(loss)
    cdef size_t N = sz[3 * (L - 1) + 1]
    cdef Py_ssize_t i
    cdef int st = 0
    cdef ck_fpmode fp
    with nogil:
        # flush-to-zero around the dense kernels only, as their own calls set it
        fp = ck_ftz_enter()
        for i in range(L):
            st = ck_dense_fwd(M, sz[3 * i], sz[3 * i + 1], <const floating *> ptr[9 * i],
                              <const floating *> ptr[9 * i + 1],
                              <const floating *> ptr[9 * i + 2], <int> sz[3 * i + 2],
                              <floating *> ptr[9 * i + 3])
            if st != 0:
                break
        ck_ftz_leave(fp)
        if st == 0:
            st = ck_sparse_xent_fwd(M, N, <const floating *> ptr[9 * (L - 1) + 3], lp, p, op)
        if st == 0:
            st = ck_sparse_xent_bwd(M, N, p, lp, sp, <floating *> ptr[9 * (L - 1) + 8])
        if st == 0:
            fp = ck_ftz_enter()
            for i in range(L - 1, -1, -1):
                st = ck_dense_bwd(M, sz[3 * i], sz[3 * i + 1], <const floating *> ptr[9 * i],
                                  <const floating *> ptr[9 * i + 1],
                                  <const floating *> ptr[9 * i + 3],
                                  <const floating *> ptr[9 * i + 8], <int> sz[3 * i + 2],
                                  <floating *> ptr[9 * i + 4], <floating *> ptr[9 * i + 5],
                                  <floating *> ptr[9 * i + 6], <floating *> ptr[9 * i + 7])
                if st != 0:
                    break
            ck_ftz_leave(fp)
    return check_status(st, "chain_sparse_xent_step")
