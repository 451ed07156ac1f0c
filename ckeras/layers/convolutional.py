"""Convolution layers: Conv1D/2D/3D (Convolution1D/2D/3D),
Conv1D/2D/3DTranspose, SeparableConv1D/2D, DepthwiseConv1D/2D, and the
reshaping layers of the family: ZeroPadding1D/2D/3D, Cropping1D/2D/3D,
UpSampling1D/2D/3D.

Everything runs channels_last; channels_first inputs are transposed to
channels_last around the kernel. Convolutions run on the fused im2col + GEMM
kernels (bias and activation fused when the activation has a kernel code).
"""
import numpy as np

from ckeras import activations, constraints, initializers, regularizers
from ckeras import backend as K
from ckeras._internal import config as _config
from ckeras.autograd.functions import conv as C
from ckeras.autograd.tensor import Tensor
from ckeras.engine.base_layer import Layer
from ckeras.engine.input_spec import InputSpec
from ckeras.layers.pooling import (  # noqa: F401 (Keras 2 exposed them here too)
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from ckeras.utils.conv_utils import (
    channels_to_first,
    channels_to_last,
    conv_output_length,
    deconv_output_length,
    normalize_padding,
    normalize_tuple,
)


def _serialize_common(layer, config):
    return config


# ------------------------------------------------------------- convolution
class Conv(Layer):
    """Base of the N-D convolution layers (`rank` spatial dimensions).

    Computes `activation(conv(inputs, kernel) + bias)` with a kernel of shape
    `kernel_size + (input_channels // groups, filters)`.

    Args:
        rank: number of spatial dimensions (1 or 2).
        filters: number of output channels.
        kernel_size: int or tuple of `rank` ints.
        strides: int or tuple of `rank` ints (default 1).
        padding: 'valid', 'same' (or 'causal' for Conv1D).
        data_format: 'channels_last' or 'channels_first' (None: the global
            `image_data_format()`).
        dilation_rate: int or tuple of `rank` ints; strides > 1 and
            dilation > 1 cannot be combined.
        groups: input channels are split into `groups` groups, each convolved
            with `filters // groups` filters.
        activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, activity_regularizer,
        kernel_constraint, bias_constraint: as in Dense.
    """

    _allowed_padding = ("valid", "same")

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        if filters is not None:
            if isinstance(filters, float):
                filters = int(filters)
            if not isinstance(filters, (int, np.integer)) or filters <= 0:
                raise ValueError(
                    f"Invalid value for argument `filters`. Expected a strictly positive "
                    f"value. Received filters={filters}.")
            filters = int(filters)
        self.filters = filters
        self.groups = int(groups or 1)
        if filters is not None and filters % self.groups != 0:
            raise ValueError(
                f"The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={self.groups}, filters={filters}.")
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.padding = normalize_padding(padding, self._allowed_padding)
        self.data_format = _config.normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)

    # -- shapes
    @property
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else -1

    def _spatial(self, shape):
        shape = tuple(shape)
        return shape[2:] if self.data_format == "channels_first" else shape[1:-1]

    def _input_channels(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim={self.rank + 2}, found ndim={len(input_shape)}. Full shape received: "
                f"{input_shape}")
        c = input_shape[self._channel_axis]
        if c is None:
            raise ValueError(
                f'The channel dimension of the inputs to layer "{self.name}" should be '
                f"defined. The input_shape received is {input_shape}, where axis "
                f"{self._channel_axis} (0-based) is the channel dimension, which found to "
                f"be `None`.")
        return int(c)

    def _kernel_shape(self, channels):
        return self.kernel_size + (channels // self.groups, self.filters)

    def build(self, input_shape):
        c = self._input_channels(input_shape)
        if c % self.groups != 0:
            raise ValueError(
                f'The number of input channels must be evenly divisible by the number of '
                f'groups in layer "{self.name}". Received groups={self.groups}, but the '
                f"input has {c} channels (full input shape is {tuple(input_shape)}).")
        self._check_sizes(input_shape)
        self.kernel = self.add_weight(
            "kernel", shape=self._kernel_shape(c), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
            dtype=self.dtype)
        self.bias = self.add_weight(
            "bias", shape=(self.filters,), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            dtype=self.dtype) if self.use_bias else None
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: c})
        self.built = True

    def _check_sizes(self, input_shape):
        if self.padding != "valid":
            return
        for n, k, d in zip(self._spatial(input_shape), self.kernel_size, self.dilation_rate):
            if n is not None and n < (k - 1) * d + 1:
                raise ValueError(
                    f'Layer "{self.name}": the kernel (size {self.kernel_size}, dilation '
                    f"{self.dilation_rate}) is larger than the padded input, whose spatial "
                    f"shape is {tuple(self._spatial(input_shape))}; use padding='same' or a "
                    f"larger input.")

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._input_channels(input_shape)
        self._check_sizes(input_shape)
        sp = tuple(conv_output_length(n, k, self.padding, s, d) for n, k, s, d in zip(
            self._spatial(input_shape), self.kernel_size, self.strides, self.dilation_rate))
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + sp
        return (input_shape[0],) + sp + (self.filters,)

    # -- computation
    def _prepare(self, inputs):
        x = inputs
        if not isinstance(x, Tensor) and x.dtype != self.kernel.dtype:
            x = x.astype(self.kernel.dtype)
        shape = tuple(x.shape)
        self._input_channels(shape)
        self._check_sizes(shape)
        if self.data_format == "channels_first":
            x = channels_to_last(x, self.rank)
        return x

    def _finish(self, y, fused):
        if fused is None:
            y = self.activation(y)
        if self.data_format == "channels_first":
            y = channels_to_first(y, self.rank)
        return y

    def call(self, inputs):
        x = self._prepare(inputs)
        fused = activations.fused_code(self.activation)
        code = fused if fused is not None else 0
        attrs = dict(strides=self.strides, dilations=self.dilation_rate, padding=self.padding)
        if self.groups == 1:
            y = C.Conv.apply(x, self.kernel, self.bias, code=code, **attrs)
        else:
            cin = self.kernel.shape[-2]
            fo = self.filters // self.groups
            parts = []
            for gi in range(self.groups):
                xs = x[..., gi * cin:(gi + 1) * cin]
                ks = self.kernel[..., gi * fo:(gi + 1) * fo]
                bs = None if self.bias is None else self.bias[gi * fo:(gi + 1) * fo]
                parts.append(C.Conv.apply(xs, ks, bs, code=0, **attrs))
            y = K.concatenate(parts, axis=-1)
            if fused:
                y = self.activation(y)
        return self._finish(y, fused)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
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


