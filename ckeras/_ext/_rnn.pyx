# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Recurrent kernels over whole sequences: LSTM, GRU, SimpleRNN, forward and
backward through time (csrc/ck_rnn.h). Same signatures and results as
ckeras.kernels.reference.rnn; arguments are checked here with the GIL held,
then each kernel runs with the GIL released for the whole sequence.
"""
import threading

import numpy as np

cimport numpy as cnp
from libc.stdint cimport uint8_t

from ckeras._ext._checks cimport check_array, check_status, data_or_null, empty
from ckeras._ext.ck_blas cimport attach_blas
from ckeras._ext.ck_rnn cimport *

from ckeras.kernels.checks import check_recurrent as check_common, check_recurrent_act as _code

cnp.import_array()
attach_blas()


_scratch = threading.local()


cdef object _workspace(size_t n, int t):
    """A scratch array of n elements, kept per thread and type for the next
    call: a fresh ~1 MB workspace pays its page faults again on every call
    (measured ~0.3 ms of a 3 ms LSTM inference at batch 32). Kernels
    release the GIL, hence one per thread; above 8 MiB nothing is kept."""
    if n * 8 > (8 << 20):
        return _new((n,), t)
    cache = getattr(_scratch, "arrays", None)
    if cache is None:
        cache = _scratch.arrays = {}
    a = cache.get(t)
    if a is None or <size_t> a.shape[0] < n:
        a = cache[t] = _new((n if n > 0 else 1,), t)
    return a


cdef object _new(tuple shape, int t):
    cdef cnp.npy_intp dims[3]
    cdef int i, nd = len(shape)
    for i in range(nd):
        dims[i] = shape[i]
    return empty(nd, dims, t)


cdef const uint8_t *_mask_ptr(object mask):
    if mask is None:
        return NULL
    if not mask.flags.c_contiguous:
        raise ValueError("mask must be C-contiguous")
    return <const uint8_t *> cnp.PyArray_DATA(<cnp.ndarray> mask)


cdef int _check_state(object a, str name, size_t B, size_t U, int t) except -1:
    check_array(a, name, 2, t)
    if a.shape != (B, U):
        raise ValueError(f"{name} has shape {a.shape}, expected ({B}, {U})")
    return 0


cdef int _check_seq(object a, str name, size_t B, size_t T, size_t N, int t) except -1:
    check_array(a, name, 3, t)
    if a.shape != (B, T, N):
        raise ValueError(f"{name} has shape {a.shape}, expected ({B}, {T}, {N})")
    return 0


cdef tuple _lstm_args(x, W, R, b, h0, c0, mask):
    """The LSTM forward kernels' checks: (B, T, F, U, numpy type number)."""
    _, B, T, F, U = check_common(x, W, R, h0, mask, 4)
    cdef int t = check_array(x, "x", 3, -1)
    check_array(W, "kernel", 2, t)
    check_array(R, "recurrent_kernel", 2, t)
    _check_state(h0, "h0", B, U, t)
    _check_state(c0, "c0", B, U, t)
    if b is not None:
        check_array(b, "bias", 1, t)
        if b.shape != (4 * U,):
            raise ValueError(f"bias has shape {b.shape}, expected ({4 * U},)")
    return B, T, F, U, t


def lstm_fwd(x, W, R, b, h0, c0, mask, go_backwards, int act, int ract):
    """LSTM over a sequence. Returns (H, C, G); see ck_rnn.h."""
    act, ract = _code(act, "act"), _code(ract, "ract")
    B, T, F, U, dtype_num = _lstm_args(x, W, R, b, h0, c0, mask)
    cdef int t = dtype_num
    cdef const uint8_t *mp = _mask_ptr(mask)
    G = _new((B, T, 4 * U), t)
    H = _new((B, T, U), t)
    C = _new((B, T, U), t)
    cdef size_t b_ = B, t_ = T, f_ = F, u_ = U
    cdef int gb = 1 if go_backwards else 0, st
    cdef void *xp = data_or_null(x)
    cdef void *wp = data_or_null(W)
    cdef void *rp = data_or_null(R)
    cdef void *bp = data_or_null(b)
    cdef void *h0p = data_or_null(h0)
    cdef void *c0p = data_or_null(c0)
    cdef void *gp = data_or_null(G)
    cdef void *hp = data_or_null(H)
    cdef void *cp = data_or_null(C)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_lstm_fwd_f32(b_, t_, f_, u_, <float *> xp, <float *> wp, <float *> rp,
                                 <float *> bp, <float *> h0p, <float *> c0p, mp, gb, act,
                                 ract, <float *> gp, <float *> hp, <float *> cp)
        else:
            st = ck_lstm_fwd_f64(b_, t_, f_, u_, <double *> xp, <double *> wp,
                                 <double *> rp, <double *> bp, <double *> h0p,
                                 <double *> c0p, mp, gb, act, ract, <double *> gp,
                                 <double *> hp, <double *> cp)
    check_status(st, "lstm_fwd")
    return H, C, G


