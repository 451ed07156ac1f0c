"""NumPy reference of the elementwise kernels (``ckeras._ext._elementwise``):
the residual add and the mean squared error, float32 or float64 arrays of
one dtype, C-contiguous."""
import numpy as np

from ckeras.kernels.checks import check_array

__all__ = ["add", "mse_fwd", "mse_bwd"]


def _check_shaped(a, name, shape, dtype):
    check_array(a, name, len(shape), dtype)
    if a.shape != shape:
        raise ValueError(f"{name} has shape {a.shape}, expected {shape}")


def add(a, b):
    """a + b of two arrays of one shape and dtype, as a new array."""
    dtype = check_array(a, "a")
    check_array(b, "b", None, dtype)
    if b.shape != a.shape:
        raise ValueError(f"b has shape {b.shape}, expected {a.shape} (the shape of a)")
    return np.add(a, b)


def mse_fwd(p, t):
    """`(loss, d)` for (rows, cols) predictions p and targets t: d = p - t
    and loss (rows,) = mean(d * d) per row."""
    dtype = check_array(p, "p", 2)
    _check_shaped(t, "t", p.shape, dtype)
    if p.shape[0] > 0 and p.shape[1] == 0:
        raise ValueError("p has no columns to average over")
    d = np.subtract(p, t)
    loss = np.multiply(np.add.reduce(np.square(d), axis=-1), 1.0 / max(p.shape[1], 1),
                       dtype=dtype)
    return loss, d


def mse_bwd(d, g):
    """The gradient of `mse_fwd`'s loss with respect to p: d * (2 g / cols)
    per row, g (rows,)."""
    dtype = check_array(d, "d", 2)
    _check_shaped(g, "g", (d.shape[0],), dtype)
    scale = np.multiply(np.multiply(g, 1.0 / max(d.shape[1], 1), dtype=dtype), 2, dtype=dtype)
    return np.multiply(d, scale[:, None])
