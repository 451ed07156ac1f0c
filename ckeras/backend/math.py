"""Math ops of the Keras 2 backend: reductions, elementwise math, comparisons,
products, casting, cumulative ops and random tensors."""
import builtins

import numpy as np

from ckeras._internal.config import floatx
from ckeras.autograd.functions import elementwise as E
from ckeras.autograd.functions import linalg as L
from ckeras.autograd.functions import math as M
from ckeras.autograd.functions import reduction as R
from ckeras.autograd.functions import shape as S
from ckeras.autograd.functions.nn import make_rng
from ckeras.autograd.tensor import SymbolicTensor, Tensor
from ckeras.backend.shape import stack
from ckeras.backend.variables import TENSOR_TYPES, as_input, as_operand, variable


def _axis(axis):
    if isinstance(axis, (list, tuple)):
        return tuple(int(a) for a in axis)
    return axis if axis is None else int(axis)


def _kind(x):
    dt = getattr(x, "dtype", None)
    return np.dtype(dt).kind if dt is not None else np.asarray(x).dtype.kind


def _to_float(x):
    """Bool/int inputs cast to floatx (Keras casts bools before mean/var/std)."""
    if _kind(x) in "biu":
        return E.Cast.apply(x, dtype=np.dtype(floatx()))
    return x


# -- reductions ------------------------------------------------------------------

def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum over `axis` (int, list or None for all)."""
    return R.Sum.apply(as_input(x), axis=_axis(axis), keepdims=keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over `axis`; booleans are cast to floatx first."""
    x = as_input(x)
    if _kind(x) == "b":
        x = _to_float(x)
    return R.Mean.apply(x, axis=_axis(axis), keepdims=keepdims)


def max(x, axis=None, keepdims=False):  # noqa: A001
    """Maximum over `axis`; the gradient goes to the maximal element(s)."""
    return R.Max.apply(as_input(x), axis=_axis(axis), keepdims=keepdims)


