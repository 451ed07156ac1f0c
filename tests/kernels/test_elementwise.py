"""The elementwise kernels (ckeras._ext._elementwise: residual add, mean
squared error, sparse softmax crossentropy) against their NumPy reference
and float64 loops, float32 and float64, odd sizes, the helper thread on and
off (bit-identical), and the same errors from both implementations."""
import numpy as np
import pytest

from ckeras._ext import _elementwise
from ckeras.kernels.codes import Act
from ckeras.kernels.reference import elementwise as ref

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 2e-6, np.float64: 1e-14}
IMPLS = {"c": _elementwise, "numpy": ref}


def _pair(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape).astype(dtype),
            rng.standard_normal(shape).astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(0,), (7,), (3, 5, 11), (70001,), (2, 40000)])
def test_add_is_exact(dtype, shape):
    a, b = _pair(shape, dtype)
    for name, impl in IMPLS.items():
        out = impl.add(a, b)
        assert out.dtype == dtype and out.shape == shape, name
        np.testing.assert_array_equal(out, a + b, err_msg=name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (5, 7), (33, 256), (3, 9), (4096, 13)])
def test_mse_matches_the_loops(dtype, shape):
    p, t = _pair(shape, dtype, seed=1)
    g = np.random.default_rng(2).standard_normal(shape[0]).astype(dtype)
    rows, cols = shape
    want_loss = np.array([sum((p[i].astype(np.float64) - t[i]) ** 2) / cols
                          for i in range(rows)])
    want_dp = (p.astype(np.float64) - t) * (2 * g[:, None].astype(np.float64) / cols)
    for name, impl in IMPLS.items():
        loss, d = impl.mse_fwd(p, t)
        assert loss.dtype == dtype and loss.shape == (rows,), name
        np.testing.assert_array_equal(d, p - t, err_msg=name)
        np.testing.assert_allclose(loss, want_loss, rtol=10 * TOL[dtype], err_msg=name)
        dp = impl.mse_bwd(d, g)
        np.testing.assert_allclose(dp, want_dp, rtol=TOL[dtype], atol=TOL[dtype],
                                   err_msg=name)


def test_mse_gradient_equals_a_finite_difference():
    p, t = _pair((3, 6), np.float64, seed=3)
    g = np.array([0.5, -1.0, 2.0])
    loss, d = ref.mse_fwd(p, t)
    dp = _elementwise.mse_bwd(d, g)
    eps = 1e-6
    for i, j in [(0, 0), (1, 4), (2, 5)]:
        q = p.copy()
        q[i, j] += eps
        up = _elementwise.mse_fwd(q, t)[0] @ g
        q[i, j] -= 2 * eps
        down = _elementwise.mse_fwd(q, t)[0] @ g
        assert abs((up - down) / (2 * eps) - dp[i, j]) < 1e-7


@pytest.mark.parametrize("dtype", DTYPES)
def test_helper_thread_gives_bit_identical_results(dtype, same_with_helper):
    """Rows and element ranges shared with the helper give the caller-only
    results exactly; on the largest problem the helper takes part."""
    a, b = _pair((2048, 257), dtype, seed=4)
    g = a[:, 0].copy()

    def run():
        loss, d = _elementwise.mse_fwd(a, b)
        return _elementwise.add(a, b), loss, d, _elementwise.mse_bwd(d, g)

    same_with_helper(run, 200)


@pytest.mark.parametrize("impl", list(IMPLS))
def test_bad_input_gets_the_same_clear_errors(impl):
    fns = IMPLS[impl]
    a = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"b has shape \(3, 2\), expected \(2, 3\)"):
        fns.add(a, np.ones((3, 2), np.float32))
    with pytest.raises(ValueError, match="b has dtype float64, expected float32"):
        fns.add(a, np.ones((2, 3)))
    with pytest.raises(TypeError, match="a must be a numpy.ndarray"):
        fns.add([1.0], a)
    with pytest.raises(ValueError, match=r"t has shape \(2, 4\), expected \(2, 3\)"):
        fns.mse_fwd(a, np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="p must be 2-D"):
        fns.mse_fwd(a[0], a[0])
    with pytest.raises(ValueError, match="p has no columns"):
        fns.mse_fwd(np.ones((2, 0), np.float32), np.ones((2, 0), np.float32))
    with pytest.raises(ValueError, match=r"g has shape \(3,\), expected \(2,\)"):
        fns.mse_bwd(a, np.ones(3, np.float32))
    with pytest.raises(ValueError, match="d must be C-contiguous"):
        fns.mse_bwd(np.ones((3, 2), np.float32).T, np.ones(2, np.float32))


def _logits(rows, cols, dtype, seed=5, spread=4.0):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal((rows, cols)) * spread).astype(dtype)
    return z, rng.integers(0, cols, rows).astype(np.int64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(1, 1), (5, 7), (33, 10), (3, 17), (4100, 9)])