def set_fused_steps(bint on):
    """Whether float LSTM inference may use the fused AVX-512 step (see
    ck_rnn.h; it needs the CPU support too). Returns the previous setting.
    For tests, which compare it with the sgemm step."""
    global ck_rnn_fused
    prev = bool(ck_rnn_fused)
    ck_rnn_fused = 1 if on else 0
    return prev


def set_helper_enabled(bint on):
    """Whether kernels may share a call's work with the helper thread (see
    ck_helper.h). Returns the previous setting."""
    return bool(ck_helper_set_enabled(1 if on else 0))


def helper_enabled():
    """Whether kernels may use the helper thread."""
    return bool(ck_helper_enabled())


def set_split_strict(bint on):
    """Tests: batch-1 LSTM inference leaves every step's upper units to the
    helper once it has the helper (see ck_rnn.h). Returns the previous
    setting."""
    global ck_rnn_split_strict
    prev = bool(ck_rnn_split_strict)
    ck_rnn_split_strict = 1 if on else 0
    return prev


def helper_jobs_taken():
    """How many jobs the helper thread has taken part in (tests)."""
    return ck_helper_jobs_taken()


def lstm_infer(x, W, R, b, h0, c0, mask, go_backwards, int act, int ract,
               return_sequences, transposed):
    """LSTM forward for inference: (H or None, h_T, c_T); see ck_rnn.h."""
    act, ract = _code(act, "act"), _code(ract, "ract")
    B, T, F, U, dtype_num = _lstm_args(x, W, R, b, h0, c0, mask)
    cdef int t = dtype_num
    cdef const uint8_t *mp = _mask_ptr(mask)
    H = _new((B, T, U), t) if return_sequences else None
    h = _new((B, U), t)
    c = _new((B, U), t)
    cdef int tr = 1 if transposed else 0
    ws = _workspace(ck_lstm_infer_ws(B, T, F, U, tr), t)
    cdef size_t b_ = B, t_ = T, f_ = F, u_ = U
    cdef int gb = 1 if go_backwards else 0, st
    cdef void *p[10]
    for i, a in enumerate((x, W, R, b, h0, c0, H, h, c, ws)):
        p[i] = data_or_null(a)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_lstm_infer_f32(b_, t_, f_, u_, <float *> p[0], <float *> p[1],
                                   <float *> p[2], <float *> p[3], <float *> p[4],
                                   <float *> p[5], mp, gb, act, ract, tr, <float *> p[6],
                                   <float *> p[7], <float *> p[8], <float *> p[9])
        else:
            st = ck_lstm_infer_f64(b_, t_, f_, u_, <double *> p[0], <double *> p[1],
                                   <double *> p[2], <double *> p[3], <double *> p[4],
                                   <double *> p[5], mp, gb, act, ract, tr, <double *> p[6],
                                   <double *> p[7], <double *> p[8], <double *> p[9])
    check_status(st, "lstm_infer")
    return H, h, c


def lstm_bwd(x, W, R, h0, c0, mask, go_backwards, int act, int ract, G, H, C, dH, dh, dc,
             need_dx=True, need_dW=True, need_dR=True, need_db=True):
    """Returns (dx, dW, dR, db, dh0, dc0); see ck_rnn.h."""
    act, ract = _code(act, "act"), _code(ract, "ract")
    _, B, T, F, U = check_common(x, W, R, h0, mask, 4)
    cdef int t = check_array(x, "x", 3, -1)
    _check_state(c0, "c0", B, U, t)
    _check_seq(G, "G", B, T, 4 * U, t)
    _check_seq(H, "H", B, T, U, t)
    _check_seq(C, "C", B, T, U, t)
    if dH is not None:
        _check_seq(dH, "dH", B, T, U, t)
    _check_state(dh, "dh", B, U, t)
    _check_state(dc, "dc", B, U, t)
    cdef const uint8_t *mp = _mask_ptr(mask)
    dh = dh.copy()
    dc = dc.copy()
    dx = _new((B, T, F), t) if need_dx else None
    dW = _new((F, 4 * U), t) if need_dW else None
    dR = _new((U, 4 * U), t) if need_dR else None
    db = _new((4 * U,), t) if need_db else None
    ws = _new((ck_lstm_bwd_ws(B, T, U),), t)
    cdef size_t b_ = B, t_ = T, f_ = F, u_ = U
    cdef int gb = 1 if go_backwards else 0, st
    cdef void *p[17]
    for i, a in enumerate((x, W, R, h0, c0, G, H, C, dH, dh, dc, dx, dW, dR, db, ws)):
        p[i] = data_or_null(a)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_lstm_bwd_f32(b_, t_, f_, u_, <float *> p[0], <float *> p[1],
                                 <float *> p[2], <float *> p[3], <float *> p[4], mp, gb,
                                 act, ract, <float *> p[5], <float *> p[6], <float *> p[7],
                                 <float *> p[8], <float *> p[9], <float *> p[10],
                                 <float *> p[11], <float *> p[12], <float *> p[13],
                                 <float *> p[14], <float *> p[15])
        else:
            st = ck_lstm_bwd_f64(b_, t_, f_, u_, <double *> p[0], <double *> p[1],
                                 <double *> p[2], <double *> p[3], <double *> p[4], mp, gb,
                                 act, ract, <double *> p[5], <double *> p[6],
                                 <double *> p[7], <double *> p[8], <double *> p[9],
                                 <double *> p[10], <double *> p[11], <double *> p[12],
                                 <double *> p[13], <double *> p[14], <double *> p[15])
    check_status(st, "lstm_bwd")
    return dx, dW, dR, db, dh, dc


