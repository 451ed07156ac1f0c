"""Recurrent kernels over whole sequences: LSTM, GRU, SimpleRNN, forward and
backward through time (csrc/ck_rnn.h). Same signatures, results and errors
as the NumPy references; arguments are checked here with the GIL held,
then each kernel runs with the GIL released for the whole sequence.
"""
import threading

cimport numpy as cnp
from cython cimport floating
from libc.stdint cimport uint8_t

from ckeras._ext._checks cimport (
    check_array, check_mask, check_shaped, check_status, data_or_null, empty)
from ckeras._ext.ck_common cimport ck_fpmode, ck_ftz_enter, ck_ftz_leave
from ckeras._ext.ck_act cimport (
    CK_ACT_HARD_SIGMOID, CK_ACT_LINEAR, CK_ACT_RELU, CK_ACT_SIGMOID, CK_ACT_TANH, act_enum)
from ckeras._ext.ck_blas cimport attach_blas
from ckeras._ext.ck_rnn cimport *
from ckeras._ext.ck_threads cimport attach_threads

cnp.import_array()
attach_blas()
attach_threads()

ENUMS = {"Act": act_enum()}


# ------------------------------------------------------------------ checks

cdef int _code(int code, str name) except -1:
    """An elementwise activation code (softmax has no per-unit meaning)."""
    if (code != CK_ACT_LINEAR and code != CK_ACT_RELU and code != CK_ACT_SIGMOID
            and code != CK_ACT_TANH and code != CK_ACT_HARD_SIGMOID):
        raise ValueError(f"{name} must be an elementwise activation code "
                         f"(linear, relu, sigmoid, tanh, hard_sigmoid), got {code}")
    return 0


cdef int _check_common(x, W, R, h0, mask, size_t gates, size_t dims[4]) except -1:
    """The checks every recurrent kernel shares; dims receives (B, T, F, U).
    Returns the numpy type number."""
    cdef int t = check_array(x, "x", 3, -1)
    check_array(W, "kernel", 2, t)
    check_array(R, "recurrent_kernel", 2, t)
    cdef size_t B = x.shape[0], T = x.shape[1], F = x.shape[2], U = R.shape[0]
    if W.shape != (F, gates * U):
        raise ValueError(f"kernel has shape {W.shape}, expected ({F}, {gates * U})")
    if R.shape != (U, gates * U):
        raise ValueError(f"recurrent_kernel has shape {R.shape}, expected ({U}, {gates * U})")
    if T == 0:
        raise ValueError("the input sequence must have at least one timestep")
    check_shaped(h0, "h0", (B, U), t)
    if mask is not None:
        check_mask(mask, B, T)
    dims[0], dims[1], dims[2], dims[3] = B, T, F, U
    return t


cdef int _check_lstm(x, W, R, b, h0, c0, mask, size_t dims[4]) except -1:
    """The LSTM forward kernels' checks."""
    cdef int t = _check_common(x, W, R, h0, mask, 4, dims)
    check_shaped(c0, "c0", (dims[0], dims[3]), t)
    if b is not None:
        check_shaped(b, "bias", (4 * dims[3],), t)
    return t


cdef int _check_dropout(dpx, dph, size_t ng, size_t dims[4], int t) except -1:
    """The dropout masks, (ng,B,F) on the inputs and (ng,B,U) on the
    states, one per gate; either may be None. Returns 1 if any is given."""
    cdef object B = dims[0]
    if dpx is not None:
        check_shaped(dpx, "input dropout masks", (ng, B, dims[2]), t)
    if dph is not None:
        check_shaped(dph, "recurrent dropout masks", (ng, B, dims[3]), t)
    return dpx is not None or dph is not None


cdef object _dropout_ws(bint on, size_t *d, int t):
    return _new((ck_rnn_dropout_ws(d[0], d[1], d[2], d[3]),), t) if on else None


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


# ------------------------------------------------------------------- LSTM

