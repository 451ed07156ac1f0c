"""Weight initializers (Keras 2 / tf.keras 2.x API).

An initializer is called as `init(shape, dtype=None)` and returns a NumPy
array of that shape and dtype (default `backend.floatx()`).

Randomness: an initializer built with an integer `seed` draws from
`np.random.default_rng(seed)` afresh on every call, so it returns the same
values each time it is called with the same shape (as tf.keras 2.x does).
Unseeded initializers draw from one module-level generator, which
`set_seed(seed)` reseeds.

Names accepted by `get`: the class names (`'GlorotUniform'`), their
snake_case aliases (`'glorot_uniform'`), the tf.keras compatibility names
(`'GlorotUniformV2'`) and the classic aliases `'normal'`, `'uniform'`,
`'one'`, `'zero'`.
"""
import math

import numpy as np

from ckeras import kernels
from ckeras._internal import config as _backend_config
from ckeras.saving import serialization as _serialization

# Created on first use: importing numpy.random costs ~8 ms of `import ckeras`.
_rng = None

# Keras 3 adds these keys to some configs; None means "Keras 2 behaviour".
_KERAS3_OPTIONAL_KEYS = ("input_axes", "output_axes")


def set_seed(seed):
    """Reseeds the generator that unseeded initializers draw from.

    Args:
        seed: an int, or None for fresh OS entropy.

    Example:
        >>> set_seed(1); a = RandomNormal()((3,))
        >>> set_seed(1); b = RandomNormal()((3,))
        >>> bool((a == b).all())
        True
    """
    global _rng
    _rng = np.random.default_rng(seed)


def _generator(seed):
    global _rng
    if seed is None:
        if _rng is None:
            _rng = np.random.default_rng()
        return _rng
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
    return np.random.default_rng(int(seed))


def _shape(shape):
    if shape is None:
        raise ValueError("An initializer needs a shape; received None.")
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    shape = tuple(int(d) for d in shape)
    if any(d < 0 for d in shape):
        raise ValueError(f"Negative dimension in shape {shape}.")
    return shape


def _dtype(dtype):
    return np.dtype(_backend_config.floatx() if dtype is None else dtype)


def _float_dtype(dtype):
    dtype = _dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"Expected floating point type, got {dtype}.")
    return dtype


def _numeric_dtype(dtype):
    dtype = _dtype(dtype)
    if dtype.kind not in "biufc":
        raise ValueError(f"Expected numeric or boolean dtype, got {dtype}.")
    return dtype


def _work_dtype(dtype):
    """The dtype NumPy's generators can draw directly (float32 or float64)."""
    return np.float64 if dtype == np.float64 else np.float32


def _standard_normal(rng, shape, dtype):
    return np.asarray(rng.standard_normal(shape, dtype=_work_dtype(dtype)))


def _truncated_standard_normal(rng, shape, dtype):
    """Standard normal values, redrawing every value with |z| > 2."""
    z = np.array(rng.standard_normal(shape, dtype=_work_dtype(dtype)))
    bad = np.abs(z) > 2.0
    n_bad = int(bad.sum())
    while n_bad:
        z[bad] = rng.standard_normal(n_bad, dtype=z.dtype)
        bad = np.abs(z) > 2.0
        n_bad = int(bad.sum())
    return z


def _uniform(rng, shape, low, high, dtype):
    u = np.asarray(rng.random(shape, dtype=_work_dtype(dtype)))
    out = np.asarray((u * (high - low) + low).astype(dtype, copy=False))
    # Rounding to a narrow dtype must not leave [low, high].
    np.clip(out, low, high, out=out)
    return out


def _compute_fans(shape):
    """Returns `(fan_in, fan_out)` for a weight shape.

    2-D `(in, out)`; conv kernels `(*k, in, out)` multiply both by prod(k);
    1-D: both equal the length; scalars: 1.
    """
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    if len(shape) == 2:
        return int(shape[0]), int(shape[1])
    receptive = 1
    for d in shape[:-2]:
        receptive *= int(d)
    return int(shape[-2]) * receptive, int(shape[-1]) * receptive


