"""Fused scaled-dot-product attention (csrc/ck_attention.h) and its backward.

q (B, T, N, H), k (B, S, N, H), v (B, S, N, Hv) of one dtype (float32 or
float64), C-contiguous but for the stride of their second axis (so they may
be column blocks of one packed projection, (B, T, ld) reshaped); mask (B, T, S) bool/uint8 or None (0 = masked: the
score gets -1e9 added, as tf-keras). Returns arrays in the same layouts.
With `threads=2` (the default) the (batch, head) pairs are shared with the
helper thread (ck_threads.h); pass 1 when each GEMM already runs on several
threads of the BLAS's own pool.
"""

cimport numpy as cnp
from cython cimport floating

from ckeras._ext._checks cimport (check_array, check_status, check_strided, data_or_null,
                                  empty)
from ckeras._ext.ck_attention cimport (ck_attention_bwd, ck_attention_fwd, ck_attention_ld,
                                      ck_attention_tiled, ck_attention_work_size)
from ckeras._ext.ck_blas cimport attach_blas
from ckeras._ext.ck_threads cimport attach_threads

cnp.import_array()
attach_blas()
attach_threads()

ENUMS = {}


cdef inline object _empty4(Py_ssize_t a, Py_ssize_t b, Py_ssize_t c, Py_ssize_t d, int t):
    cdef cnp.npy_intp dims[4]
    dims[0] = a
    dims[1] = b
    dims[2] = c
    dims[3] = d
    return empty(4, dims, t)


cdef size_t _row_stride(a, str name) except 0:
    """The stride of axis 1 in elements, for an array that is C-contiguous
    but for it (raises otherwise)."""
    cdef cnp.ndarray arr = <cnp.ndarray> a
    cdef cnp.npy_intp *d = cnp.PyArray_DIMS(arr)
    cdef cnp.npy_intp *st = cnp.PyArray_STRIDES(arr)
    cdef cnp.npy_intp item = cnp.PyArray_ITEMSIZE(arr), width = d[2] * d[3], ld
    if cnp.PyArray_IS_C_CONTIGUOUS(arr):
        return max(width, 1)
    ld = st[1] // item if d[1] > 1 else (st[0] // item if d[0] > 1 else width)
    if ((d[3] > 1 and st[3] != item) or (d[2] > 1 and st[2] != d[3] * item)
            or (d[1] > 1 and st[1] != ld * item) or (d[0] > 1 and st[0] != d[1] * ld * item)
            or ld < width or ld < 1):
        raise ValueError(f"{name} must be C-contiguous but for the stride of its axis 1 "
                         f"(got strides {a.strides} for shape {a.shape})")
    return ld


cdef int _check_qkv(q, k, v, Py_ssize_t *dims) except -1:
    """Checks q, k, v; fills dims with B, T, N, H, S, Hv; returns the dtype."""
    cdef int t = check_strided(q, "q", 4, -1)
    check_strided(k, "k", 4, t)
    check_strided(v, "v", 4, t)
    cdef cnp.npy_intp *qd = cnp.PyArray_DIMS(<cnp.ndarray> q)
    cdef cnp.npy_intp *kd = cnp.PyArray_DIMS(<cnp.ndarray> k)
    cdef cnp.npy_intp *vd = cnp.PyArray_DIMS(<cnp.ndarray> v)
    if kd[0] != qd[0] or kd[2] != qd[2] or kd[3] != qd[3]:
        raise ValueError(f"k has shape {k.shape}, expected ({qd[0]}, S, {qd[2]}, {qd[3]}) "
                         f"for q of shape {q.shape}")
    if vd[0] != kd[0] or vd[1] != kd[1] or vd[2] != kd[2]:
        raise ValueError(f"v has shape {v.shape}, expected ({kd[0]}, {kd[1]}, {kd[2]}, Hv) "
                         f"for k of shape {k.shape}")
    dims[0] = qd[0]
    dims[1] = qd[1]
    dims[2] = qd[2]
    dims[3] = qd[3]
    dims[4] = kd[1]
    dims[5] = vd[3]
    return t


