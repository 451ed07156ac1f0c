"""Weight constraints (Keras 2 / tf.keras 2.x API).

A constraint is called on a weight value after each optimizer update and
returns the projected value: `new_w = constraint(w)`. Constraints work on
NumPy arrays (a Tensor/Variable is read through its value) and return a new
array of the same shape and dtype. Norm-based constraints add
`backend.epsilon()` to the norm in the denominator, as tf.keras does.
"""
import numpy as np

from ckeras._internal import config as _backend_config
from ckeras.saving import serialization as _serialization


def _value(w):
    return np.asarray(w)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _json_axis(axis):
    return list(axis) if isinstance(axis, tuple) else axis


def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=_axis(axis), keepdims=True))


class Constraint:
    """Base class of weight constraints.

    Subclasses implement `__call__(w)` returning the projected weights, and
    `get_config()`.

    Returns:
        The base constraint returns `w` unchanged.

    Example:
        >>> class Clip(Constraint):
        ...     def __call__(self, w): return np.clip(w, -1, 1)
    """

    def __call__(self, w):
        return w

    def get_config(self):
        """Returns the constructor arguments as a JSON-able dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Builds a constraint from the output of `get_config()`."""
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Constrains the norm of the weights along `axis` to at most `max_value`.

    `w * clip(norm, 0, max_value) / (epsilon + norm)`, norms taken along
    `axis` (0 for a Dense kernel `(in, out)`: each unit's incoming weights;
    `[0, 1, 2]` for a Conv2D kernel `(h, w, in, out)`).

    Args:
        max_value: the maximum norm.
        axis: int or list of ints along which norms are computed.

    Returns:
        Called on weights: the constrained array.

    Example:
        >>> MaxNorm(1.0)(np.array([[3.0], [4.0]])).ravel().round(6)
        array([0.6, 0.8])
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _value(w)
        norms = _norms(w, self.axis)
        desired = np.clip(norms, 0, self.max_value)
        return w * (desired / (_backend_config.epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": _json_axis(self.axis)}


class NonNeg(Constraint):
    """Constrains the weights to be non-negative (negatives become 0).

    Returns:
        Called on weights: `w * (w >= 0)`.

    Example:
        >>> NonNeg()(np.array([-1.0, 2.0]))
        array([-0.,  2.])
    """

    def __call__(self, w):
        w = _value(w)
        return w * (w >= 0).astype(w.dtype)


class UnitNorm(Constraint):
    """Constrains the weights along `axis` to have unit norm.

    `w / (epsilon + norm)`.

    Args:
        axis: int or list of ints along which norms are computed.

    Returns:
        Called on weights: the normalized array.

    Example:
        >>> UnitNorm()(np.array([[3.0], [4.0]])).ravel().round(6)
        array([0.6, 0.8])
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _value(w)
        return w / (_backend_config.epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": _json_axis(self.axis)}


class MinMaxNorm(Constraint):
    """Constrains the norm of the weights along `axis` to `[min_value, max_value]`.

    desired = rate · clip(norm, min_value, max_value) + (1 - rate) · norm;
    result = `w * desired / (epsilon + norm)`. `rate=1` enforces the bounds
    strictly, smaller rates move the norm only part of the way.

    Args:
        min_value: the minimum norm.
        max_value: the maximum norm.
        rate: the rate of enforcement, in [0, 1].
        axis: int or list of ints along which norms are computed.

    Returns:
        Called on weights: the constrained array.

    Example:
        >>> MinMaxNorm(1.0, 2.0)(np.array([[0.3], [0.4]])).ravel().round(6)
        array([0.6, 0.8])
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _value(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * np.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (_backend_config.epsilon() + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": _json_axis(self.axis)}


class RadialConstraint(Constraint):
    """Makes every Conv2D kernel slice constant on concentric square rings.

    For a kernel `(n, n, channels, filters)`, each `(n, n)` slice is rebuilt
    ring by ring, following tf.keras: with `s = n // 2`, the centre (1x1 for
    odd n, 2x2 for even n) takes the value at `[s-1, s-1]`; ring `j >= 1`
    takes the value at `[s+j-1, s+j-1]` (odd n) or `[s+j, s+j]` (even n).

    Raises:
        ValueError: when the weights are not 4-D.

    Returns:
        Called on a kernel: the constrained array.

    Example:
        >>> k = np.arange(16.0).reshape(4, 4, 1, 1)
        >>> RadialConstraint()(k)[..., 0, 0]
        array([[15., 15., 15., 15.],
               [15.,  5.,  5., 15.],
               [15.,  5.,  5., 15.],
               [15., 15., 15., 15.]])
    """

    def __call__(self, w):
        w = _value(w)
        if w.ndim != 4:
            raise ValueError(
                "The weight tensor must have rank 4. Received weight tensor with "
                f"shape: {w.shape}")
        n = w.shape[0]
        if w.shape[1] != n:
            raise ValueError(
                f"RadialConstraint needs square kernels; received shape {w.shape}.")
        start = n // 2
        if n < 2:
            return w.copy()
        odd = n % 2 == 1
        # ring index of every cell: distance (in rings) from the centre block.
        idx = np.arange(n)
        if odd:
            d = np.abs(idx - start)
        else:
            d = np.maximum(start - 1 - idx, idx - start)
        ring = np.maximum(d[:, None], d[None, :])
        n_rings = int(ring.max()) + 1
        src = np.empty(n_rings, dtype=np.intp)
        src[0] = start - 1
        for j in range(1, n_rings):
            src[j] = start + j - 1 if odd else start + j
        diag = w[src, src]  # (n_rings, channels, filters)
        return diag[ring].astype(w.dtype, copy=False)


# Aliases (the same classes, as in tf.keras), plus the classic names.
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm
radial_constraint = RadialConstraint
maxnorm = MaxNorm
nonneg = NonNeg
unitnorm = UnitNorm

#: Every name `get`/`deserialize` accept for a built-in constraint.
ALL_OBJECTS = {
    "Constraint": Constraint, "MaxNorm": MaxNorm, "NonNeg": NonNeg,
    "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm,
    "RadialConstraint": RadialConstraint,
    "max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
    "min_max_norm": MinMaxNorm, "radial_constraint": RadialConstraint,
    "maxnorm": MaxNorm, "nonneg": NonNeg, "unitnorm": UnitNorm,
}


def serialize(constraint, use_legacy_format=False):
    """Serializes a constraint to a config dict.

    Args:
        constraint: a Constraint (functions are serialized by name).
        use_legacy_format: True gives `{'class_name', 'config'}`; the default
            adds `module` and `registered_name` as tf-keras 2.13+ does.

    Returns:
        A JSON-able dict (or name, or None).

    Example:
        >>> serialize(MaxNorm(3))['config']
        {'max_value': 3, 'axis': 0}
    """
    return _serialization.serialize_keras_object(
        constraint, module=None if use_legacy_format else "keras.constraints")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """Builds a constraint from a name or a (Keras 2 or 3) config dict.

    Args:
        config: a name or a config dict.
        custom_objects: optional dict of user classes and functions.
        use_legacy_format: accepted for API compatibility; both forms are read.

    Returns:
        A constraint.

    Example:
        >>> deserialize({'class_name': 'MaxNorm', 'config': {'max_value': 3}})
        MaxNorm(max_value=3, axis=0)
    """
    return _serialization.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS, custom_objects=custom_objects,
        printable_module_name="constraint")


def get(identifier):
    """Retrieves a constraint.

    Args:
        identifier: None, a name ('max_norm', 'non_neg', ...), a config dict, a
            Constraint class (instantiated with defaults) or instance, or any
            callable `f(w) -> w`.

    Returns:
        A constraint, or None for None.

    Raises:
        ValueError: unknown names (named in the message) or uninterpretable
            identifiers.

    Example:
        >>> get('non_neg')
        NonNeg()
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret constraint identifier: {identifier!r}")


__all__ = ["Constraint", "MaxNorm", "NonNeg", "UnitNorm", "MinMaxNorm",
           "RadialConstraint", "max_norm", "non_neg", "unit_norm", "min_max_norm",
           "radial_constraint", "get", "serialize", "deserialize"]
