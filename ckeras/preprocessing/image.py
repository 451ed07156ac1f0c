"""Image preprocessing: real-time data augmentation and image file helpers.

The Keras 2 `keras.preprocessing.image` API: `ImageDataGenerator` (with
`flow`, `flow_from_directory` and `flow_from_dataframe`), the
`NumpyArrayIterator`, `DirectoryIterator` and `DataFrameIterator` batch
providers (all `ckeras.utils.Sequence`s, so `fit`/`evaluate`/`predict`
accept them), the transform helpers
(`apply_affine_transform`, `apply_channel_shift`, `apply_brightness_shift`,
`flip_axis`) and `array_to_img` / `img_to_array` / `load_img` / `save_img`.

The affine resampling runs in C kernels (`ckeras._ext._image`) that give
the results of `scipy.ndimage.affine_transform` for spline orders 0..5 and
the fill modes 'nearest', 'reflect', 'wrap' and 'constant' without needing
SciPy; `affine_transform_reference` and `spline_filter_reference` are their
NumPy references. Reading and writing image files needs Pillow
(`pip install "ckeras[image]"`); everything that works on arrays, brightness
shifts included, does not. pandas is never imported: `flow_from_dataframe`
only indexes the dataframe by column name.
"""
import os
import threading
import warnings

import numpy as np

from ckeras.backend import floatx, image_data_format
from ckeras.utils.data_utils import Sequence

try:
    from ckeras._ext import _image as _ext_image
except ImportError:  # pragma: no cover - source tree without a build
    _ext_image = None

__all__ = [
    "ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator",
    "DataFrameIterator",
    "array_to_img", "img_to_array", "load_img", "save_img",
    "apply_affine_transform", "affine_transform_reference", "spline_filter_reference",
    "apply_channel_shift",
    "apply_brightness_shift", "flip_axis", "transform_matrix_offset_center",
]

FILL_MODES = ("nearest", "reflect", "wrap", "constant")
_FILL_CODES = {"nearest": 0, "wrap": 1, "reflect": 2, "constant": 3}
_WHITE_LIST_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

# Implementation switch of the affine kernel: "c" (default when the extension
# is built) or "numpy" (the reference). Tests flip it to compare both.
dispatch = {"affine": "c" if _ext_image is not None else "numpy"}


# --------------------------------------------------------------------------
# Pillow (optional extra)
# --------------------------------------------------------------------------

def _pil_image():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Reading and writing image files requires Pillow, which is an optional "
            "dependency of ckeras: install it with `pip install \"ckeras[image]\"` "
            "(or `pip install Pillow`).") from None
    return Image


def _interpolation_methods():
    Image = _pil_image()
    res = getattr(Image, "Resampling", Image)
    return {"nearest": res.NEAREST, "bilinear": res.BILINEAR, "bicubic": res.BICUBIC,
            "hamming": res.HAMMING, "box": res.BOX, "lanczos": res.LANCZOS}


def _check_data_format(data_format):
    if data_format is None:
        data_format = image_data_format()
    if data_format not in {"channels_first", "channels_last"}:
        raise ValueError('`data_format` should be "channels_last" or "channels_first". '
                         f"Received: {data_format!r}")
    return data_format


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """Converts a 3D NumPy array to a PIL Image instance.

    Args:
        x: Input array of rank 3 (a single image).
        data_format: `"channels_first"` or `"channels_last"`; None means
            `ckeras.backend.image_data_format()`.
        scale: Whether to rescale the values to [0, 255] (min to 0, max to
            255) before conversion.
        dtype: Dtype the array is first cast to; None means `floatx()`.

    Returns:
        A PIL Image: mode "RGBA" (4 channels), "RGB" (3) or "L"/"I" (1).

    Raises:
        ImportError: if Pillow is not installed.
        ValueError: for an array of the wrong rank or channel count.
    """
    Image = _pil_image()
    data_format = _check_data_format(data_format)
    x = np.array(x, dtype=dtype or floatx())  # a copy: the input is never modified
    if x.ndim != 3:
        raise ValueError("Expected image array to have rank 3 (single image). "
                         f"Got array with shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        x_max = np.max(x)
        if x_max != 0:
            x /= x_max
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:  # 32-bit signed integer grayscale
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels} (expected 1, 3 or 4)")


