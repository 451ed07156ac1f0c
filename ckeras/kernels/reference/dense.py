"""NumPy reference of the fused dense kernels (``ckeras._ext._dense``)."""
import numpy as np

from ckeras.kernels.checks import check_act, check_array
from ckeras.kernels.reference.act import activate, activate_grad

__all__ = ["dense_fwd", "dense_bwd", "embedding_bwd"]


def dense_fwd(x, w, b, code):
    """y = act(x @ w + b): x (M, K), w (K, N), b (N,) or None -> y (M, N)."""
    code = check_act(code)
    dtype = check_array(x, "x", 2)
    check_array(w, "w", 2, dtype)
    if w.shape[0] != x.shape[1]:
        raise ValueError(f"w has shape {w.shape}, expected ({x.shape[1]}, N) "
                         f"for x of shape {x.shape}")
    if b is not None:
        check_array(b, "b", 1, dtype)
        if b.shape[0] != w.shape[1]:
            raise ValueError(f"b has shape {b.shape}, expected ({w.shape[1]},) "
                             f"for w of shape {w.shape}")
    z = x @ w
    if b is not None:
        z += b
    return np.ascontiguousarray(activate(code, z), dtype=dtype)


def dense_bwd(x, w, y, dy, code, need_dx=True, need_dw=True, need_db=True):
    """Gradients of y = act(x @ w + b) from the saved output y and dy = dL/dy.

    Returns (dx (M, K), dw (K, N), db (N,)); each is None when not needed.
    """
    code = check_act(code)
    dtype = check_array(x, "x", 2)
    check_array(w, "w", 2, dtype)
    check_array(y, "y", 2, dtype)
    check_array(dy, "dy", 2, dtype)
    M, K = x.shape
    N = w.shape[1]
    if w.shape[0] != K:
        raise ValueError(f"w has shape {w.shape}, expected ({K}, N) for x of shape {x.shape}")
    if y.shape != (M, N):
        raise ValueError(f"y has shape {y.shape}, expected ({M}, {N})")
    if dy.shape != (M, N):
        raise ValueError(f"dy has shape {dy.shape}, expected ({M}, {N})")
    dz = activate_grad(code, y, dy)
    dx = np.ascontiguousarray(dz @ w.T, dtype=dtype) if need_dx else None
    dw = np.ascontiguousarray(x.T @ dz, dtype=dtype) if need_dw else None
    db = np.ascontiguousarray(dz.sum(axis=0), dtype=dtype) if need_db else None
    return dx, dw, db


def embedding_bwd(ids, dy, input_dim):
    """dW (input_dim, D) of y = W[ids]: zeros, then dW[ids[k]] += dy[k] in
    order (np.add.at); ids (n,) C-contiguous numpy.intp in
    [-input_dim, input_dim), dy (n, D)."""
    if not (isinstance(ids, np.ndarray) and ids.dtype == np.intp and ids.ndim == 1
            and ids.flags.c_contiguous):
        raise ValueError("ids must be a C-contiguous 1-D numpy.intp array")
    dtype = check_array(dy, "dy", 2)
    n = ids.shape[0]
    if dy.shape[0] != n:
        raise ValueError(f"dy has shape {dy.shape}, expected ({n}, D) for {n} ids")
    input_dim = int(input_dim)
    if input_dim < 0:
        raise ValueError(f"input_dim must be >= 0, got {input_dim}")
    if n and (ids.min() < -input_dim or ids.max() >= input_dim):
        bad = ids[(ids < -input_dim) | (ids >= input_dim)][0]
        raise ValueError(f"ids contains {bad}, outside [-{input_dim}, {input_dim})")
    dw = np.zeros((input_dim, dy.shape[1]), dtype)
    np.add.at(dw, ids, dy)
    return dw
