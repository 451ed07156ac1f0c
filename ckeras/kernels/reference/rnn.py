"""NumPy references of the recurrent kernels (``ckeras._ext._rnn``).

Same signatures, saved-array layouts and errors as the C twins, so
``ckeras.kernels`` can switch between them; also the oracle of the
kernel tests. Conventions (see csrc/ck_rnn.h): x (B,T,F) batch-major; step s
reads input time t = T-1-s when go_backwards; H and C are in processing
order, the saved gates G (activated) and HZH in input time order; a masked
(b, t) carries row b's states. The forward returns the saved arrays the
backward takes; the backward's dh/dc are the gradients on the final states
and it returns the gradients on the initial ones.

Dropout (training): ``dpx`` (ng,B,F) and ``dph`` (ng,B,U) hold one input and
one recurrent mask per gate (ng = 4 LSTM, 3 GRU, 1 SimpleRNN), or None; gate
k reads x_t * dpx[k] and h_{t-1} * dph[k], the same masks at every step.
"""
import numpy as np

from ckeras.kernels.checks import check_array, check_recurrent, check_recurrent_act
from ckeras.kernels.codes import Act
from ckeras.kernels.reference.act import activate

__all__ = ["lstm_fwd", "lstm_bwd", "lstm_infer", "gru_fwd", "gru_bwd", "simple_fwd",
           "simple_bwd"]


def _dact(code, y, d):
    if code == Act.LINEAR:
        return d
    if code == Act.RELU:
        return np.where(y > 0, d, 0).astype(d.dtype)
    if code == Act.SIGMOID:
        return d * (y * (1 - y))
    if code == Act.TANH:
        return d * (1 - y * y)
    return np.where((y > 0) & (y < 1), d * d.dtype.type(0.2), 0).astype(d.dtype)


def _a(code, x):
    y = activate(code, x)
    return y.astype(x.dtype, copy=False)


def _steps(T, go_backwards):
    return [(s, T - 1 - s if go_backwards else s) for s in range(T)]


def _on(mask, t):
    """(B,1) bool: rows updated at input time t."""
    return None if mask is None else mask[:, t].astype(bool)[:, None]


def _prev(H, h0, s):
    return h0 if s == 0 else H[:, s - 1]


def _gate(m, k):
    """Gate k's mask, or 1 without dropout."""
    return 1 if m is None else m[k]


def _check_dropout(dpx, dph, ng, dt, B, F, U):
    for m, name, shape in ((dpx, "input dropout masks", (ng, B, F)),
                           (dph, "recurrent dropout masks", (ng, B, U))):
        if m is not None:
            check_array(m, name, 3, dt)
            if m.shape != shape:
                raise ValueError(f"{name} has shape {m.shape}, expected {shape}")


def _proj(x, W, dpx, ng):
    """(B,T,ng*U): gate k's block is (x * dpx[k]) @ W_k."""
    B, T, F = x.shape
    U = W.shape[1] // ng
    if dpx is None:
        return (x.reshape(B * T, F) @ W).reshape(B, T, ng * U)
    return np.concatenate([(x * dpx[k][:, None, :]) @ W[:, k * U:(k + 1) * U]
                           for k in range(ng)], axis=2)


def _rec(hp, R, dph, k0, k1):
    """[(hp * dph[k]) @ R_k for k in k0..k1-1], side by side."""
    U = hp.shape[1]
    return np.concatenate([(hp * _gate(dph, k)) @ R[:, k * U:(k + 1) * U]
                           for k in range(k0, k1)], axis=1)


def _rec_t(dz, R, dph, k0, k1):
    """sum_k (dz_k @ R_k^T) * dph[k]: the gradient of _rec on hp."""
    U = R.shape[0]
    return sum((dz[:, (k - k0) * U:(k - k0 + 1) * U] @ R[:, k * U:(k + 1) * U].T)
               * _gate(dph, k) for k in range(k0, k1))


def _hp_aligned(H, h0, go_backwards):
    B, T, U = H.shape
    Hp = np.empty_like(H)
    for s, t in _steps(T, go_backwards):
        Hp[:, t] = _prev(H, h0, s)
    return Hp


