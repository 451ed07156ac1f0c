"""NumPy references of the C kernels: the oracle in tests and the fallback
when ``ckeras._ext`` is not available.

Each function has the signature, argument checks and errors of its C twin
(``ckeras._ext._act`` / ``ckeras._ext._dense``), so code switched between
the two by ``ckeras.backend._dispatch`` behaves the same. Imports NumPy only.
"""
import numpy as np

# Activation codes: the values of CK_ACT_* in csrc/ck_act.h.
LINEAR = 0
RELU = 1
SIGMOID = 2
TANH = 3
SOFTMAX = 4        # row-wise over the last axis
HARD_SIGMOID = 5   # clip(0.2 * x + 0.5, 0, 1), the Keras 2 definition
NCODES = 6
ACT_CODES = {"linear": LINEAR, "relu": RELU, "sigmoid": SIGMOID, "tanh": TANH,
             "softmax": SOFTMAX, "hard_sigmoid": HARD_SIGMOID}

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _check_array(a, name, ndim=None, dtype=None):
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(a).__name__}")
    if a.dtype.kind == "f" and not a.dtype.isnative:
        raise ValueError(f"{name} must be aligned and in native byte order")
    if a.dtype not in _FLOATS:
        raise ValueError(f"{name} must have dtype float32 or float64, got {a.dtype}")
    if dtype is not None and a.dtype != dtype:
        raise ValueError(f"{name} has dtype {a.dtype}, expected {dtype} "
                         f"(all arrays of one call share a dtype)")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {a.shape}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (use numpy.ascontiguousarray)")
    if not a.flags.aligned:
        raise ValueError(f"{name} must be aligned and in native byte order")
    return a.dtype


def _check_code(code):
    code = int(code)
    if code < 0 or code >= NCODES:
        raise ValueError(f"code must be an activation code in [0, {NCODES}), got {code}")
    return code


def _act(code, x):
    """act(x) on a float array; may return x itself (callers own x)."""
    if code == LINEAR:
        return x
    if code == RELU:
        return np.maximum(x, 0)
    if code == SIGMOID:
        # exp(-|x|) never overflows; e/(1+e) keeps the left tail accurate.
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    if code == TANH:
        return np.tanh(x)
    if code == SOFTMAX:
        if x.shape[-1] == 0:
            return x
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if code == HARD_SIGMOID:
        return np.clip(0.2 * x + 0.5, 0.0, 1.0)
    raise ValueError(f"unknown activation code {code}")


def _act_grad(code, y, dy):
    """dy * act'(.) from the forward output y; may return dy itself."""
    if code == LINEAR:
        return dy
    if code == RELU:
        return np.where(y > 0, dy, 0)
    if code == SIGMOID:
        return dy * y * (1 - y)
    if code == TANH:
        return dy * (1 - y * y)
    if code == SOFTMAX:
        if y.shape[-1] == 0:
            return dy
        return y * (dy - (dy * y).sum(axis=-1, keepdims=True))
    if code == HARD_SIGMOID:
        return np.where((y > 0) & (y < 1), 0.2 * dy, 0)
    raise ValueError(f"unknown activation code {code}")


def act_fwd(code, x):
    """y = act(x) for activation `code`; a new array of x's shape and dtype."""
    code = _check_code(code)
    _check_array(x, "x")
    if code == SOFTMAX and x.ndim == 0:
        raise ValueError("x must have at least 1 dimension for softmax, got a 0-d array")
    return np.array(_act(code, x), dtype=x.dtype, order="C", copy=True)


def act_bwd(code, y, dy):
    """dx = dy * act'(x), computed from the forward output y = act(x)."""
    code = _check_code(code)
    dtype = _check_array(y, "y")
    _check_array(dy, "dy", dtype=dtype)
    if y.shape != dy.shape:
        raise ValueError(f"dy has shape {dy.shape}, expected y's shape {y.shape}")
    if code == SOFTMAX and y.ndim == 0:
        raise ValueError("y must have at least 1 dimension for softmax, got a 0-d array")
    return np.array(_act_grad(code, y, dy), dtype=dtype, order="C", copy=True)


def dense_fwd(x, w, b, code):
    """y = act(x @ w + b): x (M, K), w (K, N), b (N,) or None -> y (M, N)."""
    code = _check_code(code)
    dtype = _check_array(x, "x", 2)
    _check_array(w, "w", 2, dtype)
    if w.shape[0] != x.shape[1]:
        raise ValueError(f"w has shape {w.shape}, expected ({x.shape[1]}, N) "
                         f"for x of shape {x.shape}")
    if b is not None:
        _check_array(b, "b", 1, dtype)
        if b.shape[0] != w.shape[1]:
            raise ValueError(f"b has shape {b.shape}, expected ({w.shape[1]},) "
                             f"for w of shape {w.shape}")
    z = x @ w
    if b is not None:
        z += b
    return np.ascontiguousarray(_act(code, z), dtype=dtype)


