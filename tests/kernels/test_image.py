"""Affine resampling kernels: C (ckeras._ext._image) against the NumPy
reference, and both against scipy.ndimage when it is installed: the linear
kernel, the spline prefilter and the spline resampler at orders 0..5, every
fill mode, float32/float64, channels first and last, odd and empty shapes,
non-finite coordinates, bad arguments."""
import zlib

import numpy as np
import pytest

from ckeras.kernels import use_kernels
from ckeras.kernels.codes import Fill, SplineBoundary
from ckeras.kernels.reference import image as ref
from ckeras.preprocessing.image import ImageDataGenerator, apply_affine_transform

im = pytest.importorskip("ckeras._ext._image")

IMPLS = {"c": im, "numpy": ref}
DTYPES = [np.float32, np.float64]
FILLS = list(Fill)


def _rng(*key):
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _rel_err(got, want):
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1.0))) if want.size else 0.0


def _case(rng, trial):
    """A random (H, W, C) and matrix; integer and half-integer coordinates
    now and then (where order 0 and the even orders round)."""
    h, w, c = (int(v) for v in rng.integers(1, 9, 3))
    a = rng.standard_normal((2, 2)) * rng.choice([0.5, 1.0, 3.0])
    off = rng.standard_normal(2) * rng.choice([1.0, 5.0, 40.0])
    if trial % 3 == 0:
        a, off = np.round(a * 2) / 2, np.round(off * 2) / 2
    if trial % 7 == 1:
        off = off + 1e4  # far outside: the folding of wrap and reflect
    return h, w, c, a, off


def _flat(a, off):
    return (a[0, 0], a[0, 1], off[0], a[1, 0], a[1, 1], off[1])


def _cf(x):
    return np.ascontiguousarray(np.moveaxis(x, -1, 0))


