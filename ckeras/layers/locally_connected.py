"""Locally-connected layers: LocallyConnected1D and LocallyConnected2D.

A locally-connected layer is a convolution whose weights are not shared: every
output position has its own filter bank. Keras 2 stores those weights in one
of three layouts, chosen by `implementation`:

1. `(output positions, window * in_channels, filters)`, 'valid' padding only;
2. a dense kernel over every (input, output) pair, masked to the windows:
   `(*in_spatial, in_channels, *out_spatial, filters)` (channels_last) or
   `(in_channels, *in_spatial, filters, *out_spatial)` (channels_first);
3. a flat vector of the non-zero entries of that dense kernel, ordered by
   (output index, input index) in the data format's flattening.

All three run through one gather-and-GEMM Function (`LocalConv`); only the
map from (output position, window entry, filter) to a kernel entry differs,
so a file written with any implementation loads and computes the same.
"""
import itertools

import numpy as np

from ckeras import activations, constraints, initializers, regularizers
from ckeras import backend as K
from ckeras._internal import config as _config
from ckeras.autograd.functions.locally_connected import LocalConv, scatter_plan
from ckeras.autograd.tensor import Tensor
from ckeras.engine.base_layer import Layer
from ckeras.engine.input_spec import InputSpec
from ckeras.utils.conv_utils import conv_output_length, normalize_padding, normalize_tuple


def _windows(in_shape, kernel_size, strides, padding, out_shape):
    """Input positions read by each output position, `(P, window, rank)`, and
    whether each is inside the input (Keras' connectivity rule: 'same' windows
    are centred with `k // 2` entries before the centre)."""
    rank = len(in_shape)
    starts = []
    for d in range(rank):
        left = kernel_size[d] // 2
        centre = np.arange(out_shape[d]) * strides[d]
        if padding == "valid":
            centre = centre + left
        starts.append(centre - left)
    out_grid = np.stack(np.meshgrid(*[np.arange(o) for o in out_shape], indexing="ij"),
                        axis=-1).reshape(-1, rank)
    offsets = np.array(list(itertools.product(*[range(k) for k in kernel_size])),
                       dtype=np.int64).reshape(-1, rank)
    first = np.stack([starts[d][out_grid[:, d]] for d in range(rank)], axis=-1)
    pos = first[:, None, :] + offsets[None, :, :]
    inside = np.all((pos >= 0) & (pos < np.asarray(in_shape)), axis=-1)
    return pos, inside


def connectivity(in_shape, channels, kernel_size, strides, padding, out_shape, filters,
                 data_format, implementation):
    """The `patch` and `wmap` attributes of `LocalConv` for one layer.

    Window entries run over (kernel offsets, channels) for channels_last and
    (channels, kernel offsets) for channels_first: implementation 1 stores
    its rows in that order.
    """
    first = data_format == "channels_first"
    pos, inside = _windows(in_shape, kernel_size, strides, padding, out_shape)
    n_out, window = inside.shape
    c = np.arange(channels)
    # Out-of-input positions are clipped to a real index here and sent to the
    # zero slot below.
    spatial = np.ravel_multi_index(
        tuple(np.clip(pos, 0, np.asarray(in_shape) - 1).transpose(2, 0, 1)), in_shape)
    if first:
        flat_in = c[None, :, None] * int(np.prod(in_shape)) + spatial[:, None, :]
        ok = np.broadcast_to(inside[:, None, :], flat_in.shape)
    else:
        flat_in = spatial[:, :, None] * channels + c[None, None, :]
        ok = np.broadcast_to(inside[:, :, None], flat_in.shape)
    in_size = int(np.prod(in_shape)) * channels
    flat_in = flat_in.reshape(n_out, -1)
    ok = ok.reshape(n_out, -1)
    patch = np.where(ok, flat_in, in_size)
    k_len = patch.shape[1]
    f = np.arange(filters)
    p = np.arange(n_out)
    if implementation == 1:
        wmap = (p[:, None, None] * k_len + np.arange(k_len)[None, :, None]) * filters + f
    else:
        # Index of each output (position, filter) in the data format's flattening.
        out_flat = p[:, None] * filters + f if not first else f[None, :] * n_out + p[:, None]
        if implementation == 2:
            # Dense kernel, flattened as (input index, output index) with both
            # in the data format's own order: exactly the kernel's layout.
            wmap = flat_in[:, :, None] * (n_out * filters) + out_flat[:, None, :]
        else:
            key = out_flat[:, None, :] * in_size + flat_in[:, :, None]
            valid = np.broadcast_to(ok[:, :, None], key.shape)
            wmap = np.searchsorted(np.sort(key[valid]), key)
    wmap = np.where(np.broadcast_to(ok[:, :, None], wmap.shape), wmap, -1)
    return patch.astype(np.intp), wmap.astype(np.intp)


