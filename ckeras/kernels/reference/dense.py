"""NumPy reference of the fused dense kernels (``ckeras._ext._dense``)."""
import numpy as np

from ckeras.kernels.checks import check_act, check_array
from ckeras.kernels.codes import Act
from ckeras.kernels.reference.act import activate, activate_grad
from ckeras.kernels.reference.elementwise import sparse_xent_bwd, sparse_xent_fwd

__all__ = ["dense_fwd", "dense_bwd", "embedding_bwd", "chain_sparse_xent_step"]


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


def chain_sparse_xent_step(x, weights, biases, codes, split, labels, scale):
    """The forward and backward of a training step of dense layers in a
    chain ending in a sparse softmax crossentropy: `dense_fwd` layer by
    layer (the last one linear with `split`, the softmax being the loss's),
    `sparse_xent_fwd`/`sparse_xent_bwd` on the last output with `scale` the
    gradient of each row's loss, then `dense_bwd` layer by layer back.

    Returns:
        (loss (M,), out, grads): out is the softmax of the logits with
        `split`, else the last layer's output; grads lists dW_i and db_i
        (None without a bias) layer by layer.
    """
    n_layers = len(weights)
    if n_layers < 1 or len(biases) != n_layers or len(codes) != n_layers:
        raise ValueError(f"weights, biases and codes must have one entry per layer (>= 1); "
                         f"got {len(weights)}, {len(biases)} and {len(codes)}")
    dtype = check_array(x, "x", 2)
    k = x.shape[1]
    eff = []
    for i, (w, b, code) in enumerate(zip(weights, biases, codes)):
        check_array(w, f"weights[{i}]", 2, dtype)
        if w.shape[0] != k:
            raise ValueError(f"weights[{i}] has shape {w.shape}, expected ({k}, N)")
        if b is not None:
            check_array(b, f"biases[{i}]", 1, dtype)
            if b.shape != (w.shape[1],):
                raise ValueError(f"biases[{i}] has shape {b.shape}, expected {(w.shape[1],)}")
        code = check_act(code)
        eff.append(Act.LINEAR if split and i == n_layers - 1 else code)
        k = w.shape[1]
    if x.shape[0] == 0 or k == 0:
        raise ValueError(f"the step needs rows and classes; got x of shape {x.shape} and "
                         f"{k} outputs")
    check_array(scale, "scale", 1, dtype)
    if scale.shape != (x.shape[0],):
        raise ValueError(f"scale has shape {scale.shape}, expected {(x.shape[0],)}")
    ins, outs = [], []
    h = x
    for w, b, code in zip(weights, biases, eff):
        ins.append(h)
        h = dense_fwd(h, w, b, code)
        outs.append(h)
    loss, p = sparse_xent_fwd(h, labels)
    g = sparse_xent_bwd(p, labels, scale)
    grads = [None] * (2 * n_layers)
    for i in range(n_layers - 1, -1, -1):
        dx, dw, db = dense_bwd(ins[i], weights[i], outs[i], g, eff[i], need_dx=i > 0,
                               need_db=biases[i] is not None)
        grads[2 * i], grads[2 * i + 1] = dw, db
        g = dx
    return loss, (p if split else h), grads
