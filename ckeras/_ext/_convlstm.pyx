"""The ConvLSTM recurrence over whole sequences, forward and backward
through time (csrc/ck_convlstm.h). Same signatures, results and errors as
the NumPy reference (ckeras/kernels/reference/convlstm.py); arguments are
checked here with the GIL held, then each kernel runs without it, with
flush-to-zero on.

The outputs and workspaces come from a pool of the arrays earlier calls
made, reused once nothing else references them: a train step of the
benchmark model allocates ~200 MB here, and fresh pages cost the operating
system's zeroing, measured as a quarter of the kernels' time.
"""
cimport numpy as cnp
from cpython.ref cimport Py_REFCNT
from cython cimport floating

from ckeras._ext._checks cimport check_array, check_mask, check_status, data_or_null
from ckeras._ext.ck_act cimport (
    CK_ACT_HARD_SIGMOID, CK_ACT_LINEAR, CK_ACT_RELU, CK_ACT_SIGMOID, CK_ACT_TANH, act_enum)
from ckeras._ext.ck_blas cimport attach_blas
from ckeras._ext.ck_common cimport ck_fpmode, ck_ftz_enter, ck_ftz_leave
from ckeras._ext.ck_threads cimport attach_threads
from ckeras._ext.ck_convlstm cimport *
import numpy as np

cnp.import_array()
attach_blas()
attach_threads()

ENUMS = {"Act": act_enum()}


cdef int _code(int code, str name) except -1:
    if (code != CK_ACT_LINEAR and code != CK_ACT_RELU and code != CK_ACT_SIGMOID
            and code != CK_ACT_TANH and code != CK_ACT_HARD_SIGMOID):
        raise ValueError(f"{name} must be an elementwise activation code "
                         f"(linear, relu, sigmoid, tanh, hard_sigmoid), got {code}")
    return 0


# (shape, dtype) -> arrays this module allocated; one is free when only the
# list (and the loop variable) reference it. Arrays below _POOL_MIN bytes
# are cheap to allocate; above _POOL_CAP bytes in all, new arrays are not
# pooled, so the pool never holds more than the largest call's buffers.
cdef dict _pool = {}
cdef Py_ssize_t _pooled = 0
cdef Py_ssize_t _POOL_MIN = 1 << 20
cdef Py_ssize_t _POOL_CAP = 1 << 30


cdef object _buffer(tuple shape, dt):
    global _pooled
    key = (shape, dt)
    arrays = _pool.get(key)
    if arrays is not None:
        for a in arrays:
            if Py_REFCNT(a) == 2:
                return a
    a = np.empty(shape, dt)
    if a.nbytes >= _POOL_MIN:
        if _pooled + a.nbytes > _POOL_CAP:
            _release()
        if _pooled + a.nbytes <= _POOL_CAP:
            _pool.setdefault(key, []).append(a)
            _pooled += a.nbytes
    return a


cdef void _release():
    """Drops the free arrays from the pool."""
    global _pooled
    for key in list(_pool):
        kept = [a for a in _pool[key] if Py_REFCNT(a) > 2]
        _pooled -= sum(a.nbytes for a in _pool[key]) - sum(a.nbytes for a in kept)
        if kept:
            _pool[key] = kept
        else:
            del _pool[key]


def pooled_bytes():
    """Bytes of the arrays the pool holds (used or free); for tests."""
    return _pooled


def release_buffers():
    """Lets go of the pooled arrays nothing else references."""
    _release()