# ---------------------------------------------------------------- LSTM
def lstm_fwd(x, W, R, b, h0, c0, mask, go_backwards, act, ract, dpx=None, dph=None):
    """LSTM over a sequence. Returns (H, C, G)."""
    act, ract = check_recurrent_act(act, "act"), check_recurrent_act(ract, "ract")
    dt, B, T, F, U = check_recurrent(x, W, R, h0, mask, 4)
    _check_dropout(dpx, dph, 4, dt, B, F, U)
    check_array(c0, "c0", 2, dt)
    if c0.shape != (B, U):
        raise ValueError(f"c0 has shape {c0.shape}, expected ({B}, {U})")
    if b is not None:
        check_array(b, "bias", 1, dt)
        if b.shape != (4 * U,):
            raise ValueError(f"bias has shape {b.shape}, expected ({4 * U},)")
    G = _proj(x, W, dpx, 4)
    if b is not None:
        G = G + b
    G = np.ascontiguousarray(G, dtype=dt)
    H = np.empty((B, T, U), dt)
    C = np.empty((B, T, U), dt)
    for s, t in _steps(T, go_backwards):
        hp, cp = _prev(H, h0, s), _prev(C, c0, s)
        z = G[:, t] + (hp @ R if dph is None else _rec(hp, R, dph, 0, 4))
        i, f = _a(ract, z[:, :U]), _a(ract, z[:, U:2 * U])
        g, o = _a(act, z[:, 2 * U:3 * U]), _a(ract, z[:, 3 * U:])
        c = f * cp + i * g
        h = o * _a(act, c)
        on = _on(mask, t)
        G[:, t] = np.concatenate([i, f, g, o], axis=1)
        H[:, s] = h if on is None else np.where(on, h, hp)
        C[:, s] = c if on is None else np.where(on, c, cp)
    return H, C, G


def lstm_infer(x, W, R, b, h0, c0, mask, go_backwards, act, ract, return_sequences,
               transposed):
    """LSTM forward for inference. Returns (H or None, h_T, c_T); `transposed`
    (the C kernel's step layout) does not change the results."""
    H, C, _ = lstm_fwd(x, W, R, b, h0, c0, mask, go_backwards, act, ract)
    return (H if return_sequences else None), H[:, -1].copy(), C[:, -1].copy()


def lstm_bwd(x, W, R, h0, c0, mask, go_backwards, act, ract, G, H, C, dH, dh, dc,
             need_dx=True, need_dW=True, need_dR=True, need_db=True, dpx=None, dph=None):
    """Returns (dx, dW, dR, db, dh0, dc0); a gradient is None when not needed."""
    act, ract = check_recurrent_act(act, "act"), check_recurrent_act(ract, "ract")
    dt, B, T, F, U = check_recurrent(x, W, R, h0, mask, 4)
    _check_dropout(dpx, dph, 4, dt, B, F, U)
    dh, dc = dh.astype(dt, copy=True), dc.astype(dt, copy=True)
    dG = np.zeros((B, T, 4 * U), dt)
    for s, t in reversed(_steps(T, go_backwards)):
        if dH is not None:
            dh = dh + dH[:, s]
        cp = _prev(C, c0, s)
        g = G[:, t]
        i, f, gg, o = g[:, :U], g[:, U:2 * U], g[:, 2 * U:3 * U], g[:, 3 * U:]
        a = _a(act, C[:, s])
        dct = dc + _dact(act, a, dh * o)
        dz = np.concatenate([_dact(ract, i, dct * gg), _dact(ract, f, dct * cp),
                             _dact(act, gg, dct * i), _dact(ract, o, dh * a)], axis=1)
        on = _on(mask, t)
        if on is not None:
            dz = np.where(on, dz, 0).astype(dt)
        dG[:, t] = dz
        dhn = dz @ R.T if dph is None else _rec_t(dz, R, dph, 0, 4)
        dcn = dct * f
        dh = dhn if on is None else np.where(on, dhn, dh)
        dc = dcn if on is None else np.where(on, dcn, dc)
    return _finish(x, W, dG, H, h0, go_backwards, need_dx, need_dW, need_dR, need_db,
                   dpx=dpx, dph=dph) \
        + (np.ascontiguousarray(dh, dt), np.ascontiguousarray(dc, dt))


def _masked_t(A, m, dG, ng):
    """[(A * m[k])^T @ dG_k for every gate k] side by side; A (B,T,n), dG
    (B*T, ng*U), m (ng,B,n) or None."""
    B, T, n = A.shape
    U = dG.shape[1] // ng
    if m is None or U == 0:
        return A.reshape(B * T, n).T @ dG
    return np.concatenate([(A * m[k][:, None, :]).reshape(B * T, n).T
                           @ dG[:, k * U:(k + 1) * U] for k in range(ng)], axis=1)


