"""Convolution and pooling on channels_last arrays (NumPy reference versions).

Both loop over the kernel/window offsets (a few iterations) and do one
vectorised product or comparison per offset, so every spatial rank (1-D, 2-D,
3-D) shares the code. `pads` is one (before, after) pair per spatial axis,
already resolved from 'valid'/'same'/'causal' by the caller.
"""
import itertools

import numpy as np

from ckeras.autograd.function import Function


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


class Conv(Function):
    """y = sum over kernel offsets of window(x) @ w[offset]; x (B, *S, Cin), w (*K, Cin, Cout)."""

    def forward(self, x, w):
        sp = x.ndim - 2
        ksz = w.shape[:sp]
        self.pads, self.outs = conv_pads(x.shape[1:-1], ksz, self.strides, self.dilations,
                                         self.padding)
        xp = np.pad(x, ((0, 0),) + self.pads + ((0, 0),)) if any(
            a or b for a, b in self.pads) else x
        y = np.zeros((x.shape[0],) + self.outs + (w.shape[-1],),
                     dtype=np.result_type(x, w))
        for off in itertools.product(*[range(k) for k in ksz]):
            win = xp[_window(xp, off, self.strides, self.dilations, self.outs)]
            y += win @ w[off]
        self.xp, self.w, self.xshape = xp, w, x.shape
        return y

    def backward(self, g):
        xp, w = self.xp, self.w
        sp = len(self.outs)
        need = self.needs_input_grad
        dxp = np.zeros_like(xp) if need[0] else None
        dw = np.zeros_like(w) if need[1] else None
        g2 = g.reshape(-1, g.shape[-1])
        for off in itertools.product(*[range(k) for k in w.shape[:sp]]):
            sl = _window(xp, off, self.strides, self.dilations, self.outs)
            if dw is not None:
                dw[off] = xp[sl].reshape(-1, xp.shape[-1]).T @ g2
            if dxp is not None:
                dxp[sl] += g @ w[off].T
        dx = None
        if dxp is not None:
            crop = (slice(None),) + tuple(slice(a, a + n) for (a, _), n in
                                          zip(self.pads, self.xshape[1:-1])) + (slice(None),)
            dx = dxp[crop]
        return dx, dw


class Pool(Function):
    """Max or average pooling; average counts only the non-padded entries (as TF)."""

    def forward(self, x):
        sp = x.ndim - 2
        ones = (1,) * sp
        self.pads, self.outs = conv_pads(x.shape[1:-1], self.pool_size, self.strides, ones,
                                         self.padding)
        padded = any(a or b for a, b in self.pads)
        width = ((0, 0),) + self.pads + ((0, 0),)
        offsets = list(itertools.product(*[range(k) for k in self.pool_size]))
        self.offsets, self.xshape = offsets, x.shape
        if self.mode == "max":
            xp = np.pad(x, width, constant_values=-np.inf) if padded else x
            best = idx = None
            for i, off in enumerate(offsets):
                win = xp[_window(xp, off, self.strides, ones, self.outs)]
                if best is None:
                    best, idx = win.copy(), np.zeros(win.shape, np.int32)
                else:
                    better = win > best
                    best = np.where(better, win, best)
                    idx[better] = i
            self.idx, self.xp_shape = idx, xp.shape
            return best.astype(x.dtype, copy=False)
        xp = np.pad(x, width) if padded else x
        valid = np.pad(np.ones(x.shape[1:-1], x.dtype), self.pads) if padded else None
        total = 0
        count = 0
        for off in offsets:
            sl = _window(xp, off, self.strides, ones, self.outs)
            total = total + xp[sl]
            if valid is not None:
                count = count + valid[sl[1:-1]]
        if valid is None:
            count = np.asarray(len(offsets), dtype=x.dtype)
        else:
            count = count[..., None]
        self.count, self.xp_shape = count, xp.shape
        return (total / count).astype(x.dtype, copy=False)

    def backward(self, g):
        ones = (1,) * len(self.outs)
        dxp = np.zeros(self.xp_shape, dtype=g.dtype)
        for i, off in enumerate(self.offsets):
            sl = _window(dxp, off, self.strides, ones, self.outs)
            if self.mode == "max":
                dxp[sl] += np.where(self.idx == i, g, 0)
            else:
                dxp[sl] += g / self.count
        crop = (slice(None),) + tuple(slice(a, a + n) for (a, _), n in
                                      zip(self.pads, self.xshape[1:-1])) + (slice(None),)
        return dxp[crop]
