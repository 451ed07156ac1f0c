"""Layer normalization (ckeras._ext._normalization) against its NumPy
reference and a float64 loop, float32 and float64, with and without gamma
and beta, odd widths, the helper thread on and off (bit-identical), and the
same errors from both implementations."""
import time

import numpy as np
import pytest

from ckeras._ext import _normalization, _threads
from ckeras.kernels.reference import normalization as ref

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 3e-5, np.float64: 1e-12}
IMPLS = {"c": _normalization, "numpy": ref}
PARAMS = [(True, True), (True, False), (False, True), (False, False)]


def _problem(rows, cols, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((rows, cols)) * 3 + 2).astype(dtype)
    gamma = rng.standard_normal(cols).astype(dtype)
    beta = rng.standard_normal(cols).astype(dtype)
    dy = rng.standard_normal((rows, cols)).astype(dtype)
    return x, gamma, beta, dy


def _loops(x, gamma, beta, dy, eps):
    """Forward and gradients in float64, one row at a time."""
    x, dy = x.astype(np.float64), dy.astype(np.float64)
    cols = x.shape[1]
    g = np.ones(cols) if gamma is None else gamma.astype(np.float64)
    y, dx = np.empty_like(x), np.empty_like(x)
    dg, db = np.zeros(cols), np.zeros(cols)
    for i in range(x.shape[0]):
        m = sum(x[i]) / cols
        var = sum((x[i] - m) ** 2) / cols
        r = 1 / np.sqrt(var + eps)
        xhat = (x[i] - m) * r
        y[i] = xhat * g + (0 if beta is None else beta)
        gi = dy[i] * g
        dx[i] = r * (gi - gi.mean() - xhat * (gi * xhat).mean())
        dg += dy[i] * xhat
        db += dy[i]
    return y, dx, dg, db


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("with_gamma, with_beta", PARAMS)
@pytest.mark.parametrize("shape", [(1, 1), (5, 7), (33, 256), (130, 19)])
def test_matches_loops(dtype, with_gamma, with_beta, shape):
    x, gamma, beta, dy = _problem(*shape, dtype)
    gamma = gamma if with_gamma else None
    beta = beta if with_beta else None
    eps = 1e-3
    want_y, want_dx, want_dg, want_db = _loops(x, gamma, beta, dy, eps)
    for name, impl in IMPLS.items():
        y, mean, rstd = impl.layer_norm_fwd(x, gamma, beta, eps)
        assert y.dtype == mean.dtype == rstd.dtype == dtype, name
        assert mean.shape == rstd.shape == (shape[0],), name
        np.testing.assert_allclose(y, want_y, atol=TOL[dtype], rtol=TOL[dtype], err_msg=name)
        dx, dg, db = impl.layer_norm_bwd(x, gamma, mean, rstd, dy, with_beta)
        np.testing.assert_allclose(dx, want_dx, atol=10 * TOL[dtype], rtol=10 * TOL[dtype],
                                   err_msg=name)
        if with_gamma:
            np.testing.assert_allclose(dg, want_dg, atol=50 * TOL[dtype],
                                       rtol=10 * TOL[dtype], err_msg=name)
        else:
            assert dg is None
        if with_beta:
            np.testing.assert_allclose(db, want_db, atol=50 * TOL[dtype],
                                       rtol=10 * TOL[dtype], err_msg=name)
        else:
            assert db is None


def test_constant_rows_normalize_to_beta():
    x = np.full((3, 8), 5.0, np.float32)
    gamma, beta = np.full(8, 2.0, np.float32), np.arange(8, dtype=np.float32)
    for impl in IMPLS.values():
        y, _, rstd = impl.layer_norm_fwd(x, gamma, beta, 1e-3)
        np.testing.assert_array_equal(y, np.broadcast_to(beta, (3, 8)))
        np.testing.assert_allclose(rstd, 1 / np.sqrt(1e-3), rtol=1e-6)


def test_no_rows():
    x = np.empty((0, 4), np.float64)
    for impl in IMPLS.values():
        y, mean, rstd = impl.layer_norm_fwd(x, np.ones(4), np.zeros(4), 1e-3)
        assert y.shape == (0, 4) and mean.shape == rstd.shape == (0,)
        dx, dg, db = impl.layer_norm_bwd(x, np.ones(4), mean, rstd, x, True)
        assert dx.shape == (0, 4)
        np.testing.assert_array_equal(dg, 0)
        np.testing.assert_array_equal(db, 0)


@pytest.fixture
def helper():
    prev = _threads.set_helper_enabled(True)
    time.sleep(0.03)   # past the helper's back-off after overlapping calls
    yield _threads
    _threads.set_helper_enabled(prev)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(8000, 256), (257, 130)])
def test_helper_thread_gives_bit_identical_results(helper, dtype, shape):
    x, gamma, beta, dy = _problem(*shape, dtype, seed=1)

    def run():
        y, mean, rstd = _normalization.layer_norm_fwd(x, gamma, beta, 1e-6)
        return (y, mean, rstd) + _normalization.layer_norm_bwd(x, gamma, mean, rstd, dy, True)

    helper.set_helper_enabled(False)
    alone = run()
    helper.set_helper_enabled(True)
    jobs = helper.helper_jobs_taken()
    big = shape[0] == 8000   # small problems may end before the helper wakes
    for _ in range(100 if big else 3):
        for a, b in zip(alone, run()):
            np.testing.assert_array_equal(a, b)
        if helper.helper_jobs_taken() > jobs:
            break
    if big:
        assert helper.helper_jobs_taken() > jobs


@pytest.mark.parametrize("impl", list(IMPLS))
def test_bad_arguments_raise_the_same_errors(impl):
    fns = IMPLS[impl]
    x, gamma, beta, dy = _problem(3, 4, np.float32)
    mean, rstd = np.zeros(3, np.float32), np.ones(3, np.float32)
    fwd = [
        ((x.astype(np.int32), gamma, beta, 1e-3), ValueError, "x must have dtype float"),
        ((x[0], gamma, beta, 1e-3), ValueError, "x must be 2-D"),
        ((np.asfortranarray(x[:, :3]), None, None, 1e-3), ValueError, "x must be C-contiguous"),
        ((x, gamma[:3], beta, 1e-3), ValueError, "gamma has shape (3,), expected (4,)"),
        ((x, gamma, beta.astype(np.float64), 1e-3), ValueError, "beta has dtype float64"),
        ((x, gamma, beta, -1.0), ValueError, "eps must be >= 0"),
        ((np.empty((2, 0), np.float32), None, None, 1e-3), ValueError, "no columns"),
        ([x, gamma, beta, 1e-3][:3] + [[1]], TypeError, "must be real number"),
    ]
    for args, exc, msg in fwd:
        with pytest.raises(exc) as info:
            fns.layer_norm_fwd(*args)
        assert msg in str(info.value), (args, str(info.value))
    bwd = [
        ((x, gamma, mean[:2], rstd, dy, True), ValueError, "mean has shape (2,), expected (3,)"),
        ((x, gamma, mean, rstd, dy[:, :3].copy(), True), ValueError,
         "dy has shape (3, 3), expected (3, 4)"),
        ((x, None, mean, rstd.astype(np.float64), dy, False), ValueError,
         "rstd has dtype float64"),
    ]
    for args, exc, msg in bwd:
        with pytest.raises(exc) as info:
            fns.layer_norm_bwd(*args)
        assert msg in str(info.value), (args, str(info.value))
