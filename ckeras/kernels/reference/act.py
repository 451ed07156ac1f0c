"""NumPy reference of the activation kernels (``ckeras._ext._act``): the
oracle of the kernel tests and the implementation in NumPy mode. Same
signatures, results (to rounding) and errors as the C twins."""
import numpy as np

from ckeras.kernels.checks import check_act, check_array
from ckeras.kernels.codes import Act

__all__ = ["act_fwd", "act_bwd", "activate", "activate_grad"]


def activate(code, x):
    """act(x) on a float array; may return x itself (callers own x)."""
    if code == Act.LINEAR:
        return x
    if code == Act.RELU:
        return np.maximum(x, 0)
    if code == Act.SIGMOID:
        # exp(-|x|) never overflows; e/(1+e) keeps the left tail accurate.
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    if code == Act.TANH:
        return np.tanh(x)
    if code == Act.SOFTMAX:
        if x.shape[-1] == 0:
            return x
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if code == Act.HARD_SIGMOID:
        return np.clip(0.2 * x + 0.5, 0.0, 1.0)
    raise ValueError(f"unknown activation code {code}")


def activate_grad(code, y, dy):
    """dy * act'(.) from the forward output y; may return dy itself."""
    if code == Act.LINEAR:
        return dy
    if code == Act.RELU:
        return np.where(y > 0, dy, 0)
    if code == Act.SIGMOID:
        return dy * y * (1 - y)
    if code == Act.TANH:
        return dy * (1 - y * y)
    if code == Act.SOFTMAX:
        if y.shape[-1] == 0:
            return dy
        return y * (dy - (dy * y).sum(axis=-1, keepdims=True))
    if code == Act.HARD_SIGMOID:
        return np.where((y > 0) & (y < 1), 0.2 * dy, 0)
    raise ValueError(f"unknown activation code {code}")


def act_fwd(code, x):
    """y = act(x) for activation `code`; a new array of x's shape and dtype."""
    code = check_act(code)
    check_array(x, "x")
    if code == Act.SOFTMAX and x.ndim == 0:
        raise ValueError("x must have at least 1 dimension for softmax, got a 0-d array")
    return np.array(activate(code, x), dtype=x.dtype, order="C", copy=True)


def act_bwd(code, y, dy):
    """dx = dy * act'(x), computed from the forward output y = act(x)."""
    code = check_act(code)
    dtype = check_array(y, "y")
    check_array(dy, "dy", dtype=dtype)
    if y.shape != dy.shape:
        raise ValueError(f"dy has shape {dy.shape}, expected y's shape {y.shape}")
    if code == Act.SOFTMAX and y.ndim == 0:
        raise ValueError("y must have at least 1 dimension for softmax, got a 0-d array")
    return np.array(activate_grad(code, y, dy), dtype=dtype, order="C", copy=True)
