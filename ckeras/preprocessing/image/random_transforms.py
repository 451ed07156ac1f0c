"""Random augmentations of one image, the Keras 2 functions
(`random_rotation`, `random_shift`, `random_shear`, `random_zoom`,
`random_channel_shift`, `random_brightness`): each draws its parameters from
NumPy's global random state, in the order Keras draws them, and applies the
transform of `affine.py`. Seed with `np.random.seed` for repeatable results."""
import numpy as np

from ckeras.preprocessing.image.affine import (
    apply_affine_transform,
    apply_brightness_shift,
    apply_channel_shift,
)

__all__ = ["random_rotation", "random_shift", "random_shear", "random_zoom",
           "random_channel_shift", "random_brightness"]


def _two_floats(value, name):
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
        raise ValueError(f"`{name}` should be a tuple or list of two floats. "
                         f"Received: {value!r}")
    return value


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                    cval=0.0, interpolation_order=1):
    """Rotates an image by an angle drawn from U(-rg, rg) degrees.

    Args:
        x: 3D NumPy array, one image.
        rg: Rotation range, in degrees.
        row_axis: Axis of the rows in `x`.
        col_axis: Axis of the columns in `x`.
        channel_axis: Axis of the channels in `x` (channels first by
            default, as in Keras).
        fill_mode: One of `'constant'`, `'nearest'`, `'reflect'`, `'wrap'`.
        cval: Fill value for `fill_mode='constant'`.
        interpolation_order: Spline order, an int in [0, 5].

    Returns:
        The rotated image, a new array (see `apply_affine_transform`).

    Example:
        >>> np.random.seed(0)
        >>> random_rotation(np.ones((1, 8, 8)), 30).shape
        (1, 8, 8)
    """
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    """Shifts an image by fractions of its size drawn from U(-hrg, hrg)
    (vertically) and U(-wrg, wrg) (horizontally), drawn in that order.

    tf-keras 2.x applies the vertical draw along the columns (its
    `apply_affine_transform` swaps the two shift axes); here `hrg` shifts
    along the rows and `wrg` along the columns, as documented and as classic
    Keras did (the same choice as `ImageDataGenerator`).

    Args:
        x: 3D NumPy array, one image.
        wrg: Width shift range, a fraction of the width.
        hrg: Height shift range, a fraction of the height.
        row_axis: Axis of the rows in `x`.
        col_axis: Axis of the columns in `x`.
        channel_axis: Axis of the channels in `x`.
        fill_mode: One of `'constant'`, `'nearest'`, `'reflect'`, `'wrap'`.
        cval: Fill value for `fill_mode='constant'`.
        interpolation_order: Spline order, an int in [0, 5].

    Returns:
        The shifted image, a new array.

    Example:
        >>> np.random.seed(0)
        >>> random_shift(np.ones((1, 8, 8)), 0.1, 0.2).shape
        (1, 8, 8)
    """
    x = np.asarray(x)
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    """Shears an image by an angle drawn from U(-intensity, intensity) degrees.

    Args:
        x: 3D NumPy array, one image.
        intensity: Shear range, in degrees.
        row_axis: Axis of the rows in `x`.
        col_axis: Axis of the columns in `x`.
        channel_axis: Axis of the channels in `x`.
        fill_mode: One of `'constant'`, `'nearest'`, `'reflect'`, `'wrap'`.
        cval: Fill value for `fill_mode='constant'`.
        interpolation_order: Spline order, an int in [0, 5].

    Returns:
        The sheared image, a new array.

    Example:
        >>> np.random.seed(0)
        >>> random_shear(np.ones((1, 8, 8)), 20).shape
        (1, 8, 8)
    """
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                cval=0.0, interpolation_order=1):
    """Zooms an image by factors `(zx, zy)` drawn together from
    U(zoom_range[0], zoom_range[1]) (none drawn for `(1, 1)`).

    Args:
        x: 3D NumPy array, one image.
        zoom_range: Tuple or list of two floats; factors > 1 zoom out.
        row_axis: Axis of the rows in `x`.
        col_axis: Axis of the columns in `x`.
        channel_axis: Axis of the channels in `x`.
        fill_mode: One of `'constant'`, `'nearest'`, `'reflect'`, `'wrap'`.
        cval: Fill value for `fill_mode='constant'`.
        interpolation_order: Spline order, an int in [0, 5].

    Returns:
        The zoomed image, a new array.

    Raises:
        ValueError: `zoom_range` is not two floats.

    Example:
        >>> np.random.seed(0)
        >>> random_zoom(np.ones((1, 8, 8)), (0.8, 1.2)).shape
        (1, 8, 8)
    """
    zoom_range = _two_floats(zoom_range, "zoom_range")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """Adds an intensity drawn from U(-intensity_range, intensity_range) to
    every channel, clipped to the image's [min, max].

    Args:
        x: 3D NumPy array, one image.
        intensity_range: The range of the shift.
        channel_axis: Index of the channel axis.

    Returns:
        A new array.

    Example:
        >>> np.random.seed(0)
        >>> random_channel_shift(np.arange(4.).reshape(1, 2, 2), 1.0).shape
        (1, 2, 2)
    """
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def random_brightness(x, brightness_range, scale=True):
    """Multiplies the brightness by a factor drawn from
    U(brightness_range[0], brightness_range[1]) (see `apply_brightness_shift`;
    channels last, as Keras' `array_to_img` reads the image).

    Args:
        x: 3D NumPy array, one image with 1, 3 or 4 channels (last axis).
        brightness_range: Tuple or list of two floats.
        scale: Whether to leave the result in [0, 255] (else the image's
            range is restored).

    Returns:
        A new float array.

    Raises:
        ValueError: `brightness_range` is not two floats.

    Example:
        >>> np.random.seed(0)
        >>> random_brightness(np.full((2, 2, 3), 100.), (0.5, 1.5)).shape
        (2, 2, 3)
    """
    brightness_range = _two_floats(brightness_range, "brightness_range")
    u = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, u, scale)
