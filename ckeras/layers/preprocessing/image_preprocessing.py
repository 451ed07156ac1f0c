"""Keras' image preprocessing layers: Resizing, Rescaling, CenterCrop and the
augmentation layers RandomCrop, RandomFlip, RandomTranslation,
RandomRotation, RandomZoom, RandomContrast, RandomBrightness, RandomHeight
and RandomWidth.

Images are channels-last, `(..., height, width, channels)`: a 4-D batch or
one 3-D image. Resampling follows TensorFlow exactly: the resizes are
`tf.image.resize` (see `resize`), the rotations, zooms and translations are
`ImageProjectiveTransformV3` with tf-keras' matrices (the C kernel
`projective`). The random layers are active only with `training=True` (fit,
or an explicit argument) and the identity otherwise. A `seed` makes a
layer's sequence of draws reproducible within ckeras: two layers built with
the same seed draw the same parameters call after call. TensorFlow's random
streams cannot be reproduced, so the draws differ from tf-keras' (the
transform for given parameters does not).

Rescaling and Resizing are differentiable (Resizing through the autograd
Resize function when its input carries gradients, else the C kernel); the
crops and the random layers are not: gradients do not flow through them.
"""
import numpy as np

from ckeras import backend as K
from ckeras.autograd.functions import conv as _conv_fns
from ckeras.autograd.tensor import Tensor
from ckeras.backend import resize as _resize
from ckeras.engine.base_layer import Layer
from ckeras.kernels import kernels
from ckeras.kernels.codes import Fill, Interp
from ckeras.layers.core import python_number

__all__ = ["Resizing", "Rescaling", "CenterCrop", "RandomCrop", "RandomFlip",
           "RandomTranslation", "RandomRotation", "RandomZoom", "RandomContrast",
           "RandomBrightness", "RandomHeight", "RandomWidth"]

_F = np.float32


def _training(training):
    if training is None:
        training = K.learning_phase()
    return bool(training)


def _images(layer, inputs, dtype):
    """inputs as a 4-D `dtype` batch, and whether it was one 3-D image."""
    if isinstance(inputs, dict):
        raise ValueError(f"{type(layer).__name__} layer '{layer.name}' can only process a "
                         "tensor representing an image or a batch of images. Received: "
                         f"type(inputs)={type(inputs)}.")
    if isinstance(inputs, (list, tuple)):
        shapes = {np.shape(a) for a in inputs}
        if len(shapes) > 1:
            raise ValueError(f"{type(layer).__name__} layer '{layer.name}' received images of "
                             f"different sizes {sorted(shapes)}; batch images of one size "
                             "(resize them first, e.g. with a Resizing layer per image).")
    x = np.asarray(inputs)
    if x.ndim not in (3, 4):
        raise ValueError(f"{type(layer).__name__} layer '{layer.name}' expects a 3-D (one image) "
                         "or 4-D (a batch) channels-last image tensor "
                         f"(..., height, width, channels); received shape {x.shape}.")
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{type(layer).__name__} layer '{layer.name}' expects numeric images; "
                         f"received dtype {x.dtype}.")
    x = np.ascontiguousarray(x, dtype=dtype)
    return (x[None] if x.ndim == 3 else x), x.ndim == 3


def _out(y, unbatched):
    return y[0] if unbatched else y


def _check_size(layer, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{type(layer).__name__}: `{name}` must be a positive integer; "
                         f"received {name}={value!r}.")
    return int(value)


def _check_interpolation(layer, interpolation):
    if interpolation not in _resize.METHODS:
        raise NotImplementedError(
            f"{type(layer).__name__}: value not recognized for `interpolation`: "
            f"{interpolation!r}. Supported values are: {sorted(_resize.METHODS)}.")


def _check_fill_mode_and_interpolation(fill_mode, interpolation):
    if fill_mode not in {"reflect", "wrap", "constant", "nearest"}:
        raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Only `reflect`, `wrap`, "
                                  "`constant` and `nearest` are supported.")
    if interpolation not in {"nearest", "bilinear"}:
        raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Only `nearest` and "
                                  "`bilinear` are supported.")


