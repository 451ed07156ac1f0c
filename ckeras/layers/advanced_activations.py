"""Activation layers with parameters: LeakyReLU, PReLU, ELU, ThresholdedReLU,
Softmax and ReLU."""
import numpy as np

from ckeras import backend as K
from ckeras import constraints, initializers, regularizers
from ckeras._internal import config as _config
from ckeras.engine.base_layer import Layer
from ckeras.engine.input_spec import InputSpec


def _to_floatx(value):
    """`value` rounded through floatx, as tf-keras' `cast_to_floatx` stores it."""
    return float(np.asarray(value, dtype=_config.floatx()))


class _Elementwise(Layer):
    """Shape-preserving, mask-preserving activation layer."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return input_shape


class LeakyReLU(_Elementwise):
    """Leaky version of a Rectified Linear Unit.

    `f(x) = alpha * x if x < 0`, `f(x) = x if x >= 0`.

    Args:
        alpha: float >= 0, the negative slope coefficient (default 0.3).

    Example:
        >>> LeakyReLU()(np.array([-3.0, -1.0, 0.0, 2.0]))
        array([-0.9, -0.3,  0. ,  2. ], dtype=float32)
    """

    def __init__(self, alpha=0.3, **kwargs):
        if "negative_slope" in kwargs:  # Keras 3 spelling
            alpha = kwargs.pop("negative_slope")
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError("The alpha value of a Leaky ReLU layer cannot be None. "
                             f"Expecting a float. Received: alpha={alpha}")
        self.alpha = _to_floatx(alpha)

    def call(self, inputs):
        return K.relu(inputs, alpha=self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class PReLU(Layer):
    """Parametric Rectified Linear Unit.

    `f(x) = alpha * x for x < 0`, `f(x) = x for x >= 0`, where `alpha` is a
    learned array with the same shape as the input (batch excluded).

    Args:
        alpha_initializer: initializer of the weights (default zeros).
        alpha_regularizer: regularizer of the weights.
        alpha_constraint: constraint of the weights.
        shared_axes: the axes (1-indexed, batch excluded) along which the
            parameters are shared. For feature maps `(batch, height, width,
            channels)`, `shared_axes=[1, 2]` gives one parameter per channel.

    Example:
        >>> layer = PReLU(shared_axes=[1])
        >>> layer(np.zeros((2, 3, 4))).shape; layer.get_weights()[0].shape
        (2, 3, 4)
        (1, 4)
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None,
                 alpha_constraint=None, shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, (list, tuple)):
            self.shared_axes = [int(shared_axes)]
        else:
            self.shared_axes = [int(a) for a in shared_axes]

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        param_shape = list(input_shape[1:])
        if self.shared_axes is not None:
            for i in self.shared_axes:
                if not 1 <= i <= len(param_shape):
                    raise ValueError(
                        f'Invalid `shared_axes` {self.shared_axes} for PReLU layer '
                        f'"{self.name}": axes are 1-indexed non-batch axes of inputs '
                        f"of shape {input_shape}.")
                param_shape[i - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(
                f'PReLU layer "{self.name}" needs known sizes on its non-shared axes; '
                f"received input shape {input_shape} (use `shared_axes` for the "
                "variable axes).")
        self.alpha = self.add_weight(
            "alpha", shape=tuple(param_shape), initializer=self.alpha_initializer,
            regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        axes = {}
        for i in range(1, len(input_shape)):
            if not self.shared_axes or i not in self.shared_axes:
                axes[i] = input_shape[i]
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        pos = K.relu(inputs)
        neg = -self.alpha * K.relu(-inputs)
        return pos + neg

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        })
        return config


