"""NumPy reference of the row-major GEMM helper (``ckeras._ext._blas.gemm``)."""
import numpy as np

from ckeras.kernels.checks import check_array

__all__ = ["gemm"]


def gemm(a, b, trans_a=False, trans_b=False, alpha=1.0, beta=0.0, out=None):
    """alpha * op(a) @ op(b) + beta * out; a new array without `out`, else
    `out` updated in place. beta == 0 never reads `out`."""
    dt = check_array(a, "a", 2)
    check_array(b, "b", 2, dt)
    opa = a.T if trans_a else a
    opb = b.T if trans_b else b
    if opa.shape[1] != opb.shape[0]:
        raise ValueError(f"b: inner dimensions differ: op(a) has shape {opa.shape}, "
                         f"op(b) has shape {opb.shape}")
    prod = (opa @ opb).astype(dt, copy=False)
    if out is None:
        return np.ascontiguousarray(dt.type(alpha) * prod)
    check_array(out, "out", 2, dt)
    if out.shape != prod.shape:
        raise ValueError(f"out has shape {out.shape}, expected {prod.shape}")
    if not out.flags.writeable:
        raise ValueError("out must be writeable")
    if np.shares_memory(out, a) or np.shares_memory(out, b):
        raise ValueError("out must not overlap a or b")
    if beta == 0:
        out[...] = dt.type(alpha) * prod
    else:
        out *= dt.type(beta)
        out += dt.type(alpha) * prod
    return out