def _finish(x, W, dG, H, h0, go_backwards, need_dx, need_dW, need_dR, need_db, dGR=None,
            dpx=None, dph=None):
    B, T, F = x.shape
    N = dG.shape[-1]
    U = H.shape[-1]
    ng = N // U if U else 1
    dG2 = dG.reshape(B * T, N)
    dt = x.dtype
    dx = None
    if need_dx and dpx is None:
        dx = (dG2 @ W.T).reshape(B, T, F).astype(dt)
    elif need_dx:
        dx = sum((dG[:, :, k * U:(k + 1) * U] @ W[:, k * U:(k + 1) * U].T)
                 * dpx[k][:, None, :] for k in range(ng)).astype(dt)
    dW = _masked_t(x, dpx, dG2, ng).astype(dt) if need_dW else None
    dR = None
    rec = dG2 if dGR is None else dGR.reshape(B * T, N)
    if need_dR:
        Hp = _hp_aligned(H, h0, go_backwards)
        dR = _masked_t(Hp, dph, rec, ng).astype(dt)
    db = dG2.sum(0).astype(dt) if need_db else None
    if need_db and dGR is not None:
        db = np.stack([db, rec.sum(0).astype(dt)])
    return dx, dW, dR, db


# ----------------------------------------------------------------- GRU
def gru_fwd(x, W, R, b, h0, mask, go_backwards, act, ract, reset_after, dpx=None, dph=None):
    """GRU over a sequence. Returns (H, G, HZH); HZH is None unless reset_after."""
    act, ract = check_recurrent_act(act, "act"), check_recurrent_act(ract, "ract")
    dt, B, T, F, U = check_recurrent(x, W, R, h0, mask, 3)
    _check_dropout(dpx, dph, 3, dt, B, F, U)
    ra = bool(reset_after)
    if b is not None:
        check_array(b, "bias", 2 if ra else 1, dt)
        want = (2, 3 * U) if ra else (3 * U,)
        if b.shape != want:
            raise ValueError(f"bias has shape {b.shape}, expected {want}")
    G = _proj(x, W, dpx, 3)
    if b is not None:
        G = G + (b[0] if ra else b)
    G = np.ascontiguousarray(G, dtype=dt)
    H = np.empty((B, T, U), dt)
    HZH = np.empty((B, T, U), dt) if ra else None
    for s, t in _steps(T, go_backwards):
        hp = _prev(H, h0, s)
        xz = G[:, t]
        if ra:
            hz = _rec(hp, R, dph, 0, 3)
            if b is not None:
                hz = hz + b[1]
            z = _a(ract, xz[:, :U] + hz[:, :U])
            r = _a(ract, xz[:, U:2 * U] + hz[:, U:2 * U])
            hh = _a(act, xz[:, 2 * U:] + r * hz[:, 2 * U:])
            HZH[:, t] = hz[:, 2 * U:]
        else:
            zr = xz[:, :2 * U] + _rec(hp, R, dph, 0, 2)
            z, r = _a(ract, zr[:, :U]), _a(ract, zr[:, U:])
            hh = _a(act, xz[:, 2 * U:] + (r * (hp * _gate(dph, 2))) @ R[:, 2 * U:])
        h = z * hp + (1 - z) * hh
        on = _on(mask, t)
        G[:, t] = np.concatenate([z, r, hh], axis=1)
        H[:, s] = h if on is None else np.where(on, h, hp)
    return H, G, HZH