cdef int _check_x(ck_convlstm_shape *s, ck_convlstm_input *inp, x, W, b, R, h0, c0, mask,
                  xmask, rmask, strides, dilations, pads) except -1:
    """The reference's check_convlstm_x; fills s and inp.
    Returns the type number."""
    cdef int t = check_array(x, "x", -1, -1)
    if not 4 <= x.ndim <= 6:
        raise ValueError(f"x must have 1 to 3 spatial axes (N, T, *S, C), got shape {x.shape}")
    cdef int rank = x.ndim - 3
    check_array(W, "kernel", rank + 2, t)
    check_array(R, "recurrent_kernel", rank + 2, t)
    xs, ws, rs = tuple(x.shape), tuple(W.shape), tuple(R.shape)
    if ws[rank] != xs[rank + 2] or ws[:rank] != rs[:rank] or ws[rank + 1] != rs[rank + 1]:
        raise ValueError(f"kernel has shape {W.shape}, expected {rs[:rank]} + "
                         f"({xs[rank + 2]}, {rs[rank + 1]}) for x {x.shape} and "
                         f"recurrent_kernel {R.shape}")
    if b is not None:
        check_array(b, "bias", 1, t)
        if b.shape != (ws[rank + 1],):
            raise ValueError(f"bias has shape {b.shape}, expected ({ws[rank + 1]},)")
    for name, v in (("strides", strides), ("dilations", dilations), ("pads", pads)):
        if len(v) != rank or any(int(e) < (0 if name == "pads" else 1) for e in v):
            raise ValueError(f"{name} must be {rank} "
                             f"{'non-negative' if name == 'pads' else 'positive'} "
                             f"ints, got {tuple(v)}")
    F = rs[rank]
    if rs[rank + 1] != 4 * F:
        raise ValueError(f"recurrent_kernel has shape {R.shape}, expected (*K, F, 4F)")
    N, T = xs[0], xs[1]
    if T == 0:
        raise ValueError("the input sequence must have at least one timestep")
    check_array(h0, "h0", rank + 2, t)
    hs = tuple(h0.shape)
    if hs[0] != N or hs[rank + 1] != F or 0 in hs[1:rank + 1]:
        raise ValueError(f"h0 has shape {h0.shape}, expected ({N}, *S, {F}) with "
                         "S the state's sizes")
    if xmask is not None:
        check_array(xmask, "xmask", rank + 3, t)
        want = (4, N) + xs[2:]
        if xmask.shape != want:
            raise ValueError(f"xmask has shape {xmask.shape}, expected {want}")
    S = hs[1:rank + 1]
    check_array(c0, "c0", rank + 2, t)
    if c0.shape != hs:
        raise ValueError(f"c0 has shape {c0.shape}, expected {hs}")
    if mask is not None:
        check_mask(mask, N, T)
    if rmask is not None:
        check_array(rmask, "rmask", rank + 3, t)
        if rmask.shape != (4, N) + S + (F,):
            raise ValueError(f"rmask has shape {rmask.shape}, expected {(4, N) + S + (F,)}")
    lead = (1,) * (3 - rank)
    s.N, s.T, s.F = N, T, F
    s.D, s.H, s.W = lead + S
    s.KD, s.KH, s.KW = lead + rs[:rank]
    inp.C = xs[rank + 2]
    inp.D, inp.H, inp.W = lead + xs[2:rank + 2]
    inp.sd, inp.sh, inp.sw = lead + tuple(int(v) for v in strides)
    inp.dd, inp.dh, inp.dw = lead + tuple(int(v) for v in dilations)
    inp.pd, inp.ph, inp.pw = (0,) * (3 - rank) + tuple(int(v) for v in pads)
    return t


cdef object _fused_weights(W, b, R, int rank):
    """Wc = [kernel rows; bias; recurrent rows] (Kx + 1 + Kh, 4F)."""
    F4 = W.shape[rank + 1]
    bias = np.zeros((1, F4), W.dtype) if b is None else b.reshape(1, F4)
    return np.concatenate([W.reshape(-1, F4), bias, R.reshape(-1, F4)])


def convlstm_fwdx(x, W, b, R, h0, c0, mask, xmask, rmask, go_backwards, int act, int ract,
                  strides, dilations, pads, need_gates=True):
    """The fused path's forward (the input convolution inside the time
    loop); see the reference. Returns (H, C, G), G None unless
    `need_gates` (the backward needs it)."""
    _code(act, "act")
    _code(ract, "ract")
    cdef ck_convlstm_shape s
    cdef ck_convlstm_input inp
    cdef int t = _check_x(&s, &inp, x, W, b, R, h0, c0, mask, xmask, rmask, strides,
                          dilations, pads)
    cdef int rank = x.ndim - 3
    dt = x.dtype
    Wc = _fused_weights(W, b, R, rank)
    lead = tuple(x.shape[:2]) + tuple(h0.shape[1:rank + 1])
    H = _buffer(lead + (s.F,), dt)
    C = _buffer(lead + (s.F,), dt)
    G = _buffer(lead + (4 * s.F,), dt) if need_gates else None
    cdef size_t elem = 4 if t == cnp.NPY_FLOAT32 else 8
    work = _buffer((<Py_ssize_t> ck_convlstm_work_elems_x(&s, &inp, elem),), dt)
    if t == cnp.NPY_FLOAT32:
        _fwdx(<float *> data_or_null(work), &s, &inp, x, Wc, h0, c0, mask, xmask, rmask,
              bool(go_backwards), act, ract, H, C, G)
    else:
        _fwdx(<double *> data_or_null(work), &s, &inp, x, Wc, h0, c0, mask, xmask, rmask,
              bool(go_backwards), act, ract, H, C, G)
    return H, C, G


cdef int _fwdx(floating *work, const ck_convlstm_shape *s, const ck_convlstm_input *inp, x,
               Wc, h0, c0, mask, xmask, rmask, bint gb, int act, int ract, H, C,
               G) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *wp = <const floating *> data_or_null(Wc)
    cdef const floating *hp = <const floating *> data_or_null(h0)
    cdef const floating *cp = <const floating *> data_or_null(c0)
    cdef const unsigned char *mp = <const unsigned char *> data_or_null(mask)
    cdef const floating *xmp = <const floating *> data_or_null(xmask)
    cdef const floating *rmp = <const floating *> data_or_null(rmask)
    cdef floating *Hp = <floating *> data_or_null(H)
    cdef floating *Cp = <floating *> data_or_null(C)
    cdef floating *Gp = <floating *> data_or_null(G)
    cdef int st
    cdef ck_fpmode fp
    with nogil:
        fp = ck_ftz_enter()
        st = ck_convlstm_fwdx(s, inp, xp, wp, hp, cp, mp, xmp, rmp, gb, act, ract, work, Hp,
                              Cp, Gp)
        ck_ftz_leave(fp)
    return check_status(st, "convlstm_fwdx")


