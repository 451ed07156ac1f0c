"""Spline interpolation orders 0..5 of the affine transform
(`apply_affine_transform(order=k)`, `ImageDataGenerator(interpolation_order=k)`):
golden tf-keras values (tests/fixtures/preprocessing_image/orders_*, from
tools/make_fixtures_image.py) and, when it is installed, scipy.ndimage, on the
C and on the NumPy-reference kernels; SciPy's rounding and mode rules on
hand-checked cases; bad orders. The kernels themselves are tested in
tests/kernels/test_image.py."""

import pathlib

import numpy as np
import pytest

from ckeras.kernels import use_kernels
from ckeras.preprocessing import image as im
from ckeras.preprocessing.image import ImageDataGenerator
from ckeras.preprocessing.image.affine import resample
from ckeras.testing import Golden

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
IMAGES = Golden(FIXTURES, "preprocessing_image")

MODES = ("nearest", "reflect", "wrap", "constant")


@pytest.fixture(scope="module")
def golden():
    return IMAGES.bundle("orders_")


def _matrix(a, off):
    return np.concatenate([np.asarray(a, float), np.asarray(off, float)[:, None]], axis=1)


def _rel_err(got, ref):
    got = np.asarray(got, np.float64)
    ref = np.asarray(ref, np.float64)
    return float(np.max(np.abs(got - ref) / np.maximum(np.abs(ref), 1.0))) if ref.size else 0.0


# ---------------------------------------------------------------------------
# golden values from tf-keras (SciPy underneath)
# ---------------------------------------------------------------------------

def test_apply_affine_transform_orders_match_tf_keras(golden, impl):
    cases, arrays = golden
    seen = set()
    for case in cases["affine"]:
        x = arrays[case["image"]]
        x0 = x.copy()
        y = im.apply_affine_transform(x, row_axis=0, col_axis=1, channel_axis=2,
                                      fill_mode=case["fill_mode"], cval=case["cval"],
                                      order=case["order"], **case["params"])
        np.testing.assert_array_equal(x, x0)
        ref = arrays[case["key"]]
        assert y.dtype == ref.dtype and y.shape == ref.shape, case
        if case["order"] == 0:  # the same pixel must be picked, halves included
            np.testing.assert_array_equal(y, ref, err_msg=str(case))
        else:
            assert _rel_err(y, ref) <= 1e-5, case
        seen.add((case["image"], case["order"], case["fill_mode"]))
    # every order 0, 2..5 x every fill mode on the square and the non-square image
    assert {(i, o, m) for i in ("osq", "onsq") for o in (0, 2, 3, 4, 5) for m in MODES} <= seen
    assert any(i == "onsq64" for i, _, _ in seen)


def test_generator_interpolation_order_matches_tf_keras(golden, impl):
    cases, arrays = golden
    assert len(cases["generator"]) == 64
    for case in cases["generator"]:
        fmt = case["data_format"]
        x = arrays["osq"]
        if fmt == "channels_first":
            x = np.ascontiguousarray(x.transpose(2, 0, 1))
        gen = ImageDataGenerator(fill_mode=case["fill_mode"], cval=case["cval"],
                                 data_format=fmt, interpolation_order=case["order"])
        y = gen.apply_transform(x, case["params"])
        ref = arrays[case["key"]]
        if case["order"] == 0:
            np.testing.assert_array_equal(y, ref, err_msg=str(case))
        else:
            assert _rel_err(y, ref) <= 1e-5, case


def test_flow_with_interpolation_order_matches_tf_keras(golden):
    cases, arrays = golden
    (case,) = cases["flow"]
    it = ImageDataGenerator(**case["config"]).flow(arrays["flow_x"], arrays["flow_y"],
                                                   batch_size=case["batch_size"],
                                                   seed=case["seed"])
    for b in range(case["batches"]):
        bx, by = next(it)
        np.testing.assert_array_equal(by, arrays[f"flow_{b}_y"])
        np.testing.assert_allclose(bx, arrays[f"flow_{b}_x"], rtol=1e-5, atol=1e-3)


def test_fixture_records_the_scipy_version(golden):
    cases, _ = golden
    assert cases["scipy"] == "1.17.1"


# ---------------------------------------------------------------------------
# the resampling recipe (prefilter, padding, kernels), on both kernel sets
# ---------------------------------------------------------------------------