def _hw_shape(input_shape, height, width):
    shape = list(input_shape)
    shape[-3], shape[-2] = height, width
    return tuple(shape)


def smart_resize(images, height, width, interpolation="bilinear"):
    """Crops the largest centred window of the target's aspect ratio, then
    resizes it to (height, width): tf-keras' `smart_resize` on a 4-D float
    batch (float32 result)."""
    top, left, ch, cw = _resize.smart_resize_box(images.shape[1], images.shape[2], height,
                                                 width)
    crop = images[:, top:top + ch, left:left + cw]
    return _resize.resize(crop.astype(_F, copy=False), height, width, interpolation)


def _crop(images, top, left, height, width):
    return np.ascontiguousarray(images[:, top:top + height, left:left + width])


# --------------------------------------------------------------- Resizing
def _dense(idx, w, n_in):
    """The (n_out, n_in) matrix of one axis' taps."""
    m = np.zeros((idx.shape[0], n_in))
    np.add.at(m, (np.repeat(np.arange(idx.shape[0]), idx.shape[1]), idx.ravel()), w.ravel())
    return m


class Resizing(Layer):
    """Resizes images to `(height, width)`, as `tf.image.resize` does.

    Half-pixel sample centres and no antialiasing, with TensorFlow's
    arithmetic for every method (outputs agree with tf-keras to float32
    rounding). Input: `(..., height, width, channels)` of any numeric dtype;
    output: the layer's dtype (float32).

    Args:
        height: integer, output height.
        width: integer, output width.
        interpolation: 'bilinear' (default), 'nearest', 'bicubic', 'area',
            'lanczos3', 'lanczos5', 'gaussian' or 'mitchellcubic'.
        crop_to_aspect_ratio: if True, first crop the largest centred window
            with the target aspect ratio, so the image is not distorted.

    Example:
        >>> Resizing(2, 3)(np.ones((1, 4, 6, 3))).shape
        (1, 2, 3, 3)
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 **kwargs):
        super().__init__(**kwargs)
        self.height = _check_size(self, "height", height)
        self.width = _check_size(self, "width", width)
        _check_interpolation(self, interpolation)
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)

    def _taps(self, height, width):
        """Row and column taps, the crop to the aspect ratio folded in."""
        top, left, ch, cw = (_resize.smart_resize_box(height, width, self.height, self.width)
                             if self.crop_to_aspect_ratio else (0, 0, height, width))
        ri, rw = _resize.taps(ch, self.height, self.interpolation)
        ci, cwt = _resize.taps(cw, self.width, self.interpolation)
        return ri + top, rw, ci + left, cwt

    def call(self, inputs):
        if isinstance(inputs, Tensor) and inputs.requires_grad and inputs.ndim in (3, 4) \
                and inputs.dtype.kind == "f":
            return self._differentiable(inputs)
        dtype = self.dtype if self.interpolation == "nearest" else _F
        x, unbatched = _images(self, inputs, dtype)
        ri, rw, ci, cw = self._taps(x.shape[1], x.shape[2])
        y = kernels().resize_taps(x, ri, rw, ci, cw)
        return _out(y.astype(self.dtype, copy=False), unbatched)

    def _differentiable(self, x):
        # The same linear map as dense matrices, through the taped Resize.
        axes = (x.ndim - 3, x.ndim - 2)
        h, w = x.shape[axes[0]], x.shape[axes[1]]
        ri, rw, ci, cw = self._taps(h, w)
        if np.dtype(x.dtype) != np.dtype(self.dtype):
            x = K.cast(x, self.dtype)
        return _conv_fns.Resize.apply(x, axes=axes, mats=[_dense(ri, rw, h), _dense(ci, cw, w)])

    def compute_output_shape(self, input_shape):
        return _hw_shape(input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width,
                       "interpolation": self.interpolation,
                       "crop_to_aspect_ratio": self.crop_to_aspect_ratio})
        return config


# -------------------------------------------------------------- Rescaling
class Rescaling(Layer):
    """Multiplies inputs by `scale` and adds `offset` (in the layer's dtype).

    Args:
        scale: float (or array broadcastable to the inputs), e.g. `1/255`.
        offset: float added after scaling, e.g. `-1` with `scale=1/127.5`
            to map [0, 255] to [-1, 1].

    Example:
        >>> np.asarray(Rescaling(1 / 255)(np.array([[0, 255]], 'uint8')))
        array([[0., 1.]], dtype=float32)
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = python_number(scale)
        self.offset = python_number(offset)

    def call(self, inputs):
        dtype = self.dtype
        if isinstance(inputs, dict):
            raise ValueError(f"Rescaling layer '{self.name}' expects a tensor; received "
                             f"type(inputs)={type(inputs)}.")
        x = inputs if np.dtype(inputs.dtype) == np.dtype(dtype) else K.cast(inputs, dtype)
        scale = np.asarray(self.scale, dtype)
        offset = np.asarray(self.offset, dtype)
        return x * scale + offset

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        scale = self.scale.tolist() if isinstance(self.scale, np.ndarray) else self.scale
        offset = self.offset.tolist() if isinstance(self.offset, np.ndarray) else self.offset
        config.update({"scale": scale, "offset": offset})
        return config


# ------------------------------------------------------------- CenterCrop
class CenterCrop(Layer):
    """Crops the centre `(height, width)` of each image.

    When the input is smaller than the target on some axis, the image is
    resized instead (the largest centred window of the target's aspect ratio,
    bilinear), as tf-keras does.

    Args:
        height: integer, output height.
        width: integer, output width.

    Example:
        >>> CenterCrop(2, 2)(np.arange(16.).reshape(1, 4, 4, 1))[0, ..., 0]
        array([[ 5.,  6.],
               [ 9., 10.]], dtype=float32)
    """

    def __init__(self, height, width, **kwargs):
        super().__init__(**kwargs)
        self.height = _check_size(self, "height", height)
        self.width = _check_size(self, "width", width)

    def call(self, inputs):
        x, unbatched = _images(self, inputs, self.dtype)
        h_diff, w_diff = x.shape[1] - self.height, x.shape[2] - self.width
        if h_diff >= 0 and w_diff >= 0:
            y = _crop(x, h_diff // 2, w_diff // 2, self.height, self.width)
        else:
            y = smart_resize(x, self.height, self.width).astype(self.dtype, copy=False)
        return _out(y, unbatched)

    def compute_output_shape(self, input_shape):
        return _hw_shape(input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config


# --------------------------------------------------------- random layers
class _RandomLayer(Layer):
    """Shared by the augmentation layers: the seed, tf-keras' `rng_type`
    config entry, and the layer's own generator."""

    def __init__(self, seed=None, rng_type=None, **kwargs):
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(f"{type(self).__name__}: `seed` must be an integer or None; "
                             f"received seed={seed!r}.")
        self.seed = python_number(seed)
        self.rng_type = rng_type if rng_type is not None else "stateful"
        self._rng = None

    def _generator(self):
        # One generator per layer: with a seed, the sequence of draws is
        # reproducible from construction on; without, it is fresh entropy.
        if self._rng is None:
            self._rng = np.random.default_rng(self.seed)
        return self._rng

    def _uniform(self, low, high, size=None):
        return np.asarray(self._generator().uniform(low, high, size), _F)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["rng_type"] = self.rng_type
        return config


def _factor_pair(layer, name, factor, symmetric=True):
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(f"{type(layer).__name__}: `{name}` must be a number or a pair "
                             f"(lower, upper); received {name}={factor!r}.")
        lower, upper = factor
    elif isinstance(factor, (int, float, np.number)) and not isinstance(factor, bool):
        lower, upper = (-factor, factor) if symmetric else (factor, factor)
    else:
        raise ValueError(f"{type(layer).__name__}: `{name}` must be a number or a pair "
                         f"(lower, upper); received {name}={factor!r}.")
    return float(lower), float(upper)


def _config_factor(factor):
    return list(factor) if isinstance(factor, tuple) else python_number(factor)


class RandomCrop(_RandomLayer):
    """Randomly crops `(height, width)` out of the images (training only).

    In training, every image of a batch is cropped at one random location.
    At inference, or when the input is smaller than the target, the images
    are resized instead (the largest centred window of the target's aspect
    ratio, bilinear), so the output always has the target size.

    Args:
        height: integer, output height.
        width: integer, output width.
        seed: integer seed.

    Example:
        >>> RandomCrop(2, 3, seed=1)(np.ones((4, 5, 6, 3)), training=True).shape
        (4, 2, 3, 3)
    """

    def __init__(self, height, width, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.height = _check_size(self, "height", height)
        self.width = _check_size(self, "width", width)

    def call(self, inputs, training=None):
        x, unbatched = _images(self, inputs, self.dtype)
        h_diff, w_diff = x.shape[1] - self.height, x.shape[2] - self.width
        if _training(training) and h_diff >= 0 and w_diff >= 0:
            top, left = (int(v) for v in self._generator().integers(0, 2 ** 31 - 1, 2))
            y = _crop(x, top % (h_diff + 1), left % (w_diff + 1), self.height, self.width)
        else:
            y = smart_resize(x, self.height, self.width).astype(self.dtype, copy=False)
        return _out(y, unbatched)

    def compute_output_shape(self, input_shape):
        return _hw_shape(input_shape, self.height, self.width)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "seed": self.seed})
        return config


_FLIP_MODES = {"horizontal": (True, False), "vertical": (False, True),
               "horizontal_and_vertical": (True, True)}


class RandomFlip(_RandomLayer):
    """Randomly flips images left-right and/or up-down (training only).

    Each image is flipped with probability 1/2 on each enabled axis.

    Args:
        mode: 'horizontal', 'vertical' or 'horizontal_and_vertical' (default).
        seed: integer seed.

    Example:
        >>> y = RandomFlip('horizontal', seed=3)(np.ones((2, 4, 4, 3)), training=True)
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if mode not in _FLIP_MODES:
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode "
                             f"argument {mode}")
        self.mode = mode
        self.horizontal, self.vertical = _FLIP_MODES[mode]

    def call(self, inputs, training=None):
        x, unbatched = _images(self, inputs, self.dtype)
        if not _training(training):
            return _out(x, unbatched)
        y = x.copy()
        if self.horizontal:
            flip = self._generator().random(len(y)) < 0.5
            y[flip] = y[flip][:, :, ::-1]
        if self.vertical:
            flip = self._generator().random(len(y)) < 0.5
            y[flip] = y[flip][:, ::-1]
        return _out(y, unbatched)

    def get_config(self):
        config = super().get_config()
        config.update({"mode": self.mode, "seed": self.seed})
        return config


# ------------------------------------------------- affine (projective) family
def rotation_matrix(angles, height, width):
    """tf-keras' `get_rotation_matrix`: (n, 8) float32 transforms rotating
    by `angles` (radians, counter-clockwise) about the image centre."""
    a = np.asarray(angles, _F)
    h, w = _F(height), _F(width)
    cos, sin = np.cos(a), np.sin(a)
    x_off = ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / _F(2)
    y_off = ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / _F(2)
    zero = np.zeros_like(a)
    return np.stack([cos, -sin, x_off, sin, cos, y_off, zero, zero], 1).astype(_F)


def zoom_matrix(zooms, height, width):
    """tf-keras' `get_zoom_matrix`: zooms is (n, 2) of (width, height)
    zoom factors (> 1 zooms out)."""
    z = np.asarray(zooms, _F)
    x_off = ((_F(width) - _F(1)) / _F(2)) * (_F(1) - z[:, 0])
    y_off = ((_F(height) - _F(1)) / _F(2)) * (_F(1) - z[:, 1])
    zero = np.zeros_like(x_off)
    return np.stack([z[:, 0], zero, x_off, zero, z[:, 1], y_off, zero, zero], 1).astype(_F)


def translation_matrix(translations):
    """tf-keras' `get_translation_matrix`: translations is (n, 2) of
    (dx, dy) pixels."""
    t = np.asarray(translations, _F)
    one, zero = np.ones(len(t), _F), np.zeros(len(t), _F)
    return np.stack([one, zero, -t[:, 0], zero, one, -t[:, 1], zero, zero], 1)


def transform(images, transforms, fill_mode="reflect", fill_value=0.0,
              interpolation="bilinear", output_shape=None):
    """ImageProjectiveTransformV3 (tf-keras' `transform`) of a 4-D float
    batch through (n, 8) or (1, 8) float32 transforms."""
    _check_fill_mode_and_interpolation(fill_mode, interpolation)
    return kernels().projective(np.ascontiguousarray(images),
                                np.ascontiguousarray(transforms, _F),
                                int(Interp[interpolation.upper()]),
                                int(Fill[fill_mode.upper()]), float(fill_value),
                                output_shape=output_shape)


class _AffineLayer(_RandomLayer):
    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 **kwargs):
        super().__init__(seed=seed, **kwargs)
        _check_fill_mode_and_interpolation(fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = python_number(fill_value)
        self.interpolation = interpolation

    def call(self, inputs, training=None):
        x, unbatched = _images(self, inputs, self.dtype)
        if not _training(training):
            return _out(x, unbatched)
        t = self._transforms(len(x), x.shape[1], x.shape[2])
        y = transform(x, t, self.fill_mode, self.fill_value, self.interpolation)
        return _out(y, unbatched)

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "fill_value": self.fill_value,
                       "interpolation": self.interpolation, "seed": self.seed})
        return config


class RandomTranslation(_AffineLayer):
    """Randomly translates images (training only), filling per `fill_mode`.

    Args:
        height_factor: fraction of the height, a float (range [-f, f]) or a
            pair (lower, upper) in [-1, 1]; positive values shift down.
        width_factor: the same for the width; positive values shift right.
        fill_mode: 'reflect' (default), 'wrap', 'constant' or 'nearest'.
        interpolation: 'bilinear' (default) or 'nearest'.
        seed: integer seed.
        fill_value: the value outside the image for 'constant'.

    Example:
        >>> layer = RandomTranslation((0.25, 0.25), 0, fill_mode='constant')
        >>> layer(np.ones((1, 4, 4, 1)), training=True)[0, :, 0, 0]
        array([0., 1., 1., 1.], dtype=float32)
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _factor_pair(self, "height_factor", height_factor)
        if self.height_upper < self.height_lower:
            raise ValueError("`height_factor` cannot have upper bound less than lower bound, "
                             f"got {height_factor}")
        if abs(self.height_lower) > 1.0 or abs(self.height_upper) > 1.0:
            raise ValueError("`height_factor` argument must have values between [-1, 1]. "
                             f"Received: height_factor={height_factor}")
        self.width_lower, self.width_upper = _factor_pair(self, "width_factor", width_factor)
        if self.width_upper < self.width_lower:
            raise ValueError("`width_factor` cannot have upper bound less than lower bound, "
                             f"got {width_factor}")
        if abs(self.width_lower) > 1.0 or abs(self.width_upper) > 1.0:
            raise ValueError(f"`width_factor` must have values between [-1, 1], got "
                             f"{width_factor}")

    def _transforms(self, n, h, w):
        dy = self._uniform(self.height_lower, self.height_upper, n) * _F(h)
        dx = self._uniform(self.width_lower, self.width_upper, n) * _F(w)
        return translation_matrix(np.stack([dx, dy], 1))

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": _config_factor(self.height_factor),
                       "width_factor": _config_factor(self.width_factor)})
        return config


class RandomRotation(_AffineLayer):
    """Randomly rotates images (training only), filling per `fill_mode`.

    Args:
        factor: fraction of 2*pi, a float (range [-f, f]) or a pair (lower,
            upper); positive values rotate counter-clockwise.
        fill_mode: 'reflect' (default), 'wrap', 'constant' or 'nearest'.
        interpolation: 'bilinear' (default) or 'nearest'.
        seed: integer seed.
        fill_value: the value outside the image for 'constant'.

    Example:
        >>> y = RandomRotation(0.1, seed=0)(np.ones((2, 8, 8, 3)), training=True)
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = factor
        self.lower, self.upper = _factor_pair(self, "factor", factor)
        if self.upper < self.lower:
            raise ValueError(f"`factor` argument cannot have a negative value. Received: "
                             f"factor={factor}")

    def _transforms(self, n, h, w):
        angles = self._uniform(self.lower * 2.0 * np.pi, self.upper * 2.0 * np.pi, n)
        return rotation_matrix(angles, h, w)

    def get_config(self):
        config = super().get_config()
        config["factor"] = _config_factor(self.factor)
        return config


class RandomZoom(_AffineLayer):
    """Randomly zooms images in or out (training only), filling per `fill_mode`.

    Args:
        height_factor: a float (range [-f, f]) or a pair (lower, upper) in
            [-1, 1]: the vertical zoom is 1 + a draw; positive zooms out.
        width_factor: the same for the width, or None (default) to keep the
            aspect ratio (the vertical draw is used).
        fill_mode: 'reflect' (default), 'wrap', 'constant' or 'nearest'.
        interpolation: 'bilinear' (default) or 'nearest'.
        seed: integer seed.
        fill_value: the value outside the image for 'constant'.

    Example:
        >>> y = RandomZoom(0.2, seed=0)(np.ones((2, 8, 8, 3)), training=True)
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _factor_pair(self, "height_factor", height_factor)
        if abs(self.height_lower) > 1.0 or abs(self.height_upper) > 1.0:
            raise ValueError("`height_factor` argument must have values between [-1, 1]. "
                             f"Received: height_factor={height_factor}")
        if width_factor is not None:
            self.width_lower, self.width_upper = _factor_pair(self, "width_factor", width_factor)
            if self.width_lower < -1.0 or self.width_upper < -1.0:
                raise ValueError("`width_factor` argument must have values larger than -1. "
                                 f"Received: width_factor={width_factor}")

    def _transforms(self, n, h, w):
        hz = self._uniform(1.0 + self.height_lower, 1.0 + self.height_upper, n)
        wz = hz if self.width_factor is None else \
            self._uniform(1.0 + self.width_lower, 1.0 + self.width_upper, n)
        return zoom_matrix(np.stack([wz, hz], 1), h, w)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": _config_factor(self.height_factor),
                       "width_factor": _config_factor(self.width_factor)})
        return config


