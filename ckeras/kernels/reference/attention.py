"""NumPy reference of the fused scaled-dot-product attention kernels
(``ckeras._ext._attention``).

Layouts are those of Keras' MultiHeadAttention after its projections:
q (B, T, N, H), k (B, S, N, H), v (B, S, N, Hv), C-contiguous but for the
stride of their second axis (column blocks of one packed projection may be
given); the probabilities are
(B, N, T, S), the output (B, T, N, Hv). A mask (B, T, S) (bool or uint8,
nonzero = attend) adds -1e9 to the masked scores before the softmax, as
tf-keras' Softmax does, so a fully masked row becomes uniform.
"""
import numpy as np

from ckeras.kernels.checks import c_double, check_array

__all__ = ["sdpa_fwd", "sdpa_bwd", "MASKED_SCORE"]

MASKED_SCORE = -1e9


def _row_stride(a, name):
    """The stride of axis 1 in elements, for an array that is C-contiguous
    but for it (raises otherwise)."""
    B, T, N, H = a.shape
    width = N * H
    if a.flags.c_contiguous:
        return max(width, 1)
    item = a.itemsize
    st = a.strides
    ld = st[1] // item if T > 1 else (st[0] // item if B > 1 else width)
    if ((H > 1 and st[3] != item) or (N > 1 and st[2] != H * item)
            or (T > 1 and st[1] != ld * item) or (B > 1 and st[0] != T * ld * item)
            or ld < width or ld < 1):
        raise ValueError(f"{name} must be C-contiguous but for the stride of its axis 1 "
                         f"(got strides {a.strides} for shape {a.shape})")
    return ld


def _check_qkv(q, k, v):
    dtype = check_array(q, "q", 4, contiguous=False)
    check_array(k, "k", 4, dtype, contiguous=False)
    check_array(v, "v", 4, dtype, contiguous=False)
    B, T, N, H = q.shape
    if k.shape[0] != B or k.shape[2] != N or k.shape[3] != H:
        raise ValueError(f"k has shape {k.shape}, expected ({B}, S, {N}, {H}) "
                         f"for q of shape {q.shape}")
    S = k.shape[1]
    if v.shape[:3] != (B, S, N):
        raise ValueError(f"v has shape {v.shape}, expected ({B}, {S}, {N}, Hv) "
                         f"for k of shape {k.shape}")
    for a, name in ((q, "q"), (k, "k"), (v, "v")):
        _row_stride(a, name)
    return dtype, B, T, N, H, S, v.shape[3]


def check_attention_mask(mask, B, T, S):
    """A (B, T, S) bool or uint8 C-contiguous mask, or None."""
    if mask is None:
        return
    if not isinstance(mask, np.ndarray) or mask.dtype not in (np.bool_, np.uint8):
        raise ValueError("mask must be a bool or uint8 numpy.ndarray")
    if mask.shape != (B, T, S):
        raise ValueError(f"mask has shape {mask.shape}, expected {(B, T, S)}")
    if not mask.flags.c_contiguous:
        raise ValueError("mask must be C-contiguous (use numpy.ascontiguousarray)")


def sdpa_fwd(q, k, v, mask, scale, keep_probs=True, threads=2, out=None):
    """`(out (B, T, N, Hv), probs (B, N, T, S))` of
    softmax(scale * q k^T + masked adder) v, per batch and head; probs is
    None with `keep_probs=False`; with `out` (two writable C-contiguous
    arrays, the second None without `keep_probs`) written there. `threads`
    is the C kernel's (ignored)."""
    scale = c_double(scale)
    dtype, B, T, N, H, S, Hv = _check_qkv(q, k, v)
    check_attention_mask(mask, B, T, S)
    s = np.einsum("btnh,bsnh->bnts", q, k) * dtype.type(scale)
    if mask is not None:
        s = s + (1 - mask[:, None].astype(dtype)) * dtype.type(MASKED_SCORE)
    s = s - s.max(axis=-1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(axis=-1, keepdims=True)
    o = np.ascontiguousarray(np.einsum("bnts,bsnh->btnh", p, v), dtype=dtype)
    p = np.ascontiguousarray(p, dtype=dtype) if keep_probs else None
    if out is None:
        return o, p
    if not isinstance(out, tuple) or len(out) != 2:
        raise ValueError("out must be a tuple (out, probs) or None")
    if not keep_probs and out[1] is not None:
        raise ValueError("out's probs must be None when keep_probs is False")
    pairs = [(dst, src) for dst, src in zip(out, (o, p)) if src is not None]
    for name, (dst, src) in zip(("out", "probs"), pairs):
        check_array(dst, f"out's {name}", 4, dtype)
        if dst.shape != src.shape:
            raise ValueError(f"out's {name} has shape {dst.shape}, expected {src.shape}")
        if not dst.flags.writeable:
            raise ValueError(f"out's {name} is read-only")
    for dst, src in pairs:
        dst[...] = src
    return out


def sdpa_bwd(q, k, v, probs, dout, dprobs, scale, out=None, threads=2):
    """`(dq, dk, dv)` of `sdpa_fwd` from its saved probabilities, the gradient
    of the output and (or None) the gradient of the probabilities; with
    `out` (three writable arrays shaped and strided as q, k and v) written
    there. `threads` is the C kernel's (ignored)."""
    scale = c_double(scale)
    dtype, B, T, N, H, S, Hv = _check_qkv(q, k, v)
    check_array(probs, "probs", 4, dtype)
    if probs.shape != (B, N, T, S):
        raise ValueError(f"probs has shape {probs.shape}, expected {(B, N, T, S)}")
    check_array(dout, "dout", 4, dtype)
    if dout.shape != (B, T, N, Hv):
        raise ValueError(f"dout has shape {dout.shape}, expected {(B, T, N, Hv)}")
    if dprobs is not None:
        check_array(dprobs, "dprobs", 4, dtype)
        if dprobs.shape != (B, N, T, S):
            raise ValueError(f"dprobs has shape {dprobs.shape}, expected {(B, N, T, S)}")
    dv = np.einsum("bnts,btnh->bsnh", probs, dout)
    dp = np.einsum("btnh,bsnh->bnts", dout, v)
    if dprobs is not None:
        dp = dp + dprobs
    ds = probs * (dp - (dp * probs).sum(axis=-1, keepdims=True)) * dtype.type(scale)
    dq = np.einsum("bnts,bsnh->btnh", ds, k)
    dk = np.einsum("bnts,btnh->bsnh", ds, q)
    grads = (dq, dk, dv)
    if out is None:
        return tuple(np.ascontiguousarray(a, dtype=dtype) for a in grads)
    if not isinstance(out, tuple) or len(out) != 3:
        raise ValueError("out must be a tuple (dq, dk, dv) or None")
    for name, o, like, g in zip(("dq", "dk", "dv"), out, (q, k, v), grads):
        check_array(o, name, 4, dtype, contiguous=False)
        if o.shape != like.shape or o.strides != like.strides:
            raise ValueError(f"out's {name} must have the shape and strides of its input: "
                             f"got {o.shape} {o.strides}, expected {like.shape} "
                             f"{like.strides}")
        if not o.flags.writeable:
            raise ValueError(f"out's {name} is read-only")
        o[...] = g
    return out