def min(x, axis=None, keepdims=False):  # noqa: A001
    """Minimum over `axis`; the gradient goes to the minimal element(s)."""
    return R.Min.apply(as_input(x), axis=_axis(axis), keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    """Product over `axis`."""
    return R.Prod.apply(as_input(x), axis=_axis(axis), keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    """Population variance (ddof=0) over `axis`."""
    return R.Var.apply(_to_float(as_input(x)), axis=_axis(axis), keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Population standard deviation (ddof=0) over `axis`."""
    return R.Std.apply(_to_float(as_input(x)), axis=_axis(axis), keepdims=keepdims)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, computed stably."""
    return R.LogSumExp.apply(_to_float(as_input(x)), axis=_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    """Logical OR over `axis` (boolean result)."""
    return R.Any.apply(as_input(x), axis=_axis(axis), keepdims=keepdims)


def all(x, axis=None, keepdims=False):  # noqa: A001
    """Logical AND over `axis` (boolean result)."""
    return R.All.apply(as_input(x), axis=_axis(axis), keepdims=keepdims)


def argmax(x, axis=-1):
    """Index (int64) of the maximum along `axis`."""
    return R.ArgMax.apply(as_input(x), axis=int(axis))


def argmin(x, axis=-1):
    """Index (int64) of the minimum along `axis`."""
    return R.ArgMin.apply(as_input(x), axis=int(axis))


# -- elementwise -------------------------------------------------------------------

def square(x):
    return M.Square.apply(as_input(x))


def abs(x):  # noqa: A001
    return E.Abs.apply(as_input(x))


def sqrt(x):
    """sqrt(max(x, 0)): negative inputs give 0, as in Keras."""
    return M.Sqrt.apply(as_input(x))


def exp(x):
    return M.Exp.apply(as_input(x))


def log(x):
    return M.Log.apply(as_input(x))


def log1p(x):
    return M.Log1p.apply(as_input(x))


def round(x):  # noqa: A001
    """Round half to even (as TensorFlow does)."""
    return M.Round.apply(as_input(x))


def sign(x):
    return M.Sign.apply(as_input(x))


def sin(x):
    return M.Sin.apply(as_input(x))


def cos(x):
    return M.Cos.apply(as_input(x))


def pow(x, a):  # noqa: A001
    """x ** a, elementwise."""
    return E.Pow.apply(as_input(x), as_operand(a))


def clip(x, min_value, max_value):
    """Clips `x` to [min_value, max_value]; if max < min, max is set to min."""
    if max_value is not None and min_value is not None:
        mx, mn = as_operand(max_value), as_operand(min_value)
        if not isinstance(mx, TENSOR_TYPES) and not isinstance(mn, TENSOR_TYPES):
            if np.any(np.asarray(mx) < np.asarray(mn)):
                max_value = np.maximum(mx, mn) if np.ndim(mx) or np.ndim(mn) else mn
    lo = -np.inf if min_value is None else as_operand(min_value)
    hi = np.inf if max_value is None else as_operand(max_value)
    if isinstance(lo, Tensor):
        lo = lo.value
    if isinstance(hi, Tensor):
        hi = hi.value
    return M.Clip.apply(as_input(x), lo=lo, hi=hi)


def equal(x, y):
    return E.Equal.apply(as_input(x), as_operand(y))


def not_equal(x, y):
    return E.NotEqual.apply(as_input(x), as_operand(y))


def greater(x, y):
    return E.Greater.apply(as_input(x), as_operand(y))


def greater_equal(x, y):
    return E.GreaterEqual.apply(as_input(x), as_operand(y))


def less(x, y):
    return E.Less.apply(as_input(x), as_operand(y))


def less_equal(x, y):
    return E.LessEqual.apply(as_input(x), as_operand(y))


def maximum(x, y):
    """Elementwise maximum (broadcasting); differentiable in both arguments."""
    return M.Maximum.apply(as_input(x), as_operand(y))


def minimum(x, y):
    """Elementwise minimum (broadcasting); differentiable in both arguments."""
    return M.Minimum.apply(as_input(x), as_operand(y))


def cast(x, dtype):
    """`x` converted to `dtype` (a string or NumPy dtype)."""
    return E.Cast.apply(as_input(x), dtype=np.dtype(dtype))


# -- products ----------------------------------------------------------------------

def dot(x, y):
    """Keras dot: contracts the last axis of x with the second-to-last of y.

    Example:
        >>> K.int_shape(K.dot(np.ones((2, 3)), np.ones((4, 3, 5))))
        (2, 4, 5)
    """
    return L.Dot.apply(as_input(x), as_input(y))


def batch_dot(x, y, axes=None):
    """Per-sample dot product of x and y (batch axis 0).

    Default axes: (last of x, last of y) if y is 2-D, else (last of x,
    second-to-last of y); an int applies to both. 2-D x 2-D gives (B, 1).
    """
    x, y = as_input(x), as_input(y)
    xs, ys = tuple(x.shape), tuple(y.shape)
    xn, yn = len(xs), len(ys)
    if xn < 2 or yn < 2:
        raise ValueError(
            "K.batch_dot: `x` and `y` must have rank >= 2 (a batch axis and a data "
            f"axis); received shapes {xs} and {ys}.")
    if xs[0] is not None and ys[0] is not None and xs[0] != ys[0]:
        raise ValueError(
            "K.batch_dot: `x` and `y` must have the same batch size; received "
            f"shapes {xs} and {ys}.")
    if isinstance(axes, (int, np.integer)):
        axes = (int(axes), int(axes))
    if axes is None:
        axes = (xn - 1, yn - 1) if yn == 2 else (xn - 1, yn - 2)
    if builtins.any(isinstance(a, (list, tuple)) for a in axes):
        raise ValueError(
            "K.batch_dot: multiple target dimensions are not supported; `axes` must "
            f"be None, an int or (int, int). Received: axes={axes}.")
    a0, a1 = int(axes[0]), int(axes[1])
    a0 = a0 + xn if a0 < 0 else a0
    a1 = a1 + yn if a1 < 0 else a1
    if a0 == 0 or a1 == 0:
        raise ValueError(
            "K.batch_dot: cannot perform batch_dot over axis 0 (the batch axis); "
            f"received axes={axes}.")
    if not (0 < a0 < xn and 0 < a1 < yn):
        raise ValueError(
            f"K.batch_dot: `axes`={axes} out of range for shapes {xs} and {ys}.")
    d1, d2 = xs[a0], ys[a1]
    if d1 is not None and d2 is not None and d1 != d2:
        raise ValueError(
            f"K.batch_dot: cannot do batch_dot on inputs with shapes {xs} and {ys} "
            f"with axes={(a0, a1)}: x.shape[{a0}] != y.shape[{a1}] ({d1} != {d2}).")
    return L.BatchDot.apply(x, y, axes=(a0, a1))


# -- cumulative, ranges, misc --------------------------------------------------------

def cumsum(x, axis=0):
    """Cumulative sum along `axis`."""
    return M.Cumsum.apply(as_input(x), axis=int(axis))


def cumprod(x, axis=0):
    """Cumulative product along `axis`."""
    return M.Cumprod.apply(as_input(x), axis=int(axis))


def arange(start, stop=None, step=1, dtype="int32"):
    """1-D range [start, stop) (start alone means [0, start))."""
    if stop is None and start < 0:
        start = 0
    if stop is None:
        return np.arange(start, step=step, dtype=dtype)
    return np.arange(start, stop, step, dtype=dtype)


def stop_gradient(variables):
    """`variables` (a tensor or a list of them) with the gradient blocked."""
    if isinstance(variables, (list, tuple)):
        return [S.StopGradient.apply(as_input(v)) for v in variables]
    return S.StopGradient.apply(as_input(variables))


def print_tensor(x, message="", summarize=3):
    """Prints `message` and the value of `x` when it is computed; returns `x`."""
    return S.PrintTensor.apply(as_input(x), message=message)


def map_fn(fn, elems, name=None, dtype=None):
    """stack([fn(e) for e in elems]) along a new first axis."""
    return stack([fn(elems[i]) for i in range(len(elems))])


def foldl(fn, elems, initializer=None, name=None):
    """Left fold of `fn(acc, e)` over the first axis of `elems`."""
    start = 0
    acc = initializer
    if acc is None:
        acc, start = elems[0], 1
    for i in range(start, len(elems)):
        acc = fn(acc, elems[i])
    return acc


def foldr(fn, elems, initializer=None, name=None):
    """Right fold of `fn(acc, e)` over the first axis of `elems`."""
    n = len(elems)
    acc = initializer
    stop = n
    if acc is None:
        acc, stop = elems[n - 1], n - 1
    for i in range(stop - 1, -1, -1):
        acc = fn(acc, elems[i])
    return acc


# -- random ---------------------------------------------------------------------------

def _shape_tuple(shape):
    if isinstance(shape, Tensor):
        shape = shape.value
    if isinstance(shape, SymbolicTensor):
        raise ValueError("K.random_*: `shape` must be concrete, not a symbolic tensor.")
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in np.asarray(shape).reshape(-1))


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Uniform samples in [minval, maxval)."""
    rng = make_rng(seed)
    dt = np.dtype(dtype or floatx())
    return rng.uniform(minval, maxval, _shape_tuple(shape)).astype(dt)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples with `mean` and `stddev`."""
    rng = make_rng(seed)
    dt = np.dtype(dtype or floatx())
    return rng.normal(mean, stddev, _shape_tuple(shape)).astype(dt)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples, redrawn while more than 2 stddev from the mean."""
    rng = make_rng(seed)
    dt = np.dtype(dtype or floatx())
    z = rng.standard_normal(_shape_tuple(shape))
    bad = np.abs(z) > 2
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2
    return (mean + stddev * z).astype(dt)


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """Bernoulli samples: 1 with probability `p`, else 0."""
    rng = make_rng(seed)
    dt = np.dtype(dtype or floatx())
    return (rng.random(_shape_tuple(shape)) < p).astype(dt)


random_bernoulli = random_binomial


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    """A variable filled with uniform samples in [low, high)."""
    return variable(random_uniform(shape, low, high, dtype, seed), dtype=dtype, name=name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    """A variable filled with normal samples."""
    return variable(random_normal(shape, mean, scale, dtype, seed), dtype=dtype, name=name)
