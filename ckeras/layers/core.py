"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Permute,
RepeatVector, Lambda, ActivityRegularization, Masking and SpatialDropout1D/2D/3D
(which Keras 2 kept here too)."""
import inspect

import numpy as np

from ckeras import activations, constraints, initializers, regularizers
from ckeras import backend as K
from ckeras._internal import config as _config
from ckeras.autograd.functions import nn as _N
from ckeras.autograd.tensor import Tensor
from ckeras.backend import nn as _nn
from ckeras.backend.variables import as_input
from ckeras.engine.base_layer import Layer
from ckeras.engine.input_spec import InputSpec
from ckeras.saving import lambda_code, object_registry
from ckeras.saving.safe_mode import in_safe_mode


def _resolve_training(training):
    if training is None:
        training = K.learning_phase()
    return bool(training)


def python_number(value):
    """NumPy scalars as Python numbers, so that configs stay JSON-able."""
    return value.item() if isinstance(value, np.generic) else value


def call_seed(layer):
    """Seed for one call of a seeded random layer (None if `layer.seed` is None).

    A layer with a seed draws a fresh mask on every call, and two layers with
    the same seed draw the same sequence of masks (as tf-keras' seeded
    generators do); `K.dropout(seed=s)` alone would repeat one mask forever.
    """
    if layer.seed is None:
        return None
    rng = layer.__dict__.get("_seed_rng")
    if rng is None:
        rng = layer._seed_rng = np.random.default_rng(layer.seed)
    return int(rng.integers(0, 2**31 - 1))


def _noise_shape(noise_shape, shape):
    """`noise_shape` with None entries replaced by the concrete input dims."""
    if noise_shape is None:
        return None
    noise_shape = tuple(noise_shape)
    if len(noise_shape) != len(shape):
        raise ValueError(
            f"`noise_shape` {noise_shape} must have the rank of the inputs, whose "
            f"shape is {tuple(shape)}.")
    return tuple(s if n is None else int(n) for n, s in zip(noise_shape, shape))


# --------------------------------------------------------------------- Dense
class Dense(Layer):
    """Regular densely-connected NN layer: `output = activation(dot(input, kernel) + bias)`.

    On an input of rank greater than 2 the layer acts on the last axis: an
    input of shape `(batch, d0, ..., dn)` gives `(batch, d0, ..., units)`.

    Args:
        units: positive integer, dimensionality of the output space.
        activation: activation function (name or callable); None means linear.
        use_bias: whether the layer uses a bias vector.
        kernel_initializer: initializer for the `kernel` weight, shape
            `(input_dim, units)`.
        bias_initializer: initializer for the `bias` vector, shape `(units,)`.
        kernel_regularizer: regularizer of the `kernel`.
        bias_regularizer: regularizer of the `bias`.
        activity_regularizer: regularizer applied to the output.
        kernel_constraint: constraint of the `kernel`.
        bias_constraint: constraint of the `bias`.

    Input shape:
        N-D tensor `(batch_size, ..., input_dim)`.

    Output shape:
        N-D tensor `(batch_size, ..., units)`.

    Example:
        >>> model = Sequential([Dense(32, activation='relu', input_shape=(16,))])
        >>> model.output_shape
        (None, 32)
    """

    # The replay of ckeras.engine.dense_replay mirrors this class's `call`:
    # it looks the flag up in the class's own dict, so subclasses (which may
    # override `call`) take the taped step.
    replays_dense_step = True

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        try:
            units = int(units) if not isinstance(units, int) else units
        except (TypeError, ValueError):
            raise ValueError("Received an invalid value for `units`, expected a "
                             f"positive integer. Received: units={units!r}") from None
        if units < 0:
            raise ValueError("Received an invalid value for `units`, expected a "
                             f"positive integer. Received: units={units}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True
        self._linear_code = activations.fused_code(activations.linear)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        last_dim = input_shape[-1] if input_shape else None
        if last_dim is None:
            raise ValueError(
                f'The last dimension of the inputs to a Dense layer "{self.name}" '
                f"should be defined. Found None. Full input shape received: "
                f"{input_shape}")
        self.input_spec = InputSpec(min_ndim=2, axes={-1: last_dim})
        self.kernel = self.add_weight(
            "kernel", shape=(last_dim, self.units), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
            dtype=self.dtype, trainable=True)
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", shape=(self.units,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                dtype=self.dtype, trainable=True)
        else:
            self.bias = None
        self.built = True

    def call(self, inputs):
        x = inputs
        if not isinstance(x, Tensor) and x.dtype != self.kernel.dtype:
            x = x.astype(self.kernel.dtype)
        # Looked up per call: users may reassign `layer.activation`.
        fused = activations.fused_code(self.activation)
        code = fused if fused is not None else self._linear_code
        if x.ndim == 2:
            y = _nn.dense(x, self.kernel, self.bias, code)
        else:
            shape = tuple(x.shape)
            y = _nn.dense(K.reshape(x, (-1, shape[-1])), self.kernel, self.bias, code)
            y = K.reshape(y, shape[:-1] + (self.units,))
        if fused is None:
            y = self.activation(y)
        return y

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                f'The last dimension of the input shape of a Dense layer "{self.name}" '
                f"should be defined. Found {input_shape}.")
        return input_shape[:-1] + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config


# ---------------------------------------------------------------- Activation
class Activation(Layer):
    """Applies an activation function to an output.

    Args:
        activation: name of an activation function (`'relu'`, `'softmax'`, ...)
            or any callable taking and returning a tensor.

    Input shape: arbitrary. Output shape: same as the input.

    Example:
        >>> layer = Activation('relu')
        >>> layer(np.array([-3.0, -1.0, 0.0, 2.0]))
        array([0., 0., 0., 2.])
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


