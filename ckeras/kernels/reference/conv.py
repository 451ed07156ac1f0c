"""NumPy reference of the convolution and pooling kernels (``ckeras._ext._conv``).

One implementation for both spatial ranks: the 2-D ops work on
(N, H, W, C), the 3-D ops on (N, D, H, W, C), each a loop over the kernel
(or window) offsets with one vectorised product or comparison per offset.
"""
import itertools

import numpy as np

from ckeras.kernels.checks import check_act, check_array
from ckeras.kernels.codes import Act, Pool
from ckeras.kernels.reference.act import activate, activate_grad

__all__ = ["conv2d_fwd", "conv2d_bwd", "pool2d_fwd", "pool2d_bwd",
           "conv3d_fwd", "conv3d_bwd", "pool3d_fwd", "pool3d_bwd"]


def _offsets(window):
    return itertools.product(*[range(int(k)) for k in window])


def _conv_window(off, strides, dilations, out_sizes):
    """Slices of the padded input seen by kernel offset `off`."""
    return tuple(slice(o * d, o * d + (n - 1) * s + 1 if n else o * d, s)
                 for o, s, d, n in zip(off, strides, dilations, out_sizes))


def _at(sl):
    """Index of a spatial window in an (N, *S, C) array."""
    return (slice(None),) + tuple(sl) + (slice(None),)


def _conv_padded(x, kshape, strides, dilations, pads, out_sizes, value=0.0):
    """x zero- (or `value`-) padded so every window of the output fits."""
    sizes = x.shape[1:-1]
    need = [max((n - 1) * s + (k - 1) * d + 1, 0) for n, s, k, d in
            zip(out_sizes, strides, kshape, dilations)]
    after = [max(nd - p - L, 0) for nd, p, L in zip(need, pads, sizes)]
    return np.pad(x, ((0, 0),) + tuple(zip(pads, after)) + ((0, 0),),
                  constant_values=value)


def _crop(xp, pads, sizes):
    return np.ascontiguousarray(xp[_at(slice(p, p + n) for p, n in zip(pads, sizes))])


def _conv_fwd(rank, x, w, b, code, strides, dilations, pads, out_sizes):
    code = check_act(code)
    dtype = check_array(x, "x", rank + 2)
    check_array(w, "w", rank + 2, dtype)
    if w.shape[rank] != x.shape[-1]:
        raise ValueError(f"w has shape {w.shape}, expected (*window, {x.shape[-1]}, O) "
                         f"for x of shape {x.shape}")
    if b is not None:
        check_array(b, "b", 1, dtype)
        if b.shape[0] != w.shape[-1]:
            raise ValueError(f"b has shape {b.shape}, expected ({w.shape[-1]},)")
    out_sizes = tuple(int(v) for v in out_sizes)
    xp = _conv_padded(x, w.shape[:rank], strides, dilations, pads, out_sizes)
    y = np.zeros((x.shape[0],) + out_sizes + (w.shape[-1],), dtype)
    for off in _offsets(w.shape[:rank]):
        y += xp[_at(_conv_window(off, strides, dilations, out_sizes))] @ w[off]
    if b is not None:
        y += b
    return np.ascontiguousarray(activate(code, y), dtype=dtype)