def convlstm_bwdx(x, W, b, R, h0, c0, mask, xmask, rmask, go_backwards, int act, int ract,
                  strides, dilations, pads, G, H, C, dH, dh, dc, need_dx=True, need_dW=True,
                  need_dh0=True):
    """Backpropagation through time of convlstm_fwdx -> (dx, dW, db, dR,
    dh0, dc0), None for the gradients not needed (db also without a bias)."""
    _code(act, "act")
    _code(ract, "ract")
    cdef ck_convlstm_shape s
    cdef ck_convlstm_input inp
    cdef int t = _check_x(&s, &inp, x, W, b, R, h0, c0, mask, xmask, rmask, strides,
                          dilations, pads)
    cdef int rank = x.ndim - 3
    lead = tuple(x.shape[:2]) + tuple(h0.shape[1:rank + 1])
    for name, a, shape in (("G", G, lead + (4 * s.F,)), ("H", H, lead + (s.F,)),
                           ("C", C, lead + (s.F,)), ("dh", dh, h0.shape),
                           ("dc", dc, h0.shape)):
        check_array(a, name, len(shape), t)
        if a.shape != shape:
            raise ValueError(f"{name} has shape {a.shape}, expected {shape}")
    if dH is not None:
        check_array(dH, "dH", H.ndim, t)
        if dH.shape != H.shape:
            raise ValueError(f"dH has shape {dH.shape}, expected {H.shape}")
    dt = x.dtype
    Wc = _fused_weights(W, b, R, rank)
    dx = _buffer(tuple(x.shape), dt) if need_dx else None
    dWc = np.empty_like(Wc) if need_dW else None
    dh0 = np.empty_like(h0) if need_dh0 else None
    dc0 = np.empty_like(c0)
    cdef size_t elem = 4 if t == cnp.NPY_FLOAT32 else 8
    work = _buffer((<Py_ssize_t> ck_convlstm_work_elems_x(&s, &inp, elem),), dt)
    if t == cnp.NPY_FLOAT32:
        _bwdx(<float *> data_or_null(work), &s, &inp, x, Wc, h0, c0, mask, xmask, rmask,
              bool(go_backwards), act, ract, G, H, C, dH, dh, dc, dx, dWc, dh0, dc0)
    else:
        _bwdx(<double *> data_or_null(work), &s, &inp, x, Wc, h0, c0, mask, xmask, rmask,
              bool(go_backwards), act, ract, G, H, C, dH, dh, dc, dx, dWc, dh0, dc0)
    dW = db = dR = None
    if dWc is not None:
        kx = W.size // W.shape[rank + 1]
        dW = dWc[:kx].reshape(W.shape)
        db = None if b is None else np.ascontiguousarray(dWc[kx])
        dR = dWc[kx + 1:].reshape(R.shape)
    return dx, dW, db, dR, dh0, dc0


cdef int _bwdx(floating *work, const ck_convlstm_shape *s, const ck_convlstm_input *inp, x,
               Wc, h0, c0, mask, xmask, rmask, bint gb, int act, int ract, G, H, C, dH, dh,
               dc, dx, dWc, dh0, dc0) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const floating *wp = <const floating *> data_or_null(Wc)
    cdef const floating *hp = <const floating *> data_or_null(h0)
    cdef const floating *cp = <const floating *> data_or_null(c0)
    cdef const unsigned char *mp = <const unsigned char *> data_or_null(mask)
    cdef const floating *xmp = <const floating *> data_or_null(xmask)
    cdef const floating *rmp = <const floating *> data_or_null(rmask)
    cdef const floating *Gp = <const floating *> data_or_null(G)
    cdef const floating *Hp = <const floating *> data_or_null(H)
    cdef const floating *Cp = <const floating *> data_or_null(C)
    cdef const floating *dHp = <const floating *> data_or_null(dH)
    cdef const floating *dhp = <const floating *> data_or_null(dh)
    cdef const floating *dcp = <const floating *> data_or_null(dc)
    cdef floating *dxp = <floating *> data_or_null(dx)
    cdef floating *dWp = <floating *> data_or_null(dWc)
    cdef floating *dh0p = <floating *> data_or_null(dh0)
    cdef floating *dc0p = <floating *> data_or_null(dc0)
    cdef int st
    cdef ck_fpmode fp
    with nogil:
        fp = ck_ftz_enter()
        st = ck_convlstm_bwdx(s, inp, xp, wp, hp, cp, mp, xmp, rmp, gb, act, ract, Gp, Hp, Cp,
                              dHp, dhp, dcp, work, dxp, dWp, dh0p, dc0p)
        ck_ftz_leave(fp)
    return check_status(st, "convlstm_bwdx")