# ------------------------------------------------------------------- Dropout
class Dropout(Layer):
    """Applies Dropout to the input.

    In training, each input unit is set to 0 with probability `rate` and the
    kept units are scaled by `1 / (1 - rate)` (inverted dropout), so the sum
    over all inputs is unchanged in expectation. At inference (the default
    outside `fit`) the layer is the identity.

    Args:
        rate: float between 0 and 1, fraction of the input units to drop.
        noise_shape: 1-D shape of the binary dropout mask that is multiplied
            with the input (None entries take the input's size), e.g.
            `(batch_size, 1, features)` to drop the same features at every
            timestep.
        seed: integer seed of the random generator.

    Call arguments:
        inputs: input tensor (of any rank).
        training: whether to behave as in training (drop) or inference
            (identity); defaults to `K.learning_phase()`.

    Example:
        >>> layer = Dropout(0.5, seed=1)
        >>> layer(np.ones((2, 4)), training=True)   # zeros and 2.0s
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, (int, float, np.number)) and not 0 <= rate <= 1:
            raise ValueError(f"Invalid value {rate} received for `rate`, expected a "
                             "value between 0 and 1.")
        self.rate = python_number(rate)
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = python_number(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if not _resolve_training(training) or self.rate == 0:
            return inputs
        if self.rate >= 1:
            return inputs * np.zeros((), dtype=inputs.dtype)
        noise_shape = _noise_shape(self.noise_shape, inputs.shape)
        # one generator per layer, masks drawn in C
        return _N.Dropout.apply(as_input(inputs), rate=self.rate, noise_shape=noise_shape,
                                generator=_N.layer_generator(self, self.seed))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate,
                       "noise_shape": list(self.noise_shape)
                       if self.noise_shape is not None else None,
                       "seed": self.seed})
        return config


# ---------------------------------------------------------- SpatialDropout
class SpatialDropout1D(Dropout):
    """Drops entire 1-D feature maps: the mask has shape `(batch, 1, channels)`,
    so adjacent (strongly correlated) steps are dropped together.

    Args:
        rate: fraction of channels to drop, in [0, 1].

    Example:
        >>> y = SpatialDropout1D(0.5)(np.ones((2, 4, 3)), training=True)
        >>> bool(((y == 0).all(1) | (y == 2).all(1)).all())
        True
    """

    def __init__(self, rate, **kwargs):
        kwargs.pop("noise_shape", None)
        super().__init__(rate, **kwargs)
        self.input_spec = InputSpec(ndim=3)

    def _spatial_noise_shape(self, shape):
        return (shape[0], 1, shape[2])

    def call(self, inputs, training=None):
        self.noise_shape = self._spatial_noise_shape(tuple(inputs.shape))
        try:
            return super().call(inputs, training=training)
        finally:
            self.noise_shape = None


class SpatialDropout2D(SpatialDropout1D):
    """Drops entire 2-D feature maps: mask `(batch, 1, 1, channels)`
    (channels_last) or `(batch, channels, 1, 1)` (channels_first)."""

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, **kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def _spatial_noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1], 1, 1)
        return (shape[0], 1, 1, shape[3])


class SpatialDropout3D(SpatialDropout2D):
    """Drops entire 3-D feature maps: mask `(batch, 1, 1, 1, channels)`
    (channels_last) or `(batch, channels, 1, 1, 1)` (channels_first)."""

    def __init__(self, rate, data_format=None, **kwargs):
        super().__init__(rate, data_format=data_format, **kwargs)
        self.input_spec = InputSpec(ndim=5)

    def _spatial_noise_shape(self, shape):
        if self.data_format == "channels_first":
            return (shape[0], shape[1], 1, 1, 1)
        return (shape[0], 1, 1, 1, shape[4])


# ------------------------------------------------------------------- Flatten
class Flatten(Layer):
    """Flattens the input. Does not affect the batch size.

    An input of shape `(batch,)` (no feature axis) becomes `(batch, 1)`.

    Args:
        data_format: `'channels_last'` (default, from `K.image_data_format()`)
            or `'channels_first'`. With `'channels_first'` the input is first
            transposed to channels-last order, so that a model can switch data
            format and keep its weights.

    Example:
        >>> model = Sequential([Conv2D(64, 3, input_shape=(3, 32, 32),
        ...                            data_format='channels_first'), Flatten()])
        >>> Flatten()(np.zeros((2, 3, 4))).shape
        (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self._channels_first = self.data_format == "channels_first"

    def call(self, inputs):
        shape = tuple(inputs.shape)
        if self._channels_first and len(shape) > 2:
            perm = (0,) + tuple(range(2, len(shape))) + (1,)
            inputs = K.permute_dimensions(inputs, perm)
        if len(shape) == 1:
            return K.reshape(inputs, (shape[0], 1))
        return K.reshape(inputs, (shape[0], int(np.prod(shape[1:], dtype=np.int64))))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) == 1:
            return (input_shape[0], 1)
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(np.prod(rest, dtype=np.int64))
        return (input_shape[0], size)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