def lstm_fwd(x, W, R, b, h0, c0, mask, go_backwards, int act, int ract, dpx=None,
             dph=None):
    """LSTM over a sequence. Returns (H, C, G); see ck_rnn.h (dpx/dph: the
    dropout masks, (4,B,F) and (4,B,U), or None)."""
    _code(act, "act")
    _code(ract, "ract")
    cdef bint gb = go_backwards
    cdef size_t d[4]
    cdef int t = _check_lstm(x, W, R, b, h0, c0, mask, d)
    _check_dropout(dpx, dph, 4, d, t)
    ws = _workspace(ck_lstm_fwd_ws(d[0], d[1], d[2], d[3]), t)
    G = _new((d[0], d[1], 4 * d[3]), t)
    H = _new((d[0], d[1], d[3]), t)
    C = _new((d[0], d[1], d[3]), t)
    if t == cnp.NPY_FLOAT32:
        _lstm_fwd(<float *> data_or_null(G), d, x, W, R, b, h0, c0, mask, gb, act,
                  ract, dpx, dph, H, C, ws)
    else:
        _lstm_fwd(<double *> data_or_null(G), d, x, W, R, b, h0, c0, mask, gb, act,
                  ract, dpx, dph, H, C, ws)
    return H, C, G


cdef int _lstm_fwd(floating *G, size_t *d, x, W, R, b, h0, c0, mask, bint gb, int act,
                   int ract, dpx, dph, H, C, ws) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *Wp = <const floating *> data_or_null(W)
    cdef const floating *Rp = <const floating *> data_or_null(R)
    cdef const floating *bp = <const floating *> data_or_null(b)
    cdef const floating *h0p = <const floating *> data_or_null(h0)
    cdef const floating *c0p = <const floating *> data_or_null(c0)
    cdef const uint8_t *mp = <const uint8_t *> data_or_null(mask)
    cdef floating *Hp = <floating *> data_or_null(H)
    cdef floating *Cp = <floating *> data_or_null(C)
    cdef const floating *dpxp = <const floating *> data_or_null(dpx)
    cdef const floating *dphp = <const floating *> data_or_null(dph)
    cdef floating *wsp = <floating *> data_or_null(ws)
    cdef int st
    cdef ck_fpmode fp
    with nogil:
        fp = ck_ftz_enter()
        st = ck_lstm_fwd(d[0], d[1], d[2], d[3], xp, Wp, Rp, bp, h0p, c0p, mp, gb, act, ract,
                         dpxp, dphp, G, Hp, Cp, wsp)
        ck_ftz_leave(fp)
    return check_status(st, "lstm_fwd")


def set_fused_steps(bint on):
    """Whether float LSTM inference may use the fused AVX-512 step, and float
    LSTM training its register tiles (see ck_rnn.h; they need the CPU support
    too). Returns the previous setting. For tests, which compare them with the
    sgemm steps."""
    global ck_rnn_fused
    prev = bool(ck_rnn_fused)
    ck_rnn_fused = 1 if on else 0
    return prev


def set_split_strict(bint on):
    """Tests: batch-1 LSTM inference leaves every step's upper units to the
    helper once it has the helper (see ck_rnn.h). Returns the previous
    setting."""
    global ck_rnn_split_strict
    prev = bool(ck_rnn_split_strict)
    ck_rnn_split_strict = 1 if on else 0
    return prev


def set_train_strict(bint on):
    """Tests: the float LSTM training kernels run one half of the batch on
    the helper thread whenever it can start, the caller waiting for it (see
    ck_rnn.h). Returns the previous setting."""
    global ck_rnn_train_strict
    prev = bool(ck_rnn_train_strict)
    ck_rnn_train_strict = 1 if on else 0
    return prev


def train_strict_runs():
    """Tests: how many training halves the helper ran under set_train_strict."""
    return ck_rnn_train_strict_runs


def set_batch_chunk(int chunks):
    """Tests: float LSTM inference on the AVX-512 tiles runs its batch in
    ranges of this many 16-column chunks (0: two halves, the default; see
    ck_rnn.h). Returns the previous setting."""
    global ck_rnn_batch_chunk
    if chunks < 0:
        raise ValueError(f"set_batch_chunk: expected chunks >= 0, received {chunks}")
    prev = ck_rnn_batch_chunk
    ck_rnn_batch_chunk = chunks
    return prev


