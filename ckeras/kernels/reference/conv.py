"""NumPy reference of the convolution and pooling kernels (``ckeras._ext._conv``)."""
import numpy as np

from ckeras.kernels.checks import check_act, check_array
from ckeras.kernels.codes import Act, Pool
from ckeras.kernels.reference.act import activate, activate_grad

__all__ = ["conv2d_fwd", "conv2d_bwd", "pool2d_fwd", "pool2d_bwd"]


def _conv_window(off, strides, dilations, out_hw, pads):
    """Slices of the padded input seen by kernel offset `off` (2-D)."""
    return tuple(slice(o * d, o * d + (n - 1) * s + 1 if n else o * d, s)
                 for o, s, d, n in zip(off, strides, dilations, out_hw))


def _conv_padded(x, kshape, strides, dilations, pads, out_hw, value=0.0):
    """x zero- (or `value`-) padded so every window of the output fits."""
    H, W = x.shape[1:3]
    need = [max((n - 1) * s + (k - 1) * d + 1, 0) for n, s, k, d in
            zip(out_hw, strides, kshape, dilations)]
    after = [max(nd - p - L, 0) for nd, p, L in zip(need, pads, (H, W))]
    return np.pad(x, ((0, 0), (pads[0], after[0]), (pads[1], after[1]), (0, 0)),
                  constant_values=value)


def conv2d_fwd(x, w, b, code, strides, dilations, pads, out_hw):
    """y = act(conv2d(x, w) + b): x (N, H, W, C), w (KH, KW, C, O) -> (N, OH, OW, O)."""
    code = check_act(code)
    dtype = check_array(x, "x", 4)
    check_array(w, "w", 4, dtype)
    if w.shape[2] != x.shape[3]:
        raise ValueError(f"w has shape {w.shape}, expected (KH, KW, {x.shape[3]}, O) "
                         f"for x of shape {x.shape}")
    if b is not None:
        check_array(b, "b", 1, dtype)
        if b.shape[0] != w.shape[3]:
            raise ValueError(f"b has shape {b.shape}, expected ({w.shape[3]},)")
    out_hw = tuple(int(v) for v in out_hw)
    xp = _conv_padded(x, w.shape[:2], strides, dilations, pads, out_hw)
    y = np.zeros((x.shape[0],) + out_hw + (w.shape[3],), dtype)
    for kh in range(w.shape[0]):
        for kw in range(w.shape[1]):
            sl = _conv_window((kh, kw), strides, dilations, out_hw, pads)
            y += xp[:, sl[0], sl[1], :] @ w[kh, kw]
    if b is not None:
        y += b
    return np.ascontiguousarray(activate(code, y), dtype=dtype)


def conv2d_bwd(x, w, y, dy, code, strides, dilations, pads, need_dx=True, need_dw=True,
               need_db=True, x_shape=None):
    """(dx, dw, db) of y = act(conv2d(x, w) + b); see ckeras._ext._conv.conv2d_bwd."""
    code = check_act(code)
    dtype = check_array(dy, "dy", 4)
    check_array(w, "w", 4, dtype)
    if x is not None:
        check_array(x, "x", 4, dtype)
        x_shape = x.shape
    elif need_dw or x_shape is None:
        raise ValueError("x is needed for dw (and x_shape when x is None)")
    x_shape = tuple(int(v) for v in x_shape)
    if w.shape[2] != x_shape[3] or dy.shape[0] != x_shape[0] or dy.shape[3] != w.shape[3]:
        raise ValueError(f"shapes do not agree: x {x_shape}, w {w.shape}, dy {dy.shape}")
    if code != Act.LINEAR:
        check_array(y, "y", 4, dtype)
        if y.shape != dy.shape:
            raise ValueError(f"y has shape {y.shape}, expected {dy.shape}")
    dz = activate_grad(code, y, dy)
    out_hw = dy.shape[1:3]
    H, W = x_shape[1:3]
    proto = np.zeros(x_shape, dtype) if x is None else x
    xp = _conv_padded(proto, w.shape[:2], strides, dilations, pads, out_hw)
    dxp = np.zeros_like(xp) if need_dx else None
    dw = np.zeros_like(w) if need_dw else None
    dz2 = dz.reshape(-1, dz.shape[-1])
    for kh in range(w.shape[0]):
        for kw in range(w.shape[1]):
            sl = _conv_window((kh, kw), strides, dilations, out_hw, pads)
            if need_dw:
                dw[kh, kw] = xp[:, sl[0], sl[1], :].reshape(-1, xp.shape[-1]).T @ dz2
            if need_dx:
                dxp[:, sl[0], sl[1], :] += dz @ w[kh, kw].T
    dx = None
    if need_dx:
        dx = np.ascontiguousarray(dxp[:, pads[0]:pads[0] + H, pads[1]:pads[1] + W, :])
    db = np.ascontiguousarray(dz2.sum(axis=0), dtype=dtype) if need_db else None
    return dx, dw, db


