"""Weight regularizers (Keras 2 / tf.keras 2.x API).

A regularizer maps a weight tensor to a scalar penalty that is added to the
training loss. Penalties are built from autograd Functions, so:

- on a NumPy array the result is a NumPy scalar (no tape);
- on a Variable (or any Tensor that requires grad) the result is a Tensor on
  the tape, and `ckeras.autograd.grad` differentiates it.

Coefficients are stored rounded to `floatx` (as tf.keras does), so
`L2(0.01).get_config()` gives `{'l2': 0.009999999776482582}` in float32.
"""
import math
import numbers

import numpy as np

from ckeras._internal import config as _backend_config
from ckeras.autograd.functions import elementwise as _E
from ckeras.autograd.functions import linalg as _L
from ckeras.autograd.functions import reduction as _R
from ckeras.autograd.functions import shape as _S
from ckeras.saving import serialization as _serialization


def _check_penalty_number(x):
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, np.number)):
        raise ValueError(
            f"Value {x!r} is not a valid regularization penalty number, "
            "expected an int or a float value.")
    if math.isinf(x) or math.isnan(x):
        raise ValueError(
            f"Value {x!r} is not a valid regularization penalty number, "
            "an infinite number or NaN are not valid values.")


def _to_floatx(x):
    """`x` rounded to floatx, as a Python float (JSON-friendly)."""
    return float(np.asarray(x, dtype=_backend_config.floatx()))


def _sum(x):
    return _R.Sum.apply(x, axis=None, keepdims=False)


def _l1_term(coef, x):
    return _E.Mul.apply(_sum(_E.Abs.apply(x)), coef)


def _l2_term(coef, x):
    return _E.Mul.apply(_sum(_E.Mul.apply(x, x)), coef)


def _zero_like(x):
    dtype = getattr(x, "dtype", None)
    try:
        dtype = np.dtype(dtype) if dtype is not None else np.dtype(_backend_config.floatx())
    except TypeError:
        dtype = np.dtype(_backend_config.floatx())
    return np.zeros((), dtype=dtype)


class Regularizer:
    """Base class of weight regularizers.

    Subclasses implement `__call__(x)` returning a scalar penalty and
    `get_config()`.

    Returns:
        The base penalty is 0.

    Example:
        >>> class Sum(Regularizer):
        ...     def __call__(self, x): return x.sum()
        ...     def get_config(self): return {}
    """

    def __call__(self, x):
        return 0.0

    def get_config(self):
        """Returns the constructor arguments as a JSON-able dict."""
        raise NotImplementedError(f"{type(self).__name__} doesn't implement get_config().")

    @classmethod
    def from_config(cls, config):
        """Builds a regularizer from the output of `get_config()`."""
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """Regularizer applying both an L1 and an L2 penalty.

    penalty = l1 · Σ|x| + l2 · Σx²

    Args:
        l1: L1 factor (None means 0).
        l2: L2 factor (None means 0).

    Returns:
        Called on weights: the scalar penalty.

    Example:
        >>> round(float(L1L2(l1=0.01, l2=0.01)(np.array([[1., -2.], [3., 0.]]))), 6)
        0.2
    """

    def __init__(self, l1=0.0, l2=0.0):
        l1 = 0.0 if l1 is None else l1
        l2 = 0.0 if l2 is None else l2
        _check_penalty_number(l1)
        _check_penalty_number(l2)
        self.l1 = _to_floatx(l1)
        self.l2 = _to_floatx(l2)

    def __call__(self, x):
        out = None
        if self.l1:
            out = _l1_term(self.l1, x)
        if self.l2:
            term = _l2_term(self.l2, x)
            out = term if out is None else _E.Add.apply(out, term)
        return _zero_like(x) if out is None else out

    def get_config(self):
        return {"l1": float(self.l1), "l2": float(self.l2)}


class L1(Regularizer):
    """Regularizer applying an L1 penalty: l1 · Σ|x|.

    Args:
        l1: the factor (default 0.01; None means 0.01). The legacy keyword
            `l` is accepted too.

    Returns:
        Called on weights: the scalar penalty.

    Example:
        >>> round(float(L1(0.01)(np.array([[1., -2.], [3., 0.]]))), 6)
        0.06
    """

    def __init__(self, l1=0.01, **kwargs):
        l1 = kwargs.pop("l", l1)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}")
        l1 = 0.01 if l1 is None else l1
        _check_penalty_number(l1)
        self.l1 = _to_floatx(l1)

    def __call__(self, x):
        return _l1_term(self.l1, x)

    def get_config(self):
        return {"l1": float(self.l1)}


class L2(Regularizer):
    """Regularizer applying an L2 penalty: l2 · Σx².

    Args:
        l2: the factor (default 0.01; None means 0.01). The legacy keyword
            `l` is accepted too.

    Returns:
        Called on weights: the scalar penalty.

    Example:
        >>> round(float(L2(0.01)(np.array([[1., -2.], [3., 0.]]))), 6)
        0.14
    """

    def __init__(self, l2=0.01, **kwargs):
        l2 = kwargs.pop("l", l2)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized: {kwargs}")
        l2 = 0.01 if l2 is None else l2
        _check_penalty_number(l2)
        self.l2 = _to_floatx(l2)

    def __call__(self, x):
        return _l2_term(self.l2, x)

    def get_config(self):
        return {"l2": float(self.l2)}


