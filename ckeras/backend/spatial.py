"""Spatial resizing and zero padding of the Keras 2 backend: resize_images,
resize_volumes, temporal_padding, spatial_2d_padding, spatial_3d_padding."""
import numpy as np

from ckeras._internal import config
from ckeras.autograd.functions import conv as C
from ckeras.autograd.functions import shape as S
from ckeras.backend import resize
from ckeras.backend.variables import as_input

# tf.image.resize's other methods, computed from their separable taps.
_OTHER_METHODS = ("area", "bicubic", "gaussian", "lanczos3", "lanczos5", "mitchellcubic")


def _spatial_axes(x, data_format, sp, fn):
    if len(x.shape) != sp + 2:
        raise ValueError(f"K.{fn}: `x` must have rank {sp + 2}; received shape "
                         f"{tuple(x.shape)}.")
    data_format = config.normalize_data_format(data_format)
    first = 2 if data_format == "channels_first" else 1
    return tuple(range(first, first + sp))


def bilinear_matrix(n_in, n_out, dtype):
    """(n_out, n_in) weights of linear interpolation with half-pixel centres
    (TensorFlow 2's `tf.image.resize` bilinear rule)."""
    src = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    src = np.clip(src, 0, n_in - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    m = np.zeros((n_out, n_in), np.float64)
    m[np.arange(n_out), lo] += 1 - frac
    m[np.arange(n_out), hi] += frac
    return m.astype(dtype)


def taps_matrix(n_in, n_out, method, dtype):
    """(n_out, n_in) weights of one axis of `tf.image.resize(method=...)`
    (antialias=False), from the taps of `ckeras.backend.resize`."""
    idx, w = resize.taps(n_in, n_out, method)
    m = np.zeros((n_out, n_in), np.float64)
    np.add.at(m, (np.repeat(np.arange(n_out), idx.shape[1]), idx.ravel()), w.ravel())
    return m.astype(dtype)


def _positive_ints(values, names, fn):
    out = []
    for v, name in zip(values, names):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise ValueError(f"K.{fn}: `{name}` must be a positive integer; received {v!r}.")
        out.append(int(v))
    return out


def resize_images(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """Scales the rows and columns of a 4-D tensor by integer factors.

    Args:
        x: a 4-D tensor.
        height_factor: positive int.
        width_factor: positive int.
        data_format: 'channels_last' or 'channels_first' (None: the default).
        interpolation: 'nearest' (each pixel repeated), 'bilinear' (half-pixel
            centres, as TensorFlow 2's `tf.image.resize` in tf-keras 2.x; Keras
            2.3.1 on TensorFlow 1 sampled without the half-pixel shift, so its
            bilinear values differ at the borders), or TensorFlow's other
            methods ('bicubic', 'area', 'lanczos3', 'lanczos5', 'gaussian',
            'mitchellcubic'), as `tf.image.resize` computes them.

    Returns:
        The resized tensor (differentiable).

    Example:
        >>> K.resize_images(np.ones((1, 2, 3, 1)), 2, 2, 'channels_last').shape
        (1, 4, 6, 1)
    """
    x = as_input(x)
    axes = _spatial_axes(x, data_format, 2, "resize_images")
    factors = _positive_ints((height_factor, width_factor), ("height_factor", "width_factor"),
                             "resize_images")
    if interpolation == "nearest":
        for ax, f in zip(axes, factors):
            if f != 1:
                x = S.RepeatElements.apply(x, rep=f, axis=ax)
        return x
    if interpolation != "bilinear" and interpolation not in _OTHER_METHODS:
        raise ValueError("K.resize_images: `interpolation` must be 'nearest', 'bilinear' or "
                         f"one of {_OTHER_METHODS}; received {interpolation!r}.")
    sizes = [x.shape[ax] for ax in axes]
    if any(n is None for n in sizes):
        raise ValueError(f"K.resize_images: {interpolation} resizing needs known spatial sizes; "
                         f"received shape {tuple(x.shape)}.")
    dtype = np.dtype(x.dtype) if np.issubdtype(np.dtype(x.dtype), np.floating) \
        else np.dtype(config.floatx())
    if interpolation == "bilinear":
        mats = [bilinear_matrix(n, n * f, dtype) for n, f in zip(sizes, factors)]
    else:
        mats = [taps_matrix(n, n * f, interpolation, dtype) for n, f in zip(sizes, factors)]
    return C.Resize.apply(x, axes=axes, mats=mats)


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format):
    """Repeats the three spatial axes of a 5-D tensor by integer factors.

    Args:
        x: a 5-D tensor.
        depth_factor: positive int.
        height_factor: positive int.
        width_factor: positive int.
        data_format: 'channels_last' or 'channels_first' (None: the default).

    Returns:
        The resized tensor (differentiable).

    Example:
        >>> K.resize_volumes(np.ones((1, 1, 2, 2, 3)), 2, 1, 1, 'channels_last').shape
        (1, 2, 2, 2, 3)
    """
    x = as_input(x)
    axes = _spatial_axes(x, data_format, 3, "resize_volumes")
    factors = _positive_ints((depth_factor, height_factor, width_factor),
                             ("depth_factor", "height_factor", "width_factor"),
                             "resize_volumes")
    for ax, f in zip(axes, factors):
        if f != 1:
            x = S.RepeatElements.apply(x, rep=f, axis=ax)
    return x


def _pairs(padding, n, fn):
    try:
        pairs = tuple((int(a), int(b)) for a, b in padding)
    except (TypeError, ValueError):
        pairs = ()
    if len(pairs) != n or any(a < 0 or b < 0 for a, b in pairs):
        raise ValueError(f"K.{fn}: `padding` must be {n} pairs of non-negative ints; "
                         f"received {padding!r}.")
    return pairs


def _pad(x, pairs, data_format, fn):
    x = as_input(x)
    axes = _spatial_axes(x, data_format, len(pairs), fn)
    pads = [(0, 0)] * len(x.shape)
    for ax, p in zip(axes, pairs):
        pads[ax] = p
    return C.Pad.apply(x, pads=tuple(pads))


def temporal_padding(x, padding=(1, 1)):
    """Zero-pads the middle axis of a 3-D tensor: `padding` = (before, after).

    Example:
        >>> K.temporal_padding(np.ones((1, 2, 1)), (1, 0))[0, :, 0]
        array([0., 1., 1.])
    """
    return _pad(x, _pairs([padding], 1, "temporal_padding"), "channels_last",
                "temporal_padding")


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    """Zero-pads the rows and columns of a 4-D tensor.

    Args:
        x: a 4-D tensor.
        padding: ((top, bottom), (left, right)).
        data_format: 'channels_last' or 'channels_first' (None: the default).

    Example:
        >>> K.spatial_2d_padding(np.ones((1, 2, 2, 1))).shape
        (1, 4, 4, 1)
    """
    return _pad(x, _pairs(padding, 2, "spatial_2d_padding"), data_format,
                "spatial_2d_padding")


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    """Zero-pads the three spatial axes of a 5-D tensor.

    Args:
        x: a 5-D tensor.
        padding: three (before, after) pairs, one per spatial axis.
        data_format: 'channels_last' or 'channels_first' (None: the default).
    """
    return _pad(x, _pairs(padding, 3, "spatial_3d_padding"), data_format,
                "spatial_3d_padding")
