"""NumPy reference of the ConvLSTM time loop (``ckeras._ext._convlstm``).

convlstm_fwdx/bwdx take the input x (N, T, *Sx, Cin), channels_last with 1
to 3 spatial axes, the kernel W (*K, Cin, 4F) and bias b (4F or None), and
run the input convolution of every step (strides, dilations, `pads` zeros
before each axis, the state sizes S those of h0), gate g convolving
x * xmask[g] when the input-dropout masks xmask (4, N, *Sx, Cin) are given;
R (*K, F, 4F) is the recurrent kernel (a stride-1 'same' convolution of the
state), h0 and c0 (N, *S, F). Gate order [i, f, c, o] as in Keras. As for
the LSTM kernels (see ckeras/kernels/reference/rnn.py): step s reads input
time t = T-1-s when go_backwards; H and C (N, T, *S, F) are in processing
order, the activated gates G (N, T, *S, 4F) in input time order; a masked
(n, t) carries sample n's states. `rmask` (4, N, *S, F) or None holds the
recurrent-dropout masks: gate g convolves h * rmask[g] (Keras 2's rule).

Here the input convolution is computed for all steps first (xz, with the
bias), then the recurrence runs on it (_recurrence_fwd/_bwd); the C kernels
run it inside the time loop.
"""
import itertools

import numpy as np

from ckeras.kernels.checks import check_array, check_mask, check_recurrent_act
from ckeras.kernels.reference.act import activate, activate_grad

__all__ = ["convlstm_fwdx", "convlstm_bwdx"]


def _check_recurrence(xz, R, h0, c0, mask, rmask):
    """Checks of the recurrence's arguments (xz the input convolution of
    every step, (N, T, *S, 4F)); returns (dtype, N, T, S, F)."""
    dt = check_array(xz, "xz")
    if not 4 <= xz.ndim <= 6:
        raise ValueError(f"xz must have 1 to 3 spatial axes (N, T, *S, 4F), got shape {xz.shape}")
    rank = xz.ndim - 3
    check_array(R, "recurrent_kernel", rank + 2, dt)
    N, T = xz.shape[:2]
    S = tuple(xz.shape[2:-1])
    F = R.shape[-2]
    if R.shape[-1] != 4 * F or xz.shape[-1] != 4 * F:
        raise ValueError(f"recurrent_kernel has shape {R.shape} and xz {xz.shape}, expected "
                         f"(*K, F, 4F) and (N, T, *S, 4F)")
    if T == 0:
        raise ValueError("the input sequence must have at least one timestep")
    for name, s in (("h0", h0), ("c0", c0)):
        check_array(s, name, rank + 2, dt)
        if s.shape != (N,) + S + (F,):
            raise ValueError(f"{name} has shape {s.shape}, expected {(N,) + S + (F,)}")
    if mask is not None:
        check_mask(mask, (N, T))
    if rmask is not None:
        check_array(rmask, "rmask", rank + 3, dt)
        if rmask.shape != (4, N) + S + (F,):
            raise ValueError(f"rmask has shape {rmask.shape}, expected {(4, N) + S + (F,)}")
    return dt, N, T, S, F


def _a(code, x):
    return activate(code, x).astype(x.dtype, copy=False)


def _dact(code, y, d):
    return activate_grad(code, y, d).astype(d.dtype, copy=False)


def _offsets(R):
    return list(itertools.product(*[range(k) for k in R.shape[:-2]]))