def gru_fwd(x, W, R, b, h0, mask, go_backwards, int act, int ract, reset_after):
    """GRU over a sequence. Returns (H, G, HZH); HZH is None unless reset_after."""
    act, ract = _code(act, "act"), _code(ract, "ract")
    _, B, T, F, U = check_common(x, W, R, h0, mask, 3)
    cdef int t = check_array(x, "x", 3, -1)
    cdef int ra = 1 if reset_after else 0
    if b is not None:
        check_array(b, "bias", 2 if ra else 1, t)
        want = (2, 3 * U) if ra else (3 * U,)
        if b.shape != want:
            raise ValueError(f"bias has shape {b.shape}, expected {want}")
    cdef const uint8_t *mp = _mask_ptr(mask)
    G = _new((B, T, 3 * U), t)
    H = _new((B, T, U), t)
    HZH = _new((B, T, U), t) if ra else None
    ws = _new((ck_gru_fwd_ws(B, U, ra),), t)
    cdef size_t b_ = B, t_ = T, f_ = F, u_ = U
    cdef int gb = 1 if go_backwards else 0, st
    cdef void *p[10]
    for i, a in enumerate((x, W, R, b, h0, G, H, HZH, ws)):
        p[i] = data_or_null(a)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_gru_fwd_f32(b_, t_, f_, u_, ra, <float *> p[0], <float *> p[1],
                                <float *> p[2], <float *> p[3], <float *> p[4], mp, gb,
                                act, ract, <float *> p[5], <float *> p[6], <float *> p[7],
                                <float *> p[8])
        else:
            st = ck_gru_fwd_f64(b_, t_, f_, u_, ra, <double *> p[0], <double *> p[1],
                                <double *> p[2], <double *> p[3], <double *> p[4], mp, gb,
                                act, ract, <double *> p[5], <double *> p[6],
                                <double *> p[7], <double *> p[8])
    check_status(st, "gru_fwd")
    return H, G, HZH


def gru_bwd(x, W, R, h0, mask, go_backwards, int act, int ract, reset_after, G, H, HZH,
            dH, dh, need_dx=True, need_dW=True, need_dR=True, need_db=True):
    """Returns (dx, dW, dR, db, dh0); db is (2, 3u) when reset_after."""
    act, ract = _code(act, "act"), _code(ract, "ract")
    _, B, T, F, U = check_common(x, W, R, h0, mask, 3)
    cdef int t = check_array(x, "x", 3, -1)
    cdef int ra = 1 if reset_after else 0
    _check_seq(G, "G", B, T, 3 * U, t)
    _check_seq(H, "H", B, T, U, t)
    if ra:
        _check_seq(HZH, "HZH", B, T, U, t)
    if dH is not None:
        _check_seq(dH, "dH", B, T, U, t)
    _check_state(dh, "dh", B, U, t)
    cdef const uint8_t *mp = _mask_ptr(mask)
    dh = dh.copy()
    dx = _new((B, T, F), t) if need_dx else None
    dW = _new((F, 3 * U), t) if need_dW else None
    dR = _new((U, 3 * U), t) if need_dR else None
    db = (_new((2, 3 * U), t) if ra else _new((3 * U,), t)) if need_db else None
    ws = _new((ck_gru_bwd_ws(B, T, U, ra),), t)
    cdef size_t b_ = B, t_ = T, f_ = F, u_ = U
    cdef int gb = 1 if go_backwards else 0, st
    cdef void *p[16]
    for i, a in enumerate((x, W, R, h0, G, H, HZH, dH, dh, dx, dW, dR, db, ws)):
        p[i] = data_or_null(a)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_gru_bwd_f32(b_, t_, f_, u_, ra, <float *> p[0], <float *> p[1],
                                <float *> p[2], <float *> p[3], mp, gb, act, ract,
                                <float *> p[4], <float *> p[5], <float *> p[6],
                                <float *> p[7], <float *> p[8], <float *> p[9],
                                <float *> p[10], <float *> p[11], <float *> p[12],
                                <float *> p[13])
        else:
            st = ck_gru_bwd_f64(b_, t_, f_, u_, ra, <double *> p[0], <double *> p[1],
                                <double *> p[2], <double *> p[3], mp, gb, act, ract,
                                <double *> p[4], <double *> p[5], <double *> p[6],
                                <double *> p[7], <double *> p[8], <double *> p[9],
                                <double *> p[10], <double *> p[11], <double *> p[12],
                                <double *> p[13])
    check_status(st, "gru_bwd")
    return dx, dW, dR, db, dh