def lstm_infer(x, W, R, b, h0, c0, mask, go_backwards, int act, int ract,
               return_sequences, transposed):
    """LSTM forward for inference: (H or None, h_T, c_T); see ck_rnn.h."""
    _code(act, "act")
    _code(ract, "ract")
    cdef bint gb = go_backwards
    cdef size_t d[4]
    cdef int t = _check_lstm(x, W, R, b, h0, c0, mask, d)
    H = _new((d[0], d[1], d[3]), t) if return_sequences else None
    h = _new((d[0], d[3]), t)
    c = _new((d[0], d[3]), t)
    cdef bint tr = transposed
    ws = _workspace(ck_lstm_infer_ws(d[0], d[1], d[2], d[3], tr), t)
    if t == cnp.NPY_FLOAT32:
        _lstm_infer(<float *> data_or_null(ws), d, x, W, R, b, h0, c0, mask, gb,
                    act, ract, tr, H, h, c)
    else:
        _lstm_infer(<double *> data_or_null(ws), d, x, W, R, b, h0, c0, mask, gb,
                    act, ract, tr, H, h, c)
    return H, h, c


cdef int _lstm_infer(floating *ws, size_t *d, x, W, R, b, h0, c0, mask, bint gb,
                     int act, int ract, bint tr, H, h, c) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *Wp = <const floating *> data_or_null(W)
    cdef const floating *Rp = <const floating *> data_or_null(R)
    cdef const floating *bp = <const floating *> data_or_null(b)
    cdef const floating *h0p = <const floating *> data_or_null(h0)
    cdef const floating *c0p = <const floating *> data_or_null(c0)
    cdef const uint8_t *mp = <const uint8_t *> data_or_null(mask)
    cdef floating *Hp = <floating *> data_or_null(H)
    cdef floating *hp = <floating *> data_or_null(h)
    cdef floating *cp = <floating *> data_or_null(c)
    cdef int st
    with nogil:
        st = ck_lstm_infer(d[0], d[1], d[2], d[3], xp, Wp, Rp, bp, h0p, c0p, mp, gb, act,
                           ract, tr, Hp, hp, cp, ws)
    return check_status(st, "lstm_infer")


def lstm_bwd(x, W, R, h0, c0, mask, go_backwards, int act, int ract, G, H, C, dH, dh, dc,
             need_dx=True, need_dW=True, need_dR=True, need_db=True, dpx=None, dph=None):
    """Returns (dx, dW, dR, db, dh0, dc0); see ck_rnn.h."""
    _code(act, "act")
    _code(ract, "ract")
    cdef bint gb = go_backwards
    cdef size_t d[4]
    cdef int t = _check_common(x, W, R, h0, mask, 4, d)
    cdef size_t B = d[0], T = d[1], F = d[2], U = d[3]
    check_shaped(c0, "c0", (B, U), t)
    check_shaped(G, "G", (B, T, 4 * U), t)
    check_shaped(H, "H", (B, T, U), t)
    check_shaped(C, "C", (B, T, U), t)
    if dH is not None:
        check_shaped(dH, "dH", (B, T, U), t)
    check_shaped(dh, "dh", (B, U), t)
    check_shaped(dc, "dc", (B, U), t)
    dws = _dropout_ws(_check_dropout(dpx, dph, 4, d, t), d, t)
    dh = dh.copy()
    dc = dc.copy()
    dx = _new((B, T, F), t) if need_dx else None
    dW = _new((F, 4 * U), t) if need_dW else None
    dR = _new((U, 4 * U), t) if need_dR else None
    db = _new((4 * U,), t) if need_db else None
    ws = _new((ck_lstm_bwd_ws(B, T, F, U),), t)
    if t == cnp.NPY_FLOAT32:
        _lstm_bwd(<float *> data_or_null(ws), d, x, W, R, h0, c0, mask, gb, act,
                  ract, dpx, dph, G, H, C, dH, dh, dc, dx, dW, dR, db, dws)
    else:
        _lstm_bwd(<double *> data_or_null(ws), d, x, W, R, h0, c0, mask, gb, act,
                  ract, dpx, dph, G, H, C, dH, dh, dc, dx, dW, dR, db, dws)
    return dx, dW, dR, db, dh, dc


