"""The operators and array-like methods of autograd tensors.

Each is a Function, so it tapes on eager tensors and becomes a graph node on
symbolic ones. They live apart from tensor.py because the Functions import
the tensor classes; ``ckeras.autograd`` installs them on Tensor, and the
engine installs the operators on its KerasTensor.
"""
import numpy as np

from ckeras.autograd.functions import elementwise as E
from ckeras.autograd.functions import linalg as L
from ckeras.autograd.functions import reduction as R
from ckeras.autograd.functions import shape as S
from ckeras.autograd.tensor import Tensor

__all__ = ["install_operators", "install_methods"]


def install_operators(cls):
    """Gives `cls` the arithmetic, comparison and indexing operators."""
    def binary(fn):
        return (lambda a, b: fn.apply(a, b), lambda a, b: fn.apply(b, a))

    for name, fn in (("add", E.Add), ("sub", E.Sub), ("mul", E.Mul),
                     ("truediv", E.Div), ("pow", E.Pow), ("matmul", L.MatMul)):
        fwd, rev = binary(fn)
        setattr(cls, f"__{name}__", fwd)
        setattr(cls, f"__r{name}__", rev)
    for name, fn in (("lt", E.Less), ("le", E.LessEqual), ("gt", E.Greater),
                     ("ge", E.GreaterEqual)):
        setattr(cls, f"__{name}__", lambda a, b, fn=fn: fn.apply(a, b))
    cls.__neg__ = lambda a: E.Neg.apply(a)
    cls.__pos__ = lambda a: a
    cls.__abs__ = lambda a: E.Abs.apply(a)
    cls.__getitem__ = lambda a, key: S.GetItem.apply(a, key=_freeze_key(key))


def _freeze_key(key):
    """Turns Tensor indices inside a slicing key into arrays."""
    if isinstance(key, tuple):
        return tuple(_freeze_key(k) for k in key)
    if isinstance(key, Tensor):
        return key.value
    return key


def _reshape(self, *shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return S.Reshape.apply(self, shape=shape)


def install_methods(cls):
    """Gives `cls` NumPy's `T`, `astype`, `reshape`, `sum` and `mean`."""
    cls.T = property(lambda self: S.Transpose.apply(self, axes=None))
    cls.astype = lambda self, dtype: E.Cast.apply(self, dtype=np.dtype(dtype))
    cls.reshape = _reshape
    cls.sum = lambda self, axis=None, keepdims=False: R.Sum.apply(
        self, axis=axis, keepdims=keepdims)
    cls.mean = lambda self, axis=None, keepdims=False: R.Mean.apply(
        self, axis=axis, keepdims=keepdims)
