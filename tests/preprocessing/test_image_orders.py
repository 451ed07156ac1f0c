"""Spline interpolation orders 0..5 of the affine transform
(`apply_affine_transform(order=k)`, `ImageDataGenerator(interpolation_order=k)`):
golden tf-keras values (tests/fixtures/preprocessing_image/orders_*, from
tools/make_fixtures_image.py), the C kernels against their NumPy reference
and, when it is installed, against scipy.ndimage; SciPy's rounding and mode
rules on hand-checked cases; bad orders."""

import numpy as np
import pathlib
import pytest

from ckeras.preprocessing import image as im
from ckeras.preprocessing.image import ImageDataGenerator
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
# C kernels against the NumPy reference (no SciPy needed)
# ---------------------------------------------------------------------------

def _random_case(rng, trial):
    h, w, c = (int(v) for v in rng.integers(1, 9, 3))
    a = rng.standard_normal((2, 2)) * rng.choice([0.5, 1.0, 3.0])
    off = rng.standard_normal(2) * rng.choice([1.0, 5.0, 40.0])
    if trial % 3 == 0:  # half-integer coordinates: order 0 and even orders round
        a = np.round(a * 2) / 2
        off = np.round(off * 2) / 2
    return h, w, c, a, off


@pytest.mark.parametrize("order", [0, 2, 3, 4, 5])
def test_c_kernels_match_numpy_reference(order):
    rng = np.random.default_rng(100 + order)
    for trial in range(25):
        h, w, c, a, off = _random_case(rng, trial)
        m = _matrix(a, off)
        for dtype in (np.float32, np.float64):
            x = rng.standard_normal((h, w, c)).astype(dtype)
            for mode in MODES:
                im.dispatch["affine"] = "numpy"
                try:
                    ref = im._resample(x, m, 2, mode, 0.25, order)
                finally:
                    im.dispatch["affine"] = "c"
                got = im._resample(x, m, 2, mode, 0.25, order)
                assert got.dtype == dtype
                if order == 0:
                    np.testing.assert_array_equal(got, ref)
                else:
                    tol = 1e-6 if dtype == np.float32 else 1e-12
                    assert _rel_err(got, ref) <= tol, (order, mode, dtype, trial)
                xf = np.ascontiguousarray(np.moveaxis(x, -1, 0))
                got_cf = im._resample(xf, m, 0, mode, 0.25, order)
                np.testing.assert_array_equal(np.moveaxis(got_cf, 0, -1), got)


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
                im.dispatch["affine"] = impl_name
                try:
                    y = im._resample(x, eye, 2, mode, 9.0, order)
                finally:
                    im.dispatch["affine"] = "c"
                np.testing.assert_allclose(y, x, rtol=0, atol=1e-11,
                                           err_msg=f"{order} {mode} {impl_name}")


def test_higher_orders_are_smoother_than_nearest_and_differ_by_order():
    # a half-pixel shift of a step: order 0 copies samples, order 1 averages
    # neighbours, higher orders overshoot (B-spline interpolation rings)
    x = np.zeros((1, 16, 1))
    x[0, 8:] = 1.0
    m = _matrix(np.eye(2), (0.0, 0.5))
    outs = {k: im._resample(x, m, 2, "nearest", 0.0, k)[0, :, 0] for k in range(6)}
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
    y = im._resample(x, _matrix(np.eye(2), (0.0, shift)), 2, mode, -1.0, 0)
    np.testing.assert_array_equal(y.ravel(), ORDER0_ROWS[(shift, mode)])


def test_reflect_prefilter_reproduces_scipys_short_line_values():
    # spline_filter(mode='reflect') of [[0, 1]] and [[0, 0, 1]], order 2 and
    # 3: SciPy's causal start reuses its partial sum, so these are not the
    # exact (symmetric) coefficients -1/6, 7/6 etc.
    want = {
        (2, 2): [-0.1666307427024395, 1.166661534671777],
        (3, 2): [-0.24936804885691585, 1.2498736097713832],
        (3, 3): [0.06665434716359882, -0.33333009135884173, 1.2666660182717682],
    }
    for (order, n), vals in want.items():
        x = np.zeros((1, n))
        x[0, -1] = 1.0
        c = im.spline_filter_reference(x, order, "reflect")
        np.testing.assert_allclose(c[0], vals, rtol=1e-12)
    from ckeras._ext import _image
    c = np.zeros((1, 3, 1))
    c[0, -1, 0] = 1.0
    _image.spline_filter(c, 3, _image.SPLINE_BOUNDARY["reflect"])
    np.testing.assert_allclose(c[0, :, 0], want[(3, 3)], rtol=1e-12)