def _json_value(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


class Initializer:
    """Base class of initializers.

    Subclasses implement `__call__(shape, dtype=None)` returning a NumPy array,
    and `get_config()` returning the constructor arguments.

    Example:
        >>> class Fives(Initializer):
        ...     def __call__(self, shape, dtype=None, **kwargs):
        ...         return np.full(shape, 5, dtype or 'float32')
    """

    def __call__(self, shape, dtype=None, **kwargs):
        raise NotImplementedError(
            f"Initializer {type(self).__name__} does not implement __call__.")

    def get_config(self):
        """Returns the constructor arguments as a JSON-able dict."""
        return {}

    @classmethod
    def from_config(cls, config):
        """Builds an initializer from the output of `get_config()`."""
        config = dict(config)
        config.pop("dtype", None)
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """Initializer that generates arrays of zeros.

    Returns:
        `np.zeros(shape, dtype)`.

    Example:
        >>> Zeros()((2, 2))
        array([[0., 0.],
               [0., 0.]], dtype=float32)
    """

    def __call__(self, shape, dtype=None, **kwargs):
        return np.zeros(_shape(shape), dtype=_numeric_dtype(dtype))


class Ones(Initializer):
    """Initializer that generates arrays of ones.

    Returns:
        `np.ones(shape, dtype)`.

    Example:
        >>> Ones()((3,))
        array([1., 1., 1.], dtype=float32)
    """

    def __call__(self, shape, dtype=None, **kwargs):
        return np.ones(_shape(shape), dtype=_numeric_dtype(dtype))


class Constant(Initializer):
    """Initializer that generates arrays filled with a constant.

    Args:
        value: a scalar, or an array-like whose size equals the requested size
            (it is reshaped) or that broadcasts to the requested shape.

    Example:
        >>> Constant(3.0)((2,))
        array([3., 3.], dtype=float32)
    """

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None, **kwargs):
        shape = _shape(shape)
        dtype = _numeric_dtype(dtype)
        value = np.asarray(self.value, dtype=dtype)
        if value.size == 1:
            return np.full(shape, value.reshape(()), dtype=dtype)
        if value.size == math.prod(shape):
            return value.reshape(shape).copy()
        try:
            return np.broadcast_to(value, shape).copy()
        except ValueError:
            raise ValueError(
                f"Constant initializer: a value of shape {value.shape} does not "
                f"fit the requested shape {shape}.") from None

    def get_config(self):
        return {"value": _json_value(self.value)}