def img_to_array(img, data_format=None, dtype=None):
    """Converts a PIL Image instance to a NumPy array.

    Args:
        img: PIL Image instance.
        data_format: `"channels_first"` or `"channels_last"`; None means
            `ckeras.backend.image_data_format()`.
        dtype: Dtype of the result; None means `floatx()`.

    Returns:
        A 3D NumPy array (`(H, W, C)` or `(C, H, W)`).

    Raises:
        ValueError: for an invalid `img` or `data_format`.
    """
    data_format = _check_data_format(data_format)
    x = np.asarray(img, dtype=dtype or floatx())
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape if data_format == "channels_first" else x.shape + (1,))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Saves an image stored as a NumPy array to a path or file object.

    Args:
        path: Path or file object.
        x: NumPy array of rank 3.
        data_format: `"channels_first"` or `"channels_last"`.
        file_format: Optional file format (else taken from the file name).
        scale: Whether to rescale the values to [0, 255].
        **kwargs: Passed on to `PIL.Image.save()`.
    """
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and (file_format in ("jpg", "jpeg") or (
            file_format is None and isinstance(path, (str, os.PathLike))
            and str(path).lower().endswith((".jpg", ".jpeg")))):
        warnings.warn("The JPG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, grayscale=False, color_mode="rgb", target_size=None,
             interpolation="nearest", keep_aspect_ratio=False):
    """Loads an image into PIL format.

    Args:
        path: Path to the image file (str, bytes, `pathlib.Path`) or an
            `io.BytesIO`.
        grayscale: Deprecated, use `color_mode="grayscale"`.
        color_mode: One of `"grayscale"`, `"rgb"`, `"rgba"`.
        target_size: None (original size) or `(height, width)`.
        interpolation: Resampling method when resizing: `"nearest"`,
            `"bilinear"`, `"bicubic"`, `"hamming"`, `"box"` or `"lanczos"`.
        keep_aspect_ratio: Crop the centre to the target aspect ratio before
            resizing.

    Returns:
        A PIL Image instance.

    Raises:
        ImportError: if Pillow is not installed.
        ValueError: for an unknown color_mode or interpolation.
    """
    import io
    import pathlib
    Image = _pil_image()
    if grayscale:
        warnings.warn('grayscale is deprecated. Please use color_mode = "grayscale"')
        color_mode = "grayscale"
    if color_mode not in ("grayscale", "rgb", "rgba"):
        raise ValueError(f'color_mode must be "grayscale", "rgb", or "rgba"; got {color_mode!r}')
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif img.mode != "RGB":
        img = img.convert("RGB")
    if target_size is not None:
        size = (int(target_size[1]), int(target_size[0]))  # PIL: (width, height)
        if img.size != size:
            methods = _interpolation_methods()
            if interpolation not in methods:
                raise ValueError(f"Invalid interpolation method {interpolation!r} specified. "
                                 f"Supported methods are {', '.join(methods)}")
            resample = methods[interpolation]
            if keep_aspect_ratio:
                width, height = img.size
                crop_h = min(height, (width * size[1]) // size[0])
                crop_w = min(width, (height * size[0]) // size[1])
                h0 = (height - crop_h) // 2
                w0 = (width - crop_w) // 2
                img = img.resize(size, resample, box=[w0, h0, w0 + crop_w, h0 + crop_h])
            else:
                img = img.resize(size, resample)
    return img


# --------------------------------------------------------------------------
# Transforms
# --------------------------------------------------------------------------

def flip_axis(x, axis):
    """Returns `x` reversed along `axis` (a new array)."""
    return np.flip(np.asarray(x), axis).copy()


def transform_matrix_offset_center(matrix, x, y):
    """Conjugates a 3x3 homogeneous matrix so it acts about the centre of an
    image whose first coordinate has extent `x` and second extent `y`."""
    o_x = float(x) / 2 - 0.5
    o_y = float(y) / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return np.dot(np.dot(offset, matrix), reset)


def _affine_matrix(theta, tx, ty, shear, zx, zy, h, w):
    """The (row, col) 2x3 sampling matrix of Keras' augmentation, or None for
    the identity. Built like tf.keras 2.x (rotation . shift . shear . zoom in
    (x=col, y=row) coordinates, then the axes swapped), except that `tx`
    shifts rows and `ty` columns (the documented meaning) and the centre is
    the true image centre also for non-square images."""
    m = None
    if theta != 0:
        t = np.deg2rad(theta)
        m = np.array([[np.cos(t), -np.sin(t), 0], [np.sin(t), np.cos(t), 0], [0, 0, 1]])
    if tx != 0 or ty != 0:
        s = np.array([[1, 0, ty], [0, 1, tx], [0, 0, 1]])
        m = s if m is None else np.dot(m, s)
    if shear != 0:
        sh = np.deg2rad(shear)
        s = np.array([[1, -np.sin(sh), 0], [0, np.cos(sh), 0], [0, 0, 1]])
        m = s if m is None else np.dot(m, s)
    if zx != 1 or zy != 1:
        s = np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        m = s if m is None else np.dot(m, s)
    if m is None:
        return None
    m = transform_matrix_offset_center(m, w, h)
    m[:, [0, 1]] = m[:, [1, 0]]
    m[[0, 1]] = m[[1, 0]]
    return m[:2]


# Spline interpolation orders and, per fill mode, the boundary rule SciPy's
# prefilter uses ('mirror': whole-sample symmetric, 'reflect': half-sample
# symmetric); 'nearest' is first padded by _NEAREST_PAD edge copies.
_ORDERS = range(6)
_SPLINE_BOUNDARY = {"nearest": "reflect", "reflect": "reflect", "wrap": "mirror",
                    "constant": "mirror"}
_NEAREST_PAD = 12


def _check_order(order, name="order"):
    """Spline orders are the ints 0..5 (what scipy.ndimage accepts)."""
    if (isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, np.integer))
            or int(order) not in _ORDERS):
        raise ValueError(f"`{name}` must be an int in [0, 5] (the spline order of the "
                         f"affine transform), got {order!r}")
    return int(order)


def _spline_poles(order):
    """Poles of the B-spline prefilter (Unser, Aldroubi & Eden, 1991)."""
    if order == 2:
        return [np.sqrt(8.0) - 3.0]
    if order == 3:
        return [np.sqrt(3.0) - 2.0]
    if order == 4:
        return [np.sqrt(664.0 - np.sqrt(438976.0)) + np.sqrt(304.0) - 19.0,
                np.sqrt(664.0 + np.sqrt(438976.0)) - np.sqrt(304.0) - 19.0]
    return [np.sqrt(67.5 - np.sqrt(4436.25)) + np.sqrt(26.25) - 6.5,
            np.sqrt(67.5 + np.sqrt(4436.25)) - np.sqrt(26.25) - 6.5]


def _spline_filter_lines(c, order, boundary):
    """In-place prefilter of the lines c[..., :] (float64), see csrc/ck_image.c."""
    n = c.shape[-1]
    if n < 2:
        return
    poles = _spline_poles(order)
    gain = 1.0
    for z in poles:
        gain *= (1.0 - z) * (1.0 - 1.0 / z)
    c *= gain
    for z in poles:
        if boundary == "mirror":
            zn1 = z ** (n - 1)
            s = c[..., 0] + zn1 * c[..., n - 1]
            zk = z
            for k in range(1, n - 1):
                s = s + zk * (c[..., k] + zn1 * c[..., n - 1 - k])
                zk *= z
            c[..., 0] = s / (1.0 - zn1 * zn1)
        else:
            # half-sample symmetric, including SciPy's reuse of the partial
            # sum in the last term (see causal_start_reflect in the C file)
            zn = z ** n
            part = c[..., 0] + zn * c[..., n - 1]
            zk = z
            for k in range(1, n - 1):
                part = part + zk * (c[..., k] + zn * c[..., n - 1 - k])
                zk *= z
            s = part + zk * (c[..., n - 1] + zn * part)
            c[..., 0] = c[..., 0] + s * (z / (1.0 - zn * zn))
        for k in range(1, n):
            c[..., k] += z * c[..., k - 1]
        if boundary == "mirror":
            c[..., n - 1] = (z * c[..., n - 2] + c[..., n - 1]) * z / (z * z - 1.0)
        else:
            c[..., n - 1] *= z / (z - 1.0)
        for k in range(n - 2, -1, -1):
            c[..., k] = z * (c[..., k + 1] - c[..., k])


def spline_filter_reference(x, order, fill_mode="mirror"):
    """NumPy reference of the B-spline prefilter of a 2-D image.

    Gives `scipy.ndimage.spline_filter(x, order, mode=...)` for `fill_mode`
    'mirror' (whole-sample symmetric, SciPy's rule for 'wrap' and
    'constant') or 'reflect' (half-sample symmetric, used for 'reflect' and,
    after padding, 'nearest'). Returns a new float64 array.
    """
    if fill_mode not in ("mirror", "reflect"):
        raise ValueError(f"fill_mode must be 'mirror' or 'reflect', got {fill_mode!r}")
    if order not in (2, 3, 4, 5):
        raise ValueError(f"order must be in [2, 5], got {order!r}")
    c = np.array(x, dtype=np.float64)
    if c.ndim != 2:
        raise ValueError(f"x must be 2-D, got shape {c.shape}")
    _spline_filter_lines(c.T, order, fill_mode)  # along the rows axis first
    _spline_filter_lines(c, order, fill_mode)
    return c


def _bspline_reference(y, order):
    """Centred B-spline of `order` (1..5) at distances y >= 0."""
    if order == 1:
        return np.where(y < 1, 1 - y, 0.0)
    if order == 2:
        return np.where(y < 0.5, 0.75 - y * y,
                        np.where(y < 1.5, 0.5 * (1.5 - y) ** 2, 0.0))
    if order == 3:
        return np.where(y < 1, (y * y * (3 * y - 6) + 4) / 6,
                        np.where(y < 2, (2 - y) ** 3 / 6, 0.0))
    if order == 4:
        t = y * y
        inner = t * (0.25 * t - 0.625) + 115 / 192
        mid = y * (y * (y * (5 - y) / 6 - 1.25) + 5 / 24) + 55 / 96
        return np.where(y < 0.5, inner, np.where(y < 1.5, mid,
                                                 np.where(y < 2.5, (2.5 - y) ** 4 / 24, 0.0)))
    t = y * y
    inner = t * (t * (0.25 - y / 12) - 0.5) + 0.55
    mid = y * (y * (y * (y * (y / 24 - 0.375) + 1.25) - 1.75) + 0.625) + 0.425
    return np.where(y < 1, inner, np.where(y < 2, mid, np.where(y < 3, (3 - y) ** 5 / 120, 0.0)))


def _fold_reference(c, n, mode):
    """Vectorised coordinate folding per fill mode (see csrc/ck_image.c):
    the folded coordinates and a mask of those that are not the fill value."""
    c = np.array(c, dtype=np.float64)
    ok = np.isfinite(c)
    c = np.where(ok, c, 0.0)
    if mode == "nearest":  # not folded (the taps are clamped), only bounded
        return np.clip(c, -1e9, 1e9 + n), ok
    if mode == "constant":
        return c, ok & (c >= 0) & (c <= n - 1)
    out = c.copy()
    lo, hi = c < 0, c > n - 1
    if n <= 1:
        out[lo | hi] = 0.0
        return out, ok
    # From 2**52 on SciPy's truncated quotient overflows; there the remainder
    # is taken exactly with fmod (as csrc/ck_image.c does).
    big = np.abs(c) > 2.0 ** 52
    if mode == "wrap":  # SciPy's period n - 1, truncating integer arithmetic
        p = n - 1
        out[lo] = c[lo] + p * (np.trunc(-c[lo] / p) + 1)
        out[hi] = c[hi] - p * np.trunc(c[hi] / p)
        r = np.fmod(c[big], p)
        out[big] = np.where(c[big] < 0, r + p, r)
        return out, ok
    p = 2 * n  # reflect: half-sample symmetric
    c = np.where(big, np.fmod(c, p), c)
    out, lo, hi = c.copy(), c < 0, c > n - 1
    v = c[lo]
    far = v < -p
    v[far] = p * np.trunc(-v[far] / p) + v[far]
    out[lo] = np.where(v < -n, v + p, np.where(v > -1e-15, 1e-15, -v) - 1)
    v = c[hi] - p * np.trunc(c[hi] / p)
    out[hi] = np.where(v >= n, p - v - 1, v)
    return out, ok


def _tap_reference(k, n, mode):
    """In-range sample index of spline taps k along an axis of length n."""
    if n <= 1:
        return np.zeros_like(k)
    if mode == "nearest":
        return np.clip(k, 0, n - 1)
    if mode == "reflect":
        k = np.mod(k, 2 * n)
        return np.where(k < n, k, 2 * n - 1 - k)
    k = np.mod(k, 2 * n - 2)  # whole-sample symmetric ('wrap', 'constant')
    return np.where(k < n, k, 2 * n - 2 - k)


def _taps_reference(c, n, order, mode):
    c, ok = _fold_reference(c, n, mode)
    c = np.where(ok, c, 0.0)
    start = np.floor(c if order & 1 else c + 0.5).astype(np.intp) - order // 2
    k = start[..., None] + np.arange(order + 1)
    if order == 0:
        w = np.ones(k.shape)
    else:
        w = _bspline_reference(np.abs(c[..., None] - k), order)
    return _tap_reference(k, n, mode), w, ok


def affine_transform_reference(x, matrix, offset, fill_mode="nearest", cval=0.0, order=1):
    """NumPy reference of the affine resampling of one 2-D channel.

    Output pixel `(i, j)` samples `x` at `matrix @ (i, j) + offset` with a
    spline of `order` (0..5) and SciPy's rules for `fill_mode`; same results
    as `scipy.ndimage.affine_transform(x, matrix, offset, order=order,
    mode=fill_mode, cval=cval)` (prefilter included). Returns an array of
    x's shape and dtype.
    """
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"x must be 2-D, got shape {x.shape}")
    if fill_mode not in _FILL_CODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    order = _check_order(order)
    h, w = x.shape
    coef = x.astype(np.float64)
    pad = 0
    if order > 1:
        if fill_mode == "nearest":
            pad = _NEAREST_PAD
            coef = np.pad(coef, pad, mode="edge")
        coef = spline_filter_reference(coef, order, _SPLINE_BOUNDARY[fill_mode])
    matrix = np.asarray(matrix, dtype=np.float64)
    i = np.arange(h, dtype=np.float64)[:, None]
    j = np.arange(w, dtype=np.float64)[None, :]
    r = (offset[0] + i * matrix[0, 0]) + j * matrix[0, 1] + pad
    c = (offset[1] + i * matrix[1, 0]) + j * matrix[1, 1] + pad
    rt, wr, okr = _taps_reference(r, coef.shape[0], order, fill_mode)
    ct, wc, okc = _taps_reference(c, coef.shape[1], order, fill_mode)
    t = np.zeros(r.shape)
    for a in range(order + 1):
        for b in range(order + 1):
            t += coef[rt[..., a], ct[..., b]] * wr[..., a] * wc[..., b]
    t = np.where(okr & okc, t, cval)
    return t.astype(x.dtype)


def _resample(x, m, channel_axis, fill_mode, cval, order=1):
    """Resample a 3-D float image (channel axis 0 or 2) through the 2x3
    matrix m with a spline of `order`; returns a new array of x's dtype."""
    if dispatch["affine"] == "c" and _ext_image is not None:
        cf = channel_axis == 0
        flat = (m[0, 0], m[0, 1], m[0, 2], m[1, 0], m[1, 1], m[1, 2])
        code = _FILL_CODES[fill_mode]
        if order == 1:
            return _ext_image.affine(np.ascontiguousarray(x), flat, code, float(cval), cf)
        if order == 0:
            return _ext_image.affine_spline(np.ascontiguousarray(x), flat, 0, code,
                                            float(cval), cf)
        pad = 0
        if fill_mode == "nearest":
            pad = _NEAREST_PAD
            widths = [(pad, pad)] * 3
            widths[channel_axis] = (0, 0)
            coef = np.pad(x.astype(np.float64), widths, mode="edge")
        else:
            coef = np.array(x, dtype=np.float64)  # a C-ordered copy we may filter in place
        _ext_image.spline_filter(coef, order, _ext_image.SPLINE_BOUNDARY[fill_mode], cf)
        return _ext_image.affine_spline(coef, flat, order, code, float(cval), cf, pad,
                                        x.dtype == np.float32)
    chans = np.moveaxis(x, channel_axis, 0)
    out = np.stack([affine_transform_reference(ch, m[:, :2], m[:, 2], fill_mode, cval, order)
                    for ch in chans], axis=0)
    return np.moveaxis(out, 0, channel_axis)


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1,
                           col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                           order=1):
    """Applies an affine transformation specified by the parameters given.

    Args:
        x: 3D NumPy array, a 2D image with one or more channels.
        theta: Rotation angle in degrees (positive = counter-clockwise as
            displayed).
        tx: Vertical shift in pixels (along `row_axis`; positive moves the
            content up).
        ty: Horizontal shift in pixels (along `col_axis`; positive moves the
            content left).
        shear: Shear angle in degrees.
        zx: Zoom along the columns (horizontal); > 1 zooms out.
        zy: Zoom along the rows (vertical); > 1 zooms out.
        row_axis, col_axis, channel_axis: Axes of x (channels first or last).
        fill_mode: One of `'constant'`, `'nearest'`, `'reflect'`, `'wrap'`.
        cval: Fill value for `fill_mode='constant'`.
        order: Spline interpolation order, an int in [0, 5]: 0 nearest
            neighbour, 1 linear (default), 2..5 B-splines with SciPy's
            prefilter. Results match `scipy.ndimage.affine_transform` (what
            Keras calls) for every order and fill mode; SciPy is not needed.

    Returns:
        The transformed image, a new array of x's shape (float inputs keep
        their dtype, others become float32).

    Raises:
        ValueError: for an image that is not rank 3, bad axes, an unknown
            fill_mode or an order that is not an int in [0, 5].
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError("Input arrays must be multi-channel 2D images (rank 3); "
                         f"got shape {x.shape}")
    if sorted((row_axis, col_axis, channel_axis)) != [0, 1, 2]:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be a "
                         f"permutation of 0, 1, 2; got {(row_axis, col_axis, channel_axis)}")
    if channel_axis not in (0, 2) or row_axis > col_axis:
        raise ValueError("Channels must be the first or last axis, with rows before columns.")
    if fill_mode not in _FILL_CODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    order = _check_order(order)
    if x.dtype not in (np.float32, np.float64):
        x = x.astype(np.float32)
    h, w = x.shape[row_axis], x.shape[col_axis]
    m = _affine_matrix(theta, tx, ty, shear, zx, zy, h, w)
    if m is None:
        return x.copy()
    return _resample(x, m, channel_axis, fill_mode, cval, order)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Adds `intensity` to every channel, clipped to the image's [min, max].

    Args:
        x: 3D NumPy array.
        intensity: Shift to add.
        channel_axis: Index of the channel axis (unused: the shift and the
            clip range are the same for every channel).

    Returns:
        A new array.
    """
    x = np.asarray(x)
    min_x, max_x = np.min(x), np.max(x)
    return np.clip(x + intensity, min_x, max_x).astype(x.dtype, copy=False)


