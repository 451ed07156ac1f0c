"""NumPy reference of the layer-normalization kernels
(``ckeras._ext._normalization``).

x is (rows, cols); each row is normalized by its mean and biased variance:
y = (x - mean) * rstd * gamma + beta with rstd = 1 / sqrt(var + eps), as
tf-keras' LayerNormalization over the last axis. gamma and beta (cols,) may
be None.
"""
import numpy as np

from ckeras.kernels.checks import c_double, check_array

__all__ = ["layer_norm_fwd", "layer_norm_bwd"]


def _check_shaped(a, name, shape, dtype):
    check_array(a, name, len(shape), dtype)
    if a.shape != shape:
        raise ValueError(f"{name} has shape {a.shape}, expected {shape}")


def _check_params(x, gamma, beta, dtype):
    for name, p in (("gamma", gamma), ("beta", beta)):
        if p is not None:
            _check_shaped(p, name, (x.shape[1],), dtype)


def layer_norm_fwd(x, gamma, beta, eps):
    """`(y, mean, rstd)`: y = (x - mean) * rstd * gamma + beta per row, with
    rstd = 1 / sqrt(var + eps); mean and rstd (rows,) for the backward."""
    eps = c_double(eps)
    dtype = check_array(x, "x", 2)
    _check_params(x, gamma, beta, dtype)
    if not eps >= 0.0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    if x.shape[0] > 0 and x.shape[1] == 0:
        raise ValueError("x has no columns to normalize over")
    if x.shape[0] == 0:
        return x.copy(), np.empty(0, dtype), np.empty(0, dtype)
    mean = x.mean(axis=1)
    xc = x - mean[:, None]
    rstd = (1 / np.sqrt((xc * xc).mean(axis=1) + dtype.type(eps))).astype(dtype)
    y = xc * rstd[:, None]
    if gamma is not None:
        y = y * gamma
    if beta is not None:
        y = y + beta
    return np.ascontiguousarray(y, dtype), mean.astype(dtype), rstd


def layer_norm_bwd(x, gamma, mean, rstd, dy, with_beta):
    """`(dx, dgamma, dbeta)` of `layer_norm_fwd` from its saved statistics;
    dgamma is None without gamma, dbeta None unless `with_beta`."""
    dtype = check_array(x, "x", 2)
    _check_params(x, gamma, None, dtype)
    _check_shaped(mean, "mean", (x.shape[0],), dtype)
    _check_shaped(rstd, "rstd", (x.shape[0],), dtype)
    _check_shaped(dy, "dy", x.shape, dtype)
    cols = x.shape[1]
    xhat = (x - mean[:, None]) * rstd[:, None]
    g = dy * gamma if gamma is not None else dy
    if cols:
        dx = rstd[:, None] * (g - g.mean(axis=1, keepdims=True)
                              - xhat * (g * xhat).mean(axis=1, keepdims=True))
    else:
        dx = np.empty_like(x)
    dgamma = (dy * xhat).sum(axis=0).astype(dtype) if gamma is not None else None
    dbeta = dy.sum(axis=0).astype(dtype) if with_beta else None
    return np.ascontiguousarray(dx, dtype), dgamma, dbeta