def pool2d_fwd(x, pool_size, strides, pads, out_hw, mode):
    """Max (mode 0) or average (mode 1) pooling -> (y, idx); idx is None for average."""
    dtype = check_array(x, "x", 4)
    out_hw = tuple(int(v) for v in out_hw)
    N, H, W, C = x.shape
    ones = (1, 1)
    if mode == Pool.MAX:
        return _max_pool(x, pool_size, strides, pads, out_hw)
    xp = _conv_padded(x, pool_size, strides, ones, pads, out_hw)
    valid = _conv_padded(np.ones((1, H, W, 1), dtype), pool_size, strides, ones, pads, out_hw)
    total = np.zeros((N,) + out_hw + (C,), dtype)
    count = np.zeros((1,) + out_hw + (1,), dtype)
    for kh in range(pool_size[0]):
        for kw in range(pool_size[1]):
            sl = _conv_window((kh, kw), strides, ones, out_hw, pads)
            total += xp[:, sl[0], sl[1], :]
            count += valid[:, sl[0], sl[1], :]
    return np.ascontiguousarray(total / np.maximum(count, 1), dtype=dtype), None


def _max_pool(x, pool_size, strides, pads, out_hw):
    """TF's CPU rule (see csrc/ck_conv.h): a window starts at the lowest finite
    value, at its first real entry, and an entry replaces it only when greater,
    so NaN and -inf never win; an empty window gives 0 and position -1."""
    N, H, W, C = x.shape
    ones = (1, 1)
    lowest = np.finfo(x.dtype).min
    xp = _conv_padded(x, pool_size, strides, ones, pads, out_hw)
    pos = np.pad(np.arange(H * W, dtype=np.intc).reshape(H, W),
                 ((pads[0], xp.shape[1] - H - pads[0]), (pads[1], xp.shape[2] - W - pads[1])),
                 constant_values=-1)
    best = np.full((N,) + out_hw + (C,), lowest, x.dtype)
    idx = np.full(best.shape, -1, np.intc)
    for kh in range(pool_size[0]):
        for kw in range(pool_size[1]):
            sl = _conv_window((kh, kw), strides, ones, out_hw, pads)
            win = xp[:, sl[0], sl[1], :]
            p = np.broadcast_to(pos[sl[0], sl[1]][None, :, :, None], win.shape)
            real = p >= 0
            idx = np.where(real & (idx < 0), p, idx)
            better = real & (win > best)
            best = np.where(better, win, best)
            idx = np.where(better, p, idx).astype(np.intc)
    best[idx < 0] = 0
    return np.ascontiguousarray(best, dtype=x.dtype), np.ascontiguousarray(idx)


def pool2d_bwd(dy, idx, x_shape, pool_size, strides, pads, mode):
    """dx of pool2d_fwd."""
    dtype = check_array(dy, "dy", 4)
    N, H, W, C = (int(v) for v in x_shape)
    out_hw = dy.shape[1:3]
    if mode == Pool.MAX:
        dx = np.zeros((N, H * W, C), dtype)
        n = np.broadcast_to(np.arange(N)[:, None, None, None], dy.shape)
        c = np.broadcast_to(np.arange(C)[None, None, None, :], dy.shape)
        # -1 marks an empty window; like C, ignore any position outside the image
        keep = (idx >= 0) & (idx < H * W)
        np.add.at(dx, (n[keep], idx[keep], c[keep]), dy[keep])
        return dx.reshape(N, H, W, C)
    ones = (1, 1)
    proto = np.zeros((1, H, W, 1), dtype)
    valid = _conv_padded(proto + 1, pool_size, strides, ones, pads, out_hw)
    count = np.zeros((1,) + tuple(out_hw) + (1,), dtype)
    for kh in range(pool_size[0]):
        for kw in range(pool_size[1]):
            sl = _conv_window((kh, kw), strides, ones, out_hw, pads)
            count += valid[:, sl[0], sl[1], :]
    g = dy / np.maximum(count, 1)
    dxp = np.zeros((N,) + valid.shape[1:3] + (C,), dtype)
    for kh in range(pool_size[0]):
        for kw in range(pool_size[1]):
            sl = _conv_window((kh, kw), strides, ones, out_hw, pads)
            dxp[:, sl[0], sl[1], :] += g
    return np.ascontiguousarray(dxp[:, pads[0]:pads[0] + H, pads[1]:pads[1] + W, :])
