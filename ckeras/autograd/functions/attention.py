"""Scaled-dot-product attention as one Function over the fused kernel."""
import sys

import numpy as np

from ckeras.autograd.function import Function
from ckeras.kernels import get_blas_threads, kernels


def _real(a, dtype):
    return np.ascontiguousarray(a, dtype=dtype)


def _probs_grad(g, dtype):
    """The probabilities' gradient for the kernel: None when nothing used
    them (the tape passes None, and the kernel skips the add)."""
    return None if g is None else _real(g, dtype)


def _refs(arrays, i):
    """The reference count of arrays[i] as Buffers.take reads it."""
    a = arrays[i]
    return sys.getrefcount(a)


# What _refs reads for an array only its list refers to: measured, not
# assumed, since interpreters differ in the references a call holds.
_FREE = _refs([np.empty(0)], 0)


class Buffers:
    """A layer's attention outputs and gradients, reused from call to call.

    A train step of MultiHeadAttention(8, 64) on (32, 128, 512) writes 17 MB
    of probabilities and a 25 MB packed gradient: fresh arrays that size
    cost the kernel's page faults (zeroed pages) whenever the allocator has
    handed the memory back. An array is reused only when nothing but this
    object refers to it (no tape node, Tensor, view or caller still holds
    it), so a call never writes into an array anything can still read. A
    layer called several times a step gets one array per call (up to
    `KEEP` per name; beyond that, new arrays as without buffers).
    """

    KEEP = 4

    def __init__(self):
        self._arrays = {}

    def take(self, key, shape, dtype):
        """An array of `shape` and `dtype` nothing else refers to."""
        arrays = self._arrays.setdefault(key, [])
        spare = None
        for i in range(len(arrays)):
            if _refs(arrays, i) <= _FREE:
                a = arrays[i]
                if a.shape == shape and a.dtype == dtype:
                    return a
                spare = i
        a = np.empty(shape, dtype)
        if spare is not None:
            arrays[spare] = a
        elif len(arrays) < self.KEEP:
            arrays.append(a)
        return a


def _threads():
    """2 (heads shared with the kernels' helper thread) when each GEMM runs
    on one BLAS thread; 1 when the BLAS's own pool threads every GEMM, whose
    callers would only wait for each other."""
    return 2 if get_blas_threads() in (None, 1) else 1


class ScaledDotProductAttention(Function):
    """`(out, probs)` of softmax(scale * q k^T + mask adder) v per batch and head.

    Inputs q (B, T, N, H), k (B, S, N, H), v (B, S, N, Hv); attribute `mask`
    (B, T, S) bool or None (constant: never differentiated) and `scale`.
    Outputs (B, T, N, Hv) and the probabilities (B, N, T, S), both
    differentiable (a caller may use the returned scores). Off the tape the
    probabilities are None unless `keep_probs` (the kernel then never
    writes them out). `buffers`: a `Buffers` the outputs and input
    gradients are taken from, or None (new arrays each call).
    """

    n_outputs = 2
    takes_none_grads = True
    mask = None
    keep_probs = True
    buffers = None

    def forward(self, q, k, v):
        dtype = np.result_type(q.dtype, k.dtype, v.dtype)
        if dtype not in (np.float32, np.float64):
            dtype = np.dtype(np.float32)
        return self._attend(_real(q, dtype), _real(k, dtype), _real(v, dtype))

    def _attend(self, q, k, v):
        """The forward on q, k, v of one float dtype, each C-contiguous but
        for its row stride."""
        self.q, self.k, self.v = q, k, v
        mask = self.mask
        if mask is not None:
            mask = np.ascontiguousarray(np.broadcast_to(
                mask, (q.shape[0], q.shape[1], k.shape[1])), dtype=np.bool_)
        # needs_input_grad is set only on the tape: off it nothing will ask
        # for the backward, which is all the kept probabilities serve.
        keep = self.keep_probs or self.needs_input_grad is not None
        into = None
        if self.buffers is not None:
            (B, T, N, _), S, Hv = q.shape, k.shape[1], v.shape[3]
            take = self.buffers.take
            into = (take("out", (B, T, N, Hv), q.dtype),
                    take("probs", (B, N, T, S), q.dtype) if keep else None)
        out, self.probs = kernels().sdpa_fwd(self.q, self.k, self.v, mask, float(self.scale),
                                             keep, _threads(), out=into)
        return out, self.probs

    def _grads_into(self, name, like):
        return None if self.buffers is None else self.buffers.take(name, like.shape, like.dtype)

    def backward(self, g_out, g_probs):
        dtype = self.q.dtype
        g_out = np.zeros(self.out_meta[0][0], dtype) if g_out is None else _real(g_out, dtype)
        into = None
        if self.buffers is not None and all(a.flags.c_contiguous for a in (self.q, self.k,
                                                                             self.v)):
            into = tuple(self._grads_into(n, a) for n, a in (("dq", self.q), ("dk", self.k),
                                                              ("dv", self.v)))
        return kernels().sdpa_bwd(self.q, self.k, self.v, self.probs, g_out,
                                  _probs_grad(g_probs, dtype), float(self.scale), out=into)


def _blocks(qkv, heads, key_dim, value_dim):
    """q, k, v as views of the column blocks of a packed (B, T, width) array."""
    B, T, _ = qkv.shape
    nk = heads * key_dim
    return (qkv[:, :, :nk].reshape(B, T, heads, key_dim),
            qkv[:, :, nk:2 * nk].reshape(B, T, heads, key_dim),
            qkv[:, :, 2 * nk:].reshape(B, T, heads, value_dim))


class PackedSelfAttention(ScaledDotProductAttention):
    """ScaledDotProductAttention of the query, key and value of one packed
    projection: input qkv (B, T, heads * (2 * key_dim + value_dim)), q, k and
    v side by side on the last axis. The kernel reads them in place and
    writes their gradients into one packed gradient, so self-attention
    projects with one GEMM and copies nothing. Attributes: `heads`,
    `key_dim`, `value_dim`, and those of ScaledDotProductAttention.
    """

    def forward(self, qkv):
        dtype = qkv.dtype if qkv.dtype in (np.float32, np.float64) else np.dtype(np.float32)
        self.qkv = _real(qkv, dtype)
        return self._attend(*_blocks(self.qkv, self.heads, self.key_dim, self.value_dim))

    def backward(self, g_out, g_probs):
        dtype = self.qkv.dtype
        g_out = np.zeros(self.out_meta[0][0], dtype) if g_out is None else _real(g_out, dtype)
        dqkv = self._grads_into("dqkv", self.qkv)
        if dqkv is None:
            dqkv = np.empty_like(self.qkv)
        kernels().sdpa_bwd(self.q, self.k, self.v, self.probs, g_out,
                           _probs_grad(g_probs, dtype),
                           float(self.scale),
                           out=_blocks(dqkv, self.heads, self.key_dim, self.value_dim))
        return dqkv