def test_sparse_xent_matches_float64_loops(dtype, shape):
    rows, cols = shape
    z, labels = _logits(rows, cols, dtype)
    g = np.random.default_rng(6).standard_normal(rows).astype(dtype)
    z64 = z.astype(np.float64)
    want_loss = np.array([np.log(np.sum(np.exp(z64[i] - z64[i].max())))
                          - (z64[i, labels[i]] - z64[i].max()) for i in range(rows)])
    want_p = np.exp(z64 - z64.max(-1, keepdims=True))
    want_p /= want_p.sum(-1, keepdims=True)
    onehot = np.eye(cols)[labels]
    for name, impl in IMPLS.items():
        loss, p = impl.sparse_xent_fwd(z, labels)
        assert loss.dtype == dtype and loss.shape == (rows,), name
        assert p.dtype == dtype and p.shape == shape, name
        np.testing.assert_allclose(loss, want_loss, rtol=10 * TOL[dtype],
                                   atol=10 * TOL[dtype], err_msg=name)
        np.testing.assert_allclose(p, want_p, rtol=10 * TOL[dtype], atol=TOL[dtype],
                                   err_msg=name)
        dz = impl.sparse_xent_bwd(p, labels, g)
        np.testing.assert_array_equal(dz, (p - onehot.astype(dtype)) * g[:, None],
                                      err_msg=name)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sparse_xent_softmax_has_the_activation_bits(dtype):
    """The model's softmax output and the loss's probabilities are the same
    numbers, so the Dense-chain replay can hand the kernel's to the metrics."""
    from ckeras._ext import _act
    z, labels = _logits(257, 13, dtype, spread=30.0)
    _, p = _elementwise.sparse_xent_fwd(z, labels)
    np.testing.assert_array_equal(p, _act.act_fwd(Act.SOFTMAX, z))


def test_sparse_xent_stays_finite_where_the_label_probability_underflows():
    z = np.array([[0.0, 200.0, -200.0]], np.float32)
    for name, impl in IMPLS.items():
        loss, p = impl.sparse_xent_fwd(z, np.array([2], np.int64))
        assert p[0, 2] == 0.0, name
        np.testing.assert_allclose(loss, [400.0], rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sparse_xent_rows_with_nan_or_inf_give_nan(dtype):
    z = np.array([[0.0, np.nan, 1.0], [np.inf, 0.0, 1.0], [0.0, 1.0, 2.0]], dtype)
    for name, impl in IMPLS.items():
        loss, _ = impl.sparse_xent_fwd(z, np.array([0, 1, 2], np.int64))
        assert np.isnan(loss[:2]).all() and np.isfinite(loss[2]), name


def test_sparse_xent_gradient_equals_a_finite_difference():
    z, labels = _logits(4, 6, np.float64, seed=7, spread=1.0)
    g = np.array([0.5, -1.0, 2.0, 0.25])
    _, p = _elementwise.sparse_xent_fwd(z, labels)
    dz = _elementwise.sparse_xent_bwd(p, labels, g)
    eps = 1e-6
    for i, j in [(0, 0), (1, 4), (2, 5), (3, int(labels[3]))]:
        q = z.copy()
        q[i, j] += eps
        up = _elementwise.sparse_xent_fwd(q, labels)[0] @ g
        q[i, j] -= 2 * eps
        down = _elementwise.sparse_xent_fwd(q, labels)[0] @ g
        assert abs((up - down) / (2 * eps) - dz[i, j]) < 1e-7


@pytest.mark.parametrize("dtype", DTYPES)
def test_sparse_xent_helper_thread_gives_bit_identical_results(dtype, same_with_helper):
    z, labels = _logits(8192, 10, dtype, seed=8)
    g = z[:, 0].copy()

    def run():
        loss, p = _elementwise.sparse_xent_fwd(z, labels)
        return loss, p, _elementwise.sparse_xent_bwd(p, labels, g)

    same_with_helper(run, 200)


@pytest.mark.parametrize("impl", list(IMPLS))
def test_sparse_xent_bad_input_gets_the_same_clear_errors(impl):
    fns = IMPLS[impl]
    z = np.zeros((3, 4), np.float32)
    with pytest.raises(ValueError, match=r"labels\[1\] = 4 is outside the valid range \[0, 4\)"):
        fns.sparse_xent_fwd(z, np.array([0, 4, 1], np.int64))
    with pytest.raises(ValueError, match=r"labels\[2\] = -1 is outside"):
        fns.sparse_xent_bwd(z, np.array([0, 1, -1], np.int64), np.ones(3, np.float32))
    with pytest.raises(ValueError, match="labels must have dtype int64, got int32"):
        fns.sparse_xent_fwd(z, np.zeros(3, np.int32))
    with pytest.raises(ValueError, match=r"labels has shape \(2,\), expected \(3,\)"):
        fns.sparse_xent_fwd(z, np.zeros(2, np.int64))
    with pytest.raises(ValueError, match="z must be 2-D"):
        fns.sparse_xent_fwd(z[0], np.zeros(1, np.int64))
    with pytest.raises(ValueError, match="z has no columns"):
        fns.sparse_xent_fwd(np.zeros((2, 0), np.float32), np.zeros(2, np.int64))
    with pytest.raises(ValueError, match=r"g has shape \(2,\), expected \(3,\)"):
        fns.sparse_xent_bwd(z, np.zeros(3, np.int64), np.ones(2, np.float32))
