"""Activation kernels (ckeras._ext._act) against their NumPy references."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ckeras._ext import _act, _dense
from ckeras.kernels.codes import Act
from ckeras.kernels.reference import act as ref

DTYPES = [np.float32, np.float64]
CODES = list(Act)
NAMES = {a: a.name.lower() for a in Act}
# C vs reference, same dtype. float32: the polynomial tanh is within ~4e-7
# absolute, sigmoid/exp within ~2e-7 relative; float64 within a few ulp.
TOL = {np.float32: dict(rtol=2e-6, atol=1e-6), np.float64: dict(rtol=1e-13, atol=1e-15)}
IMPLS = {"c": _act, "numpy": ref}


def _inputs(shape, dtype, seed=0, scale=4.0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * scale).astype(dtype)


def _same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", CODES, ids=lambda c: NAMES[c])
@pytest.mark.parametrize("shape", [(1,), (7,), (1, 1), (3, 17), (2, 3, 33), (5, 1), (4096,)])
def test_fwd_bwd_match_reference(code, dtype, shape):
    x = _inputs(shape, dtype)
    dy = _inputs(shape, dtype, seed=1, scale=1.0)
    x0, dy0 = x.copy(), dy.copy()
    y = _act.act_fwd(code, x)
    want = ref.act_fwd(code, x)
    assert y.dtype == dtype and y.shape == shape and y.flags.c_contiguous
    np.testing.assert_allclose(y, want, **TOL[dtype])
    # The backward is checked on the same y for both, so only its own error shows.
    dx = _act.act_bwd(code, want, dy)
    np.testing.assert_allclose(dx, ref.act_bwd(code, want, dy), **TOL[dtype])
    assert dx.dtype == dtype and dx.shape == shape
    assert _same(x, x0) and _same(dy, dy0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", CODES, ids=lambda c: NAMES[c])
def test_zero_size(code, dtype):
    for shape in [(0,), (3, 0), (0, 5)]:
        x = np.empty(shape, dtype)
        assert _act.act_fwd(code, x).shape == shape
        assert _act.act_bwd(code, x, x).shape == shape
        assert ref.act_fwd(code, x).shape == shape


@pytest.mark.parametrize("dtype", DTYPES)
def test_zero_dim_elementwise(dtype):
    x = np.array(0.3, dtype)
    for code in CODES:
        if code == Act.SOFTMAX:
            for impl in IMPLS.values():
                with pytest.raises(ValueError, match="^x must have at least 1 dimension"):
                    impl.act_fwd(code, x)
            continue
        np.testing.assert_allclose(_act.act_fwd(code, x), ref.act_fwd(code, x), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_accuracy_against_float64_truth(dtype):
    # The claims in csrc/ck_act.h, over the range where the values matter.
    x = np.linspace(-20, 20, 200001).astype(dtype)
    t = x.astype(np.float64)
    sig = 1 / (1 + np.exp(-t))
    abs_err = {"sigmoid": 2e-7, "tanh": 5e-7} if dtype == np.float32 else \
        {"sigmoid": 1e-15, "tanh": 1e-15}
    assert np.max(np.abs(_act.act_fwd(Act.SIGMOID, x) - sig)) < abs_err["sigmoid"]
    assert np.max(np.abs(_act.act_fwd(Act.TANH, x) - np.tanh(t))) < abs_err["tanh"]
    # Relative accuracy in the sigmoid's left tail (exp itself), down to
    # where float results turn subnormal.
    lo = -87.0 if dtype == np.float32 else -700.0
    x = np.linspace(lo, 0, 100001).astype(dtype)
    t = x.astype(np.float64)
    want = np.exp(-np.logaddexp(0, -t))
    rel = np.abs(_act.act_fwd(Act.SIGMOID, x) - want) / want
    assert rel.max() < (4e-7 if dtype == np.float32 else 1e-13)
    # tanh near 0 is not built as 2*sigmoid(2x)-1: relative accuracy holds.
    x = np.geomspace(1e-30, 1.0, 2001).astype(dtype)
    x = np.concatenate([-x, x])
    t = x.astype(np.float64)
    rel = np.abs(_act.act_fwd(Act.TANH, x) - np.tanh(t)) / np.abs(np.tanh(t))
    assert rel.max() < (1e-6 if dtype == np.float32 else 1e-15)


@pytest.mark.parametrize("dtype", DTYPES)
def test_special_values(dtype):
    inf, nan = np.inf, np.nan
    x = np.array([inf, -inf, nan, 0.0, 1e4, -1e4], dtype)
    np.testing.assert_array_equal(_act.act_fwd(Act.SIGMOID, x), [1, 0, nan, 0.5, 1, 0])
    np.testing.assert_array_equal(_act.act_fwd(Act.TANH, x), [1, -1, nan, 0, 1, -1])
    np.testing.assert_array_equal(_act.act_fwd(Act.RELU, x), [inf, 0, nan, 0, 1e4, 0])
    np.testing.assert_array_equal(_act.act_fwd(Act.HARD_SIGMOID, x), [1, 0, nan, 0.5, 1, 0])
    # softmax: rows with huge values, -inf entries, and one-element rows.
    s = np.array([[1000, 1000, 0], [-inf, 0, 0], [1, 2, 3]], dtype)
    np.testing.assert_allclose(_act.act_fwd(Act.SOFTMAX, s), ref.act_fwd(Act.SOFTMAX, s),
                               **TOL[dtype])
    one = np.array([[3.0], [-2.0]], dtype)
    np.testing.assert_array_equal(_act.act_fwd(Act.SOFTMAX, one), [[1.0], [1.0]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_and_inf_rows(dtype):
    """NaN in, NaN out, wherever it sits: a softmax row holding a NaN or
    +inf (or only -inf) is NaN as in the reference, every other row is
    untouched; sigmoid and tanh keep NaN elementwise. (Float exp converted
    NaN to int, undefined in C: run under .ci/sanitize's UBSan build, these
    inputs are what it flagged.)"""
    inf, nan = np.inf, np.nan
    rng = np.random.default_rng(4)
    for cols in (1, 3, 8, 9, 33):
        x = (rng.standard_normal((6 + 3 * cols, cols)) * 3).astype(dtype)
        for j in range(cols):
            x[j, j] = nan                    # a NaN at every position
            x[cols + j, j] = inf
        x[2 * cols] = -inf
        if cols > 1:
            x[2 * cols + 1, 0] = -inf        # a -inf among finite values: fine
        got = _act.act_fwd(Act.SOFTMAX, x)
        with np.errstate(invalid="ignore"):
            want = ref.act_fwd(Act.SOFTMAX, x)
        nan_rows = np.isnan(want).any(axis=1)
        assert nan_rows[:2 * cols + 1].all() and not nan_rows[2 * cols + 1:].any()
        assert np.isnan(got[nan_rows]).all()
        np.testing.assert_allclose(got[~nan_rows], want[~nan_rows], **TOL[dtype])
    x = np.array([nan, -nan, 1.0, nan], dtype)
    for code in (Act.SIGMOID, Act.TANH):
        np.testing.assert_array_equal(np.isnan(_act.act_fwd(code, x)), np.isnan(x))
        np.testing.assert_array_equal(np.isnan(_act.act_fwd(code, np.tile(x, 9))),
                                      np.isnan(np.tile(x, 9)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("cols", [1, 10, 33, 3000])
def test_softmax_blocks_give_each_row_its_own_bits(dtype, cols):
    """The kernel takes the exps of a block of rows in one loop (up to 2048
    values): each row of a many-block call, NaN rows in later blocks among
    them, has exactly the bits of that row's softmax on its own, also where
    the dense kernel applies it in place after its bias."""
    rng = np.random.default_rng(9)
    x = (rng.standard_normal((700, cols)) * 4).astype(dtype)
    x[650, cols // 2] = np.nan
    x[300, 0] = np.inf
    got = _act.act_fwd(Act.SOFTMAX, x)
    for i in (0, 1, 203, 204, 299, 300, 301, 500, 650, 699):
        np.testing.assert_array_equal(got[i], _act.act_fwd(Act.SOFTMAX, x[i:i + 1])[0])
    assert np.isnan(got[[300, 650]]).all() and not np.isnan(np.delete(got, [300, 650], 0)).any()
    with np.errstate(invalid="ignore", over="ignore"):
        want = ref.act_fwd(Act.SOFTMAX, x)
    ok = ~np.isnan(want).any(axis=1)
    np.testing.assert_allclose(got[ok], want[ok], **TOL[dtype])
    if cols <= 33:      # x @ I is x exactly: the dense kernel's softmax of x + b
        b = rng.standard_normal(cols).astype(dtype)
        fused = _dense.dense_fwd(x, np.eye(cols, dtype=dtype), b, Act.SOFTMAX)
        np.testing.assert_array_equal(fused, _act.act_fwd(Act.SOFTMAX, x + b))


@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_is_row_wise_over_last_axis(dtype):
    x = _inputs((2, 3, 5), dtype)
    y = _act.act_fwd(Act.SOFTMAX, x)
    np.testing.assert_allclose(y.sum(axis=-1), 1, rtol=0, atol=5 * np.finfo(dtype).eps)
    np.testing.assert_allclose(y[1, 2], ref.act_fwd(Act.SOFTMAX, x[1, 2].copy()), **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_no_subnormal_outputs(dtype):
    # Subnormals are ~40x slower downstream: the kernels return 0 instead.
    x = np.array([-200.0, -104.0, -90.0, -745.0, -800.0], dtype)
    y = _act.act_fwd(Act.SIGMOID, x)
    tiny = np.finfo(dtype).tiny
    assert np.all((y == 0) | (y >= tiny))


@settings(max_examples=60, deadline=None)
@given(shape=st.lists(st.integers(0, 9), min_size=1, max_size=3),
       code=st.sampled_from(CODES), dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2**16))
def test_fuzz_shapes(shape, code, dtype, seed):
    shape = tuple(shape)
    x = _inputs(shape, dtype, seed)
    dy = _inputs(shape, dtype, seed + 1, 1.0)
    want = ref.act_fwd(code, x)
    np.testing.assert_allclose(_act.act_fwd(code, x), want, **TOL[dtype])
    np.testing.assert_allclose(_act.act_bwd(code, want, dy), ref.act_bwd(code, want, dy),
                               **TOL[dtype])


def test_read_only_inputs_accepted():
    x = _inputs((4, 5), np.float32)
    x.flags.writeable = False
    np.testing.assert_allclose(_act.act_fwd(Act.TANH, x), ref.act_fwd(Act.TANH, x),
                               **TOL[np.float32])


@pytest.mark.parametrize("impl", list(IMPLS), ids=str)
def test_bad_arguments(impl):
    m = IMPLS[impl]
    good = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match="^x must have dtype float32 or float64"):
        m.act_fwd(Act.TANH, np.ones(3, np.int32))
    with pytest.raises(ValueError, match="^x must be C-contiguous"):
        m.act_fwd(Act.TANH, np.ones((3, 4), np.float32)[:, ::2])
    with pytest.raises(ValueError, match="^x must be aligned and in native byte order"):
        m.act_fwd(Act.TANH, np.ones(3, ">f8"))
    with pytest.raises(TypeError, match="^x must be a numpy.ndarray"):
        m.act_fwd(Act.TANH, [1.0, 2.0])
    with pytest.raises(ValueError, match="^code must be an activation code"):
        m.act_fwd(6, good)
    with pytest.raises(ValueError, match="^code must be an activation code"):
        m.act_bwd(-1, good, good)
    with pytest.raises(ValueError, match="^dy has dtype float64"):
        m.act_bwd(Act.TANH, good, good.astype(np.float64))
    with pytest.raises(ValueError, match="^dy has shape"):
        m.act_bwd(Act.TANH, good, np.ones((3, 2), np.float32))
    with pytest.raises(ValueError, match="^y must be C-contiguous"):
        m.act_bwd(Act.TANH, good.T, good.T)