# ------------------------------------------------------------------- Reshape
class Reshape(Layer):
    """Reshapes an output to a certain shape (the batch axis is kept).

    Args:
        target_shape: tuple of integers, the shape without the batch axis; one
            entry may be -1, inferred from the input size.

    Raises:
        ValueError: at build time, when the sizes do not match or more than
            one entry is -1.

    Example:
        >>> Reshape((3, 4))(np.zeros((2, 12))).shape
        (2, 3, 4)
        >>> Reshape((-1, 2))(np.zeros((2, 3, 4))).shape
        (2, 6, 2)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, (int, np.integer)):
            target_shape = (target_shape,)
        self.target_shape = tuple(int(d) if d is not None else -1 for d in target_shape)
        bad = [d for d in self.target_shape if d < -1 or d == 0]
        if bad or self.target_shape.count(-1) > 1:
            raise ValueError(
                "Invalid `target_shape` for Reshape: entries must be positive "
                f"integers, with at most one -1. Received: {tuple(target_shape)}")

    def _fix_unknown_dimension(self, input_shape, output_shape):
        """Replaces the -1 of `output_shape` using the known input size."""
        output_shape = list(output_shape)
        msg = ("total size of new array must be unchanged, input_shape = "
               f"{list(input_shape)}, output_shape = {list(output_shape)} "
               f'(layer "{self.name}")')
        known, unknown = 1, None
        for index, dim in enumerate(output_shape):
            if dim < 0:
                unknown = index
            else:
                known *= dim
        original = int(np.prod(input_shape, dtype=np.int64))
        if unknown is not None:
            if known == 0 or original % known != 0:
                raise ValueError(msg)
            output_shape[unknown] = original // known
        elif original != known:
            raise ValueError(msg)
        return tuple(output_shape)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs):
        shape = tuple(inputs.shape)
        target = self._fix_unknown_dimension(shape[1:], self.target_shape)
        return K.reshape(inputs, (shape[0],) + target)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if None in input_shape[1:]:
            return (input_shape[0],) + tuple(None if d == -1 else d
                                             for d in self.target_shape)
        return (input_shape[0],) + self._fix_unknown_dimension(input_shape[1:],
                                                               self.target_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = self.target_shape
        return config


# ------------------------------------------------------------------- Permute
class Permute(Layer):
    """Permutes the dimensions of the input according to a given pattern.

    Args:
        dims: tuple of integers, the permutation of the non-batch axes,
            1-indexed: `(2, 1)` swaps the first and second non-batch axes.

    Example:
        >>> Permute((2, 1))(np.zeros((5, 10, 64))).shape
        (5, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of "
                "indices in `dims` must be consecutive and start from 1. Received "
                f"dims={tuple(dims)}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self._perm = (0,) + self.dims

    def call(self, inputs):
        return K.permute_dimensions(inputs, self._perm)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return tuple(input_shape[i] for i in self._perm)

    def get_config(self):
        config = super().get_config()
        config["dims"] = self.dims
        return config


# -------------------------------------------------------------- RepeatVector
class RepeatVector(Layer):
    """Repeats the input n times: `(batch, features)` -> `(batch, n, features)`.

    Args:
        n: integer, repetition factor.

    Example:
        >>> RepeatVector(3)(np.zeros((2, 32))).shape
        (2, 3, 32)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return K.repeat(inputs, self.n)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


# -------------------------------------------------------------------- Lambda
def _accepts(fn, arg):
    """Whether `fn` names `arg` as a parameter (a bare **kwargs does not count)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    p = params.get(arg)
    return p is not None and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)