def dense_bwd(x, w, y, dy, code, need_dx=True, need_dw=True, need_db=True):
    """Gradients of y = act(x @ w + b) from the saved output y and dy = dL/dy.

    Returns (dx (M, K), dw (K, N), db (N,)); each is None when not needed.
    """
    code = _check_code(code)
    dtype = _check_array(x, "x", 2)
    _check_array(w, "w", 2, dtype)
    _check_array(y, "y", 2, dtype)
    _check_array(dy, "dy", 2, dtype)
    M, K = x.shape
    N = w.shape[1]
    if w.shape[0] != K:
        raise ValueError(f"w has shape {w.shape}, expected ({K}, N) for x of shape {x.shape}")
    if y.shape != (M, N):
        raise ValueError(f"y has shape {y.shape}, expected ({M}, {N})")
    if dy.shape != (M, N):
        raise ValueError(f"dy has shape {dy.shape}, expected ({M}, {N})")
    dz = _act_grad(code, y, dy)
    dx = np.ascontiguousarray(dz @ w.T, dtype=dtype) if need_dx else None
    dw = np.ascontiguousarray(x.T @ dz, dtype=dtype) if need_dw else None
    db = np.ascontiguousarray(dz.sum(axis=0), dtype=dtype) if need_db else None
    return dx, dw, db


# -- convolution and pooling (references of ckeras._ext._conv) -----------------------

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
    code = _check_code(code)
    dtype = _check_array(x, "x", 4)
    _check_array(w, "w", 4, dtype)
    if w.shape[2] != x.shape[3]:
        raise ValueError(f"w has shape {w.shape}, expected (KH, KW, {x.shape[3]}, O) "
                         f"for x of shape {x.shape}")
    if b is not None:
        _check_array(b, "b", 1, dtype)
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
    return np.ascontiguousarray(_act(code, y), dtype=dtype)


def conv2d_bwd(x, w, y, dy, code, strides, dilations, pads, need_dx=True, need_dw=True,
               need_db=True, x_shape=None):
    """(dx, dw, db) of y = act(conv2d(x, w) + b); see ckeras._ext._conv.conv2d_bwd."""
    code = _check_code(code)
    dtype = _check_array(dy, "dy", 4)
    _check_array(w, "w", 4, dtype)
    if x is not None:
        _check_array(x, "x", 4, dtype)
        x_shape = x.shape
    elif need_dw or x_shape is None:
        raise ValueError("x is needed for dw (and x_shape when x is None)")
    x_shape = tuple(int(v) for v in x_shape)
    if w.shape[2] != x_shape[3] or dy.shape[0] != x_shape[0] or dy.shape[3] != w.shape[3]:
        raise ValueError(f"shapes do not agree: x {x_shape}, w {w.shape}, dy {dy.shape}")
    if code != LINEAR:
        _check_array(y, "y", 4, dtype)
        if y.shape != dy.shape:
            raise ValueError(f"y has shape {y.shape}, expected {dy.shape}")
    dz = _act_grad(code, y, dy)
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
    dtype = _check_array(x, "x", 4)
    out_hw = tuple(int(v) for v in out_hw)
    N, H, W, C = x.shape
    ones = (1, 1)
    if mode == 0:
        xp = _conv_padded(x, pool_size, strides, ones, pads, out_hw, value=-np.inf)
        pos = np.pad(np.arange(H * W, dtype=np.intc).reshape(H, W),
                     ((pads[0], xp.shape[1] - H - pads[0]), (pads[1], xp.shape[2] - W - pads[1])),
                     constant_values=-1)
        best = idx = None
        for kh in range(pool_size[0]):
            for kw in range(pool_size[1]):
                sl = _conv_window((kh, kw), strides, ones, out_hw, pads)
                win = xp[:, sl[0], sl[1], :]
                p = np.broadcast_to(pos[sl[0], sl[1]][None, :, :, None], win.shape)
                if best is None:
                    best, idx = win.copy(), p.astype(np.intc)
                else:
                    better = win > best
                    best = np.where(better, win, best)
                    idx = np.where(better, p, idx).astype(np.intc)
        return np.ascontiguousarray(best, dtype=dtype), np.ascontiguousarray(idx)
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


def pool2d_bwd(dy, idx, x_shape, pool_size, strides, pads, mode):
    """dx of pool2d_fwd."""
    dtype = _check_array(dy, "dy", 4)
    N, H, W, C = (int(v) for v in x_shape)
    out_hw = dy.shape[1:3]
    if mode == 0:
        dx = np.zeros((N, H * W, C), dtype)
        n = np.arange(N)[:, None, None, None]
        c = np.arange(C)[None, None, None, :]
        np.add.at(dx, (np.broadcast_to(n, dy.shape), idx, np.broadcast_to(c, dy.shape)), dy)
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