@pytest.mark.parametrize("boundary", ["mirror", "reflect"])
def test_c_prefilter_matches_reference(boundary):
    from ckeras._ext import _image
    rng = np.random.default_rng(11)
    code = {"mirror": _image.SPLINE_BOUNDARY["wrap"],
            "reflect": _image.SPLINE_BOUNDARY["reflect"]}[boundary]
    for h, w in ((1, 1), (1, 5), (2, 2), (3, 7), (9, 4), (30, 25)):
        for order in (2, 3, 4, 5):
            x = rng.standard_normal((h, w, 3))
            want = np.stack([im.spline_filter_reference(x[..., k], order, boundary)
                             for k in range(3)], -1)
            c = x.copy()
            _image.spline_filter(c, order, code)
            np.testing.assert_allclose(c, want, rtol=1e-12, atol=1e-13)
            cf = np.ascontiguousarray(np.moveaxis(x, -1, 0))
            _image.spline_filter(cf, order, code, True)
            np.testing.assert_allclose(np.moveaxis(cf, 0, -1), c, rtol=0, atol=0)


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
                got = im._resample(x, _matrix(a, off), 2, mode, 0.25, order)
                assert got.dtype == dtype
                if order == 0:
                    np.testing.assert_array_equal(got, ref, err_msg=f"{mode} {trial}")
                else:
                    err = _rel_err(got, ref)
                    assert err <= (1e-5 if dtype == np.float32 else 1e-12), (mode, trial)
                    worst = max(worst, err if dtype == np.float64 else 0.0)
    assert worst < 1e-12


def test_prefilter_matches_scipy_spline_filter():
    ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(5)
    for h, w in ((1, 4), (2, 2), (2, 3), (5, 8), (17, 3)):
        x = rng.standard_normal((h, w))
        for order in (2, 3, 4, 5):
            for mode in ("mirror", "reflect"):
                np.testing.assert_allclose(im.spline_filter_reference(x, order, mode),
                                           ndimage.spline_filter(x, order, mode=mode),
                                           rtol=1e-12, atol=1e-13)


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
    with pytest.raises(ValueError, match="`order`"):
        im.affine_transform_reference(x[0], np.eye(2), (0, 0), order=bad)
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


def test_spline_kernel_argument_errors():
    from ckeras._ext import _image
    x = np.zeros((4, 4, 1))
    eye = (1, 0, 0, 0, 1, 0)
    with pytest.raises(ValueError, match="order"):
        _image.affine_spline(x, eye, 6, 0)
    with pytest.raises(ValueError, match="order"):
        _image.affine_spline(x, eye, -1, 0)
    with pytest.raises(ValueError, match="mode"):
        _image.affine_spline(x, eye, 2, 4)
    with pytest.raises(ValueError, match="pad"):
        _image.affine_spline(x, eye, 2, 0, pad=2)
    with pytest.raises(ValueError, match="pad"):
        _image.affine_spline(x, eye, 2, 0, pad=-1)
    with pytest.raises(ValueError, match="6 values"):
        _image.affine_spline(x, (1, 0, 0), 2, 0)
    with pytest.raises(ValueError, match="float64"):
        _image.spline_filter(x.astype(np.float32), 3, 0)
    with pytest.raises(ValueError, match="order"):
        _image.spline_filter(x, 1, 0)
    with pytest.raises(ValueError, match="boundary"):
        _image.spline_filter(x, 3, 2)
    ro = x.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        _image.spline_filter(ro, 3, 0)
    # any memory layout is filtered in place (issue 19)
    v = np.arange(32.0).reshape(4, 8, 1)[:, ::2]
    want = v.copy()
    _image.spline_filter(want, 3, 0)
    _image.spline_filter(v, 3, 0)
    np.testing.assert_array_equal(v, want)
    # non-finite sample coordinates give the fill value, for every order
    for k in range(6):
        y = _image.affine_spline(x, (1, 0, float("nan"), 0, 1, 0), k, 3, 5.0)
        assert np.all(y == 5.0)


def test_padded_input_gives_the_unpadded_output_shape():
    from ckeras._ext import _image
    c = np.zeros((2, 30, 26))  # channels first, 12 edge copies around 6 x 2
    y = _image.affine_spline(c, (1, 0, 0, 0, 1, 0), 3, 0, 0.0, True, 12, True)
    assert y.shape == (2, 6, 2) and y.dtype == np.float32