def _pil_brightness(u8, factor):
    """PIL's ImageEnhance.Brightness on uint8 data, in NumPy: a blend with
    black computed in single precision and truncated to uint8."""
    t = np.float32(factor) * u8.astype(np.float32)
    return np.clip(t, 0, 255).astype(np.uint8)


def apply_brightness_shift(x, brightness, scale=True, channel_axis=-1):
    """Performs a brightness shift, exactly as Keras does through Pillow.

    The image is converted to 8 bits (values truncated; rescaled to [0, 255]
    first when `scale` or when its values leave [0, 255]), every colour
    channel is multiplied by `brightness` and truncated to [0, 255] (the alpha
    channel of a 4-channel image is kept), and the result is mapped back to
    the original range unless `scale`. Pillow is not needed.

    Args:
        x: 3D NumPy array with 1, 3 or 4 channels.
        brightness: Float, the brightness factor.
        scale: Whether to leave the result in [0, 255].
        channel_axis: Index of the channel axis.

    Returns:
        A new float array (`floatx()`).
    """
    x = np.array(x, dtype=floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got {x.shape}")
    x = np.moveaxis(x, channel_axis, -1)
    channels = x.shape[-1]
    if channels not in (1, 3, 4):
        raise ValueError(f"Unsupported channel number: {channels} (expected 1, 3 or 4)")
    x_min, x_max = np.min(x), np.max(x)
    local_scale = (x_min < 0) or (x_max > 255)
    if local_scale or scale:
        y = x - x_min
        m = np.max(y)
        if m != 0:
            y /= m
        y *= 255
    else:
        y = x
    u8 = y.astype(np.uint8)
    out = u8.copy()
    out[..., :3] = _pil_brightness(u8[..., :3], brightness)
    out = out.astype(floatx())
    if not scale and local_scale:
        out = out / 255 * (x_max - x_min) + x_min
    return np.moveaxis(out, -1, channel_axis)


# --------------------------------------------------------------------------
# Iterators
# --------------------------------------------------------------------------

class Iterator(Sequence):
    """Base class of the image batch iterators (a `ckeras.utils.Sequence`).

    `len(it)` is `ceil(n / batch_size)`; `it[i]` is batch `i` of the current
    index order (a permutation when `shuffle`, re-drawn by `on_epoch_end`);
    `next(it)` walks the batches forever, wrapping after the last partial
    batch. With a `seed`, `np.random` is seeded with `seed +
    total_batches_seen` before every batch, so the same seed gives the same
    batches (and the same random augmentations).

    Args:
        n: Number of samples.
        batch_size: Size of a batch.
        shuffle: Whether to shuffle the order every epoch.
        seed: Random seed (int or None).
    """

    white_list_formats = _WHITE_LIST_FORMATS

    def __init__(self, n, batch_size, shuffle, seed):
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        self.n = int(n)
        self.batch_size = int(batch_size)
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.arange(self.n)
        if self.shuffle:
            self.index_array = np.random.permutation(self.n)

    def __getitem__(self, idx):
        if idx >= len(self) or idx < -len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has "
                             f"length {len(self)}")
        if idx < 0:
            idx += len(self)
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        index_array = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(index_array)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current = 0 if self.n == 0 else (self.batch_index * self.batch_size) % self.n
            if self.n > current + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def next(self):
        """Returns the next batch (iteration never ends)."""
        with self.lock:
            index_array = next(self.index_generator)
        return self._get_batches_of_transformed_samples(index_array)

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError

    def _save_batch(self, batch_x, index_array, hash_range):
        for i, j in enumerate(index_array):
            img = array_to_img(batch_x[i], self.data_format, scale=True)
            fname = "{prefix}_{index}_{hash}.{format}".format(
                prefix=self.save_prefix, index=j, hash=np.random.randint(hash_range),
                format=self.save_format)
            img.save(os.path.join(self.save_to_dir, fname))