cdef int _check_mask(mask, Py_ssize_t B, Py_ssize_t T, Py_ssize_t S) except -1:
    if mask is None:
        return 0
    if not cnp.PyArray_Check(mask) or (cnp.PyArray_TYPE(<cnp.ndarray> mask) != cnp.NPY_BOOL
                                       and cnp.PyArray_TYPE(<cnp.ndarray> mask) != cnp.NPY_UINT8):
        raise ValueError("mask must be a bool or uint8 numpy.ndarray")
    if mask.shape != (B, T, S):
        raise ValueError(f"mask has shape {mask.shape}, expected {(B, T, S)}")
    if not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray> mask):
        raise ValueError("mask must be C-contiguous (use numpy.ascontiguousarray)")
    return 0


cdef int _check4(a, str name, tuple shape, int t) except -1:
    check_array(a, name, 4, t)
    if a.shape != shape:
        raise ValueError(f"{name} has shape {a.shape}, expected {shape}")
    return 0


def sdpa_fwd(q, k, v, mask, double scale, bint keep_probs=True, int threads=2, out=None):
    """`(out (B, T, N, Hv), probs (B, N, T, S))` of
    softmax(scale * q k^T + masked adder) v, per batch and head; probs is
    None with `keep_probs=False` (each head's then stays in cache). `out`: a
    tuple of two writable C-contiguous arrays to write them into (a caller
    reusing its buffers), the second None without `keep_probs`."""
    cdef Py_ssize_t d[6]
    cdef int t = _check_qkv(q, k, v, d)
    cdef ck_attention_ld ld
    _strides(q, k, v, &ld)
    _check_mask(mask, d[0], d[1], d[4])
    cdef cnp.npy_intp nw = max(<cnp.npy_intp> ck_attention_work_size(d[1], d[4], d[3], d[5]), 1)
    if out is None:
        probs = _empty4(d[0], d[2], d[1], d[4], t) if keep_probs else None
        out = _empty4(d[0], d[1], d[2], d[5], t)
    else:
        out, probs = _check_fwd_out(out, (d[0], d[1], d[2], d[5]), (d[0], d[2], d[1], d[4]),
                                    keep_probs, t)
    work = empty(1, &nw, t)
    if t == cnp.NPY_FLOAT32:
        _fwd(<float *> data_or_null(out), q, k, v, mask, scale, probs, work, d, &ld, threads)
    else:
        _fwd(<double *> data_or_null(out), q, k, v, mask, scale, probs, work, d, &ld, threads)
    return out, probs


cdef int _fwd(floating *out, q, k, v, mask, double scale, probs, work,
              Py_ssize_t *d, const ck_attention_ld *ld, int threads) except -1:
    cdef const floating *qp = <const floating *> data_or_null(q)
    cdef const floating *kp = <const floating *> data_or_null(k)
    cdef const floating *vp = <const floating *> data_or_null(v)
    cdef const unsigned char *mp = <const unsigned char *> data_or_null(mask)
    cdef floating *pp = <floating *> data_or_null(probs)
    cdef floating *wp = <floating *> data_or_null(work)
    cdef int st
    with nogil:
        st = ck_attention_fwd(d[0], d[1], d[4], d[2], d[3], d[5], ld, threads, qp, kp, vp, mp,
                              scale, pp, wp, out)
    return check_status(st, "sdpa_fwd")


def sdpa_bwd(q, k, v, probs, dout, dprobs, double scale, out=None, int threads=2):
    """`(dq, dk, dv)` of `sdpa_fwd` from its saved probabilities, the gradient
    of the output and (or None) the gradient of the probabilities. Each has
    the row stride of its input; `out`: a tuple of three writable arrays
    shaped and strided as q, k and v to write them into (e.g. column blocks
    of one packed gradient)."""
    cdef Py_ssize_t d[6]
    cdef int t = _check_qkv(q, k, v, d)
    cdef ck_attention_ld ld
    _strides(q, k, v, &ld)
    _check4(probs, "probs", (d[0], d[2], d[1], d[4]), t)
    _check4(dout, "dout", (d[0], d[1], d[2], d[5]), t)
    if dprobs is not None:
        _check4(dprobs, "dprobs", (d[0], d[2], d[1], d[4]), t)
    if out is None:
        dq, dk, dv = _like_rows(q, ld.q, t), _like_rows(k, ld.k, t), _like_rows(v, ld.v, t)
    else:
        dq, dk, dv = _check_out(out, q, k, v, t)
    cdef cnp.npy_intp nw = max(<cnp.npy_intp> ck_attention_work_size(d[1], d[4], d[3], d[5]), 1)
    work = empty(1, &nw, t)
    if t == cnp.NPY_FLOAT32:
        _bwd(<float *> data_or_null(work), q, k, v, probs, dout, dprobs, scale, dq, dk, dv,
             d, &ld, threads)
    else:
        _bwd(<double *> data_or_null(work), q, k, v, probs, dout, dprobs, scale, dq, dk, dv,
             d, &ld, threads)
    return dq, dk, dv