def gru_bwd(x, W, R, h0, mask, go_backwards, act, ract, reset_after, G, H, HZH, dH, dh,
            need_dx=True, need_dW=True, need_dR=True, need_db=True, dpx=None, dph=None):
    """Returns (dx, dW, dR, db, dh0); db is (2,3u) when reset_after."""
    act, ract = check_recurrent_act(act, "act"), check_recurrent_act(ract, "ract")
    dt, B, T, F, U = check_recurrent(x, W, R, h0, mask, 3)
    _check_dropout(dpx, dph, 3, dt, B, F, U)
    mh = _gate(dph, 2)
    ra = bool(reset_after)
    dh = dh.astype(dt, copy=True)
    dG = np.zeros((B, T, 3 * U), dt)
    dGR = np.zeros((B, T, 3 * U), dt) if ra else None
    Hp = _hp_aligned(H, h0, go_backwards)
    for s, t in reversed(_steps(T, go_backwards)):
        if dH is not None:
            dh = dh + dH[:, s]
        hp = Hp[:, t]
        g = G[:, t]
        z, r, hh = g[:, :U], g[:, U:2 * U], g[:, 2 * U:]
        dah = _dact(act, hh, dh * (1 - z))
        daz = _dact(ract, z, dh * (hp - hh))
        if ra:
            dar = _dact(ract, r, dah * HZH[:, t])
            dz = np.concatenate([daz, dar, dah], axis=1)
            dzr = np.concatenate([daz, dar, dah * r], axis=1)
            dhn = dh * z + _rec_t(dzr, R, dph, 0, 3)
        else:
            drh = dah @ R[:, 2 * U:].T
            dar = _dact(ract, r, drh * (hp * mh))
            dz = np.concatenate([daz, dar, dah], axis=1)
            dhn = dh * z + drh * r * mh + _rec_t(dz[:, :2 * U], R, dph, 0, 2)
        on = _on(mask, t)
        if on is not None:
            dz = np.where(on, dz, 0).astype(dt)
            if ra:
                dzr = np.where(on, dzr, 0).astype(dt)
            dhn = np.where(on, dhn, dh)
        dG[:, t] = dz
        if ra:
            dGR[:, t] = dzr
        dh = dhn
    if ra:
        out = _finish(x, W, dG, H, h0, go_backwards, need_dx, need_dW, need_dR, need_db,
                      dGR=dGR, dpx=dpx, dph=dph)
    else:
        dx, dW, _, db = _finish(x, W, dG, H, h0, go_backwards, need_dx, need_dW, False,
                                need_db, dpx=dpx)
        dR = None
        if need_dR:
            dG2 = dG.reshape(B * T, 3 * U)
            RH = G[:, :, U:2 * U] * Hp
            if dph is not None:
                RH = RH * dph[2][:, None, :]
            dR = np.concatenate([_masked_t(Hp, None if dph is None else dph[:2],
                                           dG2[:, :2 * U], 2),
                                 RH.reshape(B * T, U).T @ dG2[:, 2 * U:]],
                                axis=1).astype(dt)
        out = (dx, dW, dR, db)
    return out + (np.ascontiguousarray(dh, dt),)


# ----------------------------------------------------------- SimpleRNN
def simple_fwd(x, W, R, b, h0, mask, go_backwards, act, dpx=None, dph=None):
    """SimpleRNN over a sequence. Returns H."""
    act = check_recurrent_act(act, "act")
    dt, B, T, F, U = check_recurrent(x, W, R, h0, mask, 1)
    _check_dropout(dpx, dph, 1, dt, B, F, U)
    if b is not None:
        check_array(b, "bias", 1, dt)
        if b.shape != (U,):
            raise ValueError(f"bias has shape {b.shape}, expected ({U},)")
    G = _proj(x, W, dpx, 1)
    if b is not None:
        G = G + b
    H = np.empty((B, T, U), dt)
    for s, t in _steps(T, go_backwards):
        hp = _prev(H, h0, s)
        h = _a(act, G[:, t] + (hp * _gate(dph, 0)) @ R)
        on = _on(mask, t)
        H[:, s] = h if on is None else np.where(on, h, hp)
    return H


def simple_bwd(x, W, R, h0, mask, go_backwards, act, H, dH, dh,
               need_dx=True, need_dW=True, need_dR=True, need_db=True, dpx=None, dph=None):
    """Returns (dx, dW, dR, db, dh0)."""
    act = check_recurrent_act(act, "act")
    dt, B, T, F, U = check_recurrent(x, W, R, h0, mask, 1)
    _check_dropout(dpx, dph, 1, dt, B, F, U)
    dh = dh.astype(dt, copy=True)
    dG = np.zeros((B, T, U), dt)
    for s, t in reversed(_steps(T, go_backwards)):
        if dH is not None:
            dh = dh + dH[:, s]
        dz = _dact(act, H[:, s], dh)
        on = _on(mask, t)
        if on is not None:
            dz = np.where(on, dz, 0).astype(dt)
        dG[:, t] = dz
        dhn = (dz @ R.T) * _gate(dph, 0)
        dh = dhn if on is None else np.where(on, dhn, dh)
    return _finish(x, W, dG, H, h0, go_backwards, need_dx, need_dW, need_dR, need_db,
                   dpx=dpx, dph=dph) + (np.ascontiguousarray(dh, dt),)
