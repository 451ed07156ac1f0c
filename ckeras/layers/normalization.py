"""BatchNormalization, LayerNormalization, GroupNormalization and UnitNormalization."""
import numpy as np

from ckeras import backend as K
from ckeras import constraints, initializers, regularizers
from ckeras.autograd.functions.normalization import LayerNorm
from ckeras.autograd.tensor import Tensor
from ckeras.engine.base_layer import Layer
from ckeras.engine.input_spec import InputSpec


def _axes(axis, ndim, name):
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    out = []
    for a in axes:
        a = int(a)
        if a < -ndim or a >= ndim:
            raise ValueError(f'Invalid axis {axis} for layer "{name}" with input of rank '
                             f"{ndim}.")
        out.append(a % ndim)
    if 0 in out:
        raise ValueError(f'Layer "{name}": the batch axis 0 cannot be normalized over '
                         f"(received axis={axis}).")
    if len(set(out)) != len(out):
        raise ValueError(f'Duplicate axis in layer "{name}": {axis}.')
    return sorted(out)


class _Norm(Layer):
    def __init__(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                 beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
                 **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True

    def _build_params(self, input_shape):
        input_shape = tuple(input_shape)
        self.axis = _axes(self.axis, len(input_shape), self.name)
        dims = [input_shape[a] for a in self.axis]
        if any(d is None for d in dims):
            raise ValueError(f'Layer "{self.name}": axis {self.axis} of the input shape '
                             f"{input_shape} must be defined.")
        self._param_shape = tuple(int(d) for d in dims)
        self._bshape = tuple(input_shape[i] if i in self.axis else 1
                             for i in range(1, len(input_shape)))
        self.input_spec = InputSpec(ndim=len(input_shape),
                                    axes={a: input_shape[a] for a in self.axis})
        self.gamma = self.add_weight(
            "gamma", shape=self._param_shape, initializer=self.gamma_initializer,
            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
            dtype=self.dtype) if self.scale else None
        self.beta = self.add_weight(
            "beta", shape=self._param_shape, initializer=self.beta_initializer,
            regularizer=self.beta_regularizer, constraint=self.beta_constraint,
            dtype=self.dtype) if self.center else None

    def _b(self, p):
        """A parameter of shape `_param_shape` broadcast against the input."""
        if len(self.axis) == 1 and self.axis[0] == len(self._bshape):
            return p
        return K.reshape(p, (1,) + self._bshape)

    def _normalize(self, x, mean, var):
        inv = 1.0 / K.sqrt(var + self.epsilon) if isinstance(var, Tensor) else \
            (1.0 / np.sqrt(var + self.epsilon)).astype(self.dtype)
        if self.gamma is not None:
            inv = inv * self._b(self.gamma)
        y = (x - mean) * inv
        if self.beta is not None:
            y = y + self._b(self.beta)
        return y

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config


class BatchNormalization(_Norm):
    """Normalizes its inputs over the batch: `gamma * (x - mean) / sqrt(var + epsilon) + beta`.

    In training (`training=True`, as `fit` calls it) mean and variance are the
    (biased) statistics of the current batch over every axis but `axis`, and
    the moving statistics are updated:
    `moving = moving * momentum + batch * (1 - momentum)` (for a 4-D input
    normalized over its channel axis, the variance that enters the moving
    average is the unbiased one, as TensorFlow's fused kernel does). In
    inference the moving statistics are used. A frozen layer
    (`trainable=False`) always runs in inference mode (TF2 behaviour).

    Weights: gamma, beta (trainable), moving_mean, moving_variance
    (non-trainable), each of the size of the normalized axis.

    Example:
        >>> bn = BatchNormalization()
        >>> y = bn(np.random.rand(8, 3).astype('float32'), training=True)
        >>> bool(abs(y.mean()) < 1e-5)
        True
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        for key in ("renorm", "fused", "synchronized"):
            if kwargs.pop(key, None):
                if key == "renorm":
                    raise ValueError("BatchNormalization(renorm=True) is not supported.")
        for key in ("renorm_clipping", "renorm_momentum", "virtual_batch_size",
                    "adjustment"):
            value = kwargs.pop(key, None)
            if key in ("virtual_batch_size", "adjustment") and value is not None:
                raise ValueError(f"BatchNormalization({key}=...) is not supported.")
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)

    def build(self, input_shape):
        self._build_params(input_shape)
        self.moving_mean = self.add_weight(
            "moving_mean", shape=self._param_shape, initializer=self.moving_mean_initializer,
            trainable=False, dtype=self.dtype)
        self.moving_variance = self.add_weight(
            "moving_variance", shape=self._param_shape,
            initializer=self.moving_variance_initializer, trainable=False, dtype=self.dtype)
        self.built = True

    def _check(self, x):
        shape = tuple(x.shape)
        if len(shape) != len(self._bshape) + 1:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: '
                             f"expected ndim={len(self._bshape) + 1}, found ndim={len(shape)}.")
        for a, d in zip(self.axis, self._param_shape):
            if shape[a] != d:
                raise ValueError(f'Layer "{self.name}" expects axis {a} of its input to have '
                                 f"size {d}, got input shape {shape}.")

    def call(self, inputs, training=None):
        x = inputs
        self._check(x)
        if training is None:
            training = K.learning_phase()
        training = bool(training) and self.trainable
        red = tuple(i for i in range(len(x.shape)) if i not in self.axis)
        if not training:
            mm = self.moving_mean.value
            mv = self.moving_variance.value
            if len(self.axis) != 1 or self.axis[0] != len(self._bshape):
                mm, mv = mm.reshape((1,) + self._bshape), mv.reshape((1,) + self._bshape)
            return self._normalize(x, mm, mv)
        mean = K.mean(x, axis=red, keepdims=True)
        var = K.mean(K.square(x - mean), axis=red, keepdims=True)
        n = int(np.prod([x.shape[i] for i in red]))
        m = np.asarray(mean.value if isinstance(mean, Tensor) else mean).reshape(
            self._param_shape)
        v = np.asarray(var.value if isinstance(var, Tensor) else var).reshape(
            self._param_shape)
        if len(x.shape) == 4 and len(self.axis) == 1 and self.axis[0] in (1, 3) and n > 1:
            v = v * (n / (n - 1.0))      # TF's fused kernel: unbiased moving variance
        mom = self.momentum
        self.moving_mean.value[...] = self.moving_mean.value * mom + m * (1 - mom)
        self.moving_variance.value[...] = self.moving_variance.value * mom + v * (1 - mom)
        return self._normalize(x, mean, var)

    def get_config(self):
        config = super().get_config()
        config.update({
            "momentum": self.momentum,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
        })
        return config


class LayerNormalization(_Norm):
    """Normalizes each sample over `axis` (default the last):
    `gamma * (x - mean) / sqrt(var + epsilon) + beta` with per-sample
    (biased) statistics; gamma and beta have the shape of the normalized axes.

    Examples:
        >>> y = LayerNormalization()(np.array([[1., 2., 3.]]))
        >>> [round(float(v), 3) for v in y[0]]
        [-1.224, 0.0, 1.224]
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)

    def build(self, input_shape):
        self._build_params(input_shape)
        self.built = True

    def call(self, inputs):
        x = inputs
        if self.axis == [len(x.shape) - 1] and x.dtype == self.dtype and \
                x.dtype in (np.float32, np.float64):
            # The usual case (the last axis, the layer's own float dtype) is
            # one fused kernel, forward and backward.
            return LayerNorm.apply(x, self.gamma, self.beta, epsilon=self.epsilon)
        axes = tuple(self.axis)
        mean = K.mean(x, axis=axes, keepdims=True)
        var = K.mean(K.square(x - mean), axis=axes, keepdims=True)
        return self._normalize(x, mean, var)


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over `axis`:
    `x / sqrt(max(sum(x ** 2, axis), 1e-12))`.

    Args:
        axis: an int or a list of ints, the axes normalized together.

    Example:
        >>> y = UnitNormalization()(np.array([[3.0, 4.0]], "float32"))
        >>> np.asarray(y, "float64").round(3).tolist()
        [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a "
                            f"list/tuple of ints. Received: axis={axis}")
        self.supports_masking = True

    def build(self, input_shape):
        ndim = len(tuple(input_shape))
        for a in (self.axis if isinstance(self.axis, list) else [self.axis]):
            if not -ndim <= a < ndim:
                raise ValueError(f'Invalid value for `axis` argument of layer "{self.name}": '
                                 f"{self.axis}, for an input of rank {ndim}.")
        self.built = True

    def call(self, inputs):
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return K.l2_normalize(inputs, axis=axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class GroupNormalization(_Norm):
    """Normalizes each group of channels of each sample (Wu & He, 2018):
    channels on `axis` are split into `groups`; each group is normalized by
    its mean and variance over its channels and every non-batch axis, then
    `gamma * x + beta` per channel.

    `groups=-1` makes one group per channel (instance normalization); one
    group is layer normalization over the whole sample. A Keras mask
    (broadcast to the input, trailing axes added) weights the statistics.

    Args:
        groups: number of groups; must divide the size of `axis`.
        axis: the channel axis.
        epsilon: added to the variance.
        center: use the offset `beta` (one per channel).
        scale: use the scale `gamma` (one per channel).
        beta_initializer: initializer of `beta`.
        gamma_initializer: initializer of `gamma`.
        beta_regularizer: regularizer of `beta`.
        gamma_regularizer: regularizer of `gamma`.
        beta_constraint: constraint of `beta`.
        gamma_constraint: constraint of `gamma`.

    Example:
        >>> y = GroupNormalization(groups=2)(np.random.rand(4, 5, 6).astype("float32"))
        >>> y.shape
        (4, 5, 6)
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        if isinstance(axis, (list, tuple)):
            raise TypeError(f"GroupNormalization: `axis` must be an int; received {axis}.")
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer,
                         beta_regularizer, gamma_regularizer, beta_constraint,
                         gamma_constraint, **kwargs)
        self.groups = int(groups)
        self._config_axis = int(axis)

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if not -ndim <= self._config_axis < ndim or self._config_axis % ndim == 0:
            raise ValueError(f'Invalid axis {self._config_axis} for layer "{self.name}" with '
                             f"input of rank {ndim}.")
        dim = input_shape[self._config_axis]
        if dim is None:
            raise ValueError(f"Axis {self._config_axis} of input tensor should have a defined "
                             "dimension but the layer received an input with shape "
                             f"{input_shape}.")
        if self.groups == -1:
            self.groups = dim
        if dim < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the "
                             f"number of channels ({dim}).")
        if dim % self.groups != 0:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the "
                             f"number of channels ({dim}).")
        self._build_params(input_shape)
        self.built = True

    def call(self, inputs, mask=None):
        x = inputs
        shape = tuple(x.shape)
        a = self._config_axis % len(shape)
        grouped = shape[:a] + (self.groups, shape[a] // self.groups) + shape[a + 1:]
        xg = K.reshape(x, grouped)
        red = tuple(i for i in range(1, len(grouped)) if i != a)
        if mask is None:
            mean = K.mean(xg, axis=red, keepdims=True)
            var = K.mean(K.square(xg - mean), axis=red, keepdims=True)
        else:
            m = np.asarray(mask, dtype=self.dtype)
            m = m.reshape(m.shape + (1,) * (len(shape) - m.ndim))
            wts = np.broadcast_to(m, shape).reshape(grouped)
            total = np.maximum(wts.sum(axis=red, keepdims=True), np.finfo(self.dtype).tiny)
            mean = K.sum(xg * wts, axis=red, keepdims=True) / total
            var = K.sum(K.square(xg - mean) * wts, axis=red, keepdims=True) / total
        y = (xg - mean) / K.sqrt(var + np.asarray(self.epsilon, dtype=self.dtype))
        bshape = [1] * len(grouped)
        bshape[a], bshape[a + 1] = self.groups, shape[a] // self.groups
        if self.gamma is not None:
            y = y * K.reshape(self.gamma, tuple(bshape))
        if self.beta is not None:
            y = y + K.reshape(self.beta, tuple(bshape))
        return K.reshape(y, shape)

    def get_config(self):
        config = super().get_config()
        config.update({"groups": self.groups, "axis": self._config_axis})
        return config