class ELU(_Elementwise):
    """Exponential Linear Unit.

    `f(x) = alpha * (exp(x) - 1.) for x < 0`, `f(x) = x for x >= 0`.

    Args:
        alpha: scale of the negative part (default 1.0).

    Example:
        >>> ELU(alpha=0.5)(np.array([-1.0, 2.0]))
        array([-0.31606028,  2.        ], dtype=float32)
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if alpha is None:
            raise ValueError("Alpha of an ELU layer cannot be None, expecting a float. "
                             f"Received: {alpha}")
        self.alpha = _to_floatx(alpha)

    def call(self, inputs):
        return K.elu(inputs, self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config


class ThresholdedReLU(_Elementwise):
    """Thresholded Rectified Linear Unit.

    `f(x) = x for x > theta`, `f(x) = 0 otherwise`.

    Args:
        theta: float >= 0, the threshold location (default 1.0).

    Example:
        >>> ThresholdedReLU(theta=1.0)(np.array([0.5, 1.0, 1.5]))
        array([0. , 0. , 1.5], dtype=float32)
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        if theta is None:
            raise ValueError("Theta of a Thresholded ReLU layer cannot be None, "
                             f"expecting a float. Received: {theta}")
        if theta < 0:
            raise ValueError("The theta value of a Thresholded ReLU layer should be "
                             f">=0. Received: {theta}")
        self.theta = _to_floatx(theta)

    def call(self, inputs):
        value = np.asarray(inputs)
        keep = (value > np.asarray(self.theta, dtype=value.dtype)).astype(value.dtype)
        return inputs * keep

    def get_config(self):
        config = super().get_config()
        config["theta"] = self.theta
        return config


class Softmax(_Elementwise):
    """Softmax activation layer.

    Args:
        axis: integer, or list of integers, the axis (axes) along which the
            softmax normalisation is applied.
        robust_masking: masked logits are replaced by -1e9 instead of getting
            -1e9 added (exact however large the finite logits are).

    Call arguments:
        inputs: the logits.
        mask: optional boolean mask broadcastable to the inputs: False entries
            are left out of the normalisation (their output is ~0).

    Example:
        >>> Softmax()(np.array([[1.0, 1.0]]))
        array([[0.5, 0.5]], dtype=float32)
    """

    def __init__(self, axis=-1, robust_masking=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.robust_masking = bool(robust_masking)

    def call(self, inputs, mask=None):
        if mask is not None:
            m = np.asarray(mask)
            m = m.reshape(m.shape + (1,) * (inputs.ndim - m.ndim))
            large = np.asarray(-65500.0 if inputs.dtype == np.float16 else -1e9,
                               dtype=inputs.dtype)
            if self.robust_masking:
                # The masked (finite) logits are replaced, not shifted, so
                # large logits stay exact (tf-keras keeps mask > 0.5).
                keep = (m > 0.5 if m.dtype != bool else m).astype(inputs.dtype)
                inputs = inputs * keep + (1.0 - keep) * large
            else:
                inputs = inputs + (1.0 - m.astype(inputs.dtype)) * large
        if isinstance(self.axis, list):
            if len(self.axis) > 1:
                return K.exp(inputs - K.logsumexp(inputs, axis=self.axis, keepdims=True))
            return K.softmax(inputs, axis=self.axis[0])
        return K.softmax(inputs, axis=self.axis)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        if self.robust_masking:
            config["robust_masking"] = True
        return config


class ReLU(_Elementwise):
    """Rectified Linear Unit activation function.

    With default values it returns `max(x, 0)`; otherwise
    `f(x) = max_value` for `x >= max_value`, `f(x) = x` for
    `threshold <= x < max_value`, `f(x) = negative_slope * (x - threshold)`
    otherwise.

    Args:
        max_value: float >= 0, maximum activation value (None: unbounded).
        negative_slope: float >= 0, slope below the threshold.
        threshold: float >= 0, threshold value for the thresholded activation.

    Example:
        >>> ReLU(max_value=1.0)(np.array([-3.0, 0.5, 2.0]))
        array([0. , 0.5, 1. ], dtype=float32)
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0.0:
            raise ValueError("max_value of a ReLU layer cannot be a negative value. "
                             f"Received: {max_value}")
        if negative_slope is None or negative_slope < 0.0:
            raise ValueError("negative_slope of a ReLU layer cannot be a negative "
                             f"value. Received: {negative_slope}")
        if threshold is None or threshold < 0.0:
            raise ValueError("threshold of a ReLU layer cannot be a negative value. "
                             f"Received: {threshold}")
        self.max_value = _to_floatx(max_value) if max_value is not None else None
        self.negative_slope = _to_floatx(negative_slope)
        self.threshold = _to_floatx(threshold)

    def call(self, inputs):
        return K.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                      threshold=self.threshold)

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value,
                       "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config