def _is_shape_like(value):
    return isinstance(value, (tuple, list)) and all(
        d is None or isinstance(d, (int, np.integer)) for d in value)


def _normalize_shapes(value):
    """A shape (tuple) or a nested list of shapes, from JSON lists or tuples."""
    if _is_shape_like(value):
        return tuple(None if d is None else int(d) for d in value)
    return [_normalize_shapes(v) for v in value]


class Lambda(Layer):
    """Wraps an arbitrary expression as a `Layer` object.

    Use it for simple stateless computations; anything with weights should be
    a subclassed `Layer`.

    Args:
        function: the function to evaluate, `function(inputs, **arguments)`;
            it may also take `mask` and `training` keyword arguments.
        output_shape: expected output shape. A tuple (without the batch axis),
            a list of tuples for several outputs, or a function of the input
            shape (batch axis included) returning the output shape. If None,
            the shape is inferred by running the function.
        mask: None (no masking), a mask to return, or a function
            `mask(inputs, previous_mask)` computing the output mask.
        arguments: optional dict of keyword arguments passed to `function`.

    Serialization: `get_config()` records a named function by name and
    module; an anonymous lambda is stored as Keras stores it (marshalled
    bytecode, `function_type: 'lambda'`). `from_config` finds named functions
    through `custom_objects` (or a `custom_object_scope`). Bytecode is never
    executed by default: it loads only with `safe_mode=False` passed to the
    loading function, or when `custom_objects` maps the layer's name to the
    function; otherwise a ValueError explains both options.

    Example:
        >>> model.add(Lambda(lambda x: x ** 2))
        >>> def antirectifier(x):
        ...     x -= K.mean(x, axis=1, keepdims=True)
        ...     return K.concatenate([K.relu(x), K.relu(-x)], axis=1)
        >>> model.add(Lambda(antirectifier))
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda layer '{self.name}' expects a callable `function`; "
                            f"received {function!r}.")
        self.function = function
        self.arguments = dict(arguments) if arguments else {}
        if output_shape is not None and not callable(output_shape):
            output_shape = _normalize_shapes(output_shape)
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        self._fn_expects_training_arg = _accepts(function, "training")
        self._fn_expects_mask_arg = _accepts(function, "mask")

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def _output_spec(self, inputs, args, kwargs):
        if self._output_shape is None:
            return self._trial_output_spec(inputs, args, kwargs)
        return super()._output_spec(inputs, args, kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return _normalize_shapes(self._output_shape(input_shape))
        first = input_shape if _is_shape_like(input_shape) else input_shape[0]
        batch = first[0] if first else None

        def add_batch(shape):
            if isinstance(shape, tuple):
                return (batch,) + shape
            return [add_batch(s) for s in shape]

        return add_batch(self._output_shape)

    @staticmethod
    def _serialize_function(fn):
        """(value, type, module) of a function, an output shape or a mask.

        Named functions are recorded by name and module. Anonymous lambdas
        are stored as Keras stores them: `[base64 marshal of the code,
        defaults, closure]` with type 'lambda' (loadable only with
        `safe_mode=False` or through `custom_objects`); when their defaults
        or closure are not plain JSON values, only the name '<lambda>'.
        """
        if fn is None or not callable(fn):
            return fn, "raw", None
        name = getattr(fn, "__name__", None) or type(fn).__name__
        module = getattr(fn, "__module__", None)
        if name != "<lambda>":
            return name, "function", module
        dumped = lambda_code.func_dump(fn)
        return (dumped if dumped is not None else name), "lambda", module

    def get_config(self):
        config = super().get_config()
        fn, fn_type, fn_module = self._serialize_function(self.function)
        shape, shape_type, shape_module = self._serialize_function(self._output_shape)
        config.update({"function": fn, "function_type": fn_type, "module": fn_module,
                       "output_shape": shape, "output_shape_type": shape_type,
                       "output_shape_module": shape_module})
        if self.mask is not None:
            mask, mask_type, mask_module = self._serialize_function(self.mask)
            config.update({"mask": mask, "mask_type": mask_type,
                           "mask_module": mask_module})
        config["arguments"] = self.arguments
        return config

    @classmethod
    def _resolve(cls, layer_name, what, value, kind, module, custom_objects):
        if callable(value):
            return value
        if kind == "raw":
            return value
        if isinstance(value, str):
            found = object_registry.get_registered_object(value, custom_objects)
            if found is not None and callable(found):
                return found
            hint = ("" if value != "<lambda>" else
                    " An anonymous lambda cannot be found by name: give the function "
                    "a name (def) to make the layer loadable.")
            raise ValueError(
                f"Cannot load Lambda layer '{layer_name}': its {what} '{value}' "
                f"(module {module!r}) is not among the custom objects. ckeras never "
                f"loads code from a config: pass the function with "
                f"`custom_objects={{'{value}': fn}}` or a `custom_object_scope`.{hint}")
        # Python bytecode (Keras' 'lambda' function_type).
        found = object_registry.get_registered_object(layer_name, custom_objects)
        if found is not None and callable(found) and what == "function":
            return found
        if in_safe_mode():
            raise ValueError(
                f"Cannot load Lambda layer '{layer_name}': its {what} (a <lambda>) is "
                "stored as Python bytecode, and loading it would run code from the "
                "file. This is refused by default. If you trust the source, pass "
                "`safe_mode=False` to the loading function (load_model, "
                "model_from_json, model_from_yaml); or pass the function with "
                f"`custom_objects={{'{layer_name}': fn}}`.")
        return lambda_code.func_load(value, module=module, custom_objects=custom_objects,
                                     layer_name=layer_name)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        name = config.get("name")
        function = cls._resolve(name, "function", config.pop("function"),
                                config.pop("function_type", "function"),
                                config.pop("module", None), custom_objects)
        shape_type = config.pop("output_shape_type", "raw")
        shape_module = config.pop("output_shape_module", None)
        output_shape = config.pop("output_shape", None)
        if output_shape is not None:
            output_shape = cls._resolve(name, "output_shape function", output_shape,
                                        shape_type, shape_module, custom_objects)
        mask_type = config.pop("mask_type", "raw")
        mask_module = config.pop("mask_module", None)
        mask = config.pop("mask", None)
        if mask is not None:
            mask = cls._resolve(name, "mask function", mask, mask_type, mask_module,
                                custom_objects)
        return cls(function, output_shape=output_shape, mask=mask, **config)


# ---------------------------------------------------- ActivityRegularization
class ActivityRegularization(Layer):
    """Identity layer that adds a penalty on its input activity to the losses.

    Args:
        l1: L1 regularization factor (positive float).
        l2: L2 regularization factor (positive float).

    Example:
        >>> layer = ActivityRegularization(l1=0.01)
        >>> y = layer(x)   # y == x; layer.losses holds 0.01 * sum(|x|) / batch
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.supports_masking = True
        self.l1 = python_number(l1)
        self.l2 = python_number(l2)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"l1": self.l1, "l2": self.l2})
        return config


# ------------------------------------------------------------------- Masking
class Masking(Layer):
    """Masks a sequence by using a mask value to skip timesteps.

    For each timestep of the input (axis 1), if every value equals
    `mask_value`, the timestep is masked (skipped) in all downstream layers
    that support masking, and its output values are zero.

    Args:
        mask_value: the value marking padded timesteps.

    Example:
        >>> model = Sequential([Masking(mask_value=0., input_shape=(10, 8)), LSTM(32)])
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mask_value = python_number(mask_value)

    def compute_mask(self, inputs, mask=None):
        return np.any(np.asarray(inputs) != self.mask_value, axis=-1)

    def call(self, inputs):
        keep = np.any(np.asarray(inputs) != self.mask_value, axis=-1, keepdims=True)
        return inputs * keep.astype(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config


# ------------------------------------------------------------------ Identity
class Identity(Layer):
    """Returns its inputs unchanged (a placeholder layer; masks pass through).

    Example:
        >>> Identity()(np.ones((2, 3), "float32")).shape
        (2, 3)
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