class LocallyConnected(Layer):
    """Base of LocallyConnected1D/2D (`rank` spatial dimensions).

    Computes `activation(unshared_conv(inputs, kernel) + bias)`, the bias
    holding one value per output position and filter.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, implementation=1, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.padding = normalize_padding(padding)
        if implementation not in (1, 2, 3):
            raise ValueError(f"Unrecognized implementation mode: {implementation!r}. "
                             f"Expected 1, 2 or 3.")
        if self.padding != "valid" and implementation == 1:
            raise ValueError(
                f"Invalid border mode for {type(self).__name__} (only \"valid\" is "
                f"supported if implementation is 1): {padding}")
        self.implementation = int(implementation)
        self.data_format = _config.normalize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2)

    def _split(self, shape):
        shape = tuple(shape)
        if len(shape) != self.rank + 2:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim={self.rank + 2}, found ndim={len(shape)}. Full shape received: {shape}")
        if self.data_format == "channels_first":
            return shape[2:], shape[1]
        return shape[1:-1], shape[-1]

    def _out_spatial(self, spatial):
        return tuple(conv_output_length(n, k, self.padding, s)
                     for n, k, s in zip(spatial, self.kernel_size, self.strides))

    def build(self, input_shape):
        spatial, channels = self._split(input_shape)
        if channels is None or any(n is None for n in spatial):
            raise ValueError(
                f'The spatial and channel dimensions of the inputs to layer "{self.name}" '
                f"({type(self).__name__}) must be defined; received input shape "
                f"{tuple(input_shape)}.")
        out = self._out_spatial(spatial)
        if any(o <= 0 for o in out):
            raise ValueError(
                f"One of the dimensions in the output is <= 0 due to downsampling in "
                f"{self.name}. Consider increasing the input size. Received input shape "
                f"{tuple(input_shape)} which would produce output shape with a zero or "
                f"negative value in a dimension.")
        self._in_spatial, self._out = tuple(int(n) for n in spatial), out
        self._in_size = int(np.prod(self._in_spatial)) * int(channels)
        self.patch, self.wmap = connectivity(
            self._in_spatial, int(channels), self.kernel_size, self.strides, self.padding,
            out, self.filters, self.data_format, self.implementation)
        self._scatter = scatter_plan(self.patch)
        self.kernel = self.add_weight(
            "kernel", shape=self._kernel_shape(int(channels)),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint, dtype=self.dtype)
        self.bias = self.add_weight(
            "bias", shape=out + (self.filters,), initializer=self.bias_initializer,
            regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            dtype=self.dtype) if self.use_bias else None
        axis = 1 if self.data_format == "channels_first" else -1
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: int(channels)})
        self.built = True

    def _kernel_shape(self, channels):
        n_out = int(np.prod(self._out))
        if self.implementation == 1:
            return (n_out, int(np.prod(self.kernel_size)) * channels, self.filters)
        if self.implementation == 2:
            if self.data_format == "channels_first":
                return (channels,) + self._in_spatial + (self.filters,) + self._out
            return self._in_spatial + (channels,) + self._out + (self.filters,)
        return (int(np.count_nonzero(self.wmap >= 0)),)

    def compute_output_shape(self, input_shape):
        spatial, _ = self._split(input_shape)
        out = self._out_spatial(spatial)
        if self.data_format == "channels_first":
            return (input_shape[0], self.filters) + out
        return (input_shape[0],) + out + (self.filters,)

    def call(self, inputs):
        x = inputs
        if not isinstance(x, Tensor) and x.dtype != self.kernel.dtype:
            x = x.astype(self.kernel.dtype)
        y = LocalConv.apply(K.reshape(x, (-1, self._in_size)), self.kernel,
            patch=self.patch, wmap=self.wmap, scatter=self._scatter)
        if self.data_format == "channels_first":
            y = K.reshape(K.permute_dimensions(y, (0, 2, 1)), (-1, self.filters) + self._out)
            if self.bias is not None:
                # Keras adds this bias reshaped, not transposed, to (filters, *out).
                y = y + K.reshape(self.bias, (1, self.filters) + self._out)
        else:
            y = K.reshape(y, (-1,) + self._out + (self.filters,))
            if self.bias is not None:
                y = y + self.bias
        return self.activation(y)

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "implementation": self.implementation,
        })
        return config


class LocallyConnected1D(LocallyConnected):
    """Locally-connected layer for 1-D inputs: a Conv1D without weight sharing.

    Input `(batch, steps, channels)` (channels_last) or `(batch, channels,
    steps)`; output `(batch, new_steps, filters)` or `(batch, filters,
    new_steps)`.

    Args:
        filters: number of output filters.
        kernel_size: window length (int or tuple of 1 int).
        strides: stride (int or tuple of 1 int).
        padding: 'valid' or 'same' ('same' needs `implementation` 2 or 3).
        data_format: 'channels_last' or 'channels_first'.
        implementation: 1 (one weight matrix per output position), 2 (a
            masked dense kernel) or 3 (the kernel's non-zero entries); all
            compute the same function and keep Keras' weight layout.

    `activation`, `use_bias`, the initializers, regularizers (also
    `activity_regularizer`) and constraints are as in Conv1D.

    Returns:
        The unshared convolution of the inputs.

    Example:
        >>> layer = LocallyConnected1D(4, 3)
        >>> layer(np.zeros((2, 10, 5), "float32")).shape
        (2, 8, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 implementation=1, **kwargs):
        super().__init__(1, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         implementation=implementation, **kwargs)


class LocallyConnected2D(LocallyConnected):
    """Locally-connected layer for 2-D inputs: a Conv2D without weight sharing.

    Input `(batch, rows, cols, channels)` (channels_last) or `(batch,
    channels, rows, cols)`; output `(batch, new_rows, new_cols, filters)` or
    `(batch, filters, new_rows, new_cols)`.

    Args:
        filters: number of output filters.
        kernel_size: window size (int or tuple of 2 ints).
        strides: strides (int or tuple of 2 ints).
        padding: 'valid' or 'same' ('same' needs `implementation` 2 or 3).
        data_format: 'channels_last' or 'channels_first'.
        implementation: 1, 2 or 3, as in LocallyConnected1D.

    `activation`, `use_bias`, the initializers, regularizers (also
    `activity_regularizer`) and constraints are as in Conv2D.

    Returns:
        The unshared convolution of the inputs.

    Example:
        >>> layer = LocallyConnected2D(4, (3, 3))
        >>> layer(np.zeros((2, 6, 6, 1), "float32")).shape
        (2, 4, 4, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, implementation=1, **kwargs):
        super().__init__(2, filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         implementation=implementation, **kwargs)