cdef int _lstm_bwd(floating *ws, size_t *d, x, W, R, h0, c0, mask, bint gb, int act,
                   int ract, dpx, dph, G, H, C, dH, dh, dc, dx, dW, dR, db, dws) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *Wp = <const floating *> data_or_null(W)
    cdef const floating *Rp = <const floating *> data_or_null(R)
    cdef const floating *h0p = <const floating *> data_or_null(h0)
    cdef const floating *c0p = <const floating *> data_or_null(c0)
    cdef const uint8_t *mp = <const uint8_t *> data_or_null(mask)
    cdef const floating *Gp = <const floating *> data_or_null(G)
    cdef const floating *Hp = <const floating *> data_or_null(H)
    cdef const floating *Cp = <const floating *> data_or_null(C)
    cdef const floating *dHp = <const floating *> data_or_null(dH)
    cdef floating *dhp = <floating *> data_or_null(dh)
    cdef floating *dcp = <floating *> data_or_null(dc)
    cdef floating *dxp = <floating *> data_or_null(dx)
    cdef floating *dWp = <floating *> data_or_null(dW)
    cdef floating *dRp = <floating *> data_or_null(dR)
    cdef floating *dbp = <floating *> data_or_null(db)
    cdef const floating *dpxp = <const floating *> data_or_null(dpx)
    cdef const floating *dphp = <const floating *> data_or_null(dph)
    cdef floating *dwsp = <floating *> data_or_null(dws)
    cdef int st
    cdef ck_fpmode fp
    with nogil:
        fp = ck_ftz_enter()
        st = ck_lstm_bwd(d[0], d[1], d[2], d[3], xp, Wp, Rp, h0p, c0p, mp, gb, act, ract,
                         dpxp, dphp, Gp, Hp, Cp, dHp, dhp, dcp, dxp, dWp, dRp, dbp, ws, dwsp)
        ck_ftz_leave(fp)
    return check_status(st, "lstm_bwd")


# -------------------------------------------------------------------- GRU

def gru_fwd(x, W, R, b, h0, mask, go_backwards, int act, int ract, reset_after, dpx=None,
            dph=None):
    """GRU over a sequence. Returns (H, G, HZH); HZH is None unless reset_after."""
    _code(act, "act")
    _code(ract, "ract")
    cdef bint gb = go_backwards
    cdef size_t d[4]
    cdef int t = _check_common(x, W, R, h0, mask, 3, d)
    cdef size_t B = d[0], T = d[1], U = d[3]
    cdef bint ra = reset_after
    cdef object units3 = 3 * U
    if b is not None:
        check_shaped(b, "bias", (2, units3) if ra else (units3,), t)
    G = _new((B, T, 3 * U), t)
    H = _new((B, T, U), t)
    HZH = _new((B, T, U), t) if ra else None
    ws = _new((ck_gru_fwd_ws(B, U, ra),), t)
    dws = _dropout_ws(_check_dropout(dpx, dph, 3, d, t), d, t)
    if t == cnp.NPY_FLOAT32:
        _gru_fwd(<float *> data_or_null(ws), d, ra, x, W, R, b, h0, mask, gb, act,
                 ract, dpx, dph, G, H, HZH, dws)
    else:
        _gru_fwd(<double *> data_or_null(ws), d, ra, x, W, R, b, h0, mask, gb, act,
                 ract, dpx, dph, G, H, HZH, dws)
    return H, G, HZH


cdef int _gru_fwd(floating *ws, size_t *d, bint ra, x, W, R, b, h0, mask, bint gb,
                  int act, int ract, dpx, dph, G, H, HZH, dws) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *Wp = <const floating *> data_or_null(W)
    cdef const floating *Rp = <const floating *> data_or_null(R)
    cdef const floating *bp = <const floating *> data_or_null(b)
    cdef const floating *h0p = <const floating *> data_or_null(h0)
    cdef const uint8_t *mp = <const uint8_t *> data_or_null(mask)
    cdef floating *Gp = <floating *> data_or_null(G)
    cdef floating *Hp = <floating *> data_or_null(H)
    cdef floating *HZHp = <floating *> data_or_null(HZH)
    cdef const floating *dpxp = <const floating *> data_or_null(dpx)
    cdef const floating *dphp = <const floating *> data_or_null(dph)
    cdef floating *dwsp = <floating *> data_or_null(dws)
    cdef int st
    cdef ck_fpmode fp
    with nogil:
        fp = ck_ftz_enter()
        st = ck_gru_fwd(d[0], d[1], d[2], d[3], ra, xp, Wp, Rp, bp, h0p, mp, gb, act, ract,
                        dpxp, dphp, Gp, Hp, HZHp, ws, dwsp)
        ck_ftz_leave(fp)
    return check_status(st, "gru_fwd")


