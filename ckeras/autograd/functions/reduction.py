"""Reductions along axes."""
import numpy as np

from ckeras.autograd.function import Function
from ckeras.autograd.functions._util import normalize_axis
from ckeras.kernels import kernels

_FLOATS = (np.float32, np.float64)


def _expand(g, shape, axis, keepdims):
    """Re-inserts reduced axes so `g` broadcasts against the input."""
    if not keepdims:
        for a in normalize_axis(axis, len(shape)):
            g = np.expand_dims(g, a)
    return g


class Sum(Function):
    def forward(self, a):
        self.src = a.shape
        return np.sum(a, axis=_axis(self.axis), keepdims=self.keepdims)

    def backward(self, g):
        g = _expand(g, self.src, self.axis, self.keepdims)
        return np.broadcast_to(g, self.src).copy()


class Mean(Function):
    def forward(self, a):
        a = np.asarray(a)
        self.src = a.shape
        total = np.add.reduce(a, axis=_axis(self.axis), keepdims=self.keepdims)
        self.count = a.size // max(np.size(total), 1) if a.size else 1
        # np.mean's Python wrapper costs several microseconds on small arrays.
        return np.multiply(total, 1.0 / self.count, dtype=a.dtype) if a.size else \
            np.asarray(np.mean(a, axis=_axis(self.axis), keepdims=self.keepdims), a.dtype)

    def backward(self, g):
        if self.axis is not None:   # a full reduction's scalar broadcasts as it is
            g = _expand(g, self.src, self.axis, self.keepdims)
        out = np.empty(self.src, dtype=g.dtype)
        np.multiply(g, 1.0 / self.count, out=out, dtype=g.dtype)
        return out


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _moved_count(shape, axis):
    """Number of elements reduced over by `axis`."""
    n = 1
    for a in normalize_axis(axis, len(shape)):
        n *= shape[a]
    return n


class _Extreme(Function):
    """max/min over axes; ties share the gradient equally (as TF does)."""

    op = None

    def forward(self, a):
        ax = _axis(self.axis)
        y = type(self).op(a, axis=ax, keepdims=True)
        self.a, self.yk = a, y
        return np.asarray(y if self.keepdims else np.squeeze(y, axis=ax)
                          if ax is not None else y.reshape(()))

    def backward(self, g):
        a = self.a
        mask = (a == self.yk).astype(g.dtype)
        count = np.sum(mask, axis=_axis(self.axis), keepdims=True)
        g = _expand(g, a.shape, self.axis, self.keepdims)
        return mask * (g / count)


class Max(_Extreme):
    op = np.max


class Min(_Extreme):
    op = np.min


class Prod(Function):
    """Product over axes; the backward uses prefix/suffix products (zeros exact)."""

    def forward(self, a):
        self.a = a
        return np.asarray(np.prod(a, axis=_axis(self.axis), keepdims=self.keepdims))

    def backward(self, g):
        a = self.a
        red = normalize_axis(self.axis, a.ndim)
        keep = tuple(i for i in range(a.ndim) if i not in red)
        perm = keep + red
        at = np.transpose(a, perm)
        rest = at.shape[:len(keep)]
        flat = at.reshape(rest + (-1,))
        n = flat.shape[-1]
        left = np.ones_like(flat)
        right = np.ones_like(flat)
        if n > 1:
            left[..., 1:] = np.cumprod(flat[..., :-1], axis=-1)
            right[..., :-1] = np.flip(np.cumprod(np.flip(flat[..., 1:], -1), axis=-1), -1)
        gt = (left * right) * np.reshape(g, rest + (1,))
        return np.transpose(gt.reshape(at.shape), np.argsort(perm))


class Var(Function):
    """Population variance (ddof=0)."""

    def forward(self, a):
        ax = _axis(self.axis)
        self.d = a - np.mean(a, axis=ax, keepdims=True)
        self.count = _moved_count(a.shape, self.axis)
        return np.asarray(np.mean(np.square(self.d), axis=ax, keepdims=self.keepdims))

    def backward(self, g):
        g = _expand(g, self.d.shape, self.axis, self.keepdims)
        return g * self.d * (2.0 / self.count)


