"""Pooling layers: Max/AveragePooling1D/2D/3D (C kernels) and
GlobalMax/AveragePooling1D/2D/3D."""
from ckeras import backend as K
from ckeras._internal import config as _config
from ckeras.autograd.functions import conv as C
from ckeras.engine.base_layer import Layer
from ckeras.engine.input_spec import InputSpec
from ckeras.utils.conv_utils import (
    channels_to_first,
    channels_to_last,
    conv_output_length,
    normalize_padding,
    normalize_tuple,
)


class Pooling(Layer):
    """Base of the windowed pooling layers (`rank` spatial axes, `mode` 'max'/'avg').

    Args:
        pool_size: int or tuple of `rank` ints.
        strides: int or tuple, or None (= pool_size).
        padding: 'valid' or 'same' (TF rule: extra padding at the end; padded
            entries never win a max and are not counted in an average).

    Max pooling follows TF's CPU kernel on non-finite input: NaN and -inf
    never win a window, wherever they sit in it, and a window holding
    nothing else gives the dtype's lowest finite value (`np.finfo(dtype).min`).
        data_format: 'channels_last' or 'channels_first'.
    """

    rank = 2
    mode = "max"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size")
        self.strides = self.pool_size if strides is None else normalize_tuple(
            strides, self.rank, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = _config.normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial(self, shape):
        shape = tuple(shape)
        return shape[2:] if self.data_format == "channels_first" else shape[1:-1]

    def _check(self, shape):
        if len(tuple(shape)) != self.rank + 2:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                f"ndim={self.rank + 2}, found ndim={len(tuple(shape))}. Full shape "
                f"received: {tuple(shape)}")
        if self.padding == "valid":
            for n, k in zip(self._spatial(shape), self.pool_size):
                if n is not None and n < k:
                    raise ValueError(
                        f'Layer "{self.name}": the pool size {self.pool_size} is larger than '
                        f"the input, whose spatial shape is {self._spatial(shape)}; use "
                        f"padding='same'.")

    def call(self, inputs):
        self._check(inputs.shape)
        x = inputs
        if self.data_format == "channels_first":
            x = channels_to_last(x, self.rank)
        y = C.Pool.apply(x, pool_size=self.pool_size, strides=self.strides,
                         padding=self.padding, mode=self.mode)
        if self.data_format == "channels_first":
            y = channels_to_first(y, self.rank)
        return y

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        self._check(input_shape)
        sp = tuple(conv_output_length(n, k, self.padding, s) for n, k, s in zip(
            self._spatial(input_shape), self.pool_size, self.strides))
        if self.data_format == "channels_first":
            return input_shape[:2] + sp
        return (input_shape[0],) + sp + (input_shape[-1],)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config


class MaxPooling1D(Pooling):
    """Max pooling over the steps of `(batch, steps, features)`.

    Example:
        >>> MaxPooling1D()(np.arange(7.).reshape(1, 7, 1)).ravel().tolist()
        [1.0, 3.0, 5.0]
    """

    rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid",
                 data_format="channels_last", **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(MaxPooling1D):
    """Average pooling over the steps of `(batch, steps, features)`."""

    mode = "avg"


class MaxPooling2D(Pooling):
    """Max pooling over the rows and columns of images.

    Example:
        >>> MaxPooling2D()(np.zeros((1, 7, 7, 2))).shape
        (1, 3, 3, 2)
    """

    rank = 2

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(MaxPooling2D):
    """Average pooling over the rows and columns of images."""

    mode = "avg"


class MaxPooling3D(Pooling):
    """Max pooling over the three spatial axes of volumes.

    Example:
        >>> MaxPooling3D()(np.zeros((1, 4, 5, 6, 2))).shape
        (1, 2, 2, 3, 2)
    """

    rank = 3

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(MaxPooling3D):
    """Average pooling over the three spatial axes of volumes."""

    mode = "avg"


MaxPool1D, AvgPool1D, MaxPool2D, AvgPool2D = (MaxPooling1D, AveragePooling1D, MaxPooling2D,
                                              AveragePooling2D)
MaxPool3D, AvgPool3D = MaxPooling3D, AveragePooling3D


class GlobalPooling(Layer):
    """Base of the global pooling layers: reduce every spatial axis.

    Args:
        data_format: 'channels_last' or 'channels_first'.
        keepdims: keep the reduced axes with size 1.
    """

    rank = 1
    mode = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self):
        return tuple(range(2, self.rank + 2)) if self.data_format == "channels_first" \
            else tuple(range(1, self.rank + 1))

    def call(self, inputs):
        axes = self._axes()
        if self.mode == "max":
            return K.max(inputs, axis=axes, keepdims=self.keepdims)
        return K.mean(inputs, axis=axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class GlobalMaxPooling1D(GlobalPooling):
    """Max over the steps: `(batch, steps, features)` -> `(batch, features)`."""

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)


class GlobalAveragePooling1D(GlobalMaxPooling1D):
    """Mean over the steps; with a mask `(batch, steps)` only unmasked steps count.

    Example:
        >>> x = np.array([[[1.], [3.], [100.]]])
        >>> GlobalAveragePooling1D()(x, mask=np.array([[True, True, False]])).tolist()
        [[2.0]]
    """

    mode = "avg"

    def __init__(self, data_format="channels_last", keepdims=False, **kwargs):
        super().__init__(data_format, keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        axis = self._axes()[0]
        m = K.cast(mask, inputs.dtype)
        m = K.expand_dims(m, 1 if self.data_format == "channels_first" else 2)
        return K.sum(inputs * m, axis=axis, keepdims=self.keepdims) / \
            K.sum(m, axis=axis, keepdims=self.keepdims)


class GlobalMaxPooling2D(GlobalPooling):
    """Max over rows and columns: `(batch, rows, cols, channels)` -> `(batch, channels)`."""

    rank = 2


class GlobalAveragePooling2D(GlobalMaxPooling2D):
    """Mean over rows and columns."""

    mode = "avg"


class GlobalMaxPooling3D(GlobalPooling):
    """Max over the three spatial axes: `(batch, d1, d2, d3, channels)` -> `(batch, channels)`."""

    rank = 3


class GlobalAveragePooling3D(GlobalMaxPooling3D):
    """Mean over the three spatial axes (`keepdims=True` keeps them with size 1).

    Example:
        >>> GlobalAveragePooling3D(keepdims=True)(np.ones((2, 3, 4, 5, 6))).shape
        (2, 1, 1, 1, 6)
    """

    mode = "avg"


GlobalMaxPool1D, GlobalAvgPool1D = GlobalMaxPooling1D, GlobalAveragePooling1D
GlobalMaxPool2D, GlobalAvgPool2D = GlobalMaxPooling2D, GlobalAveragePooling2D
GlobalMaxPool3D, GlobalAvgPool3D = GlobalMaxPooling3D, GlobalAveragePooling3D
