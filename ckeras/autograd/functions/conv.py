"""Convolution and pooling Functions on channels_last arrays.

Convolution, transposed convolution and pooling run on the kernels of
`ckeras.kernels` (C im2col + GEMM with fused bias and activation, or the
NumPy reference): 2-D and 3-D directly, 1-D as the H == 1 case of 2-D.
DepthwiseConv loops over the kernel offsets in NumPy (one vectorised product
per offset), for every spatial rank. `pads` is one (before, after) pair per
spatial axis, already resolved from 'valid'/'same'/'causal' by the caller.
"""
import itertools

import numpy as np

from ckeras.autograd.function import Function
from ckeras.kernels import kernels
from ckeras.kernels.codes import Act
from ckeras.kernels.codes import Pool as PoolMode


def conv_pads(in_sizes, k_sizes, strides, dilations, padding):
    """(before, after) padding per spatial axis and the output sizes (TF rules)."""
    pads, outs = [], []
    for n, k, s, d in zip(in_sizes, k_sizes, strides, dilations):
        ek = (k - 1) * d + 1
        if padding == "valid":
            out = (n - ek) // s + 1 if n >= ek else 0
            pads.append((0, 0))
        elif padding == "same":
            out = -(-n // s)
            total = max((out - 1) * s + ek - n, 0)
            pads.append((total // 2, total - total // 2))
        elif padding == "causal":
            out = -(-n // s)
            pads.append((ek - 1, 0))
        else:
            raise ValueError(
                f"`padding` must be 'valid', 'same' or 'causal'; received {padding!r}.")
        outs.append(max(out, 0))
    return tuple(pads), tuple(outs)


def _window(xp, offset, strides, dilations, outs):
    """The strided view of padded `xp` seen by kernel offset `offset`."""
    idx = [slice(None)]
    for o, s, d, n in zip(offset, strides, dilations, outs):
        start = o * d
        idx.append(slice(start, start + (n - 1) * s + 1 if n else start, s))
    idx.append(slice(None))
    return tuple(idx)


# ----------------------------------------------------------------------------------
# Kernel-backed Functions
# ----------------------------------------------------------------------------------
def _c(a, dtype):
    if a.dtype != dtype or not a.flags.c_contiguous:
        a = np.ascontiguousarray(a, dtype=dtype)
    return a


def _as_kernel(x, w, strides, dilations, pads, outs):
    """The kernel rank (2 or 3) and the problem in its terms: 1-D problems
    become 2-D ones with H == 1 (views, no copies); `pads` keeps the leading
    pad of each axis."""
    if x.ndim == 3:
        x = x[:, None]
        if w is not None:
            w = w[None]
        strides, dilations = (1,) + tuple(strides), (1,) + tuple(dilations)
        pads = ((0, 0),) + tuple(pads)
        outs = (1,) + tuple(outs)
    return (x.ndim - 2, x, w, tuple(strides), tuple(dilations), tuple(p[0] for p in pads),
            tuple(outs))


def _op(rank, name):
    """The kernel op `name` ('convNd_fwd', 'poolNd_bwd', ...) of rank 2 or 3."""
    return getattr(kernels(), name.replace("Nd", f"{rank}d"))


def _work_dtype(*arrays):
    dt = np.result_type(*[a.dtype for a in arrays if a is not None])
    return dt if dt in (np.float32, np.float64) else np.dtype(np.float64 if dt == np.float64
                                                              else np.float32)


class Conv(Function):
    """y = act(conv(x, w) + b) as one node; x (B, *S, Cin), w (*K, Cin, Cout),
    1 to 3 spatial axes.

    Attributes: strides, dilations (one int per spatial axis), padding
    ('valid', 'same', 'causal'), code (fused activation, default linear).
    `b` is optional: `Conv.apply(x, w)` or `Conv.apply(x, w, b)`.
    """

    code = Act.LINEAR

    def forward(self, x, w, b=None):
        sp = x.ndim - 2
        dt = _work_dtype(x, w, b)
        x, w = _c(x, dt), _c(w, dt)
        b = None if b is None else _c(b, dt)
        pads, outs = conv_pads(x.shape[1:-1], w.shape[:sp], self.strides, self.dilations,
                               self.padding)
        r, xk, wk, s, d, p, o = _as_kernel(x, w, self.strides, self.dilations, pads, outs)
        y = _op(r, "convNd_fwd")(_c(xk, dt), _c(wk, dt), b, self.code, s, d, p, o)
        self.geom = (r, s, d, p)
        self.xk, self.wk, self.yk, self.xshape, self.wshape = xk, wk, y, x.shape, w.shape
        self.has_b = b is not None
        return y.reshape((x.shape[0],) + tuple(outs) + (w.shape[-1],))

    def backward(self, g):
        need = self.needs_input_grad
        r, s, d, p = self.geom
        gk = _c(g.reshape(self.yk.shape), self.yk.dtype)
        dx, dw, db = _op(r, "convNd_bwd")(
            self.xk, self.wk, self.yk, gk, self.code, s, d, p, need_dx=bool(need[0]),
            need_dw=bool(need[1]), need_db=len(need) > 2 and bool(need[2]) and self.has_b)
        if dx is not None:
            dx = dx.reshape(self.xshape)
        if dw is not None:
            dw = dw.reshape(self.wshape)
        return (dx, dw, db)[:len(need)]


class Pool(Function):
    """Max or average pooling (average counts only the non-padded entries, as TF),
    1 to 3 spatial axes.

    Attributes: pool_size, strides (one int per spatial axis), padding
    ('valid'/'same'), mode ('max'/'avg').
    """

    def forward(self, x):
        sp = x.ndim - 2
        self.xdtype = x.dtype
        dt = _work_dtype(x)
        x = _c(x, dt)
        ones = (1,) * sp
        pads, outs = conv_pads(x.shape[1:-1], self.pool_size, self.strides, ones,
                               self.padding)
        r, xk, kk, s, _, p, o = _as_kernel(x, np.empty(tuple(self.pool_size) + (0, 0)),
                                           self.strides, ones, pads, outs)
        self.mode_code = PoolMode.MAX if self.mode == "max" else PoolMode.AVG
        y, self.idx = _op(r, "poolNd_fwd")(xk, kk.shape[:r], s, p, o, self.mode_code)
        self.geom = (r, kk.shape[:r], s, p)
        self.xkshape, self.xshape, self.ykshape = xk.shape, x.shape, y.shape
        return y.reshape((x.shape[0],) + tuple(outs) + (x.shape[-1],)).astype(
            self.xdtype, copy=False)

    def backward(self, g):
        r, k, s, p = self.geom
        gk = _c(g.reshape(self.ykshape), np.result_type(g.dtype, np.float32))
        dx = _op(r, "poolNd_bwd")(gk, self.idx, self.xkshape, k, s, p, self.mode_code)
        return dx.reshape(self.xshape)


def transpose_pads(in_sizes, out_sizes, k_sizes, strides, dilations, padding):
    """Leading pads of the forward conv (output -> input sizes) that a transposed
    conv inverts: TF's conv2d_backprop_input rule."""
    pads = []
    for n, o, k, s, d in zip(in_sizes, out_sizes, k_sizes, strides, dilations):
        ek = (k - 1) * d + 1
        if padding == "same":
            total = max((n - 1) * s + ek - o, 0)
            pads.append((total // 2, total - total // 2))
        else:
            pads.append((0, 0))
    return tuple(pads)


class ConvTranspose(Function):
    """Transposed convolution y = act(conv_transpose(x, w) + b) (the gradient of
    a convolution with respect to its input); x (B, *S, Cin), w (*K, Cout, Cin),
    1 to 3 spatial axes.

    Attributes: strides, dilations, padding ('valid'/'same'), out_sizes (the
    spatial output sizes), code.
    """

    code = Act.LINEAR

    def forward(self, x, w, b=None):
        sp = x.ndim - 2
        dt = _work_dtype(x, w, b)
        x, w = _c(x, dt), _c(w, dt)
        b = None if b is None else _c(b, dt)
        pads = transpose_pads(x.shape[1:-1], self.out_sizes, w.shape[:sp], self.strides,
                              self.dilations, self.padding)
        r, xk, wk, s, d, p, _ = _as_kernel(x, w, self.strides, self.dilations, pads,
                                           x.shape[1:-1])
        outk = (1,) + tuple(self.out_sizes) if sp == 1 else tuple(self.out_sizes)
        ykshape = (x.shape[0],) + outk + (w.shape[-2],)
        xk, wk = _c(xk, dt), _c(wk, dt)
        z, _, _ = _op(r, "convNd_bwd")(None, wk, None, xk, 0, s, d, p, need_dx=True,
                                       need_dw=False, need_db=False, x_shape=ykshape)
        if b is not None:
            z += b
        y = z if self.code == Act.LINEAR else kernels().act_fwd(self.code, z)
        self.geom = (r, s, d, p)
        self.xk, self.wk, self.yk, self.xshape, self.wshape = xk, wk, y, x.shape, w.shape
        return y.reshape((x.shape[0],) + tuple(self.out_sizes) + (w.shape[-2],))

    def backward(self, g):
        need = self.needs_input_grad
        r, s, d, p = self.geom
        gk = _c(g.reshape(self.yk.shape), self.yk.dtype)
        dz = gk if self.code == Act.LINEAR else kernels().act_bwd(self.code, self.yk, gk)
        dx = dw = db = None
        if need[0]:
            dx = _op(r, "convNd_fwd")(dz, self.wk, None, 0, s, d, p, self.xk.shape[1:-1])
            dx = dx.reshape(self.xshape)
        if need[1]:
            _, dw, _ = _op(r, "convNd_bwd")(dz, self.wk, None, self.xk, 0, s, d, p,
                                            need_dx=False, need_dw=True, need_db=False)
            dw = dw.reshape(self.wshape)
        if len(need) > 2 and need[2]:
            db = dz.reshape(-1, dz.shape[-1]).sum(0)
        return (dx, dw, db)[:len(need)]


class DepthwiseConv(Function):
    """Depthwise convolution: each input channel c convolved with its own
    w[..., c, :] (depth multiplier M); x (B, *S, C), w (*K, C, M) ->
    (B, *S', C*M), channel c*M + m. NumPy over kernel offsets.

    Attributes: strides, dilations, padding ('valid'/'same').
    """

    def forward(self, x, w):
        dt = _work_dtype(x, w)
        x, w = _c(x, dt), _c(w, dt)
        sp = x.ndim - 2
        self.pads, self.outs = conv_pads(x.shape[1:-1], w.shape[:sp], self.strides,
                                         self.dilations, self.padding)
        xp = np.pad(x, ((0, 0),) + self.pads + ((0, 0),))
        N, C, M = x.shape[0], w.shape[-2], w.shape[-1]
        y = np.zeros((N,) + self.outs + (C, M), dt)
        for off in itertools.product(*[range(k) for k in w.shape[:sp]]):
            win = xp[_window(xp, off, self.strides, self.dilations, self.outs)]
            y += win[..., None] * w[off]
        self.xp, self.w, self.xshape = xp, w, x.shape
        return y.reshape((N,) + self.outs + (C * M,))

    def backward(self, g):
        need = self.needs_input_grad
        xp, w = self.xp, self.w
        sp = len(self.outs)
        g5 = g.reshape((g.shape[0],) + self.outs + w.shape[-2:])
        dxp = np.zeros_like(xp) if need[0] else None
        dw = np.zeros_like(w) if need[1] else None
        for off in itertools.product(*[range(k) for k in w.shape[:sp]]):
            sl = _window(xp, off, self.strides, self.dilations, self.outs)
            if dw is not None:
                dw[off] = np.einsum("nc,ncm->cm", xp[sl].reshape(-1, g5.shape[-2]),
                                    g5.reshape((-1,) + g5.shape[-2:]))
            if dxp is not None:
                dxp[sl] += np.einsum("...cm,cm->...c", g5, w[off])
        dx = None
        if dxp is not None:
            crop = (slice(None),) + tuple(slice(a, a + n) for (a, _), n in
                                          zip(self.pads, self.xshape[1:-1])) + (slice(None),)
            dx = dxp[crop]
        return dx, dw


class Pad(Function):
    """Zero padding of the spatial axes; `pads` is one (before, after) pair per axis
    of x (batch and channel pairs included)."""

    def forward(self, x):
        self.crop = tuple(slice(a, a + n) for (a, _), n in zip(self.pads, x.shape))
        return np.pad(x, self.pads)

    def backward(self, g):
        return np.ascontiguousarray(g[self.crop])


class Resize(Function):
    """Separable linear resampling: for each axis in `axes`, y = mats[i] applied
    along that axis (mats[i] is (n_out, n_in)); used by bilinear UpSampling2D."""

    def forward(self, x):
        y = x
        for ax, m in zip(self.axes, self.mats):
            y = np.moveaxis(np.tensordot(m.astype(x.dtype, copy=False), np.moveaxis(y, ax, 0),
                                         axes=(1, 0)), 0, ax)
        return np.ascontiguousarray(y)

    def backward(self, g):
        for ax, m in zip(reversed(self.axes), reversed(self.mats)):
            g = np.moveaxis(np.tensordot(m.T.astype(g.dtype, copy=False), np.moveaxis(g, ax, 0),
                                         axes=(1, 0)), 0, ax)
        return np.ascontiguousarray(g)