class Std(Function):
    """Population standard deviation; zero gradient where it is 0."""

    def forward(self, a):
        ax = _axis(self.axis)
        self.d = a - np.mean(a, axis=ax, keepdims=True)
        self.count = _moved_count(a.shape, self.axis)
        self.s = np.sqrt(np.mean(np.square(self.d), axis=ax, keepdims=True))
        s = self.s
        if not self.keepdims:
            s = np.squeeze(s, axis=ax) if ax is not None else s.reshape(())
        return np.asarray(s)

    def backward(self, g):
        g = _expand(g, self.d.shape, self.axis, self.keepdims)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(self.s > 0, g / (self.s * self.count), 0)
        return (r * self.d).astype(self.d.dtype, copy=False)


class LogSumExp(Function):
    def forward(self, a):
        ax = _axis(self.axis)
        m = np.max(a, axis=ax, keepdims=True)
        m = np.where(np.isfinite(m), m, 0).astype(a.dtype, copy=False)
        lse = np.log(np.sum(np.exp(a - m), axis=ax, keepdims=True)) + m
        self.a, self.lse = a, lse
        out = lse if self.keepdims else (np.squeeze(lse, axis=ax) if ax is not None
                                         else lse.reshape(()))
        return np.asarray(out)

    def backward(self, g):
        g = _expand(g, self.a.shape, self.axis, self.keepdims)
        return g * np.exp(self.a - self.lse)


class _Logical(Function):
    """any/all over axes: boolean results, no gradient."""

    op = None

    def forward(self, a):
        a = np.asarray(a).astype(bool, copy=False)
        return np.asarray(type(self).op(a, axis=_axis(self.axis), keepdims=self.keepdims))

    def backward(self, g):
        return None


class Any(_Logical):
    op = np.any


class All(_Logical):
    op = np.all


class _ArgExtreme(Function):
    """argmax/argmin along one axis: int64 indices, no gradient."""

    op = None

    def forward(self, a):
        return np.asarray(type(self).op(a, axis=self.axis)).astype(np.int64, copy=False)

    def backward(self, g):
        return None


class ArgMax(_ArgExtreme):
    op = np.argmax


class ArgMin(_ArgExtreme):
    op = np.argmin


class InTopK(Function):
    """Whether each row's target class is among its `k` largest predictions:
    (B, C) predictions, (B,) int targets -> (B,) bool. Ties at the k-th value
    count as in the top k (TensorFlow's rule); a non-finite prediction or an
    out-of-range target gives False. No gradient."""

    def forward(self, predictions, targets):
        targets = np.asarray(targets).astype(np.int64, copy=False)
        valid = (targets >= 0) & (targets < predictions.shape[1])
        rows = np.arange(len(targets))
        own = predictions[rows, np.where(valid, targets, 0)]
        above = (predictions > own[:, None]).sum(1)
        return valid & np.isfinite(predictions).all(1) & (above < self.k)

    def backward(self, g):
        return None, None


class MeanSquaredDifference(Function):
    """mean(square(a - b), axis=-1) of two arrays of one shape, as one node.

    float32/float64 inputs of one dtype run on the elementwise kernels (one
    pass each way, rows shared with the helper thread); others take NumPy's
    Sub, Square and Mean arithmetic. The backward is d * (2 g / n), and b's
    gradient (the targets') is computed only when asked for.
    """

    def forward(self, a, b):
        a, b = np.asarray(a), np.asarray(b)
        self.n = a.shape[-1]
        if a.dtype == b.dtype and a.dtype in _FLOATS and self.n:
            loss, self.d = kernels().mse_fwd(np.ascontiguousarray(a).reshape(-1, self.n),
                                             np.ascontiguousarray(b).reshape(-1, self.n))
            self.d = self.d.reshape(a.shape)
            return loss.reshape(a.shape[:-1])
        d = np.subtract(a, b)
        self.d = d
        total = np.add.reduce(np.square(d), axis=-1)
        return np.multiply(total, 1.0 / self.n, dtype=d.dtype) if self.n else \
            np.full(total.shape, np.nan, d.dtype)

    def backward(self, g):
        need = self.needs_input_grad
        d = self.d
        if d.dtype in _FLOATS and self.n:
            ga = kernels().mse_bwd(d.reshape(-1, self.n), np.ascontiguousarray(
                g, dtype=d.dtype).reshape(-1)).reshape(d.shape)
        else:
            # (g / n) * 2, then * d: Mean's, Square's and Sub's backward
            scale = np.multiply(g, 1.0 / max(self.n, 1), dtype=d.dtype)
            ga = np.multiply(d, np.multiply(scale, 2, dtype=d.dtype)[..., None])
        return ga if need[0] else None, np.negative(ga) if need[1] else None