def _random_case(rng, trial):
    h, w, c = (int(v) for v in rng.integers(1, 9, 3))
    a = rng.standard_normal((2, 2)) * rng.choice([0.5, 1.0, 3.0])
    off = rng.standard_normal(2) * rng.choice([1.0, 5.0, 40.0])
    if trial % 3 == 0:  # half-integer coordinates: order 0 and even orders round
        a = np.round(a * 2) / 2
        off = np.round(off * 2) / 2
    return h, w, c, a, off


def test_splines_interpolate_the_samples():
    # an identity transform returns the image: the prefilter inverts the
    # sampled B-spline (images long enough that SciPy's short-line
    # approximation of the 'reflect' prefilter is below rounding)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((24, 30, 2))
    eye = _matrix(np.eye(2), (0.0, 0.0))
    for order in range(6):
        for mode in MODES:
            for impl_name in ("c", "numpy"):
                with use_kernels(impl_name):
                    y = resample(x, eye, 2, mode, 9.0, order)
                np.testing.assert_allclose(y, x, rtol=0, atol=1e-11,
                                           err_msg=f"{order} {mode} {impl_name}")


def test_higher_orders_are_smoother_than_nearest_and_differ_by_order():
    # a half-pixel shift of a step: order 0 copies samples, order 1 averages
    # neighbours, higher orders overshoot (B-spline interpolation rings)
    x = np.zeros((1, 16, 1))
    x[0, 8:] = 1.0
    m = _matrix(np.eye(2), (0.0, 0.5))
    outs = {k: resample(x, m, 2, "nearest", 0.0, k)[0, :, 0] for k in range(6)}
    np.testing.assert_array_equal(outs[0], np.r_[np.zeros(7), np.ones(9)])
    assert outs[1][7] == 0.5
    for k in (2, 3, 4, 5):
        assert outs[k][7] == pytest.approx(0.5, abs=1e-12)  # odd symmetry about the step
        assert outs[k].min() < -1e-3 and outs[k].max() > 1 + 1e-3
        assert not np.allclose(outs[k], outs[k - 1])


# ---------------------------------------------------------------------------
# SciPy's rules, hand-checked (values from scipy.ndimage 1.17.1)
# ---------------------------------------------------------------------------

ORDER0_ROWS = {  # x = [0, 1, 2, 3, 4, 5] sampled at j + shift, cval -1
    (0.5, "nearest"): [1, 2, 3, 4, 5, 5], (0.5, "reflect"): [1, 2, 3, 4, 5, 5],
    (0.5, "wrap"): [1, 2, 3, 4, 5, 1], (0.5, "constant"): [1, 2, 3, 4, 5, -1],
    (-0.5, "nearest"): [0, 1, 2, 3, 4, 5], (-0.5, "reflect"): [0, 1, 2, 3, 4, 5],
    (-0.5, "wrap"): [5, 1, 2, 3, 4, 5], (-0.5, "constant"): [-1, 1, 2, 3, 4, 5],
    (-2.5, "nearest"): [0, 0, 0, 1, 2, 3], (-2.5, "reflect"): [2, 1, 0, 1, 2, 3],
    (-2.5, "wrap"): [3, 4, 5, 1, 2, 3], (-2.5, "constant"): [-1, -1, -1, 1, 2, 3],
}


@pytest.mark.parametrize("shift,mode", sorted(ORDER0_ROWS))
def test_order0_rounds_halves_up_with_scipy_folding(shift, mode, impl):
    x = np.arange(6, dtype=np.float32).reshape(1, 6, 1)
    y = resample(x, _matrix(np.eye(2), (0.0, shift)), 2, mode, -1.0, 0)
    np.testing.assert_array_equal(y.ravel(), ORDER0_ROWS[(shift, mode)])


# ---------------------------------------------------------------------------
# against scipy.ndimage itself (when installed)
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("order", [0, 2, 3, 4, 5])
def test_orders_match_scipy_ndimage(order, impl):
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(order)
    worst = 0.0
    for trial in range(40):
        h, w, c, a, off = _random_case(rng, trial)
        if trial % 10 == 1:
            off = off + 1e4  # far outside: folding of wrap/reflect
        for dtype in (np.float32, np.float64):
            x = rng.standard_normal((h, w, c)).astype(dtype)
            for mode in MODES:
                ref = np.stack([ndimage.affine_transform(x[..., k], a, off, order=order,
                                                         mode=mode, cval=0.25)
                                for k in range(c)], -1)
                got = resample(x, _matrix(a, off), 2, mode, 0.25, order)
                assert got.dtype == dtype
                if order == 0:
                    np.testing.assert_array_equal(got, ref, err_msg=f"{mode} {trial}")
                else:
                    err = _rel_err(got, ref)
                    assert err <= (1e-5 if dtype == np.float32 else 1e-12), (mode, trial)
                    worst = max(worst, err if dtype == np.float64 else 0.0)
    assert worst < 1e-12