class OrthogonalRegularizer(Regularizer):
    """Regularizer that pushes the rows (or columns) of a 2-D kernel apart.

    The rows (mode='rows') or columns (mode='columns') are L2-normalized;
    the penalty is factor · 0.5 · Σ|off-diagonal entries of their Gram
    matrix| / (n·(n-1)/2), with n the number of rows or columns.

    Args:
        factor: the penalty factor.
        mode: 'rows' or 'columns'.

    Returns:
        Called on a 2-D kernel: the scalar penalty.

    Example:
        >>> float(OrthogonalRegularizer(0.1)(np.eye(3)))
        0.0
    """

    def __init__(self, factor=0.01, mode="rows"):
        _check_penalty_number(factor)
        if mode not in ("rows", "columns"):
            raise ValueError(
                "Invalid value for argument `mode`. Expected one of "
                f"{{'rows', 'columns'}}. Received: mode={mode}")
        self.factor = _to_floatx(factor)
        self.mode = mode

    def __call__(self, x):
        if len(x.shape) != 2:
            raise ValueError(
                "Inputs to OrthogonalRegularizer must have rank 2. Received: "
                f"inputs.shape == {tuple(x.shape)}")
        axis = 1 if self.mode == "rows" else 0
        sq = _R.Sum.apply(_E.Mul.apply(x, x), axis=axis, keepdims=True)
        sq_val = np.asarray(sq)
        # l2_normalize divides by sqrt(max(Σx², 1e-12)); the shift keeps the
        # clamp out of the gradient where it does not apply.
        sq = _E.Add.apply(sq, np.maximum(sq_val, 1e-12) - sq_val)
        x = _E.Div.apply(x, _E.Pow.apply(sq, 0.5))
        xt = _S.Transpose.apply(x, axes=None)
        product = _L.MatMul.apply(x, xt) if axis == 1 else _L.MatMul.apply(xt, x)
        size = x.shape[0] if axis == 1 else x.shape[1]
        if size < 2:
            return _zero_like(x)
        off = (1.0 - np.eye(size)).astype(np.asarray(sq_val).dtype)
        num_pairs = size * (size - 1.0) / 2.0
        total = _sum(_E.Abs.apply(_E.Mul.apply(product, off)))
        return _E.Mul.apply(total, self.factor * 0.5 / num_pairs)

    def get_config(self):
        return {"factor": float(self.factor), "mode": self.mode}


def l1_l2(l1=0.01, l2=0.01):
    """Returns `L1L2(l1, l2)`, with 0.01 defaults for both factors.

    Args:
        l1: L1 factor.
        l2: L2 factor.

    Returns:
        An `L1L2` regularizer.

    Example:
        >>> l1_l2().get_config()
        {'l1': 0.009999999776482582, 'l2': 0.009999999776482582}
    """
    return L1L2(l1=l1, l2=l2)


# Aliases (the same classes, as in tf.keras).
l1 = L1
l2 = L2
orthogonal_regularizer = OrthogonalRegularizer

#: Every name `get`/`deserialize` accept for a built-in regularizer.
ALL_OBJECTS = {
    "Regularizer": Regularizer, "L1L2": L1L2, "L1": L1, "L2": L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "l1": L1, "l2": L2, "l1_l2": l1_l2,
    "orthogonal_regularizer": OrthogonalRegularizer,
}


def serialize(regularizer, use_legacy_format=False):
    """Serializes a regularizer to a config dict.

    Args:
        regularizer: a Regularizer (functions are serialized by name).
        use_legacy_format: True gives `{'class_name', 'config'}`; the default
            adds `module` and `registered_name` as tf-keras 2.13+ does.

    Returns:
        A JSON-able dict (or name, or None).

    Example:
        >>> serialize(L2(0.01))['config']
        {'l2': 0.009999999776482582}
    """
    return _serialization.serialize_keras_object(
        regularizer, module=None if use_legacy_format else "keras.regularizers")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """Builds a regularizer from a name or a (Keras 2 or 3) config dict.

    The string 'l1_l2' gives `L1L2(0.01, 0.01)`; 'l1' and 'l2' give factors
    of 0.01.

    Args:
        config: a name or a config dict.
        custom_objects: optional dict of user classes and functions.
        use_legacy_format: accepted for API compatibility; both forms are read.

    Returns:
        A regularizer.

    Example:
        >>> deserialize({'class_name': 'L1L2', 'config': {'l1': 0.1, 'l2': 0.0}})
        L1L2(l1=0.10000000149011612, l2=0.0)
    """
    if config == "l1_l2":
        return L1L2(l1=0.01, l2=0.01)
    return _serialization.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS, custom_objects=custom_objects,
        printable_module_name="regularizer")


def get(identifier):
    """Retrieves a regularizer.

    Args:
        identifier: None, a name ('l1', 'l2', 'l1_l2'), a config dict, a
            Regularizer class (instantiated with defaults) or instance, or any
            callable `f(weights) -> scalar`.

    Returns:
        A regularizer, or None for None.

    Raises:
        ValueError: unknown names (named in the message) or uninterpretable
            identifiers.

    Example:
        >>> get('l2').get_config()
        {'l2': 0.009999999776482582}
    """
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret regularizer identifier: {identifier!r}")


__all__ = ["Regularizer", "L1L2", "L1", "L2", "OrthogonalRegularizer", "l1", "l2",
           "l1_l2", "orthogonal_regularizer", "get", "serialize", "deserialize"]