def gru_bwd(x, W, R, h0, mask, go_backwards, int act, int ract, reset_after, G, H, HZH,
            dH, dh, need_dx=True, need_dW=True, need_dR=True, need_db=True, dpx=None,
            dph=None):
    """Returns (dx, dW, dR, db, dh0); db is (2, 3u) when reset_after."""
    _code(act, "act")
    _code(ract, "ract")
    cdef bint gb = go_backwards
    cdef size_t d[4]
    cdef int t = _check_common(x, W, R, h0, mask, 3, d)
    cdef size_t B = d[0], T = d[1], F = d[2], U = d[3]
    cdef bint ra = reset_after
    check_shaped(G, "G", (B, T, 3 * U), t)
    check_shaped(H, "H", (B, T, U), t)
    if ra:
        check_shaped(HZH, "HZH", (B, T, U), t)
    if dH is not None:
        check_shaped(dH, "dH", (B, T, U), t)
    check_shaped(dh, "dh", (B, U), t)
    dh = dh.copy()
    dx = _new((B, T, F), t) if need_dx else None
    dW = _new((F, 3 * U), t) if need_dW else None
    dR = _new((U, 3 * U), t) if need_dR else None
    db = (_new((2, 3 * U), t) if ra else _new((3 * U,), t)) if need_db else None
    ws = _new((ck_gru_bwd_ws(B, T, U, ra),), t)
    dws = _dropout_ws(_check_dropout(dpx, dph, 3, d, t), d, t)
    if t == cnp.NPY_FLOAT32:
        _gru_bwd(<float *> data_or_null(ws), d, ra, x, W, R, h0, mask, gb, act, ract,
                 dpx, dph, G, H, HZH, dH, dh, dx, dW, dR, db, dws)
    else:
        _gru_bwd(<double *> data_or_null(ws), d, ra, x, W, R, h0, mask, gb, act,
                 ract, dpx, dph, G, H, HZH, dH, dh, dx, dW, dR, db, dws)
    return dx, dW, dR, db, dh


cdef int _gru_bwd(floating *ws, size_t *d, bint ra, x, W, R, h0, mask, bint gb,
                  int act, int ract, dpx, dph, G, H, HZH, dH, dh, dx, dW, dR, db,
                  dws) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *Wp = <const floating *> data_or_null(W)
    cdef const floating *Rp = <const floating *> data_or_null(R)
    cdef const floating *h0p = <const floating *> data_or_null(h0)
    cdef const uint8_t *mp = <const uint8_t *> data_or_null(mask)
    cdef const floating *Gp = <const floating *> data_or_null(G)
    cdef const floating *Hp = <const floating *> data_or_null(H)
    cdef const floating *HZHp = <const floating *> data_or_null(HZH)
    cdef const floating *dHp = <const floating *> data_or_null(dH)
    cdef floating *dhp = <floating *> data_or_null(dh)
    cdef floating *dxp = <floating *> data_or_null(dx)
    cdef floating *dWp = <floating *> data_or_null(dW)
    cdef floating *dRp = <floating *> data_or_null(dR)
    cdef floating *dbp = <floating *> data_or_null(db)
    cdef const floating *dpxp = <const floating *> data_or_null(dpx)
    cdef const floating *dphp = <const floating *> data_or_null(dph)
    cdef floating *dwsp = <floating *> data_or_null(dws)
    cdef int st
    cdef ck_fpmode fp
    with nogil:
        fp = ck_ftz_enter()
        st = ck_gru_bwd(d[0], d[1], d[2], d[3], ra, xp, Wp, Rp, h0p, mp, gb, act, ract, dpxp,
                        dphp, Gp, Hp, HZHp, dHp, dhp, dxp, dWp, dRp, dbp, ws, dwsp)
        ck_ftz_leave(fp)
    return check_status(st, "gru_bwd")


# -------------------------------------------------------------- SimpleRNN

def simple_fwd(x, W, R, b, h0, mask, go_backwards, int act, dpx=None, dph=None):
    """SimpleRNN over a sequence. Returns H."""
    _code(act, "act")
    cdef bint gb = go_backwards
    cdef size_t d[4]
    cdef int t = _check_common(x, W, R, h0, mask, 1, d)
    if b is not None:
        check_shaped(b, "bias", (d[3],), t)
    dws = _dropout_ws(_check_dropout(dpx, dph, 1, d, t), d, t)
    G = _new((d[0], d[1], d[3]), t)
    H = _new((d[0], d[1], d[3]), t)
    if t == cnp.NPY_FLOAT32:
        _simple_fwd(<float *> data_or_null(H), d, x, W, R, b, h0, mask, gb, act, dpx, dph, G,
                    dws)
    else:
        _simple_fwd(<double *> data_or_null(H), d, x, W, R, b, h0, mask, gb, act, dpx, dph, G,
                    dws)
    return H