class RandomNormal(Initializer):
    """Initializer that generates values from a normal distribution.

    Args:
        mean: mean of the distribution.
        stddev: standard deviation of the distribution.
        seed: optional int; a seeded initializer returns the same values on
            every call.

    Example:
        >>> RandomNormal(stddev=1.0, seed=0)((2, 2)).shape
        (2, 2)
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype)
        z = _standard_normal(_generator(self.seed), _shape(shape), dtype)
        return np.asarray(z * self.stddev + self.mean, dtype=dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Initializer that generates values from a uniform distribution.

    Floats are drawn from `[minval, maxval)`; integer dtypes draw integers
    from `[minval, maxval)`.

    Args:
        minval: lower bound.
        maxval: upper bound.
        seed: optional int for deterministic values.

    Example:
        >>> x = RandomUniform(-1.0, 1.0, seed=0)((100,))
        >>> bool((abs(x) <= 1).all())
        True
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _dtype(dtype)
        shape = _shape(shape)
        rng = _generator(self.seed)
        if dtype.kind in "iu":
            return np.asarray(rng.integers(self.minval, self.maxval, size=shape)).astype(dtype)
        if dtype.kind != "f":
            raise ValueError(f"Expected float or integer dtype, got {dtype}.")
        return _uniform(rng, shape, self.minval, self.maxval, dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class TruncatedNormal(Initializer):
    """Initializer that generates a truncated normal distribution.

    Values further than two standard deviations from the mean are discarded
    and drawn again, so every value lies in `[mean - 2·stddev, mean + 2·stddev]`.

    Args:
        mean: mean of the (untruncated) distribution.
        stddev: standard deviation of the (untruncated) distribution.
        seed: optional int for deterministic values.

    Example:
        >>> x = TruncatedNormal(stddev=1.0, seed=0)((1000,))
        >>> bool((abs(x) <= 2).all())
        True
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype)
        z = _truncated_standard_normal(_generator(self.seed), _shape(shape), dtype)
        return np.asarray(z * self.stddev + self.mean, dtype=dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


# std of a standard normal truncated to [-2, 2]; truncated_normal divides by it
# so that the truncated draw keeps the requested variance.
_TRUNCATION_STD = 0.87962566103423978


class VarianceScaling(Initializer):
    """Initializer that adapts its scale to the shape of the weights.

    With `n` = fan_in, fan_out or (fan_in + fan_out) / 2 (per `mode`, at least
    1): 'truncated_normal' draws a normal truncated at 2 std with
    std = sqrt(scale / n) / 0.8796...; 'untruncated_normal' uses
    std = sqrt(scale / n); 'uniform' draws from [-limit, limit] with
    limit = sqrt(3 · scale / n). The legacy value 'normal' means
    'truncated_normal'.

    Args:
        scale: positive scaling factor.
        mode: 'fan_in', 'fan_out' or 'fan_avg'.
        distribution: 'truncated_normal', 'untruncated_normal' or 'uniform'.
        seed: optional int for deterministic values.

    Raises:
        ValueError: for scale <= 0 or an unknown mode or distribution.

    Example:
        >>> init = VarianceScaling(scale=2.0, mode='fan_in',
        ...                        distribution='untruncated_normal')
        >>> round(float(init((256, 128)).std()), 2)   # sqrt(2 / 256)
        0.09
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal",
                 seed=None):
        if scale <= 0.0:
            raise ValueError(f"`scale` must be positive float. Received: scale={scale}.")
        allowed_modes = ("fan_in", "fan_out", "fan_avg")
        if mode not in allowed_modes:
            raise ValueError(
                f"Invalid `mode` argument: {mode}. Please use one of {allowed_modes}.")
        distribution = str(distribution).lower()
        if distribution == "normal":  # classic Keras name
            distribution = "truncated_normal"
        allowed = ("uniform", "truncated_normal", "untruncated_normal")
        if distribution not in allowed:
            raise ValueError(
                f"Invalid `distribution` argument: {distribution}. "
                f"Allowed distributions: {allowed}.")
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed

    def _n(self, shape):
        fan_in, fan_out = _compute_fans(shape)
        if self.mode == "fan_in":
            return max(1.0, fan_in)
        if self.mode == "fan_out":
            return max(1.0, fan_out)
        return max(1.0, (fan_in + fan_out) / 2.0)

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype)
        shape = _shape(shape)
        scale = self.scale / self._n(shape)
        rng = _generator(self.seed)
        if self.distribution == "truncated_normal":
            std = math.sqrt(scale) / _TRUNCATION_STD
            return np.asarray(_truncated_standard_normal(rng, shape, dtype) * std,
                              dtype=dtype)
        if self.distribution == "untruncated_normal":
            std = math.sqrt(scale)
            return np.asarray(_standard_normal(rng, shape, dtype) * std, dtype=dtype)
        limit = math.sqrt(3.0 * scale)
        return _uniform(rng, shape, -limit, limit, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode,
                "distribution": self.distribution, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)
        for key in _KERAS3_OPTIONAL_KEYS:
            if key in config:
                if config[key] is not None:
                    raise ValueError(
                        f"{cls.__name__}: the Keras 3 option `{key}` is not "
                        f"supported (received {config[key]!r}).")
                del config[key]
        return cls(**config)


class _FixedVarianceScaling(VarianceScaling):
    """VarianceScaling with fixed scale/mode/distribution; config is the seed."""

    _args = (1.0, "fan_in", "truncated_normal")

    def __init__(self, seed=None):
        scale, mode, distribution = self._args
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_FixedVarianceScaling):
    """Glorot (Xavier) uniform initializer.

    Draws from [-limit, limit] with limit = sqrt(6 / (fan_in + fan_out)).

    Args:
        seed: optional int for deterministic values.

    Example:
        >>> GlorotUniform(seed=1)((3, 4)).shape
        (3, 4)
    """

    _args = (1.0, "fan_avg", "uniform")


class GlorotNormal(_FixedVarianceScaling):
    """Glorot (Xavier) normal initializer.

    Truncated normal with std = sqrt(2 / (fan_in + fan_out)) (before
    truncation).

    Args:
        seed: optional int for deterministic values.

    Example:
        >>> GlorotNormal(seed=1)((3, 4)).shape
        (3, 4)
    """

    _args = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_FixedVarianceScaling):
    """He uniform initializer: limit = sqrt(6 / fan_in).

    Args:
        seed: optional int for deterministic values.

    Example:
        >>> HeUniform(seed=1)((3, 4)).shape
        (3, 4)
    """

    _args = (2.0, "fan_in", "uniform")


class HeNormal(_FixedVarianceScaling):
    """He normal initializer: truncated normal with std = sqrt(2 / fan_in).

    Args:
        seed: optional int for deterministic values.

    Example:
        >>> HeNormal(seed=1)((3, 4)).shape
        (3, 4)
    """

    _args = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform initializer: limit = sqrt(3 / fan_in).

    Args:
        seed: optional int for deterministic values.

    Example:
        >>> LecunUniform(seed=1)((3, 4)).shape
        (3, 4)
    """

    _args = (1.0, "fan_in", "uniform")


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal initializer: truncated normal with std = sqrt(1 / fan_in).

    Args:
        seed: optional int for deterministic values.

    Example:
        >>> LecunNormal(seed=1)((3, 4)).shape
        (3, 4)
    """

    _args = (1.0, "fan_in", "truncated_normal")


class Orthogonal(Initializer):
    """Initializer that generates an orthogonal matrix.

    The shape is flattened to `(prod(shape[:-1]), shape[-1])`; a normal matrix
    of shape (max, min) of those is QR-decomposed, the columns of Q are
    multiplied by the signs of diag(R), Q is transposed when there are fewer
    rows than columns, multiplied by `gain` and reshaped back. Rows (or
    columns, whichever are fewer) are orthonormal.

    Args:
        gain: multiplicative factor.
        seed: optional int for deterministic values.

    Raises:
        ValueError: for shapes of rank < 2.

    Example:
        >>> q = Orthogonal(seed=0)((4, 4))
        >>> np.allclose(q.T @ q, np.eye(4), atol=1e-5)
        True
    """

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain
        self.seed = seed

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _float_dtype(dtype)
        shape = _shape(shape)
        if len(shape) < 2:
            raise ValueError(
                "The tensor to initialize must be at least two-dimensional. "
                f"Received: shape={shape} of rank {len(shape)}.")
        num_cols = shape[-1]
        num_rows = math.prod(shape[:-1])
        if num_rows == 0 or num_cols == 0:
            return np.zeros(shape, dtype=dtype)
        rng = _generator(self.seed)
        a = rng.standard_normal((max(num_rows, num_cols), min(num_rows, num_cols)),
                                dtype=_work_dtype(dtype))
        # One thread: a threaded QR leaves NumPy's OpenBLAS workers spinning
        # for ~0.1 s on the core the kernels' helper thread needs next.
        with kernels.numpy_blas_one_thread():
            q, r = np.linalg.qr(a)
        d = np.sign(np.diagonal(r))
        d[d == 0] = 1.0
        q *= d
        if num_rows < num_cols:
            q = q.T
        return (self.gain * q).reshape(shape).astype(dtype)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


class Identity(Initializer):
    """Initializer that generates the identity matrix (times `gain`).

    Non-square shapes give `gain * eye(rows, cols)`.

    Args:
        gain: multiplicative factor.

    Raises:
        ValueError: for shapes that are not 2-D.

    Example:
        >>> Identity(2.0)((2, 3))
        array([[2., 0., 0.],
               [0., 2., 0.]], dtype=float32)
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None, **kwargs):
        dtype = _numeric_dtype(dtype)
        shape = _shape(shape)
        if len(shape) != 2:
            raise ValueError(
                "Identity matrix initializer can only be used for 2D matrices. "
                f"Received: shape={shape} of rank {len(shape)}.")
        return (self.gain * np.eye(*shape)).astype(dtype)

    def get_config(self):
        return {"gain": self.gain}


