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