# ---------------------------------------------------------------------------
# arguments
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [6, -1, 2.5, 3.0, "3", None, True, [2]])
def test_bad_orders_raise_value_error(bad):
    x = np.arange(27, dtype=np.float32).reshape(3, 3, 3)
    x0 = x.copy()
    with pytest.raises(ValueError, match="`interpolation_order`"):
        ImageDataGenerator(interpolation_order=bad)
    with pytest.raises(ValueError, match="`order`"):
        im.apply_affine_transform(x, theta=10, order=bad)
    np.testing.assert_array_equal(x, x0)


def test_valid_orders_are_stored_and_numpy_ints_accepted():
    for k in range(6):
        gen = ImageDataGenerator(interpolation_order=np.int64(k))
        assert gen.interpolation_order == k and type(gen.interpolation_order) is int
    x = np.random.default_rng(0).random((5, 6, 2)).astype(np.float32)
    x0 = x.copy()
    gen = ImageDataGenerator(interpolation_order=3, data_format="channels_last")
    y = gen.apply_transform(x, {"theta": 20.0})
    np.testing.assert_array_equal(x, x0)
    assert y.dtype == np.float32 and y.shape == x.shape
    assert not np.allclose(y, ImageDataGenerator().apply_transform(x, {"theta": 20.0}))


def test_integer_images_become_float32_for_every_order():
    x = (np.random.default_rng(1).random((4, 4, 3)) * 255).astype(np.uint8)
    for k in range(6):
        y = im.apply_affine_transform(x, theta=15, row_axis=0, col_axis=1, channel_axis=2,
                                      order=k)
        assert y.dtype == np.float32


def _unaligned(x):
    """A copy of x whose data starts one byte into a buffer (not aligned)."""
    buf = np.zeros(x.nbytes + 1, np.uint8)
    y = np.frombuffer(buf.data, dtype=x.dtype, count=x.size, offset=1).reshape(x.shape)
    y[...] = x
    return y


@pytest.mark.parametrize("order", range(6))
def test_any_memory_layout_gives_the_same_image(order, impl):
    # #19 item 8 and its kin: Fortran order, strided and reversed views,
    # unaligned data and big-endian floats are copied for the kernels
    rng = np.random.default_rng(order)
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal((7, 9, 3)).astype(dtype)
        kw = dict(theta=25, tx=0.7, row_axis=0, col_axis=1, channel_axis=2, order=order)
        for mode in MODES:
            want = im.apply_affine_transform(x, fill_mode=mode, **kw)
            wide = np.zeros((7, 18, 3), dtype)
            wide[:, ::2] = x
            rev = np.ascontiguousarray(x[::-1])[::-1]
            for view in (np.asfortranarray(x), wide[:, ::2], rev, _unaligned(x),
                         x.astype(x.dtype.newbyteorder(">"))):
                got = im.apply_affine_transform(view, fill_mode=mode, **kw)
                assert got.dtype == dtype and got.dtype.isnative
                np.testing.assert_array_equal(got, want, err_msg=f"{mode} {view.flags}")
            cf = im.apply_affine_transform(np.moveaxis(x, 2, 0), fill_mode=mode,
                                           **dict(kw, row_axis=1, col_axis=2, channel_axis=0))
            np.testing.assert_array_equal(np.moveaxis(cf, 0, 2), want)


@pytest.mark.parametrize("shape", [(0, 5, 2), (5, 0, 2), (4, 5, 0), (0, 0, 1)], ids=str)
def test_empty_images_give_empty_images(shape, impl):
    # as SciPy does for orders 0 and 1 (Keras' results), for every order
    x = np.ones(shape, np.float32)
    for order in range(6):
        for mode in MODES:
            y = im.apply_affine_transform(x, theta=15, row_axis=0, col_axis=1, channel_axis=2,
                                          fill_mode=mode, order=order)
            assert y.shape == shape and y.dtype == np.float32
