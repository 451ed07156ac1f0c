"""NumPy references of the recurrent kernels (``ckeras._ext._rnn``).

Same signatures, saved-array layouts and errors as the C twins, so
``ckeras.kernels`` can switch between them; also the oracle of the
kernel tests. Conventions (see csrc/ck_rnn.h): x (B,T,F) batch-major; step s
reads input time t = T-1-s when go_backwards; H and C are in processing
order, the saved gates G (activated) and HZH in input time order; a masked
(b, t) carries row b's states. The forward returns the saved arrays the
backward takes; the backward's dh/dc are the gradients on the final states
and it returns the gradients on the initial ones.
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


def _hp_aligned(H, h0, go_backwards):
    B, T, U = H.shape
    Hp = np.empty_like(H)
    for s, t in _steps(T, go_backwards):
        Hp[:, t] = _prev(H, h0, s)
    return Hp


# ---------------------------------------------------------------- LSTM
def lstm_fwd(x, W, R, b, h0, c0, mask, go_backwards, act, ract):
    """LSTM over a sequence. Returns (H, C, G)."""
    act, ract = check_recurrent_act(act, "act"), check_recurrent_act(ract, "ract")
    dt, B, T, F, U = check_recurrent(x, W, R, h0, mask, 4)
    check_array(c0, "c0", 2, dt)
    if c0.shape != (B, U):
        raise ValueError(f"c0 has shape {c0.shape}, expected ({B}, {U})")
    if b is not None:
        check_array(b, "bias", 1, dt)
        if b.shape != (4 * U,):
            raise ValueError(f"bias has shape {b.shape}, expected ({4 * U},)")
    G = (x.reshape(B * T, F) @ W).reshape(B, T, 4 * U)
    if b is not None:
        G = G + b
    G = np.ascontiguousarray(G, dtype=dt)
    H = np.empty((B, T, U), dt)
    C = np.empty((B, T, U), dt)
    for s, t in _steps(T, go_backwards):
        hp, cp = _prev(H, h0, s), _prev(C, c0, s)
        z = G[:, t] + hp @ R
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
             need_dx=True, need_dW=True, need_dR=True, need_db=True):
    """Returns (dx, dW, dR, db, dh0, dc0); a gradient is None when not needed."""
    act, ract = check_recurrent_act(act, "act"), check_recurrent_act(ract, "ract")
    dt, B, T, F, U = check_recurrent(x, W, R, h0, mask, 4)
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
        dhn = dz @ R.T
        dcn = dct * f
        dh = dhn if on is None else np.where(on, dhn, dh)
        dc = dcn if on is None else np.where(on, dcn, dc)
    return _finish(x, W, dG, H, h0, go_backwards, need_dx, need_dW, need_dR, need_db) \
        + (np.ascontiguousarray(dh, dt), np.ascontiguousarray(dc, dt))


def _finish(x, W, dG, H, h0, go_backwards, need_dx, need_dW, need_dR, need_db, dGR=None):
    B, T, F = x.shape
    N = dG.shape[-1]
    dG2 = dG.reshape(B * T, N)
    dt = x.dtype
    dx = (dG2 @ W.T).reshape(B, T, F).astype(dt) if need_dx else None
    dW = (x.reshape(B * T, F).T @ dG2).astype(dt) if need_dW else None
    dR = None
    rec = dG2 if dGR is None else dGR.reshape(B * T, N)
    if need_dR:
        Hp = _hp_aligned(H, h0, go_backwards).reshape(B * T, H.shape[-1])
        dR = (Hp.T @ rec).astype(dt)
    db = dG2.sum(0).astype(dt) if need_db else None
    if need_db and dGR is not None:
        db = np.stack([db, rec.sum(0).astype(dt)])
    return dx, dW, dR, db


# ----------------------------------------------------------------- GRU
def gru_fwd(x, W, R, b, h0, mask, go_backwards, act, ract, reset_after):
    """GRU over a sequence. Returns (H, G, HZH); HZH is None unless reset_after."""
    act, ract = check_recurrent_act(act, "act"), check_recurrent_act(ract, "ract")
    dt, B, T, F, U = check_recurrent(x, W, R, h0, mask, 3)
    ra = bool(reset_after)
    if b is not None:
        check_array(b, "bias", 2 if ra else 1, dt)
        want = (2, 3 * U) if ra else (3 * U,)
        if b.shape != want:
            raise ValueError(f"bias has shape {b.shape}, expected {want}")
    G = (x.reshape(B * T, F) @ W).reshape(B, T, 3 * U)
    if b is not None:
        G = G + (b[0] if ra else b)
    G = np.ascontiguousarray(G, dtype=dt)
    H = np.empty((B, T, U), dt)
    HZH = np.empty((B, T, U), dt) if ra else None
    for s, t in _steps(T, go_backwards):
        hp = _prev(H, h0, s)
        xz = G[:, t]
        if ra:
            hz = hp @ R
            if b is not None:
                hz = hz + b[1]
            z = _a(ract, xz[:, :U] + hz[:, :U])
            r = _a(ract, xz[:, U:2 * U] + hz[:, U:2 * U])
            hh = _a(act, xz[:, 2 * U:] + r * hz[:, 2 * U:])
            HZH[:, t] = hz[:, 2 * U:]
        else:
            zr = xz[:, :2 * U] + hp @ R[:, :2 * U]
            z, r = _a(ract, zr[:, :U]), _a(ract, zr[:, U:])
            hh = _a(act, xz[:, 2 * U:] + (r * hp) @ R[:, 2 * U:])
        h = z * hp + (1 - z) * hh
        on = _on(mask, t)
        G[:, t] = np.concatenate([z, r, hh], axis=1)
        H[:, s] = h if on is None else np.where(on, h, hp)
    return H, G, HZH


def gru_bwd(x, W, R, h0, mask, go_backwards, act, ract, reset_after, G, H, HZH, dH, dh,
            need_dx=True, need_dW=True, need_dR=True, need_db=True):
    """Returns (dx, dW, dR, db, dh0); db is (2,3u) when reset_after."""
    act, ract = check_recurrent_act(act, "act"), check_recurrent_act(ract, "ract")
    dt, B, T, F, U = check_recurrent(x, W, R, h0, mask, 3)
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
            dhn = dh * z + dzr @ R.T
        else:
            drh = dah @ R[:, 2 * U:].T
            dar = _dact(ract, r, drh * hp)
            dz = np.concatenate([daz, dar, dah], axis=1)
            dhn = dh * z + drh * r + dz[:, :2 * U] @ R[:, :2 * U].T
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
                      dGR=dGR)
    else:
        dx, dW, _, db = _finish(x, W, dG, H, h0, go_backwards, need_dx, need_dW, False,
                                need_db)
        dR = None
        if need_dR:
            dG2 = dG.reshape(B * T, 3 * U)
            Hp2 = Hp.reshape(B * T, U)
            RH = G[:, :, U:2 * U].reshape(B * T, U) * Hp2
            dR = np.concatenate([Hp2.T @ dG2[:, :2 * U], RH.T @ dG2[:, 2 * U:]],
                                axis=1).astype(dt)
        out = (dx, dW, dR, db)
    return out + (np.ascontiguousarray(dh, dt),)


# ----------------------------------------------------------- SimpleRNN
def simple_fwd(x, W, R, b, h0, mask, go_backwards, act):
    """SimpleRNN over a sequence. Returns H."""
    act = check_recurrent_act(act, "act")
    dt, B, T, F, U = check_recurrent(x, W, R, h0, mask, 1)
    if b is not None:
        check_array(b, "bias", 1, dt)
        if b.shape != (U,):
            raise ValueError(f"bias has shape {b.shape}, expected ({U},)")
    G = (x.reshape(B * T, F) @ W).reshape(B, T, U)
    if b is not None:
        G = G + b
    H = np.empty((B, T, U), dt)
    for s, t in _steps(T, go_backwards):
        hp = _prev(H, h0, s)
        h = _a(act, G[:, t] + hp @ R)
        on = _on(mask, t)
        H[:, s] = h if on is None else np.where(on, h, hp)
    return H


def simple_bwd(x, W, R, h0, mask, go_backwards, act, H, dH, dh,
               need_dx=True, need_dW=True, need_dR=True, need_db=True):
    """Returns (dx, dW, dR, db, dh0)."""
    act = check_recurrent_act(act, "act")
    dt, B, T, F, U = check_recurrent(x, W, R, h0, mask, 1)
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
        dhn = dz @ R.T
        dh = dhn if on is None else np.where(on, dhn, dh)
    return _finish(x, W, dG, H, h0, go_backwards, need_dx, need_dW, need_dR, need_db) \
        + (np.ascontiguousarray(dh, dt),)
