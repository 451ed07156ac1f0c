"""NumPy reference of the ConvLSTM time loop (``ckeras._ext._convlstm``).

The input convolution of every timestep (with the bias) is done by the
caller; these kernels run the recurrence. Arrays are channels_last with 1 to
3 spatial axes S: xz (N, T, *S, 4F) the input convolution, R (*K, F, 4F)
the recurrent kernel (a stride-1 'same' convolution of the state), h0 and
c0 (N, *S, F). Gate order [i, f, c, o] as in Keras. As for the LSTM kernels
(see ckeras/kernels/reference/rnn.py): step s reads input time
t = T-1-s when go_backwards; H and C (N, T, *S, F) are in processing order,
the activated gates G (N, T, *S, 4F) in input time order; a masked (n, t)
carries sample n's states. `rmask` (4, N, *S, F) or None holds the
recurrent-dropout masks: gate g convolves h * rmask[g] (Keras 2's rule).
"""
import itertools

import numpy as np

from ckeras.kernels.checks import check_array, check_mask, check_recurrent_act
from ckeras.kernels.reference.act import activate, activate_grad

__all__ = ["convlstm_fwd", "convlstm_bwd"]


def check_convlstm(xz, R, h0, c0, mask, rmask):
    """Checks shared by both kernels; returns (dtype, N, T, S, F)."""
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


def convlstm_fwd(xz, R, h0, c0, mask, rmask, go_backwards, act, ract, overwrite_xz=False):
    """The ConvLSTM recurrence over a sequence. Returns (H, C, G); G is xz
    itself, overwritten, when `overwrite_xz`."""
    act, ract = check_recurrent_act(act, "act"), check_recurrent_act(ract, "ract")
    dt, N, T, S, F = check_convlstm(xz, R, h0, c0, mask, rmask)
    H = np.empty((N, T) + S + (F,), dt)
    C = np.empty_like(H)
    G = xz if overwrite_xz else np.empty_like(xz)
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


def convlstm_bwd(R, h0, c0, mask, rmask, go_backwards, act, ract, G, H, C, dH, dh, dc,
                 need_dxz=True, need_dR=True, need_dh0=True):
    """Backpropagation through time of convlstm_fwd.

    dH (N, T, *S, F) in processing order or None: the gradient on H; dh, dc:
    the gradients on the final states. Returns (dxz, dR, dh0, dc0), None
    where not needed (dc0 always).
    """
    act, ract = check_recurrent_act(act, "act"), check_recurrent_act(ract, "ract")
    dt, N, T, S, F = check_convlstm(G, R, h0, c0, mask, rmask)
    for name, a, shape in (("H", H, (N, T) + S + (F,)), ("C", C, (N, T) + S + (F,)),
                           ("dh", dh, h0.shape), ("dc", dc, h0.shape)):
        check_array(a, name, len(shape), dt)
        if a.shape != shape:
            raise ValueError(f"{name} has shape {a.shape}, expected {shape}")
    if dH is not None:
        check_array(dH, "dH", H.ndim, dt)
        if dH.shape != H.shape:
            raise ValueError(f"dH has shape {dH.shape}, expected {H.shape}")
    dxz = np.zeros_like(G) if need_dxz else None
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
        if dxz is not None:
            dxz[:, t] = dz
        dh, dc = dh_prev.astype(dt, copy=False), dc_prev.astype(dt, copy=False)
    return dxz, (dR if need_dR else None), (dh if need_dh0 else None), dc
