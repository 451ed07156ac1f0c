"""Affine transformations of single images: `apply_affine_transform` (on the
image kernels of `ckeras.kernels`, with the results of
`scipy.ndimage.affine_transform` for spline orders 0..5), channel and
brightness shifts, flips."""
import numpy as np

from ckeras.backend import floatx
from ckeras.kernels import kernels
from ckeras.kernels.codes import Fill, SplineBoundary

__all__ = ["apply_affine_transform", "apply_channel_shift", "apply_brightness_shift",
           "flip_axis", "transform_matrix_offset_center"]

FILL_MODES = ("nearest", "reflect", "wrap", "constant")


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
# prefilter uses (mirror: whole-sample symmetric, reflect: half-sample
# symmetric); 'nearest' is first padded by _NEAREST_PAD edge copies, as
# scipy.ndimage does.
_ORDERS = range(6)
_SPLINE_BOUNDARY = {Fill.NEAREST: SplineBoundary.REFLECT, Fill.REFLECT: SplineBoundary.REFLECT,
                    Fill.WRAP: SplineBoundary.MIRROR, Fill.CONSTANT: SplineBoundary.MIRROR}
_NEAREST_PAD = 12


def check_interpolation_order(order, name="order"):
    """Spline orders are the ints 0..5 (what scipy.ndimage accepts)."""
    if (isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, np.integer))
            or int(order) not in _ORDERS):
        raise ValueError(f"`{name}` must be an int in [0, 5] (the spline order of the "
                         f"affine transform), got {order!r}")
    return int(order)


def resample(x, m, channel_axis, fill_mode, cval, order=1):
    """Resample a 3-D float image (channel axis 0 or 2) through the 2x3
    matrix m with a spline of `order`: `scipy.ndimage.affine_transform` of
    every channel, prefilter included. Returns a new array of x's dtype.

    Output pixel `(i, j)` samples `x` at `m @ (i, j, 1)` in (row, column)
    coordinates; `apply_affine_transform` builds `m` from its parameters."""
    # The kernels take C-ordered, aligned, native images: copy any other.
    x = np.require(x, x.dtype.newbyteorder("="), ["C_CONTIGUOUS", "ALIGNED"])
    if x.size == 0:  # no pixel to sample (SciPy gives the empty image too)
        return x.copy()
    k = kernels()
    cf = channel_axis == 0
    flat = (m[0, 0], m[0, 1], m[0, 2], m[1, 0], m[1, 1], m[1, 2])
    mode = Fill[fill_mode.upper()]
    if order == 1:
        return k.affine(x, flat, mode, float(cval), cf)
    if order == 0:
        return k.affine_spline(x, flat, 0, mode, float(cval), cf)
    pad = 0
    if mode == Fill.NEAREST:
        pad = _NEAREST_PAD
        widths = [(pad, pad)] * 3
        widths[channel_axis] = (0, 0)
        coef = np.pad(x.astype(np.float64), widths, mode="edge")
    else:
        coef = np.array(x, dtype=np.float64)  # a copy we may filter in place
    k.spline_filter(coef, order, _SPLINE_BOUNDARY[mode], cf)
    return k.affine_spline(coef, flat, order, mode, float(cval), cf, pad,
                           x.dtype == np.float32)


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
        row_axis: Axis of the rows in `x`.
        col_axis: Axis of the columns in `x`.
        channel_axis: Axis of the channels in `x` (first or last).
        fill_mode: One of `'constant'`, `'nearest'`, `'reflect'`, `'wrap'`.
        cval: Fill value for `fill_mode='constant'`.
        order: Spline interpolation order, an int in [0, 5]: 0 nearest
            neighbour, 1 linear (default), 2..5 B-splines with SciPy's
            prefilter. Results match `scipy.ndimage.affine_transform` (what
            Keras calls) for every order and fill mode; SciPy is not needed.

    Returns:
        The transformed image, a new array of x's shape (float32 and float64
        inputs keep their precision, in native byte order; others become
        float32). Any memory layout is accepted, and an empty image gives an
        empty image.

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
    if fill_mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    order = check_interpolation_order(order)
    if x.dtype.kind == "f" and x.dtype.itemsize in (4, 8):
        x = x.astype(x.dtype.newbyteorder("="), copy=False)  # e.g. big-endian input
    else:
        x = x.astype(np.float32)
    h, w = x.shape[row_axis], x.shape[col_axis]
    m = _affine_matrix(theta, tx, ty, shear, zx, zy, h, w)
    if m is None:
        return x.copy()
    return resample(x, m, channel_axis, fill_mode, cval, order)


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