def _truthy(v):
    """Keras tests shift ranges by truthiness; arrays by being non-empty."""
    return v.size > 0 if isinstance(v, np.ndarray) else bool(v)


def _augment(generator, x):
    params = generator.get_random_transform(x.shape)
    x = generator.apply_transform(x, params)
    return generator._standardize(x)


class NumpyArrayIterator(Iterator):
    """Iterator yielding augmented batches from NumPy arrays.

    Args:
        x: Images, rank 4; or a tuple `(images, misc)` where `misc` is an
            array or a list of arrays passed through untouched (batches then
            hold `[images, *misc]`).
        y: Targets or None.
        image_data_generator: The `ImageDataGenerator` to use.
        batch_size: Size of a batch.
        shuffle: Whether to shuffle every epoch.
        sample_weight: Per-sample weights or None.
        seed: Random seed.
        data_format: `"channels_first"` or `"channels_last"`.
        save_to_dir: Optional directory where the augmented images are saved
            (needs Pillow).
        save_prefix: File name prefix of the saved images.
        save_format: File format of the saved images.
        subset: `"training"` or `"validation"` when the generator has a
            `validation_split`: validation is the FIRST `int(n * split)`
            samples, training the rest.
        ignore_class_split: Skip the check that both subsets hold the same
            classes.
        dtype: Dtype of the generated arrays.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, ignore_class_split=False,
                 dtype=None):
        data_format = _check_data_format(data_format)
        self.dtype = dtype or floatx()
        if isinstance(x, (tuple, list)):
            if len(x) != 2:
                raise ValueError("A tuple `x` must be `(images, misc_array_or_list)`.")
            misc = x[1]
            x_misc = [np.asarray(a) for a in misc] if isinstance(misc, list) else [np.asarray(misc)]
            x = x[0]
            for a in x_misc:
                if len(x) != len(a):
                    raise ValueError("All of the arrays in `x` should have the same length. "
                                     f"Found a pair with: len(x[0]) = {len(x)}, "
                                     f"len(x[?]) = {len(a)}")
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError("`x` (images tensor) and `y` (labels) should have the same "
                             f"length. Found: x.shape = {np.shape(x)}, y.shape = {np.shape(y)}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError("`x` (images tensor) and `sample_weight` should have the same "
                             f"length. Found: x.shape = {np.shape(x)}, "
                             f"sample_weight.shape = {np.shape(sample_weight)}")
        if subset is not None:
            if subset not in {"training", "validation"}:
                raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or '
                                 '"validation".')
            split_idx = int(len(x) * image_data_generator._validation_split)
            if (y is not None and not ignore_class_split
                    and not np.array_equal(np.unique(np.asarray(y)[:split_idx]),
                                           np.unique(np.asarray(y)[split_idx:]))):
                raise ValueError("Training and validation subsets have different number of "
                                 "classes after the split. If your numpy arrays are sorted "
                                 "by the label, you might want to shuffle them.")
            sl = slice(0, split_idx) if subset == "validation" else slice(split_idx, None)
            x = x[sl]
            x_misc = [a[sl] for a in x_misc]
            if y is not None:
                y = y[sl]
            if sample_weight is not None:
                sample_weight = sample_weight[sl]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError("Input data in `NumpyArrayIterator` should have rank 4. You "
                             f"passed an array with shape {self.x.shape}")
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in {1, 3, 4}:
            warnings.warn(
                f'NumpyArrayIterator is set to use the data format convention "{data_format}" '
                f"(channels on axis {channels_axis}), i.e. expected either 1, 3, or 4 channels "
                f"on axis {channels_axis}. However, it was passed an array with shape "
                f"{self.x.shape} ({self.x.shape[channels_axis]} channels).")
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        for i, j in enumerate(index_array):
            batch_x[i] = _augment(self.image_data_generator, self.x[j])
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, 10000)
        misc = [a[index_array] for a in self.x_misc]
        out_x = batch_x if not misc else [batch_x] + misc
        if self.y is None:
            return out_x
        if self.sample_weight is None:
            return out_x, self.y[index_array]
        return out_x, self.y[index_array], self.sample_weight[index_array]


def _iter_valid_files(directory, follow_links):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links),
                                 key=lambda t: t[0]):
        for fname in sorted(files):
            low = fname.lower()
            if low.endswith(".tiff"):
                warnings.warn('Using ".tiff" files with multiple bands will cause distortion. '
                              "Please verify your output.")
            if low.endswith(tuple("." + e for e in _WHITE_LIST_FORMATS)):
                yield root, fname


class _FilesIterator(Iterator):
    """Machinery shared by `DirectoryIterator` and `DataFrameIterator`: the
    reading settings, and batches of loaded, augmented and standardized
    images with targets per `class_mode`.

    Subclasses set `class_mode`, `classes` (a class index per sample, or a
    list of indices for multi-label samples), `class_indices`, the
    `filepaths`/`labels`/`sample_weight` properties, then call
    `Iterator.__init__`.
    """

    def _set_reading_attrs(self, image_data_generator, target_size, color_mode, data_format,
                           save_to_dir, save_prefix, save_format, subset, interpolation,
                           keep_aspect_ratio, dtype):
        if color_mode not in {"rgb", "rgba", "grayscale"}:
            raise ValueError(f'Invalid color mode: {color_mode!r}; expected "rgb", "rgba", '
                             'or "grayscale".')
        if len(tuple(target_size)) != 2:
            raise ValueError(f"target_size must be (height, width), got {target_size!r}")
        self.image_data_generator = image_data_generator
        self.target_size = tuple(int(v) for v in target_size)
        self.color_mode = color_mode
        self.keep_aspect_ratio = keep_aspect_ratio
        self.data_format = data_format
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode]
        self.image_shape = (self.target_size + (channels,) if data_format == "channels_last"
                            else (channels,) + self.target_size)
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        self.dtype = dtype or floatx()
        self.subset = subset
        if subset is not None:
            if subset not in {"training", "validation"}:
                raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or '
                                 '"validation"')
            v = image_data_generator._validation_split if image_data_generator else 0.0
            self.split = (0, v) if subset == "validation" else (v, 1)
        else:
            self.split = None

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        filepaths = self.filepaths
        for i, j in enumerate(index_array):
            img = load_img(filepaths[j], color_mode=self.color_mode,
                           target_size=self.target_size, interpolation=self.interpolation,
                           keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, data_format=self.data_format, dtype=self.dtype)
            if hasattr(img, "close"):
                img.close()
            if self.image_data_generator:
                x = _augment(self.image_data_generator, x)
            batch_x[i] = x
        if self.save_to_dir:
            self._save_batch(batch_x, index_array, int(1e7))
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in {"binary", "sparse"}:
            batch_y = np.array([self.classes[j] for j in index_array], dtype=self.dtype)
        elif self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            for i, j in enumerate(index_array):
                batch_y[i, self.classes[j]] = 1.0  # a list of indices: multi-hot
        elif self.class_mode == "multi_output":
            batch_y = [target[index_array] for target in self.labels]
        elif self.class_mode == "raw":
            batch_y = self.labels[index_array]
        else:
            return batch_x
        if self.sample_weight is None:
            return batch_x, batch_y
        return batch_x, batch_y, self.sample_weight[index_array]


class DirectoryIterator(_FilesIterator):
    """Iterator yielding augmented batches of images read from a directory.

    `directory` holds one subdirectory per class; every png/jpg/jpeg/bmp/ppm/
    tif/tiff file below it (recursively, sorted) is a sample of that class.
    Needs Pillow.

    Args:
        directory: Path to the directory.
        image_data_generator: The `ImageDataGenerator` to use (or None).
        target_size: `(height, width)` every image is resized to.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"` (1, 3 or 4 channels).
        classes: Optional list of class subdirectories (default: all, sorted).
        class_mode: `"categorical"` (one-hot), `"binary"`/`"sparse"` (1-D
            float labels), `"input"` (the images themselves) or None (no
            labels).
        batch_size, shuffle, seed: As in `Iterator`.
        data_format: `"channels_first"` or `"channels_last"`.
        save_to_dir, save_prefix, save_format: Optionally save the augmented
            images.
        follow_links: Whether to follow symbolic links.
        subset: `"training"` or `"validation"`: per class, validation is the
            first `int(n * validation_split)` files, training the rest.
        interpolation: Resampling used to reach `target_size`.
        keep_aspect_ratio: Centre-crop to the target aspect ratio first.
        dtype: Dtype of the generated arrays.

    Attributes:
        filenames, classes (int32), samples, num_classes, class_indices,
        filepaths, labels.
    """

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, data_format=None, save_to_dir=None, save_prefix="",
                 save_format="png", follow_links=False, subset=None, interpolation="nearest",
                 keep_aspect_ratio=False, dtype=None):
        data_format = _check_data_format(data_format)
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"flow_from_directory: directory not found: {directory!r}")
        self._set_reading_attrs(image_data_generator, target_size, color_mode, data_format,
                                save_to_dir, save_prefix, save_format, subset, interpolation,
                                keep_aspect_ratio, dtype)
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode!r}; expected one of: "
                             '"categorical", "binary", "sparse", "input", None')
        self.directory = directory
        self.class_mode = class_mode
        if not classes:
            classes = [d for d in sorted(os.listdir(directory))
                       if os.path.isdir(os.path.join(directory, d))]
        else:
            for c in classes:
                if not os.path.isdir(os.path.join(directory, c)):
                    raise FileNotFoundError(f"class directory not found: "
                                            f"{os.path.join(directory, c)!r}")
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames = []
        labels = []
        for name in classes:
            sub = os.path.join(directory, name)
            files = list(_iter_valid_files(sub, follow_links))
            if self.split:
                n = len(files)
                files = files[int(self.split[0] * n):int(self.split[1] * n)]
            for root, fname in files:
                self.filenames.append(os.path.join(
                    name, os.path.relpath(os.path.join(root, fname), sub)))
                labels.append(self.class_indices[name])
        self.samples = len(self.filenames)
        self.classes = np.array(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        """List of the paths of the image files."""
        return self._filepaths

    @property
    def labels(self):
        """Class index of every sample."""
        return self.classes

    @property
    def sample_weight(self):
        return None


def _df_column(df, col):
    """Column `col` of a DataFrame-like object (anything with `df[col]`)."""
    try:
        return df[col]
    except (KeyError, IndexError, TypeError):
        raise KeyError(f"Column {col!r} not found in the dataframe.") from None


def _column_list(column):
    """A column's values as a Python list (pandas' `tolist()` when present)."""
    tolist = getattr(column, "tolist", None)
    return list(tolist()) if callable(tolist) else list(column)


def _column_array(column):
    """A column's values as an array (pandas' `.values` when present)."""
    values = getattr(column, "values", None)
    if values is not None and not callable(values):
        return np.asarray(values)
    return np.asarray(_column_list(column))


def _column_is_numeric(column):
    dtype = getattr(column, "dtype", None)
    if dtype is None:
        dtype = _column_array(column).dtype
    return issubclass(getattr(dtype, "type", object), np.number)


class DataFrameIterator(_FilesIterator):
    """Iterator yielding augmented batches of images listed in a dataframe.

    The dataframe is only indexed by column name (`dataframe[col]`, then
    `tolist()`/`.values` or plain iteration), so a pandas DataFrame works
    and so does e.g. a dict of equal-length lists; pandas is never imported.
    Rows keep the dataframe's order (shuffled per epoch when `shuffle`).
    Needs Pillow to read the images.

    Args:
        dataframe: The table of samples.
        directory: Directory the file names are relative to, or None when
            `x_col` holds absolute paths (an absolute path is used as is
            either way).
        image_data_generator: The `ImageDataGenerator` to use (or None).
        x_col: Column of file names (strings).
        y_col: Column of targets, or a list of columns (`"raw"`,
            `"multi_output"`).
        weight_col: Optional column of (numeric) sample weights; batches
            then carry them as a third element (not with `class_mode=None`).
        target_size: `(height, width)` every image is resized to.
        color_mode: `"grayscale"`, `"rgb"` or `"rgba"`.
        classes: Optional list of classes to keep, in class-index order;
            rows whose label is not among them are dropped (and labels
            outside them removed from multi-label rows). Default: the sorted
            unique labels.
        class_mode: How `y_col` becomes targets:
            `"categorical"` (default): one-hot float rows; a label may be a
                string or a list/tuple of strings (multi-hot).
            `"binary"`: float 0/1 class index of string labels, exactly two
                classes.
            `"sparse"`: float class index of string labels.
            `"raw"`: the values of `y_col` (one column or several) as is.
            `"multi_output"`: a list with one array per column of `y_col`
                (which must be a list).
            `"input"`: the images themselves. None: images only.
        batch_size, shuffle, seed: As in `Iterator`.
        data_format: `"channels_first"` or `"channels_last"`.
        save_to_dir, save_prefix, save_format: Optionally save the augmented
            images.
        subset: `"training"` or `"validation"`: validation is the first
            `int(n * validation_split)` rows (after filtering), training the
            rest.
        interpolation: Resampling used to reach `target_size`.
        keep_aspect_ratio: Centre-crop to the target aspect ratio first.
        dtype: Dtype of the generated arrays.
        validate_filenames: Drop (with a warning) rows whose file does not
            exist or does not end in a supported image extension
            (png/jpg/jpeg/bmp/ppm/tif/tiff, case-insensitive; tf-keras does
            not require the dot before the extension, ckeras does).

    Attributes:
        filenames (of the kept rows), filepaths, samples, classes (class
        index, or list of indices, per sample; None without classes),
        class_indices (class name -> index; empty without classes), labels
        (`classes`, or the targets of `"raw"`/`"multi_output"`),
        sample_weight.

    Raises:
        ValueError: for an unknown class_mode/color_mode/subset, or not two
            classes with `"binary"`.
        TypeError: for non-string file names, labels of the wrong type for
            the class_mode, a non-list `y_col` with `"multi_output"`, or
            non-numeric weights.
        KeyError: for a missing column.
    """

    allowed_class_modes = {"binary", "categorical", "input", "multi_output", "raw", "sparse",
                           None}

    def __init__(self, dataframe, directory=None, image_data_generator=None, x_col="filename",
                 y_col="class", weight_col=None, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True,
                 seed=None, data_format="channels_last", save_to_dir=None, save_prefix="",
                 save_format="png", subset=None, interpolation="nearest",
                 keep_aspect_ratio=False, dtype="float32", validate_filenames=True):
        data_format = _check_data_format(data_format)
        self._set_reading_attrs(image_data_generator, target_size, color_mode, data_format,
                                save_to_dir, save_prefix, save_format, subset, interpolation,
                                keep_aspect_ratio, dtype)
        self.directory = directory or ""
        self.class_mode = class_mode
        with_classes = class_mode not in ("input", "multi_output", "raw", None)
        fnames, labels, weights = self._read_columns(dataframe, x_col, y_col, weight_col,
                                                     classes)
        rows = list(range(len(fnames)))
        if validate_filenames:
            rows = [r for r in rows if _is_valid_image_path(
                os.path.join(self.directory, fnames[r]))]
            n_invalid = len(fnames) - len(rows)
            if n_invalid:
                warnings.warn(f'Found {n_invalid} invalid image filename(s) in x_col="{x_col}". '
                              "These filename(s) will be ignored.")
        if with_classes:
            rows, labels, classes = self._filter_classes(rows, labels, classes)
            self.class_indices = dict(zip(classes, range(len(classes))))
        else:
            self.class_indices = {}
        if self.split:
            n = len(rows)
            rows = rows[int(self.split[0] * n):int(self.split[1] * n)]
        if with_classes:
            self.classes = [[self.class_indices[c] for c in labels[r]]
                            if isinstance(labels[r], (list, tuple))
                            else self.class_indices[labels[r]] for r in rows]
        else:
            self.classes = None
        self.filenames = [fnames[r] for r in rows]
        self._sample_weight = None if weights is None else weights[rows]
        self._targets = None
        if class_mode == "multi_output":
            self._targets = [np.array([col[r] for r in rows]) for col in labels]
        elif class_mode == "raw":
            self._targets = labels[rows]
        self.samples = len(self.filenames)
        state = "validated" if validate_filenames else "non-validated"
        if with_classes:
            print(f"Found {self.samples} {state} image filenames belonging to "
                  f"{len(classes)} classes.")
        else:
            print(f"Found {self.samples} {state} image filenames.")
        self._filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    def _read_columns(self, df, x_col, y_col, weight_col, classes):
        """Checks the arguments against the dataframe (tf-keras' checks, in
        its order) and returns file names, labels and weights."""
        mode = self.class_mode
        if mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {mode!r}; expected one of: "
                             '"binary", "categorical", "input", "multi_output", "raw", '
                             '"sparse", None')
        if mode == "multi_output" and not isinstance(y_col, list):
            raise TypeError(f'If class_mode="{mode}", y_col must be a list. '
                            f"Received {type(y_col).__name__}.")
        fnames = _column_list(_df_column(df, x_col))
        if not all(isinstance(f, str) for f in fnames):
            raise TypeError(f"All values in column x_col={x_col} must be strings.")
        n = len(fnames)
        labels = None
        if mode in {"binary", "sparse", "categorical"}:
            labels = _column_list(_df_column(df, y_col))
            if mode in {"binary", "sparse"} and not all(isinstance(v, str) for v in labels):
                raise TypeError(f'If class_mode="{mode}", y_col="{y_col}" column values must '
                                "be strings.")
            if mode == "binary":
                if classes:
                    if len(set(classes)) != 2:
                        raise ValueError('If class_mode="binary" there must be 2 classes. '
                                         f"{len(set(classes))} class/es were given.")
                elif len(set(labels)) != 2:
                    raise ValueError('If class_mode="binary" there must be 2 classes. '
                                     f"Found {len(set(labels))} classes.")
            if mode == "categorical" and not all(isinstance(v, (str, list, tuple))
                                                 for v in labels):
                raise TypeError(f'If class_mode="{mode}", y_col="{y_col}" column values must '
                                "be type string, list or tuple.")
        elif mode == "multi_output":
            labels = [_column_list(_df_column(df, c)) for c in y_col]
        elif mode == "raw":
            if isinstance(y_col, (list, tuple)):
                labels = np.stack([_column_array(_df_column(df, c)) for c in y_col], axis=1)
            else:
                labels = _column_array(_df_column(df, y_col))
        if classes and mode in {"input", "multi_output", "raw", None}:
            warnings.warn(f'`classes` will be ignored given the class_mode="{mode}"')
        weights = None
        if weight_col:
            column = _df_column(df, weight_col)
            if not _column_is_numeric(column):
                raise TypeError(f"Column weight_col={weight_col} must be numeric.")
            weights = _column_array(column)
        for name, vals in (("y_col", labels if mode != "multi_output" else None),
                           ("weight_col", weights)):
            if vals is not None and len(vals) != n:
                raise ValueError(f"Column {name} has {len(vals)} values, x_col={x_col!r} "
                                 f"has {n}.")
        if mode == "multi_output" and any(len(v) != n for v in labels):
            raise ValueError(f"The y_col columns must have {n} values like x_col={x_col!r}.")
        return fnames, labels, weights

    @staticmethod
    def _filter_classes(rows, labels, classes):
        """Restrict the labels to `classes` (dropping rows left without one)
        or collect the sorted unique labels; returns rows, labels, classes."""
        if classes:
            classes = list(dict.fromkeys(classes))
            keep = set(classes)
            labels = list(labels)
            kept = []
            for r in rows:
                if isinstance(labels[r], (list, tuple)):
                    labels[r] = [c for c in labels[r] if c in keep]
                    if not labels[r]:
                        continue
                elif labels[r] not in keep:
                    continue
                kept.append(r)
            return kept, labels, classes
        found = set()
        for r in rows:
            if isinstance(labels[r], (list, tuple)):
                found.update(labels[r])
            else:
                found.add(labels[r])
        return rows, labels, sorted(found)

    @property
    def filepaths(self):
        """List of the paths of the image files."""
        return self._filepaths

    @property
    def labels(self):
        """`classes`, or the targets of class_mode "raw"/"multi_output"."""
        if self.class_mode in {"multi_output", "raw"}:
            return self._targets
        return self.classes

    @property
    def sample_weight(self):
        return self._sample_weight


def _is_valid_image_path(path):
    return (path.lower().endswith(tuple("." + e for e in _WHITE_LIST_FORMATS))
            and os.path.isfile(path))


# --------------------------------------------------------------------------
# ImageDataGenerator
# --------------------------------------------------------------------------

class ImageDataGenerator:
    """Generates batches of image data with real-time data augmentation.

    Args:
        featurewise_center: Set the dataset mean (per channel, from `fit`) to 0.
        samplewise_center: Set each sample's mean to 0.
        featurewise_std_normalization: Divide by the dataset std (per
            channel, from `fit`); turns `featurewise_center` on.
        samplewise_std_normalization: Divide each sample by its std; turns
            `samplewise_center` on.
        zca_whitening: Apply ZCA whitening (from `fit`); turns
            `featurewise_center` on and `featurewise_std_normalization` off.
        zca_epsilon: Epsilon of the ZCA whitening.
        rotation_range: Degrees; the angle is drawn from U(-r, r).
        width_shift_range: Horizontal shift (moves the image along its
            columns). float < 1: fraction of the width; float >= 1: pixels,
            drawn from U(-r, r); int: integer pixels from
            `choice(r) * choice([-1, 1])`; 1-D array-like: a random element
            times a random sign.
        height_shift_range: Vertical shift (along the rows), same forms.
            Note: tf.keras 2.x (tf_keras included) swaps the two shift axes,
            so there height_shift_range moves the image horizontally and
            width_shift_range vertically; ckeras implements the documented
            meaning, as classic Keras did.
        brightness_range: Tuple or list of two floats; the brightness factor
            is drawn from U(a, b).
        shear_range: Shear angle in degrees, drawn from U(-s, s).
        zoom_range: Float z for [1 - z, 1 + z], or `[lower, upper]`; the
            horizontal and vertical zooms are drawn independently.
        channel_shift_range: Intensity drawn from U(-c, c) added to every
            channel, clipped to the image's range.
        fill_mode: One of `'constant'`, `'nearest'`, `'reflect'`, `'wrap'`:
            how points outside the image are filled.
        cval: Fill value for `fill_mode='constant'`.
        horizontal_flip: Randomly flip images horizontally (p = 0.5).
        vertical_flip: Randomly flip images vertically (p = 0.5).
        rescale: Factor multiplied into the data before any other
            standardisation (None or 0: none).
        preprocessing_function: Function applied to each image (rank 3) after
            augmentation and before the rest of `standardize`.
        data_format: `"channels_first"` or `"channels_last"`; None means
            `ckeras.backend.image_data_format()`.
        validation_split: Fraction of the data reserved for validation
            (strictly between 0 and 1), selected with `subset=`.
        interpolation_order: Spline order of the affine transform, an int in
            [0, 5] (0 nearest neighbour, 1 linear, 2..5 B-splines), with
            the results of `scipy.ndimage.affine_transform` at that order.
        dtype: Dtype of the generated arrays; None means `floatx()`.

    Example:
        >>> datagen = ImageDataGenerator(rotation_range=20, horizontal_flip=True)
        >>> datagen.fit(x_train)
        >>> model.fit(datagen.flow(x_train, y_train, batch_size=32), epochs=5)
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None,
                 shear_range=0.0, zoom_range=0.0, channel_shift_range=0.0,
                 fill_mode="nearest", cval=0.0, horizontal_flip=False, vertical_flip=False,
                 rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.zoom_range = zoom_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype or floatx()
        self.interpolation_order = _check_order(interpolation_order, "interpolation_order")

        if fill_mode not in _FILL_CODES:
            raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
        if data_format is None:
            data_format = image_data_format()
        if data_format not in {"channels_last", "channels_first"}:
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and '
                             'column) or `"channels_first"` (channel before row and column). '
                             f"Received: {data_format}")
        self.data_format = data_format
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError("`validation_split` must be strictly between 0 and 1. "
                             f" Received: {validation_split}")
        self._validation_split = validation_split

        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None

        if isinstance(zoom_range, (float, int)) and not isinstance(zoom_range, bool):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif (len(zoom_range) == 2
              and all(isinstance(v, (float, int)) for v in zoom_range)):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError("`zoom_range` should be a float or a tuple or list of two "
                             f"floats. Received: {zoom_range}")
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which "
                              "overrides setting of `featurewise_center`.")
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which "
                              "overrides setting of `featurewise_std_normalization`.")
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, "
                          "which overrides setting of `featurewise_center`.")
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, "
                          "which overrides setting of `samplewise_center`.")
        if brightness_range is not None:
            if not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2:
                raise ValueError("`brightness_range should be tuple or list of two floats. "
                                 f"Received: {brightness_range}")
        self.brightness_range = brightness_range

    # -- batch providers ---------------------------------------------------

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False,
             subset=None):
        """Takes data & label arrays, generates batches of augmented data.

        Args:
            x: Images (rank 4), or a tuple `(images, misc)` whose misc array(s)
                pass through unchanged.
            y: Labels or None.
            batch_size: Size of a batch (default 32).
            shuffle: Whether to shuffle (default True).
            sample_weight: Sample weights or None.
            seed: Random seed.
            save_to_dir: Optional directory where the augmented images are
                saved.
            save_prefix: File name prefix for saved images.
            save_format: File format for saved images ("png", "jpeg", ...).
            ignore_class_split: Skip the same-classes check of `subset`.
            subset: `"training"` or `"validation"` (needs `validation_split`).

        Returns:
            A `NumpyArrayIterator` yielding `x`, `(x, y)` or
            `(x, y, sample_weight)` batches.
        """
        return NumpyArrayIterator(
            x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
            seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
            save_prefix=save_prefix, save_format=save_format,
            ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32,
                            shuffle=True, seed=None, save_to_dir=None, save_prefix="",
                            save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False):
        """Takes the path to a directory and generates batches of augmented data.

        See `DirectoryIterator` for the arguments. Needs Pillow.

        Returns:
            A `DirectoryIterator` yielding `(x, y)` batches (`x` only when
            `class_mode` is None).
        """
        return DirectoryIterator(
            directory, self, target_size=target_size, color_mode=color_mode,
            keep_aspect_ratio=keep_aspect_ratio, classes=classes, class_mode=class_mode,
            data_format=self.data_format, batch_size=batch_size, shuffle=shuffle, seed=seed,
            save_to_dir=save_to_dir, save_prefix=save_prefix, save_format=save_format,
            follow_links=follow_links, subset=subset, interpolation=interpolation,
            dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, directory=None, x_col="filename", y_col="class",
                            weight_col=None, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32,
                            shuffle=True, seed=None, save_to_dir=None, save_prefix="",
                            save_format="png", subset=None, interpolation="nearest",
                            validate_filenames=True, **kwargs):
        """Takes a dataframe of image file names (and targets) and generates
        batches of augmented data.

        `dataframe` may be a pandas DataFrame or any object whose
        `dataframe[column]` gives the column's values (e.g. a dict of
        lists); pandas is not needed. See `DataFrameIterator` for the
        arguments. Needs Pillow.

        Deprecated tf-keras keywords are accepted with a DeprecationWarning
        and no effect (`has_ext`, `sort`, `drop_duplicates`), and
        `class_mode="other"` means `"raw"`.

        Returns:
            A `DataFrameIterator` yielding `(x, y)` batches, `(x, y,
            sample_weight)` with a `weight_col`, or `x` when `class_mode` is
            None.
        """
        for key, what in (("has_ext", "has_ext is deprecated, filenames in the dataframe "
                                      "have to match the exact filenames in disk."),
                          ("sort", "sort is deprecated, batches will be created in the same "
                                   "order than the filenames provided if shuffle is set to "
                                   "False."),
                          ("drop_duplicates", "drop_duplicates is deprecated, you can drop "
                                              "duplicates by using the "
                                              "pandas.DataFrame.drop_duplicates method.")):
            if key in kwargs:
                kwargs.pop(key)
                warnings.warn(what, DeprecationWarning)
        if kwargs:
            raise TypeError("flow_from_dataframe() got unexpected keyword argument(s): "
                            f"{', '.join(sorted(kwargs))}")
        if class_mode == "other":
            warnings.warn('`class_mode` "other" is deprecated, please use `class_mode` "raw".',
                          DeprecationWarning)
            class_mode = "raw"
        return DataFrameIterator(
            dataframe, directory, self, x_col=x_col, y_col=y_col, weight_col=weight_col,
            target_size=target_size, color_mode=color_mode, classes=classes,
            class_mode=class_mode, data_format=self.data_format, batch_size=batch_size,
            shuffle=shuffle, seed=seed, save_to_dir=save_to_dir, save_prefix=save_prefix,
            save_format=save_format, subset=subset, interpolation=interpolation,
            validate_filenames=validate_filenames, dtype=self.dtype)

    # -- normalisation -----------------------------------------------------

    def standardize(self, x):
        """Applies the normalization configuration to a batch or an image.

        Order: `preprocessing_function`, `rescale`, samplewise centre,
        samplewise std, featurewise centre, featurewise std, ZCA. Unlike
        Keras (which works in place), the argument is never modified: a new
        array is returned.

        Args:
            x: Batch of inputs (or a single image) to be normalized.

        Returns:
            The inputs, normalized.
        """
        return self._standardize(np.array(x, dtype=np.result_type(np.asarray(x).dtype,
                                                                  np.float32)))

    def _standardize(self, x):
        """`standardize` working in place on an array it owns."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it "
                              "hasn't been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.")
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                warnings.warn("This ImageDataGenerator specifies "
                              "`featurewise_std_normalization`, but it hasn't been fit on any "
                              "training data. Fit it first by calling `.fit(numpy_data)`.")
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat_x = x.reshape(-1, np.prod(x.shape[-3:]))
                x = np.reshape(flat_x @ self.zca_whitening_matrix, x.shape)
            else:
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, but it "
                              "hasn't been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.")
        return x

    # -- augmentation ------------------------------------------------------

    @staticmethod
    def _draw_shift(value, size):
        try:  # int or 1-D array-like
            s = np.random.choice(value)
            s *= np.random.choice([-1, 1])
        except ValueError:  # float
            s = np.random.uniform(-value, value)
        if np.max(value) < 1:
            s *= size
        return s

    def get_random_transform(self, img_shape, seed=None):
        """Generates random parameters for a transformation.

        Draws from `np.random` in Keras' order, so a seed gives Keras'
        parameters.

        Args:
            img_shape: Shape of the image (rank 3).
            seed: Random seed.

        Returns:
            A dict with keys `'theta'` (degrees), `'tx'` (vertical shift, from
            height_shift_range), `'ty'` (horizontal shift, from
            width_shift_range), `'shear'`, `'zx'`, `'zy'`, `'flip_horizontal'`,
            `'flip_vertical'`, `'channel_shift_intensity'`, `'brightness'`.
        """
        if len(img_shape) != 3:
            raise ValueError(f"img_shape must be the shape of one image (rank 3), got {img_shape}")
        img_row_axis = self.row_axis - 1
        img_col_axis = self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = (np.random.uniform(-self.rotation_range, self.rotation_range)
                 if self.rotation_range else 0)
        tx = (self._draw_shift(self.height_shift_range, img_shape[img_row_axis])
              if _truthy(self.height_shift_range) else 0)
        ty = (self._draw_shift(self.width_shift_range, img_shape[img_col_axis])
              if _truthy(self.width_shift_range) else 0)
        shear = np.random.uniform(-self.shear_range, self.shear_range) if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(-self.channel_shift_range,
                                                        self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift_intensity, "brightness": brightness}

    def _check_image(self, x):
        x = np.asarray(x)
        if x.ndim != 3:
            raise ValueError("Expected a single image of rank 3 "
                             f"({'(H, W, C)' if self.data_format == 'channels_last' else '(C, H, W)'}"
                             f"), got an array of shape {x.shape}")
        return x

    def apply_transform(self, x, transform_parameters):
        """Applies a transformation to an image according to given parameters.

        Order: affine (rotation, shift, shear, zoom about the centre), channel
        shift, horizontal flip, vertical flip, brightness.

        Args:
            x: 3D array, a single image.
            transform_parameters: Dict as returned by `get_random_transform`
                (missing keys mean "no change"): `'theta'` degrees, `'tx'`
                vertical shift in pixels, `'ty'` horizontal shift in pixels,
                `'shear'` degrees, `'zx'`/`'zy'` horizontal/vertical zoom,
                `'flip_horizontal'`, `'flip_vertical'`,
                `'channel_shift_intensity'`, `'brightness'`.

        Returns:
            A transformed copy of the input (same shape); `x` is not modified.
        """
        x = self._check_image(x)
        img_row_axis = self.row_axis - 1
        img_col_axis = self.col_axis - 1
        img_channel_axis = self.channel_axis - 1
        p = transform_parameters
        x = apply_affine_transform(
            x, p.get("theta", 0), p.get("tx", 0), p.get("ty", 0), p.get("shear", 0),
            p.get("zx", 1), p.get("zy", 1), row_axis=img_row_axis, col_axis=img_col_axis,
            channel_axis=img_channel_axis, fill_mode=self.fill_mode, cval=self.cval,
            order=self.interpolation_order)
        if p.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, p["channel_shift_intensity"], img_channel_axis)
        if p.get("flip_horizontal", False):
            x = np.flip(x, img_col_axis)
        if p.get("flip_vertical", False):
            x = np.flip(x, img_row_axis)
        if p.get("brightness") is not None:
            x = apply_brightness_shift(x, p["brightness"], False, img_channel_axis)
        return np.ascontiguousarray(x)

    def random_transform(self, x, seed=None):
        """Applies a random transformation to an image.

        Args:
            x: 3D array, a single image.
            seed: Random seed.

        Returns:
            A randomly transformed copy of the input (same shape).
        """
        x = self._check_image(x)
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Fits the data generator to some sample data.

        Computes the statistics of `featurewise_center`,
        `featurewise_std_normalization` and `zca_whitening`; `rescale` is
        applied first (`preprocessing_function` is not).

        Args:
            x: Sample data of rank 4 (1, 3 or 4 channels expected).
            augment: Whether to fit on randomly augmented samples.
            rounds: Number of augmentation passes when `augment`.
            seed: Random seed.

        Raises:
            ValueError: if `x` is not rank 4.
        """
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError("Input to `.fit()` should have rank 4. Got array with shape: "
                             f"{x.shape}")
        if x.shape[self.channel_axis] not in {1, 3, 4}:
            warnings.warn(
                "Expected input to be images (as Numpy array) following the data format "
                f'convention "{self.data_format}" (channels on axis {self.channel_axis}), i.e. '
                f"expected either 1, 3 or 4 channels on axis {self.channel_axis}. However, it "
                f"was passed an array with shape {x.shape} ({x.shape[self.channel_axis]} "
                "channels).")
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            ax = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    ax[i + r * x.shape[0]] = self.random_transform(x[i])
            x = ax
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            flat_x = np.reshape(x, (n, -1))
            u, s, _ = np.linalg.svd(flat_x.T, full_matrices=False)
            s_inv = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv).dot(u.T)
