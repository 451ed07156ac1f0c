"""Affine resampling kernels (ckeras._ext._image) at the edges the fuzzing of
issue 19 found: coordinates too large for SciPy's folding arithmetic, and
images in any memory layout. .ci/sanitize runs these under AddressSanitizer,
where a read outside the image fails the run."""
import numpy as np
import pytest

from ckeras.preprocessing.image import (
    ImageDataGenerator, affine_transform_reference, apply_affine_transform)

image = pytest.importorskip("ckeras._ext._image")

ORDERS = [0, 1, 2, 3, 4, 5]
MODES = ["nearest", "wrap", "reflect", "constant"]
# Beyond 2**52 the folding is exact fmod; just below it SciPy's arithmetic is
# kept; 1e30 overflowed the integer casts (an out-of-bounds read before).
SHIFTS = [1e30, -1e30, 1e17, -1e17, 2.0 ** 52 + 2, -(2.0 ** 52) - 2, 3e15, -3e15, 123.25]


def _image(dtype=np.float32, shape=(6, 7, 1)):
    return np.arange(1, 1 + np.prod(shape), dtype=dtype).reshape(shape)


def _reference(x, tx, ty, fill_mode, order):
    """The NumPy reference, channel by channel (channels last)."""
    m = np.array([[1.0, 0.0, tx], [0.0, 1.0, ty]])
    chans = [affine_transform_reference(x[..., k], m[:, :2], m[:, 2], fill_mode, 0.0, order)
             for k in range(x.shape[-1])]
    return np.stack(chans, axis=-1)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("shift", SHIFTS)
@pytest.mark.parametrize("fill_mode", MODES)
def test_huge_shifts_read_inside_the_image(order, shift, fill_mode):
    """Issue 19, item 1: tx=ty=1e30 with fill_mode='wrap' read heap bytes
    (orders 0/1) or freed memory (orders 2-5). Every sample now comes from
    the image, and the kernel agrees with the NumPy reference."""
    x = _image()
    y = apply_affine_transform(x, tx=shift, ty=shift, row_axis=0, col_axis=1,
                               channel_axis=2, fill_mode=fill_mode, order=order)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert np.all(np.isfinite(y))
    want = _reference(x, shift, shift, fill_mode, order)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-4)
    if order <= 1 and fill_mode != "constant":
        # convex combinations of pixels: inside the image's range
        assert y.min() >= x.min() - 1e-4 and y.max() <= x.max() + 1e-4


@pytest.mark.parametrize("shift", [1e30, -1e30])
def test_wrap_beyond_2_52_is_the_exact_remainder(shift):
    """At 1e30 the row index vanishes in the rounding of shift + i, so every
    output row samples the row at shift mod (len - 1) (the period of SciPy's
    'wrap'), taken exactly: for order 0, a copy of that row."""
    x = _image(np.float64)
    y = apply_affine_transform(x, tx=shift, ty=0, row_axis=0, col_axis=1, channel_axis=2,
                               fill_mode="wrap", order=0)
    r = float(np.fmod(shift, 5.0))  # 6 rows: period 5
    row = int(r + 5 if shift < 0 else r)
    np.testing.assert_array_equal(y, np.broadcast_to(x[row], x.shape))


def test_image_data_generator_huge_wrap_shifts():
    """The reachable form of the bug: random shifts of up to 1e30 pixels."""
    x = _image(shape=(6, 7, 3)) * 10
    gen = ImageDataGenerator(width_shift_range=1e30, height_shift_range=1e30,
                             fill_mode="wrap", data_format="channels_last")
    for seed in range(20):
        y = gen.random_transform(x, seed=seed)
        assert np.all(np.isfinite(y))
        assert y.min() >= x.min() - 1e-3 and y.max() <= x.max() + 1e-3


def _layouts(x):
    """Views of channels-last x in other memory layouts, with the axes
    apply_affine_transform needs for each: (name, view, row, col, channel)."""
    cf = np.ascontiguousarray(x.transpose(2, 0, 1))
    return [
        ("fortran", np.asfortranarray(x), 0, 1, 2),
        ("channels-first view", x.transpose(2, 0, 1), 1, 2, 0),
        ("fortran channels-first", np.asfortranarray(cf), 1, 2, 0),
        ("reversed rows", x[::-1], 0, 1, 2),
        ("every other column", np.repeat(x, 2, axis=1)[:, ::2], 0, 1, 2),
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fill_mode", MODES)
@pytest.mark.parametrize("order", ORDERS)
def test_any_memory_layout(order, fill_mode, dtype):
    """Issue 19, item 8: orders 2-5 refused non-C-contiguous images ("c must
    be C-contiguous"). Every layout now gives exactly the result of its
    C-ordered copy, as SciPy does."""
    rng = np.random.default_rng(order)
    x = rng.standard_normal((9, 8, 3)).astype(dtype)
    kw = dict(theta=17, tx=1.5, ty=-2.25, zx=0.9, zy=1.2, fill_mode=fill_mode, cval=0.5,
              order=order)
    for name, view, row, col, chan in _layouts(x):
        assert not view.flags.c_contiguous, name
        got = apply_affine_transform(view, row_axis=row, col_axis=col, channel_axis=chan, **kw)
        want = apply_affine_transform(np.ascontiguousarray(view), row_axis=row, col_axis=col,
                                      channel_axis=chan, **kw)
        assert got.dtype == want.dtype and got.shape == want.shape, name
        np.testing.assert_array_equal(got, want, err_msg=name)


def test_spline_filter_in_place_on_any_layout():
    x = np.random.default_rng(1).standard_normal((7, 6, 2))
    want = x.copy()
    image.spline_filter(want, 3, image.SPLINE_BOUNDARY["reflect"])
    # the same image stored three other ways
    for view in (np.asfortranarray(x), np.repeat(x, 2, 0)[::2],
                 np.ascontiguousarray(x.transpose(2, 0, 1)).transpose(1, 2, 0)):
        assert not view.flags.c_contiguous
        image.spline_filter(view, 3, image.SPLINE_BOUNDARY["reflect"])
        np.testing.assert_array_equal(view, want)
    ro = np.asfortranarray(x)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        image.spline_filter(ro, 3, 0)


def test_strided_kernels_match_contiguous():
    """The kernels themselves on a strided input: element strides from the
    array, negative ones included."""
    x = np.random.default_rng(2).standard_normal((8, 9, 2)).astype(np.float32)
    view = x[::-1, ::2]
    flat = (0.8, 0.3, 1.5, -0.2, 1.1, -0.5)
    for mode in image.FILL_MODES.values():
        np.testing.assert_array_equal(image.affine(view, flat, mode, 0.0),
                                      image.affine(np.ascontiguousarray(view), flat, mode, 0.0))
        for order in (0, 1):
            np.testing.assert_array_equal(
                image.affine_spline(view, flat, order, mode, 0.0),
                image.affine_spline(np.ascontiguousarray(view), flat, order, mode, 0.0))
