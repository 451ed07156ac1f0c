"""Fused scaled-dot-product attention (csrc/ck_attention.h) and its backward.

q (B, T, N, H), k (B, S, N, H), v (B, S, N, Hv) of one dtype (float32 or
float64), C-contiguous; mask (B, T, S) bool/uint8 or None (0 = masked: the
score gets -1e9 added, as tf-keras). Returns arrays in the same layouts.
The (batch, head) pairs are shared with the helper thread (ck_threads.h).
"""

cimport numpy as cnp
from cython cimport floating

from ckeras._ext._checks cimport check_array, check_status, data_or_null, empty
from ckeras._ext.ck_attention cimport ck_attention_bwd, ck_attention_fwd
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


cdef int _check_qkv(q, k, v, Py_ssize_t *dims) except -1:
    """Checks q, k, v; fills dims with B, T, N, H, S, Hv; returns the dtype."""
    cdef int t = check_array(q, "q", 4, -1)
    check_array(k, "k", 4, t)
    check_array(v, "v", 4, t)
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


def sdpa_fwd(q, k, v, mask, double scale, bint keep_probs=True):
    """`(out (B, T, N, Hv), probs (B, N, T, S))` of
    softmax(scale * q k^T + masked adder) v, per batch and head; probs is
    None with `keep_probs=False` (each head's then stays in cache)."""
    cdef Py_ssize_t d[6]
    cdef int t = _check_qkv(q, k, v, d)
    _check_mask(mask, d[0], d[1], d[4])
    out = _empty4(d[0], d[1], d[2], d[5], t)
    cdef cnp.npy_intp nw = max(2 * d[1] * d[4], 1)
    if keep_probs:
        probs, work = _empty4(d[0], d[2], d[1], d[4], t), None
    else:
        probs, work = None, empty(1, &nw, t)
    if t == cnp.NPY_FLOAT32:
        _fwd(<float *> data_or_null(out), q, k, v, mask, scale, probs, work, d)
    else:
        _fwd(<double *> data_or_null(out), q, k, v, mask, scale, probs, work, d)
    return out, probs


cdef int _fwd(floating *out, q, k, v, mask, double scale, probs, work,
              Py_ssize_t *d) except -1:
    cdef const floating *qp = <const floating *> data_or_null(q)
    cdef const floating *kp = <const floating *> data_or_null(k)
    cdef const floating *vp = <const floating *> data_or_null(v)
    cdef const unsigned char *mp = <const unsigned char *> data_or_null(mask)
    cdef floating *pp = <floating *> data_or_null(probs)
    cdef floating *wp = <floating *> data_or_null(work)
    cdef int st
    with nogil:
        st = ck_attention_fwd(d[0], d[1], d[4], d[2], d[3], d[5], qp, kp, vp, mp, scale,
                              pp, wp, out)
    return check_status(st, "sdpa_fwd")


def sdpa_bwd(q, k, v, probs, dout, dprobs, double scale):
    """`(dq, dk, dv)` of `sdpa_fwd` from its saved probabilities, the gradient
    of the output and (or None) the gradient of the probabilities."""
    cdef Py_ssize_t d[6]
    cdef int t = _check_qkv(q, k, v, d)
    _check4(probs, "probs", (d[0], d[2], d[1], d[4]), t)
    _check4(dout, "dout", (d[0], d[1], d[2], d[5]), t)
    if dprobs is not None:
        _check4(dprobs, "dprobs", (d[0], d[2], d[1], d[4]), t)
    dq = _empty4(d[0], d[1], d[2], d[3], t)
    dk = _empty4(d[0], d[4], d[2], d[3], t)
    dv = _empty4(d[0], d[4], d[2], d[5], t)
    cdef cnp.npy_intp nw = max(2 * d[1] * d[4], 1)
    work = empty(1, &nw, t)
    if t == cnp.NPY_FLOAT32:
        _bwd(<float *> data_or_null(work), q, k, v, probs, dout, dprobs, scale, dq, dk, dv, d)
    else:
        _bwd(<double *> data_or_null(work), q, k, v, probs, dout, dprobs, scale, dq, dk, dv,
             d)
    return dq, dk, dv


cdef int _bwd(floating *work, q, k, v, probs, dout, dprobs, double scale, dq, dk, dv,
              Py_ssize_t *d) except -1:
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
        st = ck_attention_bwd(d[0], d[1], d[4], d[2], d[3], d[5], qp, kp, vp, pp, gp, gpp,
                              scale, work, dqp, dkp, dvp)
    return check_status(st, "sdpa_bwd")