def simple_fwd(x, W, R, b, h0, mask, go_backwards, int act):
    """SimpleRNN over a sequence. Returns H."""
    act = _code(act, "act")
    _, B, T, F, U = check_common(x, W, R, h0, mask, 1)
    cdef int t = check_array(x, "x", 3, -1)
    if b is not None:
        check_array(b, "bias", 1, t)
        if b.shape != (U,):
            raise ValueError(f"bias has shape {b.shape}, expected ({U},)")
    cdef const uint8_t *mp = _mask_ptr(mask)
    G = _new((B, T, U), t)
    H = _new((B, T, U), t)
    cdef size_t b_ = B, t_ = T, f_ = F, u_ = U
    cdef int gb = 1 if go_backwards else 0, st
    cdef void *p[8]
    for i, a in enumerate((x, W, R, b, h0, G, H)):
        p[i] = data_or_null(a)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_simple_fwd_f32(b_, t_, f_, u_, <float *> p[0], <float *> p[1],
                                   <float *> p[2], <float *> p[3], <float *> p[4], mp, gb,
                                   act, <float *> p[5], <float *> p[6])
        else:
            st = ck_simple_fwd_f64(b_, t_, f_, u_, <double *> p[0], <double *> p[1],
                                   <double *> p[2], <double *> p[3], <double *> p[4], mp,
                                   gb, act, <double *> p[5], <double *> p[6])
    check_status(st, "simple_fwd")
    return H


def simple_bwd(x, W, R, h0, mask, go_backwards, int act, H, dH, dh,
               need_dx=True, need_dW=True, need_dR=True, need_db=True):
    """Returns (dx, dW, dR, db, dh0)."""
    act = _code(act, "act")
    _, B, T, F, U = check_common(x, W, R, h0, mask, 1)
    cdef int t = check_array(x, "x", 3, -1)
    _check_seq(H, "H", B, T, U, t)
    if dH is not None:
        _check_seq(dH, "dH", B, T, U, t)
    _check_state(dh, "dh", B, U, t)
    cdef const uint8_t *mp = _mask_ptr(mask)
    dh = dh.copy()
    dx = _new((B, T, F), t) if need_dx else None
    dW = _new((F, U), t) if need_dW else None
    dR = _new((U, U), t) if need_dR else None
    db = _new((U,), t) if need_db else None
    ws = _new((ck_simple_bwd_ws(B, T, U),), t)
    cdef size_t b_ = B, t_ = T, f_ = F, u_ = U
    cdef int gb = 1 if go_backwards else 0, st
    cdef void *p[12]
    for i, a in enumerate((x, W, R, h0, H, dH, dh, dx, dW, dR, db, ws)):
        p[i] = data_or_null(a)
    with nogil:
        if t == cnp.NPY_FLOAT32:
            st = ck_simple_bwd_f32(b_, t_, f_, u_, <float *> p[0], <float *> p[1],
                                   <float *> p[2], <float *> p[3], mp, gb, act,
                                   <float *> p[4], <float *> p[5], <float *> p[6],
                                   <float *> p[7], <float *> p[8], <float *> p[9],
                                   <float *> p[10], <float *> p[11])
        else:
            st = ck_simple_bwd_f64(b_, t_, f_, u_, <double *> p[0], <double *> p[1],
                                   <double *> p[2], <double *> p[3], mp, gb, act,
                                   <double *> p[4], <double *> p[5], <double *> p[6],
                                   <double *> p[7], <double *> p[8], <double *> p[9],
                                   <double *> p[10], <double *> p[11])
    check_status(st, "simple_bwd")
    return dx, dW, dR, db, dh
