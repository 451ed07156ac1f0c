"""Elementwise arithmetic with NumPy broadcasting."""
import numpy as np

from ckeras.autograd.function import Function
from ckeras.autograd.functions._util import shape_of, unbroadcast
from ckeras.kernels import kernels

# Below this many elements NumPy's add beats handing a range to the helper.
_SHARED_ADD = 1 << 16


class Add(Function):
    """a + b with NumPy broadcasting; two large float arrays of one shape
    and dtype (a residual connection) are added by the elementwise kernel,
    which shares the pass with the helper thread."""

    def forward(self, a, b):
        self.sa, self.sb = shape_of(a), shape_of(b)
        if (type(a) is np.ndarray and type(b) is np.ndarray and a.size >= _SHARED_ADD
                and a.shape == b.shape and a.dtype == b.dtype
                and a.dtype in (np.float32, np.float64)
                and a.flags.c_contiguous and b.flags.c_contiguous):
            return kernels().add(a, b)
        return np.add(a, b)

    def backward(self, g):
        return unbroadcast(g, self.sa), unbroadcast(g, self.sb)


class Sub(Function):
    def forward(self, a, b):
        self.sa, self.sb = shape_of(a), shape_of(b)
        return np.subtract(a, b)

    def backward(self, g):
        need = self.needs_input_grad
        return (unbroadcast(g, self.sa) if need[0] else None,
                unbroadcast(-g, self.sb) if need[1] else None)


class Mul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return np.multiply(a, b)

    def backward(self, g):
        need = self.needs_input_grad
        ga = unbroadcast(g * self.b, shape_of(self.a)) if need[0] else None
        gb = unbroadcast(g * self.a, shape_of(self.b)) if need[1] else None
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return np.true_divide(a, b)

    def backward(self, g):
        need = self.needs_input_grad
        ga = unbroadcast(g / self.b, shape_of(self.a)) if need[0] else None
        gb = (unbroadcast(-g * self.a / np.square(self.b), shape_of(self.b))
              if need[1] else None)
        return ga, gb


class Pow(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        self.y = np.power(a, b)
        return self.y

    def backward(self, g):
        need = self.needs_input_grad
        ga = (unbroadcast(g * self.b * np.power(self.a, self.b - 1),
                          shape_of(self.a)) if need[0] else None)
        gb = None
        if need[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.where(np.asarray(self.a) > 0, np.log(np.abs(self.a)), 0)
            gb = unbroadcast(g * self.y * log_a, shape_of(self.b))
        return ga, gb


class Neg(Function):
    def forward(self, a):
        return np.negative(a)

    def backward(self, g):
        return -g


class Abs(Function):
    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, g):
        return g * np.sign(self.a)


class Cast(Function):
    def forward(self, a):
        self.src = np.asarray(a).dtype
        return np.asarray(a).astype(self.dtype)

    def backward(self, g):
        if not np.issubdtype(self.src, np.floating):
            return None
        return g.astype(self.src)


class _Compare(Function):
    """Comparisons give booleans and carry no gradient."""

    op = None

    def forward(self, a, b):
        return type(self).op(a, b)

    def backward(self, g):
        return None, None


class Less(_Compare):
    op = np.less


class LessEqual(_Compare):
    op = np.less_equal


class Greater(_Compare):
    op = np.greater


class GreaterEqual(_Compare):
    op = np.greater_equal


class Equal(_Compare):
    op = np.equal


class NotEqual(_Compare):
    op = np.not_equal