# snake_case aliases (the same classes, as in tf.keras).
zeros = Zeros
ones = Ones
constant = Constant
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_uniform = HeUniform
he_normal = HeNormal
lecun_uniform = LecunUniform
lecun_normal = LecunNormal
orthogonal = Orthogonal
identity = Identity
# Keras 2's shorter aliases (also accepted by `get`, as in tf-keras).
zero = Zeros
one = Ones
normal = RandomNormal
uniform = RandomUniform

_CLASSES = (Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal,
            VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal,
            LecunUniform, LecunNormal, Orthogonal, Identity)


def _snake(name):
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


#: Every name `get`/`deserialize` accept for a built-in initializer.
ALL_OBJECTS = {}
for _cls in _CLASSES:
    ALL_OBJECTS[_cls.__name__] = _cls
    ALL_OBJECTS[_snake(_cls.__name__)] = _cls
    # Compatibility names some tf.keras versions wrote into configs.
    ALL_OBJECTS[_cls.__name__ + "V2"] = _cls
    ALL_OBJECTS[_snake(_cls.__name__) + "V2"] = _cls
ALL_OBJECTS.update(normal=RandomNormal, uniform=RandomUniform, one=Ones, zero=Zeros)
del _cls


def serialize(initializer, use_legacy_format=False):
    """Serializes an initializer to a config dict.

    Args:
        initializer: an Initializer (or a function, serialized by name).
        use_legacy_format: True gives `{'class_name', 'config'}` (TF <= 2.12);
            the default adds `module` and `registered_name`, as tf-keras 2.13+
            writes them inside layer configs.

    Returns:
        A JSON-able dict (or name, or None).

    Example:
        >>> serialize(Zeros())
        {'module': 'keras.initializers', 'class_name': 'Zeros', 'config': {},
         'registered_name': None}
    """
    return _serialization.serialize_keras_object(
        initializer, module=None if use_legacy_format else "keras.initializers")


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """Builds an initializer from a name or a (Keras 2 or 3) config dict.

    Args:
        config: a name or a config dict.
        custom_objects: optional dict of user classes.
        use_legacy_format: accepted for API compatibility; both forms are read.

    Returns:
        An Initializer instance.

    Example:
        >>> deserialize({'class_name': 'Constant', 'config': {'value': 2}})
        Constant(value=2)
    """
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    return _serialization.deserialize_keras_object(
        config, module_objects=ALL_OBJECTS, custom_objects=custom_objects,
        printable_module_name="initializer")


def get(identifier):
    """Retrieves an initializer.

    Args:
        identifier: None, a name (`'glorot_uniform'`), a config dict, an
            Initializer class (instantiated with defaults), an instance or any
            callable `f(shape, dtype=None)`.

    Returns:
        An initializer, or None for None.

    Raises:
        ValueError: unknown names (named in the message) or uninterpretable
            identifiers.

    Example:
        >>> get('he_normal').get_config()
        {'seed': None}
    """
    if identifier is None:
        return None
    if isinstance(identifier, (dict, str)):
        return deserialize(identifier)
    if callable(identifier):
        if isinstance(identifier, type):
            identifier = identifier()
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}")


__all__ = ["Initializer", "Zeros", "Ones", "Constant", "RandomNormal",
           "RandomUniform", "TruncatedNormal", "VarianceScaling", "GlorotUniform",
           "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform", "LecunNormal",
           "Orthogonal", "Identity", "zeros", "ones", "constant", "random_normal",
           "random_uniform", "truncated_normal", "variance_scaling",
           "glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
           "lecun_uniform", "lecun_normal", "orthogonal", "identity", "zero", "one",
           "normal", "uniform",
           "get", "serialize", "deserialize", "set_seed"]