# ------------------------------------------------------- intensity layers
def adjust_contrast(images, factor):
    """tf.image.adjust_contrast: (x - mean) * factor + mean per image and
    channel (means over height and width), in float32."""
    x = images.astype(_F, copy=False)
    mean = x.mean(axis=(1, 2), keepdims=True, dtype=np.float64).astype(_F)
    return (x - mean) * _F(factor) + mean


class RandomContrast(_RandomLayer):
    """Randomly adjusts contrast (training only), then clips to [0, 255].

    One contrast factor is drawn per call from [1 - lower, 1 + upper]; each
    image's channels are moved away from (or towards) their mean by it.

    Args:
        factor: a non-negative float (range [1 - f, 1 + f]) or a pair
            (lower, upper).
        seed: integer seed.

    Example:
        >>> y = RandomContrast(0.5, seed=0)(np.full((1, 4, 4, 3), 9.0), training=True)
    """

    def __init__(self, factor, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self.lower, self.upper = _factor_pair(self, "factor", factor, symmetric=False)
        if self.lower < 0.0 or self.upper < 0.0 or self.lower > 1.0:
            raise ValueError("`factor` argument cannot have negative values or values greater "
                             f"than 1. Received: factor={factor}")

    def call(self, inputs, training=None):
        x, unbatched = _images(self, inputs, self.dtype)
        if not _training(training):
            return _out(x, unbatched)
        factor = self._uniform(1.0 - self.lower, 1.0 + self.upper)
        y = np.clip(adjust_contrast(x, factor), 0, 255).astype(self.dtype, copy=False)
        return _out(y, unbatched)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": _config_factor(self.factor), "seed": self.seed})
        return config


_FACTOR_ERROR = ("The `factor` argument should be a number (or a list of two numbers) in the "
                 "range [-1.0, 1.0]. ")
_VALUE_RANGE_ERROR = "The `value_range` argument should be a list of two numbers. "


class RandomBrightness(_RandomLayer):
    """Randomly shifts brightness (training only), then clips to `value_range`.

    Each image gets one delta, drawn from [lower, upper] times the width of
    `value_range`, added to every pixel and channel.

    Args:
        factor: a float in [-1, 1] (range [-|f|, |f|]) or a pair.
        value_range: the (min, max) of the pixel values, default (0, 255).
        seed: integer seed.

    Example:
        >>> y = RandomBrightness(0.2, seed=0)(np.full((2, 4, 4, 3), 100.0), training=True)
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2:
                raise ValueError(_FACTOR_ERROR + f"Got {factor}")
            for f in factor:
                self._check_factor(f)
            self._factor = sorted(float(f) for f in factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            self._check_factor(factor)
            self._factor = [-abs(float(factor)), abs(float(factor))]
        else:
            raise ValueError(_FACTOR_ERROR + f"Got {factor}")
        if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
            raise ValueError(_VALUE_RANGE_ERROR + f"Got {value_range}")
        self._value_range = sorted(python_number(v) for v in value_range)

    @staticmethod
    def _check_factor(f):
        if not isinstance(f, (int, float, np.number)) or f > 1.0 or f < -1.0:
            raise ValueError(_FACTOR_ERROR + f"Got {f}")

    def call(self, inputs, training=None):
        x, unbatched = _images(self, inputs, self.dtype)
        if not _training(training):
            return _out(x, unbatched)
        lo, hi = self._value_range
        delta = self._uniform(self._factor[0], self._factor[1], (len(x), 1, 1, 1))
        delta = (delta * _F(hi - lo)).astype(x.dtype)
        return _out(np.clip(x + delta, lo, hi).astype(x.dtype, copy=False), unbatched)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": list(self._factor), "value_range": list(self._value_range),
                       "seed": self.seed})
        return config


# ---------------------------------------------------------- random sizes
class _RandomSize(_RandomLayer):
    axis = None  # 1: height, 2: width

    def __init__(self, factor, interpolation="bilinear", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self.lower, self.upper = _factor_pair(self, "factor", factor)
        if self.upper < self.lower:
            raise ValueError("`factor` argument cannot have an upper bound lesser than the "
                             f"lower bound. Received: factor={factor}")
        if self.lower < -1.0 or self.upper < -1.0:
            raise ValueError(f"`factor` argument must have values larger than -1. Received: "
                             f"factor={factor}")
        _check_interpolation(self, interpolation)
        self.interpolation = interpolation

    def call(self, inputs, training=None):
        x, unbatched = _images(self, inputs, self.dtype)
        if not _training(training):
            return _out(x, unbatched)
        scale = self._uniform(1.0 + self.lower, 1.0 + self.upper)
        size = [x.shape[1], x.shape[2]]
        size[self.axis - 1] = int(scale * _F(size[self.axis - 1]))
        if size[self.axis - 1] < 1:
            raise ValueError(f"{type(self).__name__} layer '{self.name}': the drawn factor "
                             f"{float(scale):.4g} gives an empty image.")
        y = _resize.resize(x.astype(_F, copy=False), size[0], size[1], self.interpolation)
        return _out(y.astype(self.dtype, copy=False), unbatched)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self.axis - 4] = None
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": _config_factor(self.factor),
                       "interpolation": self.interpolation, "seed": self.seed})
        return config


class RandomHeight(_RandomSize):
    """Randomly resizes the image height by a factor (training only).

    Args:
        factor: a float (range [-f, f]) or a pair (lower, upper), > -1: the
            new height is int((1 + draw) * height).
        interpolation: any `Resizing` interpolation, default 'bilinear'.
        seed: integer seed.

    Example:
        >>> RandomHeight((0.5, 0.5))(np.ones((1, 4, 3, 1)), training=True).shape
        (1, 6, 3, 1)
    """
    axis = 1


class RandomWidth(_RandomSize):
    """Randomly resizes the image width by a factor (training only).

    Args:
        factor: a float (range [-f, f]) or a pair (lower, upper), > -1: the
            new width is int((1 + draw) * width).
        interpolation: any `Resizing` interpolation, default 'bilinear'.
        seed: integer seed.

    Example:
        >>> RandomWidth((-0.5, -0.5))(np.ones((1, 4, 4, 1)), training=True).shape
        (1, 4, 2, 1)
    """
    axis = 2