def _conv_bwd(rank, x, w, y, dy, code, strides, dilations, pads, need_dx, need_dw, need_db,
              x_shape):
    code = check_act(code)
    dtype = check_array(dy, "dy", rank + 2)
    check_array(w, "w", rank + 2, dtype)
    if x is not None:
        check_array(x, "x", rank + 2, dtype)
        x_shape = x.shape
    elif need_dw or x_shape is None:
        raise ValueError("x is needed for dw (and x_shape when x is None)")
    x_shape = tuple(int(v) for v in x_shape)
    if w.shape[rank] != x_shape[-1] or dy.shape[0] != x_shape[0] or \
            dy.shape[-1] != w.shape[-1]:
        raise ValueError(f"shapes do not agree: x {x_shape}, w {w.shape}, dy {dy.shape}")
    if code != Act.LINEAR:
        check_array(y, "y", rank + 2, dtype)
        if y.shape != dy.shape:
            raise ValueError(f"y has shape {y.shape}, expected {dy.shape}")
    dz = activate_grad(code, y, dy)
    out_sizes = dy.shape[1:-1]
    proto = np.zeros(x_shape, dtype) if x is None else x
    xp = _conv_padded(proto, w.shape[:rank], strides, dilations, pads, out_sizes)
    dxp = np.zeros_like(xp) if need_dx else None
    dw = np.zeros_like(w) if need_dw else None
    dz2 = dz.reshape(-1, dz.shape[-1])
    for off in _offsets(w.shape[:rank]):
        sl = _at(_conv_window(off, strides, dilations, out_sizes))
        if need_dw:
            dw[off] = xp[sl].reshape(-1, xp.shape[-1]).T @ dz2
        if need_dx:
            dxp[sl] += dz @ w[off].T
    dx = _crop(dxp, pads, x_shape[1:-1]) if need_dx else None
    db = np.ascontiguousarray(dz2.sum(axis=0), dtype=dtype) if need_db else None
    return dx, dw, db


def _pool_counts(sizes, pool_size, strides, pads, out_sizes, dtype):
    """Number of non-padded entries of each window, shaped (1, *out, 1)."""
    ones = (1,) * len(sizes)
    valid = _conv_padded(np.ones((1,) + tuple(sizes) + (1,), dtype), pool_size, strides,
                         ones, pads, out_sizes)
    count = np.zeros((1,) + tuple(out_sizes) + (1,), dtype)
    for off in _offsets(pool_size):
        count += valid[_at(_conv_window(off, strides, ones, out_sizes))]
    return count


def _pool_fwd(rank, x, pool_size, strides, pads, out_sizes, mode):
    dtype = check_array(x, "x", rank + 2)
    if len(tuple(pool_size)) != rank:
        raise ValueError(f"the window must have {rank} sizes, got {tuple(pool_size)}")
    out_sizes = tuple(int(v) for v in out_sizes)
    if mode == Pool.MAX:
        return _max_pool(x, pool_size, strides, pads, out_sizes)
    ones = (1,) * rank
    xp = _conv_padded(x, pool_size, strides, ones, pads, out_sizes)
    total = np.zeros((x.shape[0],) + out_sizes + (x.shape[-1],), dtype)
    for off in _offsets(pool_size):
        total += xp[_at(_conv_window(off, strides, ones, out_sizes))]
    count = _pool_counts(x.shape[1:-1], pool_size, strides, pads, out_sizes, dtype)
    return np.ascontiguousarray(total / np.maximum(count, 1), dtype=dtype), None


def _max_pool(x, pool_size, strides, pads, out_sizes):
    """TF's CPU rule (see csrc/ck_conv.h): a window starts at the lowest finite
    value, at its first real entry, and an entry replaces it only when greater,
    so NaN and -inf never win; an empty window gives 0 and position -1."""
    sizes = x.shape[1:-1]
    ones = (1,) * len(sizes)
    lowest = np.finfo(x.dtype).min
    xp = _conv_padded(x, pool_size, strides, ones, pads, out_sizes)
    pos = np.pad(np.arange(int(np.prod(sizes)), dtype=np.intc).reshape(sizes),
                 tuple((p, m - n - p) for p, m, n in zip(pads, xp.shape[1:-1], sizes)),
                 constant_values=-1)
    best = np.full((x.shape[0],) + out_sizes + (x.shape[-1],), lowest, x.dtype)
    idx = np.full(best.shape, -1, np.intc)
    for off in _offsets(pool_size):
        sl = _conv_window(off, strides, ones, out_sizes)
        win = xp[_at(sl)]
        p = np.broadcast_to(pos[sl][None, ..., None], win.shape)
        real = p >= 0
        idx = np.where(real & (idx < 0), p, idx)
        better = real & (win > best)
        best = np.where(better, win, best)
        idx = np.where(better, p, idx).astype(np.intc)
    best[idx < 0] = 0
    return np.ascontiguousarray(best, dtype=x.dtype), np.ascontiguousarray(idx)


