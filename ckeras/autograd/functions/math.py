"""Elementwise math: unary functions, clip, maximum/minimum, where, cumulative ops.

Constants are Python scalars, so float32 inputs give float32 results
(NumPy 2 treats Python scalars as weakly typed).
"""
import numpy as np

from ckeras.autograd.function import Function
from ckeras.autograd.functions._util import shape_of, unbroadcast


class Square(Function):
    def forward(self, a):
        self.a = a
        return np.square(a)

    def backward(self, g):
        return g * (2 * self.a)


class Sqrt(Function):
    """sqrt(max(a, 0)), as Keras' K.sqrt; zero gradient where the result is 0."""

    def forward(self, a):
        self.y = np.sqrt(np.maximum(a, 0))
        return self.y

    def backward(self, g):
        y = self.y
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(y > 0, g * 0.5 / y, 0).astype(g.dtype, copy=False)


class Exp(Function):
    def forward(self, a):
        self.y = np.exp(a)
        return self.y

    def backward(self, g):
        return g * self.y


class Log(Function):
    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, g):
        return g / self.a


class Log1p(Function):
    def forward(self, a):
        self.a = a
        return np.log1p(a)

    def backward(self, g):
        return g / (1 + self.a)


class Sin(Function):
    def forward(self, a):
        self.a = a
        return np.sin(a)

    def backward(self, g):
        return g * np.cos(self.a)


class Cos(Function):
    def forward(self, a):
        self.a = a
        return np.cos(a)

    def backward(self, g):
        return -g * np.sin(self.a)


class Round(Function):
    """Round half to even (as tf.round); its gradient is zero."""

    def forward(self, a):
        return np.round(a)

    def backward(self, g):
        return None


class Sign(Function):
    """Sign; its gradient is zero."""

    def forward(self, a):
        return np.sign(a)

    def backward(self, g):
        return None


class Clip(Function):
    """clip(a, lo, hi); the gradient passes where lo <= a <= hi (inclusive)."""

    def forward(self, a):
        self.a = a
        return np.clip(a, self.lo, self.hi)

    def backward(self, g):
        a = self.a
        inside = (a >= self.lo) & (a <= self.hi)
        return np.where(inside, g, 0).astype(g.dtype, copy=False)


class Maximum(Function):
    """Elementwise maximum; ties send the gradient to the first argument."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, g):
        mask = np.greater_equal(self.a, self.b)
        need = self.needs_input_grad
        ga = unbroadcast(np.where(mask, g, 0).astype(g.dtype, copy=False),
                         shape_of(self.a)) if need[0] else None
        gb = unbroadcast(np.where(mask, 0, g).astype(g.dtype, copy=False),
                         shape_of(self.b)) if need[1] else None
        return ga, gb


class Minimum(Function):
    """Elementwise minimum; ties send the gradient to the first argument."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, g):
        mask = np.less_equal(self.a, self.b)
        need = self.needs_input_grad
        ga = unbroadcast(np.where(mask, g, 0).astype(g.dtype, copy=False),
                         shape_of(self.a)) if need[0] else None
        gb = unbroadcast(np.where(mask, 0, g).astype(g.dtype, copy=False),
                         shape_of(self.b)) if need[1] else None
        return ga, gb


class Where(Function):
    """`where(cond, a, b)`; a lower-rank `cond` gets trailing unit axes (K.switch)."""

    def forward(self, cond, a, b):
        cond = np.asarray(cond).astype(bool, copy=False)
        nd = max(np.ndim(a), np.ndim(b))
        if cond.ndim < nd:
            cond = cond.reshape(cond.shape + (1,) * (nd - cond.ndim))
        self.cond, self.sa, self.sb = cond, shape_of(a), shape_of(b)
        return np.where(cond, a, b)

    def backward(self, g):
        need = self.needs_input_grad
        ga = unbroadcast(np.where(self.cond, g, 0).astype(g.dtype, copy=False),
                         self.sa) if need[1] else None
        gb = unbroadcast(np.where(self.cond, 0, g).astype(g.dtype, copy=False),
                         self.sb) if need[2] else None
        return None, ga, gb


class Cumsum(Function):
    def forward(self, a):
        return np.cumsum(a, axis=self.axis, dtype=a.dtype)

    def backward(self, g):
        ax = self.axis
        return np.flip(np.cumsum(np.flip(g, ax), axis=ax), ax)


class Cumprod(Function):
    """Cumulative product; the backward handles zeros exactly (no division)."""

    def forward(self, a):
        self.a = a
        return np.cumprod(a, axis=self.axis, dtype=a.dtype)

    def backward(self, g):
        # d y_j / d a_i = prod_{k<i} a_k * prod_{i<k<=j} a_k for j >= i, so
        # grad_i = L_i * S_i with L the exclusive prefix product and
        # S_i = g_i + a_{i+1} S_{i+1} (a reverse recursion along the axis).
        a = np.moveaxis(self.a, self.axis, -1)
        gm = np.moveaxis(g, self.axis, -1)
        n = a.shape[-1]
        left = np.ones_like(a)
        if n > 1:
            left[..., 1:] = np.cumprod(a[..., :-1], axis=-1)
        s = np.empty_like(gm)
        acc = np.zeros(a.shape[:-1], dtype=g.dtype)
        for i in range(n - 1, -1, -1):
            acc = gm[..., i] + (a[..., i + 1] * acc if i + 1 < n else 0)
            s[..., i] = acc
        return np.moveaxis(left * s, -1, self.axis)