# --------------------------------------------------------------- linear kernel

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", FILLS, ids=lambda m: m.name)
def test_affine_c_equals_reference(mode, dtype):
    rng = _rng("affine", mode, dtype)
    for trial in range(60):
        h, w, c, a, off = _case(rng, trial)
        x = rng.standard_normal((h, w, c)).astype(dtype)
        got = im.affine(x, _flat(a, off), mode, 0.25)
        want = ref.affine(x, _flat(a, off), mode, 0.25)
        assert got.dtype == want.dtype == dtype and got.shape == want.shape == x.shape
        assert _rel_err(got, want) <= (1e-6 if dtype == np.float32 else 1e-12), trial
        for k in IMPLS.values():  # channels first: the same pixels
            got_cf = k.affine(_cf(x), _flat(a, off), mode, 0.25, True)
            assert got_cf.flags.c_contiguous
            np.testing.assert_array_equal(np.moveaxis(got_cf, 0, -1), k.affine(
                x, _flat(a, off), mode, 0.25))


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", FILLS, ids=lambda m: m.name)
def test_affine_matches_scipy(impl, mode, dtype):
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = _rng("scipy", mode, dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-11
    for trial in range(80):
        h, w, c, a, off = _case(rng, trial)
        x = rng.standard_normal((h, w, c)).astype(dtype)
        want = np.stack([ndimage.affine_transform(x[..., k], a, off, order=1,
                                                  mode=mode.name.lower(), cval=0.25)
                         for k in range(c)], -1)
        got = IMPLS[impl].affine(x, _flat(a, off), mode, 0.25)
        np.testing.assert_allclose(got, want, rtol=0, atol=tol)


# ------------------------------------------------------------------ prefilter

@pytest.mark.parametrize("boundary", list(SplineBoundary), ids=lambda b: b.name)
def test_spline_filter_c_equals_reference(boundary):
    rng = _rng("prefilter", boundary)
    for h, w in ((1, 1), (1, 5), (2, 2), (3, 7), (9, 4), (30, 25), (0, 3), (3, 0)):
        for order in (2, 3, 4, 5):
            x = rng.standard_normal((h, w, 3))
            c, r = x.copy(), x.copy()
            assert im.spline_filter(c, order, boundary) is None
            assert ref.spline_filter(r, order, boundary) is None
            np.testing.assert_allclose(c, r, rtol=1e-12, atol=1e-13)
            for k in IMPLS.values():
                cf = _cf(x)
                k.spline_filter(cf, order, boundary, True)
                np.testing.assert_allclose(np.moveaxis(cf, 0, -1), c, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("impl", IMPLS)
def test_spline_filter_matches_scipy(impl):
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = _rng("prefilter-scipy")
    for h, w in ((1, 4), (2, 2), (2, 3), (5, 8), (17, 3)):
        x = rng.standard_normal((h, w, 2))
        for order in (2, 3, 4, 5):
            for boundary in SplineBoundary:
                c = x.copy()
                IMPLS[impl].spline_filter(c, order, boundary)
                want = np.stack([ndimage.spline_filter(x[..., k], order,
                                                       mode=boundary.name.lower())
                                 for k in range(2)], -1)
                np.testing.assert_allclose(c, want, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("impl", IMPLS)
def test_reflect_prefilter_reproduces_scipys_short_line_values(impl):
    # spline_filter(mode='reflect') of [0, 1] and [0, 0, 1], orders 2 and 3:
    # SciPy's causal start reuses its partial sum, so these are not the exact
    # (symmetric) coefficients -1/6, 7/6 etc. (values from scipy 1.17.1)
    want = {
        (2, 2): [-0.1666307427024395, 1.166661534671777],
        (3, 2): [-0.24936804885691585, 1.2498736097713832],
        (3, 3): [0.06665434716359882, -0.33333009135884173, 1.2666660182717682],
    }
    for (order, n), vals in want.items():
        c = np.zeros((1, n, 1))
        c[0, -1, 0] = 1.0
        IMPLS[impl].spline_filter(c, order, SplineBoundary.REFLECT)
        np.testing.assert_allclose(c[0, :, 0], vals, rtol=1e-12)


# ------------------------------------------------------------ spline sampling

@pytest.mark.parametrize("order", range(6))
@pytest.mark.parametrize("mode", FILLS, ids=lambda m: m.name)
def test_affine_spline_c_equals_reference(order, mode):
    rng = _rng("spline", order, mode)
    for trial in range(30):
        h, w, c, a, off = _case(rng, trial)
        pad = int(rng.integers(0, 3)) if trial % 2 else 0
        h, w = h + 2 * pad, w + 2 * pad
        for dtype, f32_out in ((np.float32, False), (np.float64, False), (np.float64, True)):
            if order > 1 and dtype == np.float32:
                continue  # orders 2..5 sample float64 coefficients
            x = rng.standard_normal((h, w, c)).astype(dtype)
            args = (_flat(a, off), order, mode, 0.25, False, pad, f32_out)
            got, want = im.affine_spline(x, *args), ref.affine_spline(x, *args)
            out = np.float32 if f32_out else dtype
            assert got.dtype == want.dtype == out
            assert got.shape == want.shape == (h - 2 * pad, w - 2 * pad, c)
            if order == 0:
                np.testing.assert_array_equal(got, want)
            else:
                assert _rel_err(got, want) <= (1e-6 if out == np.float32 else 1e-12), trial
            cf_args = (_flat(a, off), order, mode, 0.25, True, pad, f32_out)
            for k in IMPLS.values():
                got_cf = k.affine_spline(_cf(x), *cf_args)
                np.testing.assert_array_equal(np.moveaxis(got_cf, 0, -1),
                                              k.affine_spline(x, *args))


def test_affine_spline_order1_is_the_linear_kernel():
    x = _rng("order1").standard_normal((6, 7, 2))
    m = (0.9, 0.3, -1.2, -0.2, 1.1, 2.7)
    for k in IMPLS.values():
        for mode in FILLS:
            np.testing.assert_allclose(k.affine_spline(x, m, 1, mode, 0.5),
                                       k.affine(x, m, mode, 0.5), rtol=0, atol=1e-14)


@pytest.mark.parametrize("coord", [np.nan, np.inf, -np.inf, 1e6, -1e6, 2.5e9])
@pytest.mark.parametrize("order", range(6))
def test_non_finite_and_far_coordinates(coord, order):
    x = np.arange(1, 21, dtype=np.float64).reshape(4, 5, 1)
    for mode in FILLS:
        m = (1, 0, coord, 0, 1, 0.5)
        got = {name: k.affine_spline(x, m, order, mode, -3.0) for name, k in IMPLS.items()}
        np.testing.assert_allclose(got["c"], got["numpy"], rtol=1e-12, atol=1e-12)
        if not np.isfinite(coord):  # a sample at no coordinate is the fill value
            assert np.all(got["c"] == -3.0)
        if order == 1:
            np.testing.assert_allclose(im.affine(x, m, mode, -3.0), ref.affine(x, m, mode, -3.0),
                                       rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shift", [1e30, -1e30, 2.0 ** 52 + 2, -(2.0 ** 52) - 2])
def test_reference_folds_huge_coordinates_exactly(shift):
    # #19 item 1: from 2**52 on the folding is the exact remainder, so every
    # sample comes from inside the image. (The compiled ops fold the same way
    # with the csrc branch's fix; before it they read outside the image.)
    x = np.arange(1, 43, dtype=np.float64).reshape(6, 7, 1)
    y = ref.affine_spline(x, (1, 0, shift, 0, 1, 0), 0, Fill.WRAP)
    for i in range(6):  # output row i samples row (shift + i) mod 5 (6 rows: period 5)
        c = shift + float(i)
        r = float(np.fmod(c, 5.0))
        np.testing.assert_array_equal(y[i], x[int(r + 5 if c < 0 else r)])
    for mode in FILLS:
        for order in range(6):
            y = ref.affine_spline(x, (1, 0, shift, 0, 1, shift), order, mode, 0.0)
            assert np.all(np.isfinite(y))
            if order <= 1:  # convex combinations of pixels (or the fill value 0)
                assert y.min() >= 0 and y.max() <= x.max()


@pytest.mark.parametrize("impl", IMPLS)
def test_padded_input_gives_the_unpadded_output_shape(impl):
    c = np.zeros((2, 30, 26))  # channels first, 12 edge copies around 6 x 2
    y = IMPLS[impl].affine_spline(c, (1, 0, 0, 0, 1, 0), 3, Fill.NEAREST, 0.0, True, 12, True)
    assert y.shape == (2, 6, 2) and y.dtype == np.float32 and y.flags.c_contiguous


# -------------------------------------------------------------- empty images

@pytest.mark.parametrize("shape", [(0, 4, 1), (4, 0, 1), (3, 3, 0), (0, 0, 0)], ids=str)
def test_empty_images(shape):
    x = np.zeros(shape, np.float32)
    for k in IMPLS.values():
        y = k.affine(x, (1, 0, 0.5, 0, 1, 0), Fill.WRAP)
        assert y.shape == shape and y.dtype == np.float32
        c = np.zeros(shape)
        k.spline_filter(c, 3, SplineBoundary.MIRROR)
    if shape[2] == 0 and shape[0]:  # no channels: an empty image of that size
        for k in IMPLS.values():
            assert k.affine_spline(x, (1, 0, 0, 0, 1, 0), 3, Fill.NEAREST).shape == shape
    else:  # no pixels: nothing to pad around
        assert _errors("affine_spline", x, (1, 0, 0, 0, 1, 0), 0, Fill.NEAREST)[0] is ValueError


# -------------------------------------------------------------- bad arguments

def _errors(op, *args):
    got = {}
    for name, k in IMPLS.items():
        with pytest.raises(Exception) as info:
            getattr(k, op)(*args)
        got[name] = (type(info.value), str(info.value))
    assert got["c"] == got["numpy"]
    return got["c"]


X = np.zeros((3, 3, 1), np.float32)
C64 = np.zeros((3, 3, 1))
EYE = (1, 0, 0, 0, 1, 0)
BAD = [
    ("affine", (X[..., 0], EYE, 0)),
    ("affine", (X.astype(np.int32), EYE, 0)),
    ("affine", (X.tolist(), EYE, 0)),
    ("affine", (X.astype(">f4"), EYE, 0)),
    ("affine", (X, EYE[:5], 0)),
    ("affine", (X, EYE + (1,), 0)),
    ("affine", (X, 5, 0)),
    ("affine", (X, ("a",) * 6, 0)),
    ("affine", (X, EYE, 4)),
    ("affine", (X, EYE, -1)),
    ("affine", (X, EYE, "1")),
    ("affine", (X, EYE, 2 ** 40)),
    ("affine", (X, EYE, 0, "0")),
    ("affine", (X, EYE, 0, None)),
    ("spline_filter", (X, 3, 0)),
    ("spline_filter", (C64[..., 0], 3, 0)),
    ("spline_filter", (C64, 1, 0)),
    ("spline_filter", (C64, 6, 0)),
    ("spline_filter", (C64, 3, 2)),
    ("spline_filter", (C64, 3, -1)),
    ("spline_filter", (C64, 3.0 + 0j, 0)),
    ("affine_spline", (X, EYE, 6, 0)),
    ("affine_spline", (X, EYE, -1, 0)),
    ("affine_spline", (X, EYE, 1, 7)),
    ("affine_spline", (X, EYE[:2], 1, 0)),
    ("affine_spline", (X, EYE, 1, 0, 0.0, False, -1)),
    ("affine_spline", (X, EYE, 1, 0, 0.0, False, 2)),
    ("affine_spline", (np.zeros((5, 2, 1)), EYE, 1, 0, 0.0, False, 1)),
    ("affine_spline", (np.zeros((1, 2, 5)), EYE, 1, 0, 0.0, True, 1)),
    ("affine_spline", (X, EYE, None, 0)),
    ("affine_spline", (X, EYE, 1, 0, [0.0])),
]


@pytest.mark.parametrize("op,args", BAD, ids=[f"{op}-{i}" for i, (op, _) in enumerate(BAD)])
def test_same_errors(op, args):
    err, msg = _errors(op, *args)
    assert err in (TypeError, ValueError, OverflowError) and msg


def test_reference_takes_any_memory_layout():
    # The image kernels take element strides (#19 item 8): a strided,
    # reversed or Fortran-ordered image gives the result of its C-ordered
    # copy, and spline_filter filters it in place. (The compiled ops accept
    # these layouts with the csrc branch's check_strided.)
    rng = _rng("layout")
    x = rng.standard_normal((6, 7, 2))
    views = [np.asfortranarray(x), np.zeros((12, 7, 2))[::2], x[::-1, :, ::-1]]
    views[1][...] = x
    m = (0.9, 0.2, 0.4, -0.3, 1.1, -0.6)
    for view in views:
        want = np.ascontiguousarray(view)
        np.testing.assert_array_equal(ref.affine(view, m, Fill.WRAP, 0.5),
                                      ref.affine(want, m, Fill.WRAP, 0.5))
        np.testing.assert_array_equal(ref.affine_spline(view, m, 4, Fill.REFLECT, 0.5),
                                      ref.affine_spline(want, m, 4, Fill.REFLECT, 0.5))
        c = want.copy()
        ref.spline_filter(c, 3, SplineBoundary.MIRROR)
        ref.spline_filter(view, 3, SplineBoundary.MIRROR)
        np.testing.assert_allclose(view, c, rtol=1e-14, atol=1e-14)


def test_spline_filter_refuses_a_read_only_image():
    c = np.zeros((3, 3, 1))
    c.flags.writeable = False
    assert _errors("spline_filter", c, 3, 0) == (
        ValueError, "c must be writeable (it is filtered in place)")


def test_arguments_convert_as_in_cython():
    # C number arguments take what Cython takes: a float mode or order is
    # truncated, a numpy int accepted, any object a flag
    x = _rng("conv").standard_normal((4, 5, 2))
    m = (0.8, 0.1, 0.3, -0.1, 1.2, -0.4)
    for k in IMPLS.values():
        np.testing.assert_array_equal(k.affine(x, m, 1.7, np.float32(0.5), "yes"),
                                      k.affine(x, m, 1, 0.5, True))
        np.testing.assert_array_equal(k.affine_spline(x, m, np.int64(3), 2.2, 1, [], 0, 0),
                                      k.affine_spline(x, m, 3, 2, 1.0))


# ------------------------------------------- huge coordinates and any layout
# (issue 19: .ci/sanitize runs these under AddressSanitizer, where a read
# outside the image fails the run)
ORDERS = [0, 1, 2, 3, 4, 5]
MODES = ["nearest", "wrap", "reflect", "constant"]
# Beyond 2**52 the folding is exact fmod; just below it SciPy's arithmetic is
# kept; 1e30 overflowed the integer casts (an out-of-bounds read before).
SHIFTS = [1e30, -1e30, 1e17, -1e17, 2.0 ** 52 + 2, -(2.0 ** 52) - 2, 3e15, -3e15, 123.25]


def _ramp(dtype=np.float32, shape=(6, 7, 1)):
    return np.arange(1, 1 + np.prod(shape), dtype=dtype).reshape(shape)


def _shift_on_references(x, shift, fill_mode, order):
    """The same transform with every op on the NumPy references."""
    with use_kernels("numpy"):
        return apply_affine_transform(x, tx=shift, ty=shift, row_axis=0, col_axis=1,
                                      channel_axis=2, fill_mode=fill_mode, order=order)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("shift", SHIFTS)
@pytest.mark.parametrize("fill_mode", MODES)
def test_huge_shifts_read_inside_the_ramp(order, shift, fill_mode):
    """Issue 19, item 1: tx=ty=1e30 with fill_mode='wrap' read heap bytes
    (orders 0/1) or freed memory (orders 2-5). Every sample now comes from
    the image, and the kernel agrees with the NumPy reference."""
    x = _ramp()
    y = apply_affine_transform(x, tx=shift, ty=shift, row_axis=0, col_axis=1,
                               channel_axis=2, fill_mode=fill_mode, order=order)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert np.all(np.isfinite(y))
    want = _shift_on_references(x, shift, fill_mode, order)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-4)
    if order <= 1 and fill_mode != "constant":
        # convex combinations of pixels: inside the image's range
        assert y.min() >= x.min() - 1e-4 and y.max() <= x.max() + 1e-4


@pytest.mark.parametrize("shift", [1e30, -1e30])
def test_wrap_beyond_2_52_is_the_exact_remainder(shift):
    """At 1e30 the row index vanishes in the rounding of shift + i, so every
    output row samples the row at shift mod (len - 1) (the period of SciPy's
    'wrap'), taken exactly: for order 0, a copy of that row."""
    x = _ramp(np.float64)
    y = apply_affine_transform(x, tx=shift, ty=0, row_axis=0, col_axis=1, channel_axis=2,
                               fill_mode="wrap", order=0)
    r = float(np.fmod(shift, 5.0))  # 6 rows: period 5
    row = int(r + 5 if shift < 0 else r)
    np.testing.assert_array_equal(y, np.broadcast_to(x[row], x.shape))


def test_image_data_generator_huge_wrap_shifts():
    """The reachable form of the bug: random shifts of up to 1e30 pixels."""
    x = _ramp(shape=(6, 7, 3)) * 10
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
    im.spline_filter(want, 3, im.SPLINE_BOUNDARY["reflect"])
    # the same image stored three other ways
    for view in (np.asfortranarray(x), np.repeat(x, 2, 0)[::2],
                 np.ascontiguousarray(x.transpose(2, 0, 1)).transpose(1, 2, 0)):
        assert not view.flags.c_contiguous
        im.spline_filter(view, 3, im.SPLINE_BOUNDARY["reflect"])
        np.testing.assert_array_equal(view, want)
    ro = np.asfortranarray(x)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        im.spline_filter(ro, 3, 0)


def test_strided_kernels_match_contiguous():
    """The kernels themselves on a strided input: element strides from the
    array, negative ones included."""
    x = np.random.default_rng(2).standard_normal((8, 9, 2)).astype(np.float32)
    view = x[::-1, ::2]
    flat = (0.8, 0.3, 1.5, -0.2, 1.1, -0.5)
    for mode in im.FILL_MODES.values():
        np.testing.assert_array_equal(im.affine(view, flat, mode, 0.0),
                                      im.affine(np.ascontiguousarray(view), flat, mode, 0.0))
        for order in (0, 1):
            np.testing.assert_array_equal(
                im.affine_spline(view, flat, order, mode, 0.0),
                im.affine_spline(np.ascontiguousarray(view), flat, order, mode, 0.0))
