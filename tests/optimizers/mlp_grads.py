"""The gradients the optimizer golden cases feed in: the Keras 'mse' loss of
a one-hidden-layer linear MLP, computed by hand (shared by the optimizer
test files)."""
import numpy as np


def mse_grads(ws, x, y):
    """Loss and gradients of mean((x W1 + b1) W2 + b2 - y)^2 (Keras 'mse')."""
    w1, b1, w2, b2 = ws
    h = x @ w1 + b1
    out = h @ w2 + b2
    d = (2.0 / out.size) * (out - y)
    dh = d @ w2.T
    grads = [x.T @ dh, dh.sum(0), h.T @ d, d.sum(0)]
    return float(np.mean((out - y) ** 2)), [g.astype(w.dtype) for g, w in zip(grads, ws)]