def _pad(h, R):
    """h zero-padded for a stride-1 'same' convolution with kernel R (TF split)."""
    width = [(0, 0)] + [((k - 1) // 2, k - 1 - (k - 1) // 2) for k in R.shape[:-2]] + [(0, 0)]
    return np.pad(h, width)


def _win(off, S):
    return (slice(None),) + tuple(slice(o, o + n) for o, n in zip(off, S)) + (slice(None),)


def _same_conv(h, R):
    """(N, *S, Cin) * (*K, Cin, Cout) -> (N, *S, Cout), stride 1, 'same'."""
    hp, S = _pad(h, R), h.shape[1:-1]
    out = np.zeros(h.shape[:-1] + (R.shape[-1],), h.dtype)
    for off in _offsets(R):
        out += hp[_win(off, S)] @ R[off]
    return out


def _same_conv_bwd(h, R, dz):
    """(dh, dR) of _same_conv(h, R) from its output gradient dz."""
    hp, S = _pad(h, R), h.shape[1:-1]
    dhp = np.zeros_like(hp)
    dR = np.zeros_like(R)
    Cin = h.shape[-1]
    dz2 = dz.reshape(-1, dz.shape[-1])
    for off in _offsets(R):
        sl = _win(off, S)
        dR[off] = hp[sl].reshape(-1, Cin).T @ dz2
        dhp[sl] += dz @ R[off].T
    crop = _win(tuple((k - 1) // 2 for k in R.shape[:-2]), S)
    return dhp[crop], dR


def _gate_inputs(h, rmask, F):
    """The state each gate convolves: h, or h * rmask[g]."""
    return [h if rmask is None else h * rmask[g] for g in range(4)]


def _recurrent(h, R, rmask, F):
    if rmask is None:
        return _same_conv(h, R)
    hs = _gate_inputs(h, rmask, F)
    return np.concatenate([_same_conv(hs[g], R[..., g * F:(g + 1) * F]) for g in range(4)],
                          axis=-1)


def _steps(T, go_backwards):
    return [(s, T - 1 - s if go_backwards else s) for s in range(T)]


def _on(mask, t, ndim):
    if mask is None:
        return None
    return mask[:, t].astype(bool).reshape((-1,) + (1,) * (ndim - 1))


def _recurrence_fwd(xz, R, h0, c0, mask, rmask, go_backwards, act, ract):
    """The recurrence over a sequence from the input convolution of every
    step, xz, whose array it overwrites with the gates. Returns (H, C, G)."""
    dt, N, T, S, F = _check_recurrence(xz, R, h0, c0, mask, rmask)
    H = np.empty((N, T) + S + (F,), dt)
    C = np.empty_like(H)
    G = xz
    for s, t in _steps(T, go_backwards):
        hp = h0 if s == 0 else H[:, s - 1]
        cp = c0 if s == 0 else C[:, s - 1]
        z = xz[:, t] + _recurrent(hp, R, rmask, F)
        i, f = _a(ract, z[..., :F]), _a(ract, z[..., F:2 * F])
        g, o = _a(act, z[..., 2 * F:3 * F]), _a(ract, z[..., 3 * F:])
        c = f * cp + i * g
        h = o * _a(act, c)
        on = _on(mask, t, h.ndim)
        if on is not None:
            c, h = np.where(on, c, cp), np.where(on, h, hp)
        G[:, t] = np.concatenate([i, f, g, o], axis=-1)
        H[:, s], C[:, s] = h, c
    return H, C, G


def _recurrence_bwd(R, h0, c0, mask, rmask, go_backwards, act, ract, G, H, C, dH, dh, dc,
                    need_dR, need_dh0):
    """Backpropagation through time of _recurrence_fwd.

    dH (N, T, *S, F) in processing order or None: the gradient on H; dh, dc:
    the gradients on the final states. Returns (dxz, dR, dh0, dc0), dR and
    dh0 None where not needed.
    """
    dt, N, T, S, F = _check_recurrence(G, R, h0, c0, mask, rmask)
    for name, a, shape in (("H", H, (N, T) + S + (F,)), ("C", C, (N, T) + S + (F,)),
                           ("dh", dh, h0.shape), ("dc", dc, h0.shape)):
        check_array(a, name, len(shape), dt)
        if a.shape != shape:
            raise ValueError(f"{name} has shape {a.shape}, expected {shape}")
    if dH is not None:
        check_array(dH, "dH", H.ndim, dt)
        if dH.shape != H.shape:
            raise ValueError(f"dH has shape {dH.shape}, expected {H.shape}")
    dxz = np.zeros_like(G)
    dR = np.zeros_like(R)
    dh, dc = dh.copy(), dc.copy()
    for s, t in reversed(_steps(T, go_backwards)):
        hp = h0 if s == 0 else H[:, s - 1]
        cp = c0 if s == 0 else C[:, s - 1]
        if dH is not None:
            dh = dh + dH[:, s]
        gt = G[:, t]
        i, f, g, o = (gt[..., k * F:(k + 1) * F] for k in range(4))
        tc = _a(act, C[:, s])
        on = _on(mask, t, hp.ndim)
        dcs = dc + _dact(act, tc, dh * o)
        dz = np.concatenate([_dact(ract, i, dcs * g), _dact(ract, f, dcs * cp),
                             _dact(act, g, dcs * i), _dact(ract, o, dh * tc)], axis=-1)
        dc_prev = dcs * f
        if on is not None:
            dz = np.where(on, dz, 0).astype(dt)
        if rmask is None:
            dh_prev, dRs = _same_conv_bwd(hp, R, dz)
        else:
            dh_prev = np.zeros_like(hp)
            dRs = np.zeros_like(R)
            for k, hk in enumerate(_gate_inputs(hp, rmask, F)):
                sl = slice(k * F, (k + 1) * F)
                dhk, dRs[..., sl] = _same_conv_bwd(hk, R[..., sl], dz[..., sl])
                dh_prev += dhk * rmask[k]
        dR += dRs
        if on is not None:
            dh_prev = np.where(on, dh_prev, dh)
            dc_prev = np.where(on, dc_prev, dc)
        dxz[:, t] = dz
        dh, dc = dh_prev.astype(dt, copy=False), dc_prev.astype(dt, copy=False)
    return dxz, (dR if need_dR else None), (dh if need_dh0 else None), dc


def check_convlstm_x(x, W, b, R, h0, mask, xmask, strides, dilations, pads):
    """Checks of the input convolution's arguments; returns its dtype."""
    dt = check_array(x, "x")
    if not 4 <= x.ndim <= 6:
        raise ValueError(f"x must have 1 to 3 spatial axes (N, T, *S, C), got shape {x.shape}")
    rank = x.ndim - 3
    check_array(W, "kernel", rank + 2, dt)
    check_array(R, "recurrent_kernel", rank + 2, dt)
    if W.shape[rank] != x.shape[-1] or W.shape[:rank] != R.shape[:rank] or \
            W.shape[-1] != R.shape[-1]:
        raise ValueError(f"kernel has shape {W.shape}, expected {R.shape[:rank]} + "
                         f"({x.shape[-1]}, {R.shape[-1]}) for x {x.shape} and "
                         f"recurrent_kernel {R.shape}")
    if b is not None:
        check_array(b, "bias", 1, dt)
        if b.shape != (W.shape[-1],):
            raise ValueError(f"bias has shape {b.shape}, expected ({W.shape[-1]},)")
    for name, v in (("strides", strides), ("dilations", dilations), ("pads", pads)):
        if len(v) != rank or any(int(e) < (0 if name == "pads" else 1) for e in v):
            kind = "non-negative" if name == "pads" else "positive"
            raise ValueError(f"{name} must be {rank} {kind} ints, got {tuple(v)}")
    F = R.shape[-2]
    if R.shape[-1] != 4 * F:
        raise ValueError(f"recurrent_kernel has shape {R.shape}, expected (*K, F, 4F)")
    if x.shape[1] == 0:
        raise ValueError("the input sequence must have at least one timestep")
    check_array(h0, "h0", rank + 2, dt)
    if h0.shape[0] != x.shape[0] or h0.shape[-1] != F or 0 in h0.shape[1:-1]:
        raise ValueError(f"h0 has shape {h0.shape}, expected ({x.shape[0]}, *S, {F}) with "
                         "S the state's sizes")
    if xmask is not None:
        check_array(xmask, "xmask", rank + 3, dt)
        want = (4, x.shape[0]) + tuple(x.shape[2:])
        if xmask.shape != want:
            raise ValueError(f"xmask has shape {xmask.shape}, expected {want}")
    return dt


def _xwin(off, strides, dilations, S):
    return (slice(None),) + tuple(slice(o * d, o * d + (n - 1) * s + 1, s)
                                  for o, s, d, n in zip(off, strides, dilations, S)) + \
        (slice(None),)


def _xpadded(x, K, strides, dilations, pads, S):
    need = [(n - 1) * s + (k - 1) * d + 1 for n, s, k, d in zip(S, strides, K, dilations)]
    after = [max(nd - p - L, 0) for nd, p, L in zip(need, pads, x.shape[1:-1])]
    return np.pad(x, ((0, 0),) + tuple(zip(pads, after)) + ((0, 0),))


def _xconv(x, W, strides, dilations, pads, S):
    """Frames (B, *Sx, Cin) * W (*K, Cin, O) -> (B, *S, O)."""
    xp = _xpadded(x, W.shape[:-2], strides, dilations, pads, S)
    out = np.zeros((x.shape[0],) + tuple(S) + (W.shape[-1],), x.dtype)
    for off in _offsets(W):
        out += xp[_xwin(off, strides, dilations, S)] @ W[off]
    return out


def _xconv_bwd(x, W, strides, dilations, pads, dz, need_dx):
    """(dx, dW) of _xconv from its output gradient dz."""
    S = dz.shape[1:-1]
    xp = _xpadded(x, W.shape[:-2], strides, dilations, pads, S)
    dxp = np.zeros_like(xp) if need_dx else None
    dW = np.zeros_like(W)
    dz2 = dz.reshape(-1, dz.shape[-1])
    for off in _offsets(W):
        sl = _xwin(off, strides, dilations, S)
        dW[off] = xp[sl].reshape(-1, x.shape[-1]).T @ dz2
        if need_dx:
            dxp[sl] += dz @ W[off].T
    if not need_dx:
        return None, dW
    crop = (slice(None),) + tuple(slice(p, p + n) for p, n in zip(pads, x.shape[1:-1])) + \
        (slice(None),)
    return dxp[crop], dW


def _frames(x, xmask, g):
    """x as (N*T, *Sx, Cin) frames, times gate g's input-dropout mask."""
    if xmask is not None:
        x = x * xmask[g][:, None]
    return x.reshape((-1,) + x.shape[2:])


def _input_conv(x, W, b, xmask, strides, dilations, pads, S):
    N, T = x.shape[:2]
    F = W.shape[-1] // 4
    if xmask is None:
        z = _xconv(_frames(x, None, 0), W, strides, dilations, pads, S)
    else:
        z = np.concatenate([_xconv(_frames(x, xmask, g), W[..., g * F:(g + 1) * F], strides,
                                   dilations, pads, S) for g in range(4)], axis=-1)
    if b is not None:
        z = z + b
    return np.ascontiguousarray(z.reshape((N, T) + tuple(S) + (W.shape[-1],)), x.dtype)


def convlstm_fwdx(x, W, b, R, h0, c0, mask, xmask, rmask, go_backwards, act, ract, strides,
                  dilations, pads, need_gates=True):
    """The forward: the input convolution of every step, then the
    recurrence. Returns (H, C, G), G None unless `need_gates`."""
    act, ract = check_recurrent_act(act, "act"), check_recurrent_act(ract, "ract")
    check_convlstm_x(x, W, b, R, h0, mask, xmask, strides, dilations, pads)
    xz = _input_conv(x, W, b, xmask, strides, dilations, pads, h0.shape[1:-1])
    H, C, G = _recurrence_fwd(xz, R, h0, c0, mask, rmask, go_backwards, act, ract)
    return H, C, (G if need_gates else None)


def convlstm_bwdx(x, W, b, R, h0, c0, mask, xmask, rmask, go_backwards, act, ract, strides,
                  dilations, pads, G, H, C, dH, dh, dc, need_dx=True, need_dW=True,
                  need_dh0=True):
    """Backpropagation through time of convlstm_fwdx -> (dx, dW, db, dR, dh0,
    dc0); dW, db and dR are None unless need_dW (db also without a bias),
    dx and dh0 None unless needed."""
    act, ract = check_recurrent_act(act, "act"), check_recurrent_act(ract, "ract")
    dt = check_convlstm_x(x, W, b, R, h0, mask, xmask, strides, dilations, pads)
    dxz, dR, dh0, dc0 = _recurrence_bwd(R, h0, c0, mask, rmask, go_backwards, act, ract, G,
                                        H, C, dH, dh, dc, need_dW, need_dh0)
    N, T = x.shape[:2]
    F = W.shape[-1] // 4
    dzf = dxz.reshape((N * T,) + dxz.shape[2:])
    dx = np.zeros(x.shape, dt) if need_dx else None
    dW = np.zeros_like(W)
    for g in (range(4) if xmask is not None else [None]):
        sl = slice(None) if g is None else slice(g * F, (g + 1) * F)
        xf = _frames(x, xmask, 0 if g is None else g)
        dxg, dW[..., sl] = _xconv_bwd(xf, W[..., sl], strides, dilations, pads, dzf[..., sl],
                                      need_dx)
        if need_dx:
            dxg = dxg.reshape(x.shape)
            dx += dxg if g is None else dxg * xmask[g][:, None]
    db = dzf.reshape(-1, dzf.shape[-1]).sum(axis=0).astype(dt) if b is not None else None
    if not need_dW:
        dW = db = None
    return dx, dW, db, dR, dh0, dc0