class Conv1D(Conv):
    """1-D convolution layer (temporal convolution).

    Input `(batch, steps, channels)` (channels_last) or `(batch, channels,
    steps)`; kernel `(kernel_size, channels, filters)`. `padding` may be
    'valid', 'same' or 'causal' (left-pads `(kernel_size - 1) * dilation_rate`
    zeros, so output t never sees inputs after t).

    Example:
        >>> Conv1D(32, 3, activation='relu')(np.zeros((4, 10, 128))).shape
        (4, 8, 32)
    """

    _allowed_padding = ("valid", "same", "causal")

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, groups=groups,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)
        if self.padding == "causal" and self.data_format == "channels_first":
            raise ValueError("Causal padding is only supported for `Conv1D` and "
                             "`SeparableConv1D` with data_format='channels_last'.")


class Conv2D(Conv):
    """2-D convolution layer (spatial convolution over images).

    Input `(batch, rows, cols, channels)` (channels_last) or `(batch,
    channels, rows, cols)`; kernel `(kh, kw, channels, filters)`. Output
    size per axis: valid `floor((n - ((k-1)*d + 1)) / s) + 1`, same
    `ceil(n / s)`.

    Example:
        >>> Conv2D(8, 3, strides=2, padding='same')(np.zeros((1, 7, 7, 3))).shape
        (1, 4, 4, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, groups=groups,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


Convolution1D = Conv1D
Convolution2D = Conv2D


class Conv3D(Conv):
    """3-D convolution layer (spatial convolution over volumes).

    Input `(batch, depth, rows, cols, channels)` (channels_last) or `(batch,
    channels, depth, rows, cols)`; kernel `(kd, kh, kw, channels // groups,
    filters)`. Output sizes as Conv2D's, per axis.

    Example:
        >>> Conv3D(2, 3, padding='same', strides=(1, 2, 2))(np.zeros((1, 4, 6, 6, 3))).shape
        (1, 4, 3, 3, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(3, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, groups=groups,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


Convolution3D = Conv3D


class _Transposed:
    """What Conv1D/2D/3DTranspose share, mixed in before the convolution each
    subclasses (as in Keras, Conv2DTranspose is a Conv2D): the transposed
    kernel `(*kernel_size, filters, channels)`, `output_padding` and the
    output sizes of the transposed convolution."""

    _allowed_padding = ("valid", "same")
    # Keras' Conv3DTranspose accepts dilation_rate but never applies it.
    _applies_dilation = True

    def _init_transposed(self, output_padding):
        self.output_padding = None if output_padding is None else normalize_tuple(
            output_padding, self.rank, "output_padding", allow_zero=True)
        if self.output_padding is not None:
            for op, s in zip(self.output_padding, self.strides):
                if op >= s:
                    raise ValueError(
                        f"Strides {self.strides} must be greater than output padding "
                        f"{self.output_padding}. Received strides={self.strides}, "
                        f"output_padding={self.output_padding}.")

    @property
    def _dilations(self):
        return self.dilation_rate if self._applies_dilation else (1,) * self.rank

    def _kernel_shape(self, channels):
        return self.kernel_size + (self.filters, channels)

    def _check_sizes(self, input_shape):
        return

    def _out_sizes(self, spatial):
        ops = self.output_padding or (None,) * self.rank
        return tuple(deconv_output_length(n, k, self.padding, op, s, d) for n, k, op, s, d in
                     zip(spatial, self.kernel_size, ops, self.strides, self._dilations))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._input_channels(input_shape)
        sp = self._out_sizes(self._spatial(input_shape))
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + sp
        return (input_shape[0],) + sp + (self.filters,)

    def call(self, inputs):
        x = self._prepare(inputs)
        fused = activations.fused_code(self.activation)
        out = self._out_sizes(tuple(x.shape[1:-1]))
        y = C.ConvTranspose.apply(x, self.kernel, self.bias, strides=self.strides,
                                  dilations=self._dilations, padding=self.padding,
                                  out_sizes=out, code=fused if fused is not None else 0)
        return self._finish(y, fused)

    def get_config(self):
        config = super().get_config()
        config["output_padding"] = self.output_padding
        if not self._applies_dilation:
            config.pop("dilation_rate")
        return config


_TRANSPOSED_DOC = """

    The gradient of a {base} with respect to its input: maps each spatial size
    n to `n * strides` (same) or `n * strides + max(k - strides, 0)` (valid),
    or `(n - 1) * strides + k - 2 * pad + output_padding` when
    `output_padding` is given (pad = k // 2 for same, 0 for valid). Kernel
    shape `(*kernel_size, filters, channels)`; padding 'valid' or 'same'.
"""


class Conv1DTranspose(_Transposed, Conv1D):
    """Transposed 1-D convolution (sometimes called deconvolution).{doc}
    Example:
        >>> Conv1DTranspose(2, 3, strides=2)(np.zeros((1, 5, 3))).shape
        (1, 11, 2)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        kwargs.pop("groups", None)
        Conv1D.__init__(self, filters, kernel_size, strides=strides, padding=padding,
                        data_format=data_format, dilation_rate=dilation_rate,
                        activation=activation, use_bias=use_bias,
                        kernel_initializer=kernel_initializer,
                        bias_initializer=bias_initializer,
                        kernel_regularizer=kernel_regularizer,
                        bias_regularizer=bias_regularizer,
                        activity_regularizer=activity_regularizer,
                        kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                        **kwargs)
        self._init_transposed(output_padding)


class Conv2DTranspose(_Transposed, Conv2D):
    """Transposed 2-D convolution (sometimes called deconvolution).{doc}
    Example:
        >>> Conv2DTranspose(2, 3, strides=2, padding='same')(np.zeros((1, 3, 4, 3))).shape
        (1, 6, 8, 2)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        kwargs.pop("groups", None)
        Conv2D.__init__(self, filters, kernel_size, strides=strides, padding=padding,
                        data_format=data_format, dilation_rate=dilation_rate,
                        activation=activation, use_bias=use_bias,
                        kernel_initializer=kernel_initializer,
                        bias_initializer=bias_initializer,
                        kernel_regularizer=kernel_regularizer,
                        bias_regularizer=bias_regularizer,
                        activity_regularizer=activity_regularizer,
                        kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                        **kwargs)
        self._init_transposed(output_padding)


class Conv3DTranspose(_Transposed, Conv3D):
    """Transposed 3-D convolution (sometimes called deconvolution).{doc}
    As in Keras, `dilation_rate` is accepted but not applied (and not in
    get_config).

    Example:
        >>> Conv3DTranspose(2, 2, strides=2)(np.zeros((1, 2, 3, 4, 3))).shape
        (1, 4, 6, 8, 2)
    """

    _applies_dilation = False

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        kwargs.pop("groups", None)
        Conv3D.__init__(self, filters, kernel_size, strides=strides, padding=padding,
                        data_format=data_format, dilation_rate=dilation_rate,
                        activation=activation, use_bias=use_bias,
                        kernel_initializer=kernel_initializer,
                        bias_initializer=bias_initializer,
                        kernel_regularizer=kernel_regularizer,
                        bias_regularizer=bias_regularizer,
                        activity_regularizer=activity_regularizer,
                        kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                        **kwargs)
        self._init_transposed(output_padding)


for _cls, _base in ((Conv1DTranspose, "Conv1D"), (Conv2DTranspose, "Conv2D"),
                    (Conv3DTranspose, "Conv3D")):
    _cls.__doc__ = _cls.__doc__.format(doc=_TRANSPOSED_DOC.format(base=_base))

Convolution1DTranspose = Conv1DTranspose
Convolution2DTranspose = Conv2DTranspose
Convolution3DTranspose = Conv3DTranspose


class DepthwiseConv(Conv):
    """Base of the depthwise convolutions: each input channel is convolved
    with its own `depth_multiplier` filters; output channels
    `channels * depth_multiplier` (channel `c * depth_multiplier + m`). Kernel
    `(*kernel_size, channels, depth_multiplier)` named `depthwise_kernel`."""

    def __init__(self, rank, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        kwargs.pop("groups", None)
        kwargs.pop("filters", None)
        super().__init__(rank, None, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)

    def build(self, input_shape):
        c = self._input_channels(input_shape)
        self._check_sizes(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", shape=self.kernel_size + (c, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, dtype=self.dtype)
        self.bias = self.add_weight(
            "bias", shape=(c * self.depth_multiplier,), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            dtype=self.dtype) if self.use_bias else None
        self.kernel = self.depthwise_kernel
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: c})
        self.built = True

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        c = self._input_channels(input_shape)
        self.filters, saved = c * self.depth_multiplier, self.filters
        try:
            return super().compute_output_shape(input_shape)
        finally:
            self.filters = saved

    def call(self, inputs):
        x = self._prepare(inputs)
        y = C.DepthwiseConv.apply(x, self.depthwise_kernel, strides=self.strides,
                                  dilations=self.dilation_rate, padding=self.padding)
        if self.bias is not None:
            y = y + self.bias
        return self._finish(y, None)

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer",
                    "kernel_constraint"):
            config.pop(key, None)
        config["depth_multiplier"] = self.depth_multiplier
        config["depthwise_initializer"] = initializers.serialize(self.depthwise_initializer)
        config["depthwise_regularizer"] = regularizers.serialize(self.depthwise_regularizer)
        config["depthwise_constraint"] = constraints.serialize(self.depthwise_constraint)
        return config


class DepthwiseConv1D(DepthwiseConv):
    """Depthwise 1-D convolution: each channel of `(batch, steps, channels)`
    convolved with its own `depth_multiplier` filters. Kernel
    `(k, channels, depth_multiplier)` named `depthwise_kernel`.

    Example:
        >>> DepthwiseConv1D(3, depth_multiplier=2)(np.zeros((1, 6, 3))).shape
        (1, 4, 6)
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, kernel_size, strides=strides, padding=padding,
                         depth_multiplier=depth_multiplier, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class DepthwiseConv2D(DepthwiseConv):
    """Depthwise 2-D convolution: each input channel is convolved with its own
    `depth_multiplier` filters; output channels `channels * depth_multiplier`
    (channel `c * depth_multiplier + m`). Kernel
    `(kh, kw, channels, depth_multiplier)` named `depthwise_kernel`.

    Example:
        >>> DepthwiseConv2D(3, depth_multiplier=2)(np.zeros((1, 5, 5, 3))).shape
        (1, 3, 3, 6)
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(2, kernel_size, strides=strides, padding=padding,
                         depth_multiplier=depth_multiplier, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class SeparableConv(Conv):
    """Base of the separable convolutions: a depthwise convolution (kernel
    `(*k, channels, depth_multiplier)`) followed by a pointwise 1x1
    convolution (kernel `(*1, channels * depth_multiplier, filters)`), bias
    and activation fused into the pointwise step."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        kwargs.pop("groups", None)
        for key in ("kernel_initializer", "kernel_regularizer", "kernel_constraint"):
            kwargs.pop(key, None)
        super().__init__(rank, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        c = self._input_channels(input_shape)
        self._check_sizes(input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", shape=self.kernel_size + (c, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, dtype=self.dtype)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", shape=(1,) * self.rank + (c * self.depth_multiplier,
                                                         self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, dtype=self.dtype)
        self.bias = self.add_weight(
            "bias", shape=(self.filters,), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            dtype=self.dtype) if self.use_bias else None
        self.kernel = self.pointwise_kernel
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={self._channel_axis: c})
        self.built = True

    def call(self, inputs):
        x = self._prepare(inputs)
        d = C.DepthwiseConv.apply(x, self.depthwise_kernel, strides=self.strides,
                                  dilations=self.dilation_rate,
                                  padding=self.padding)
        fused = activations.fused_code(self.activation)
        one = (1,) * self.rank
        y = C.Conv.apply(d, self.pointwise_kernel, self.bias, strides=one, dilations=one,
                         padding="valid", code=fused if fused is not None else 0)
        return self._finish(y, fused)

    def get_config(self):
        config = super().get_config()
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        })
        return config


class SeparableConv1D(SeparableConv):
    """Depthwise separable 1-D convolution (padding 'valid', 'same' or 'causal').

    Example:
        >>> SeparableConv1D(4, 3, padding='same')(np.zeros((2, 8, 3))).shape
        (2, 8, 4)
    """

    _allowed_padding = ("valid", "same", "causal")

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         depth_multiplier=depth_multiplier, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         pointwise_initializer=pointwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         pointwise_regularizer=pointwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         pointwise_constraint=pointwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)


class SeparableConv2D(SeparableConv):
    """Depthwise separable 2-D convolution.

    Example:
        >>> SeparableConv2D(6, 3)(np.zeros((1, 10, 10, 2))).shape
        (1, 8, 8, 6)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         depth_multiplier=depth_multiplier, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         pointwise_initializer=pointwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         pointwise_regularizer=pointwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         pointwise_constraint=pointwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)


SeparableConvolution1D = SeparableConv1D
SeparableConvolution2D = SeparableConv2D


# ----------------------------------------------- padding, cropping, upsampling
class _Spatial(Layer):
    rank = 1

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_axes(self):
        return tuple(range(2, self.rank + 2)) if self.data_format == "channels_first" \
            else tuple(range(1, self.rank + 1))

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


def _pairs(value, rank, name):
    """int, tuple of `rank` ints or of `rank` pairs -> tuple of `rank` pairs."""
    if isinstance(value, (int, np.integer)):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {value}.")
        return ((int(value), int(value)),) * rank
    value = tuple(value)
    if rank == 1:
        if len(value) != 2:
            raise ValueError(f"`{name}` should have two elements. Received: {value}.")
        return ((int(value[0]), int(value[1])),)
    if len(value) != rank:
        raise ValueError(f"`{name}` should have {rank} elements. Received: {value}.")
    out = []
    for v in value:
        if isinstance(v, (int, np.integer)):
            out.append((int(v), int(v)))
        else:
            v = tuple(v)
            if len(v) != 2:
                raise ValueError(f"`{name}` should be ((a, b), (c, d)). Received: {value}.")
            out.append((int(v[0]), int(v[1])))
    for a, b in out:
        if a < 0 or b < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {value}.")
    return tuple(out)


class ZeroPadding1D(_Spatial):
    """Zero-padding layer for 1-D input (temporal sequence).

    Args:
        padding: int (both sides) or tuple `(left_pad, right_pad)`.

    Example:
        >>> ZeroPadding1D(1)(np.ones((1, 2, 1))).ravel().tolist()
        [0.0, 1.0, 1.0, 0.0]
    """

    rank = 1

    def __init__(self, padding=1, **kwargs):
        kwargs.pop("data_format", None)
        super().__init__(data_format="channels_last", **kwargs)
        self.padding = _pairs(padding, 1, "padding")[0]

    def _pad_spec(self):
        return ((0, 0), self.padding, (0, 0))

    def call(self, inputs):
        return C.Pad.apply(inputs, pads=self._pad_spec())

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for ax, (a, b) in enumerate(self._pad_spec()):
            if shape[ax] is not None and (a or b):
                shape[ax] = shape[ax] + a + b
        return tuple(shape)

    def get_config(self):
        config = Layer.get_config(self)
        config["padding"] = self.padding
        return config


class ZeroPadding2D(ZeroPadding1D):
    """Zero-padding layer for 2-D input (images).

    Args:
        padding: int, tuple of 2 ints `(sym_h, sym_w)`, or
            `((top, bottom), (left, right))`.
        data_format: 'channels_last' or 'channels_first'.

    Example:
        >>> ZeroPadding2D(1)(np.ones((1, 2, 2, 1))).shape
        (1, 4, 4, 1)
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        _Spatial.__init__(self, data_format=data_format, **kwargs)
        self.padding = _pairs(padding, 2, "padding")

    def _pad_spec(self):
        if self.data_format == "channels_first":
            return ((0, 0), (0, 0)) + self.padding
        return ((0, 0),) + self.padding + ((0, 0),)

    def get_config(self):
        config = _Spatial.get_config(self)
        config["padding"] = self.padding
        return config


class ZeroPadding3D(ZeroPadding2D):
    """Zero-padding layer for 3-D input (volumes).

    Args:
        padding: int, tuple of 3 ints `(sym_d1, sym_d2, sym_d3)`, or
            `((left_d1, right_d1), (left_d2, right_d2), (left_d3, right_d3))`.
        data_format: 'channels_last' or 'channels_first'.

    Example:
        >>> ZeroPadding3D((1, 0, 2))(np.ones((1, 2, 2, 2, 3))).shape
        (1, 4, 2, 6, 3)
    """

    rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        _Spatial.__init__(self, data_format=data_format, **kwargs)
        self.padding = _pairs(padding, 3, "padding")


class Cropping1D(_Spatial):
    """Cropping layer for 1-D input: removes `cropping = (start, end)` steps.

    Example:
        >>> Cropping1D((1, 1))(np.arange(4.).reshape(1, 4, 1)).ravel().tolist()
        [1.0, 2.0]
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        kwargs.pop("data_format", None)
        super().__init__(data_format="channels_last", **kwargs)
        self.cropping = _pairs(cropping, 1, "cropping")[0]

    def _crops(self):
        return {1: self.cropping}

    def _check(self, shape):
        for ax, (a, b) in self._crops().items():
            n = shape[ax]
            if n is not None and a + b >= n:
                raise ValueError(
                    f'Layer "{self.name}": cropping {self.cropping} is too large for an '
                    f"input of shape {tuple(shape)}: nothing would be left.")

    def call(self, inputs):
        shape = tuple(inputs.shape)
        self._check(shape)
        idx = [slice(None)] * len(shape)
        for ax, (a, b) in self._crops().items():
            idx[ax] = slice(a, shape[ax] - b)
        return inputs[tuple(idx)]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        self._check(shape)
        for ax, (a, b) in self._crops().items():
            if shape[ax] is not None:
                shape[ax] -= a + b
        return tuple(shape)

    def get_config(self):
        config = Layer.get_config(self)
        config["cropping"] = self.cropping
        return config


class Cropping2D(Cropping1D):
    """Cropping layer for 2-D input: `cropping` is an int, `(sym_h, sym_w)` or
    `((top, bottom), (left, right))`.

    Example:
        >>> Cropping2D(((1, 0), (2, 1)))(np.zeros((1, 5, 6, 2))).shape
        (1, 4, 3, 2)
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        _Spatial.__init__(self, data_format=data_format, **kwargs)
        self.cropping = _pairs(cropping, 2, "cropping")

    def _crops(self):
        return dict(zip(self._spatial_axes(), self.cropping))

    def get_config(self):
        config = _Spatial.get_config(self)
        config["cropping"] = self.cropping
        return config


class Cropping3D(Cropping2D):
    """Cropping layer for 3-D input: `cropping` is an int, `(sym_d1, sym_d2,
    sym_d3)` or `((left_d1, right_d1), (left_d2, right_d2), (left_d3, right_d3))`.

    Example:
        >>> Cropping3D(((1, 0), 1, (0, 2)))(np.zeros((1, 4, 5, 6, 2))).shape
        (1, 3, 3, 4, 2)
    """

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        _Spatial.__init__(self, data_format=data_format, **kwargs)
        self.cropping = _pairs(cropping, 3, "cropping")


class UpSampling1D(Layer):
    """Repeats each temporal step `size` times along the time axis.

    Example:
        >>> UpSampling1D(2)(np.array([[[1.], [2.]]])).ravel().tolist()
        [1.0, 1.0, 2.0, 2.0]
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs):
        return K.repeat_elements(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        n = input_shape[1]
        return (input_shape[0], None if n is None else n * self.size, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config


# tf-keras 2's UpSampling2D methods: those of tf.image.resize.
_UPSAMPLING_METHODS = ("area", "bicubic", "bilinear", "gaussian", "lanczos3", "lanczos5",
                       "mitchellcubic", "nearest")


class UpSampling2D(_Spatial):
    """Upsamples rows and columns by `size = (rows, cols)` with 'nearest'
    (repetition), 'bilinear' (TF2 half-pixel centres) or another
    `tf.image.resize` method ('bicubic', 'area', ...), as tf-keras 2.

    Example:
        >>> UpSampling2D((2, 3))(np.zeros((1, 3, 2, 2))).shape
        (1, 6, 6, 2)
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.size = normalize_tuple(size, 2, "size")
        if interpolation not in _UPSAMPLING_METHODS:
            raise ValueError("`interpolation` argument should be one of: "
                             f"{', '.join(repr(m) for m in _UPSAMPLING_METHODS)}. "
                             f'Received: "{interpolation}".')
        self.interpolation = interpolation

    def call(self, inputs):
        return K.resize_images(inputs, self.size[0], self.size[1], self.data_format,
                               interpolation=self.interpolation)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for ax, s in zip(self._spatial_axes(), self.size):
            if shape[ax] is not None:
                shape[ax] *= s
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "interpolation": self.interpolation})
        return config


class UpSampling3D(_Spatial):
    """Repeats the three spatial axes `size = (d1, d2, d3)` times each
    (nearest-neighbour upsampling of volumes).

    Example:
        >>> UpSampling3D((1, 2, 3))(np.zeros((1, 2, 2, 2, 4))).shape
        (1, 2, 4, 6, 4)
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.size = normalize_tuple(size, 3, "size")

    def call(self, inputs):
        y = inputs
        for ax, s in zip(self._spatial_axes(), self.size):
            if s != 1:
                y = K.repeat_elements(y, s, axis=ax)
        return y

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for ax, s in zip(self._spatial_axes(), self.size):
            if shape[ax] is not None:
                shape[ax] *= s
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config