def _pool_bwd(rank, dy, idx, x_shape, pool_size, strides, pads, mode):
    dtype = check_array(dy, "dy", rank + 2)
    x_shape = tuple(int(v) for v in x_shape)
    N, sizes, C = x_shape[0], x_shape[1:-1], x_shape[-1]
    out_sizes = dy.shape[1:-1]
    if mode == Pool.MAX:
        P = int(np.prod(sizes))
        dx = np.zeros((N, P, C), dtype)
        lead = (slice(None),) + (None,) * (rank + 1)
        n = np.broadcast_to(np.arange(N)[lead], dy.shape)
        c = np.broadcast_to(np.arange(C)[(None,) * (rank + 1) + (slice(None),)], dy.shape)
        # -1 marks an empty window; like C, ignore any position outside the input
        keep = (idx >= 0) & (idx < P)
        np.add.at(dx, (n[keep], idx[keep], c[keep]), dy[keep])
        return dx.reshape(x_shape)
    ones = (1,) * rank
    g = dy / np.maximum(_pool_counts(sizes, pool_size, strides, pads, out_sizes, dtype), 1)
    proto = _conv_padded(np.zeros((1,) + sizes + (1,), dtype), pool_size, strides, ones,
                         pads, out_sizes)
    dxp = np.zeros((N,) + proto.shape[1:-1] + (C,), dtype)
    for off in _offsets(pool_size):
        dxp[_at(_conv_window(off, strides, ones, out_sizes))] += g
    return _crop(dxp, pads, sizes)


def conv2d_fwd(x, w, b, code, strides, dilations, pads, out_hw):
    """y = act(conv2d(x, w) + b): x (N, H, W, C), w (KH, KW, C, O) -> (N, OH, OW, O)."""
    return _conv_fwd(2, x, w, b, code, strides, dilations, pads, out_hw)


def conv3d_fwd(x, w, b, code, strides, dilations, pads, out_sizes):
    """y = act(conv3d(x, w) + b): x (N, D, H, W, C), w (KD, KH, KW, C, O)."""
    return _conv_fwd(3, x, w, b, code, strides, dilations, pads, out_sizes)


def conv2d_bwd(x, w, y, dy, code, strides, dilations, pads, need_dx=True, need_dw=True,
               need_db=True, x_shape=None):
    """(dx, dw, db) of y = act(conv2d(x, w) + b); see ckeras._ext._conv.conv2d_bwd."""
    return _conv_bwd(2, x, w, y, dy, code, strides, dilations, pads, need_dx, need_dw,
                     need_db, x_shape)


def conv3d_bwd(x, w, y, dy, code, strides, dilations, pads, need_dx=True, need_dw=True,
               need_db=True, x_shape=None):
    """(dx, dw, db) of y = act(conv3d(x, w) + b)."""
    return _conv_bwd(3, x, w, y, dy, code, strides, dilations, pads, need_dx, need_dw,
                     need_db, x_shape)


def pool2d_fwd(x, pool_size, strides, pads, out_hw, mode):
    """Max (mode 0) or average (mode 1) pooling -> (y, idx); idx is None for average."""
    return _pool_fwd(2, x, pool_size, strides, pads, out_hw, mode)


def pool3d_fwd(x, pool_size, strides, pads, out_sizes, mode):
    """3-D pool2d_fwd; idx holds the flat positions (id*H + ih)*W + iw."""
    return _pool_fwd(3, x, pool_size, strides, pads, out_sizes, mode)


def pool2d_bwd(dy, idx, x_shape, pool_size, strides, pads, mode):
    """dx of pool2d_fwd."""
    return _pool_bwd(2, dy, idx, x_shape, pool_size, strides, pads, mode)


def pool3d_bwd(dy, idx, x_shape, pool_size, strides, pads, mode):
    """dx of pool3d_fwd."""
    return _pool_bwd(3, dy, idx, x_shape, pool_size, strides, pads, mode)