def set_tiled(bint on):
    """Whether float attention may run its products on the AVX-512 register
    tiles (see ck_attention.h; they need the CPU support and S, H, Hv
    multiples of 16). Returns the previous setting. For tests, which compare
    them with the BLAS path."""
    global ck_attention_tiled
    prev = bool(ck_attention_tiled)
    ck_attention_tiled = 1 if on else 0
    return prev


cdef object _like_rows(a, size_t ld, int t):
    """An empty array shaped as `a` (B, T, N, H) with row stride `ld`."""
    cdef cnp.npy_intp dims[3]
    dims[0] = a.shape[0]
    dims[1] = a.shape[1]
    dims[2] = ld
    if ld == <size_t> (a.shape[2] * a.shape[3]):
        return _empty4(a.shape[0], a.shape[1], a.shape[2], a.shape[3], t)
    return empty(3, dims, t)[:, :, :a.shape[2] * a.shape[3]].reshape(a.shape)


cdef tuple _check_fwd_out(out, tuple shape, tuple pshape, bint keep_probs, int t):
    if not isinstance(out, tuple) or len(out) != 2:
        raise ValueError("out must be a tuple (out, probs) or None")
    o, p = out
    _check4(o, "out's out", shape, t)
    if keep_probs:
        _check4(p, "out's probs", pshape, t)
    elif p is not None:
        raise ValueError("out's probs must be None when keep_probs is False")
    for name, a in (("out", o), ("probs", p)):
        if a is not None and not cnp.PyArray_ISWRITEABLE(<cnp.ndarray> a):
            raise ValueError(f"out's {name} is read-only")
    return o, p


cdef tuple _check_out(out, q, k, v, int t):
    if not isinstance(out, tuple) or len(out) != 3:
        raise ValueError("out must be a tuple (dq, dk, dv) or None")
    for name, o, like in zip(("dq", "dk", "dv"), out, (q, k, v)):
        check_strided(o, name, 4, t)
        if o.shape != like.shape or o.strides != like.strides:
            raise ValueError(f"out's {name} must have the shape and strides of its input: "
                             f"got {o.shape} {o.strides}, expected {like.shape} "
                             f"{like.strides}")
        if not cnp.PyArray_ISWRITEABLE(<cnp.ndarray> o):
            raise ValueError(f"out's {name} is read-only")
    return out


cdef int _strides(q, k, v, ck_attention_ld *ld) except -1:
    ld.q = _row_stride(q, "q")
    ld.k = _row_stride(k, "k")
    ld.v = _row_stride(v, "v")
    return 0


cdef int _bwd(floating *work, q, k, v, probs, dout, dprobs, double scale, dq, dk, dv,
              Py_ssize_t *d, const ck_attention_ld *ld, int threads) except -1:
    cdef const floating *qp = <const floating *> data_or_null(q)
    cdef const floating *kp = <const floating *> data_or_null(k)
    cdef const floating *vp = <const floating *> data_or_null(v)
    cdef const floating *pp = <const floating *> data_or_null(probs)
    cdef const floating *gp = <const floating *> data_or_null(dout)
    cdef const floating *gpp = <const floating *> data_or_null(dprobs)
    cdef floating *dqp = <floating *> data_or_null(dq)
    cdef floating *dkp = <floating *> data_or_null(dk)
    cdef floating *dvp = <floating *> data_or_null(dv)
    cdef int st
    with nogil:
        st = ck_attention_bwd(d[0], d[1], d[4], d[2], d[3], d[5], ld, threads, qp, kp, vp, pp,
                              gp, gpp, scale, work, dqp, dkp, dvp)
    return check_status(st, "sdpa_bwd")
