"""NumPy reference of the elementwise kernels (``ckeras._ext._elementwise``):
the residual add, the mean squared error and the sparse softmax
crossentropy, float32 or float64 arrays of one dtype, C-contiguous (labels
int64)."""
import numpy as np

from ckeras.kernels.checks import check_array
from ckeras.kernels.codes import Act
from ckeras.kernels.reference.act import act_fwd

__all__ = ["add", "mse_fwd", "mse_bwd", "sparse_xent_fwd", "sparse_xent_bwd"]


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


def _check_labels(labels, rows, cols):
    if not isinstance(labels, np.ndarray):
        raise TypeError(f"labels must be a numpy.ndarray, got {type(labels).__name__}")
    if labels.dtype != np.int64 or not labels.dtype.isnative:
        raise ValueError(f"labels must have dtype int64, got {labels.dtype}")
    if labels.shape != (rows,):
        raise ValueError(f"labels has shape {labels.shape}, expected {(rows,)}")
    if not labels.flags.c_contiguous:
        raise ValueError("labels must be C-contiguous (use numpy.ascontiguousarray)")
    bad = np.flatnonzero((labels < 0) | (labels >= cols))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"labels[{i}] = {labels[i]} is outside the valid range [0, {cols})")


def sparse_xent_fwd(z, labels):
    """`(loss, p)` for (rows, cols) logits z and int64 labels (rows,):
    p = softmax(z) per row (the softmax activation's bits) and loss (rows,)
    = logsumexp(z) - z[label] per row."""
    dtype = check_array(z, "z", 2)
    if z.shape[0] > 0 and z.shape[1] == 0:
        raise ValueError("z has no columns (classes)")
    _check_labels(labels, z.shape[0], z.shape[1])
    if not z.shape[0]:
        return np.zeros(0, dtype), act_fwd(Act.SOFTMAX, z)
    with np.errstate(invalid="ignore", over="ignore"):
        p = act_fwd(Act.SOFTMAX, z)
        m = np.max(z, axis=-1, keepdims=True)
        sh = z - m
        total = np.sum(np.exp(sh), axis=-1)
        loss = np.log(total) - sh[np.arange(z.shape[0]), labels]
    return loss.astype(dtype, copy=False), p


def sparse_xent_bwd(p, labels, g):
    """The gradient of `sparse_xent_fwd`'s loss with respect to z:
    (p - onehot(labels)) * g per row, g (rows,)."""
    dtype = check_array(p, "p", 2)
    _check_shaped(g, "g", (p.shape[0],), dtype)
    _check_labels(labels, p.shape[0], p.shape[1])
    d = p.copy()
    d[np.arange(p.shape[0]), labels] -= 1
    d *= g[:, None]
    return d