cdef int _simple_fwd(floating *H, size_t *d, x, W, R, b, h0, mask, bint gb, int act,
                     dpx, dph, G, dws) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *Wp = <const floating *> data_or_null(W)
    cdef const floating *Rp = <const floating *> data_or_null(R)
    cdef const floating *bp = <const floating *> data_or_null(b)
    cdef const floating *h0p = <const floating *> data_or_null(h0)
    cdef const uint8_t *mp = <const uint8_t *> data_or_null(mask)
    cdef floating *Gp = <floating *> data_or_null(G)
    cdef const floating *dpxp = <const floating *> data_or_null(dpx)
    cdef const floating *dphp = <const floating *> data_or_null(dph)
    cdef floating *dwsp = <floating *> data_or_null(dws)
    cdef int st
    cdef ck_fpmode fp
    with nogil:
        fp = ck_ftz_enter()
        st = ck_simple_fwd(d[0], d[1], d[2], d[3], xp, Wp, Rp, bp, h0p, mp, gb, act, dpxp,
                           dphp, Gp, H, dwsp)
        ck_ftz_leave(fp)
    return check_status(st, "simple_fwd")


def simple_bwd(x, W, R, h0, mask, go_backwards, int act, H, dH, dh,
               need_dx=True, need_dW=True, need_dR=True, need_db=True, dpx=None, dph=None):
    """Returns (dx, dW, dR, db, dh0)."""
    _code(act, "act")
    cdef bint gb = go_backwards
    cdef size_t d[4]
    cdef int t = _check_common(x, W, R, h0, mask, 1, d)
    cdef size_t B = d[0], T = d[1], F = d[2], U = d[3]
    check_shaped(H, "H", (B, T, U), t)
    if dH is not None:
        check_shaped(dH, "dH", (B, T, U), t)
    check_shaped(dh, "dh", (B, U), t)
    dh = dh.copy()
    dx = _new((B, T, F), t) if need_dx else None
    dW = _new((F, U), t) if need_dW else None
    dR = _new((U, U), t) if need_dR else None
    db = _new((U,), t) if need_db else None
    ws = _new((ck_simple_bwd_ws(B, T, U),), t)
    dws = _dropout_ws(_check_dropout(dpx, dph, 1, d, t), d, t)
    if t == cnp.NPY_FLOAT32:
        _simple_bwd(<float *> data_or_null(ws), d, x, W, R, h0, mask, gb, act, dpx, dph,
                    H, dH, dh, dx, dW, dR, db, dws)
    else:
        _simple_bwd(<double *> data_or_null(ws), d, x, W, R, h0, mask, gb, act, dpx, dph,
                    H, dH, dh, dx, dW, dR, db, dws)
    return dx, dW, dR, db, dh


cdef int _simple_bwd(floating *ws, size_t *d, x, W, R, h0, mask, bint gb, int act, dpx,
                     dph, H, dH, dh, dx, dW, dR, db, dws) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *Wp = <const floating *> data_or_null(W)
    cdef const floating *Rp = <const floating *> data_or_null(R)
    cdef const floating *h0p = <const floating *> data_or_null(h0)
    cdef const uint8_t *mp = <const uint8_t *> data_or_null(mask)
    cdef const floating *Hp = <const floating *> data_or_null(H)
    cdef const floating *dHp = <const floating *> data_or_null(dH)
    cdef floating *dhp = <floating *> data_or_null(dh)
    cdef floating *dxp = <floating *> data_or_null(dx)
    cdef floating *dWp = <floating *> data_or_null(dW)
    cdef floating *dRp = <floating *> data_or_null(dR)
    cdef floating *dbp = <floating *> data_or_null(db)
    cdef const floating *dpxp = <const floating *> data_or_null(dpx)
    cdef const floating *dphp = <const floating *> data_or_null(dph)
    cdef floating *dwsp = <floating *> data_or_null(dws)
    cdef int st
    cdef ck_fpmode fp
    with nogil:
        fp = ck_ftz_enter()
        st = ck_simple_bwd(d[0], d[1], d[2], d[3], xp, Wp, Rp, h0p, mp, gb, act, dpxp, dphp,
                           Hp, dHp, dhp, dxp, dWp, dRp, dbp, ws, dwsp)
        ck_ftz_leave(fp)
    return check_status(st, "simple_bwd")
