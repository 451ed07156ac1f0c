"""Convolution and pooling kernels (ckeras._ext._conv) against their NumPy
references (ckeras.kernels.reference.conv), and both against finite differences."""
import numpy as np
import pytest

from ckeras._ext import _conv
from ckeras.autograd.functions.conv import conv_pads
from ckeras.kernels.reference import conv as ref

DTYPES = [np.float32, np.float64]
IMPLS = {"c": _conv, "numpy": ref}

# (N, H, W, C, KH, KW, O, strides, dilations, padding)
CONV_CASES = [
    (2, 7, 6, 3, 3, 3, 4, (1, 1), (1, 1), "valid"),
    (1, 7, 7, 2, 3, 3, 5, (2, 2), (1, 1), "same"),
    (3, 8, 5, 1, 2, 3, 2, (2, 1), (1, 1), "same"),
    (2, 9, 9, 3, 3, 2, 3, (1, 2), (2, 2), "valid"),
    (2, 9, 8, 2, 3, 3, 3, (1, 1), (2, 3), "same"),
    (2, 5, 5, 4, 1, 1, 3, (1, 1), (1, 1), "valid"),     # 1x1: no im2col
    (2, 5, 6, 4, 1, 1, 3, (2, 2), (1, 1), "valid"),     # 1x1 strided
    (1, 1, 11, 3, 1, 3, 2, (1, 1), (1, 2), "causal"),  # Conv1D causal dilated
    (1, 1, 10, 2, 1, 4, 3, (1, 3), (1, 1), "same"),    # Conv1D same strided
    (1, 3, 3, 2, 3, 3, 2, (1, 1), (1, 1), "same"),
    (4, 64, 61, 9, 3, 3, 7, (1, 1), (1, 1), "same"),    # several 4 MiB im2col blocks
    # the direct path (window volume K <= 32) with full vectors of outputs
    # (16 floats, 8 doubles), a remainder, and a last tile of < 8 rows
    (3, 11, 10, 3, 3, 3, 37, (1, 1), (1, 1), "same"),
    (2, 9, 9, 1, 3, 3, 32, (2, 2), (1, 1), "valid"),
    (1, 8, 7, 2, 2, 2, 16, (1, 1), (2, 2), "same"),     # K = 8: one weight-gradient group
    (2, 1, 13, 3, 1, 5, 24, (1, 1), (1, 1), "causal"),  # Conv1D, K = 15
    (1, 6, 6, 32, 1, 1, 17, (1, 1), (1, 1), "valid"),   # 1x1, K = 32: direct, not the GEMM
    (4, 40, 40, 8, 3, 3, 20, (1, 1), (1, 1), "same"),   # K = 72: two 1 MiB blocks
    (2, 5, 4, 40, 1, 1, 6, (1, 1), (1, 1), "valid"),    # 1x1, K = 40: x is the GEMM operand
    # Winograd F(2x2, 3x3) (3x3, stride 1, C and O >= 16): odd output sizes
    # (half tiles at the bottom and right), padding, O with a remainder past
    # the last vector, one tile, and several blocks of tiles
    (1, 9, 7, 16, 3, 3, 16, (1, 1), (1, 1), "same"),
    (2, 12, 11, 20, 3, 3, 33, (1, 1), (1, 1), "valid"),
    (1, 3, 4, 17, 3, 3, 18, (1, 1), (1, 1), "valid"),
    (3, 30, 30, 24, 3, 3, 40, (1, 1), (1, 1), "same"),
    # work shared with the helper thread: the weight gradient summed in parts
    # (Winograd dx after it; the first layer's direct path), and a batch-1
    # Winograd layer of two blocks
    (8, 40, 40, 16, 3, 3, 16, (1, 1), (1, 1), "same"),
    (4, 20, 21, 3, 3, 3, 35, (1, 1), (1, 1), "same"),
    (1, 26, 26, 32, 3, 3, 48, (1, 1), (1, 1), "valid"),
]


def _geometry(H, W, KH, KW, strides, dilations, padding):
    if padding == "causal":
        pads, outs = conv_pads((W,), (KW,), strides[1:], dilations[1:], "causal")
        return (0, pads[0][0]), (H, outs[0])
    pads, outs = conv_pads((H, W), (KH, KW), strides, dilations, padding)
    return (pads[0][0], pads[1][0]), outs


def _conv_problem(case, dtype, seed=0):
    N, H, W, C, KH, KW, n_out, strides, dilations, padding = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, H, W, C)).astype(dtype)
    w = (rng.standard_normal((KH, KW, C, n_out)) / np.sqrt(KH * KW * C)).astype(dtype)
    b = rng.standard_normal(n_out).astype(dtype)
    pads, outs = _geometry(H, W, KH, KW, strides, dilations, padding)
    return x, w, b, strides, dilations, pads, outs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", [0, 1, 2, 3, 4, 5])
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_fwd_bwd_c_matches_reference(case, code, dtype):
    x, w, b, s, d, pads, outs = _conv_problem(case, dtype)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    y_c = _conv.conv2d_fwd(x, w, b, code, s, d, pads, outs)
    y_r = ref.conv2d_fwd(x, w, b, code, s, d, pads, outs)
    assert y_c.dtype == dtype and y_c.shape == y_r.shape
    np.testing.assert_allclose(y_c, y_r, atol=tol, rtol=tol)
    dy = np.random.default_rng(1).standard_normal(y_r.shape).astype(dtype)
    got = _conv.conv2d_bwd(x, w, y_r, dy, code, s, d, pads)
    want = ref.conv2d_bwd(x, w, y_r, dy, code, s, d, pads)
    for g, e, name in zip(got, want, ("dx", "dw", "db")):
        assert g.shape == e.shape and g.dtype == dtype, name
        np.testing.assert_allclose(g, e, atol=10 * tol, rtol=10 * tol, err_msg=name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("case", [CONV_CASES[i] for i in (0, 11, 12, 13, 14, -2)])
def test_conv_weight_gradient_without_dx_matches_reference(case, code, dtype):
    """A first layer's backward (no dx) folds the activation's gradient into
    the weight-gradient tiles: dw and db as the reference gives them."""
    x, w, b, s, d, pads, outs = _conv_problem(case, dtype)
    tol = 2e-4 if dtype == np.float32 else 1e-11
    y = ref.conv2d_fwd(x, w, b, code, s, d, pads, outs)
    dy = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    dx, dw, db = _conv.conv2d_bwd(x, w, y, dy, code, s, d, pads, need_dx=False)
    _, dw_r, db_r = ref.conv2d_bwd(x, w, y, dy, code, s, d, pads)
    assert dx is None
    np.testing.assert_allclose(dw, dw_r, atol=tol, rtol=tol)
    np.testing.assert_allclose(db, db_r, atol=tol, rtol=tol)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("case", [CONV_CASES[10], CONV_CASES[16], CONV_CASES[-1]])
def test_conv_blocks_per_blas_thread_count_match_reference(case, threads):
    """One BLAS thread walks the im2col buffer in smaller (L2-sized) blocks
    than two threads: both give the reference's values."""
    from ckeras._ext import _blas
    x, w, b, s, d, pads, outs = _conv_problem(case, np.float32)
    old = _blas.get_num_threads()
    _blas.set_num_threads(threads)
    try:
        y = _conv.conv2d_fwd(x, w, b, 1, s, d, pads, outs)
        dy = np.random.default_rng(1).standard_normal(y.shape).astype(np.float32)
        got = _conv.conv2d_bwd(x, w, y, dy, 1, s, d, pads)
    finally:
        _blas.set_num_threads(old)
    np.testing.assert_allclose(y, ref.conv2d_fwd(x, w, b, 1, s, d, pads, outs), atol=2e-5,
                               rtol=2e-5)
    for g, e, name in zip(got, ref.conv2d_bwd(x, w, y, dy, 1, s, d, pads), ("dx", "dw", "db")):
        np.testing.assert_allclose(g, e, atol=2e-4, rtol=2e-4, err_msg=name)


@pytest.mark.parametrize("impl", ["c", "numpy"])
def test_conv_bwd_partial_and_no_bias(impl):
    k = IMPLS[impl]
    x, w, b, s, d, pads, outs = _conv_problem(CONV_CASES[1], np.float64)
    y = k.conv2d_fwd(x, w, None, 0, s, d, pads, outs)
    y_b = k.conv2d_fwd(x, w, b, 0, s, d, pads, outs)
    np.testing.assert_allclose(y_b, y + b, atol=1e-12)
    dy = np.ones_like(y)
    dx, dw, db = k.conv2d_bwd(None, w, None, dy, 0, s, d, pads, need_dw=False,
                              need_db=False, x_shape=x.shape)
    assert dw is None and db is None
    full = k.conv2d_bwd(x, w, None, dy, 0, s, d, pads)
    np.testing.assert_allclose(dx, full[0], atol=1e-12)


def _fd_check(f, args, i, grad, eps=1e-6, n=6, seed=0):
    """Directional finite differences of scalar f along random directions."""
    rng = np.random.default_rng(seed)
    for _ in range(n):
        v = rng.standard_normal(args[i].shape)
        a_p = list(args)
        a_m = list(args)
        a_p[i] = args[i] + eps * v
        a_m[i] = args[i] - eps * v
        fd = (f(*a_p) - f(*a_m)) / (2 * eps)
        np.testing.assert_allclose(np.sum(grad * v), fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("impl", ["c", "numpy"])
@pytest.mark.parametrize("code", [0, 2, 3])
@pytest.mark.parametrize("case", [CONV_CASES[i] for i in (1, 3, 4, 5, 7, -4, -2)])
def test_conv_gradient_finite_differences(case, code, impl):
    k = IMPLS[impl]
    x, w, b, s, d, pads, outs = _conv_problem(case, np.float64)
    dy = np.random.default_rng(2).standard_normal(
        (x.shape[0],) + tuple(outs) + (w.shape[3],))

    def loss(x_, w_, b_):
        return float(np.sum(k.conv2d_fwd(x_, w_, b_, code, s, d, pads, outs) * dy))

    y = k.conv2d_fwd(x, w, b, code, s, d, pads, outs)
    dx, dw, db = k.conv2d_bwd(x, w, y, dy, code, s, d, pads)
    for i, g in enumerate((dx, dw, db)):
        _fd_check(loss, (x, w, b), i, g)


# (N, H, W, C, KH, KW, strides, padding)
POOL_CASES = [
    (2, 6, 6, 3, 2, 2, (2, 2), "valid"),
    (2, 7, 7, 2, 2, 2, (2, 2), "valid"),
    (1, 7, 5, 3, 3, 2, (2, 1), "same"),
    (2, 5, 5, 1, 3, 3, (1, 1), "same"),
    (1, 1, 7, 4, 1, 2, (1, 2), "valid"),   # 1-D, L=7 -> 3
    (1, 1, 9, 2, 1, 3, (1, 2), "same"),
    (2, 6, 8, 5, 2, 2, (2, 2), "same"),    # windows tile the input: one-pass backward
    (1, 1, 8, 3, 1, 2, (1, 2), "valid"),   # the same in 1-D
    (6, 40, 38, 24, 2, 2, (2, 2), "valid"),  # rows shared with the helper thread
    (5, 41, 37, 20, 3, 3, (2, 2), "same"),
]


def _pool_problem(case, dtype, seed=0):
    N, H, W, C, KH, KW, strides, padding = case
    x = np.random.default_rng(seed).standard_normal((N, H, W, C)).astype(dtype)
    pads, outs = conv_pads((H, W), (KH, KW), strides, (1, 1), padding)
    return x, (KH, KW), strides, (pads[0][0], pads[1][0]), outs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", [0, 1])
@pytest.mark.parametrize("case", POOL_CASES)
def test_pool_c_matches_reference(case, mode, dtype):
    x, k, s, pads, outs = _pool_problem(case, dtype)
    y_c, i_c = _conv.pool2d_fwd(x, k, s, pads, outs, mode)
    y_r, i_r = ref.pool2d_fwd(x, k, s, pads, outs, mode)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(y_c, y_r, atol=tol, rtol=tol)
    if mode == 0:
        np.testing.assert_array_equal(i_c, i_r)
    dy = np.random.default_rng(3).standard_normal(y_r.shape).astype(dtype)
    dx_c = _conv.pool2d_bwd(dy, i_c, x.shape, k, s, pads, mode)
    dx_r = ref.pool2d_bwd(dy, i_r, x.shape, k, s, pads, mode)
    np.testing.assert_allclose(dx_c, dx_r, atol=tol, rtol=tol)


def test_pool_1d_length_and_avg_excludes_padding():
    x = np.arange(7, dtype=np.float64).reshape(1, 1, 7, 1)
    y, _ = _conv.pool2d_fwd(x, (1, 2), (1, 2), (0, 0), (1, 3), 0)
    assert y.ravel().tolist() == [1, 3, 5]
    pads, outs = conv_pads((1, 7), (1, 2), (1, 2), (1, 1), "same")
    y, _ = _conv.pool2d_fwd(x, (1, 2), (1, 2), (pads[0][0], pads[1][0]), outs, 1)
    assert y.ravel().tolist() == [0.5, 2.5, 4.5, 6.0]


@pytest.mark.parametrize("impl", ["c", "numpy"])
@pytest.mark.parametrize("mode", [0, 1])
@pytest.mark.parametrize("case", POOL_CASES)
def test_pool_gradient_finite_differences(case, mode, impl):
    k = IMPLS[impl]
    x, ks, s, pads, outs = _pool_problem(case, np.float64)
    y, idx = k.pool2d_fwd(x, ks, s, pads, outs, mode)
    dy = np.random.default_rng(4).standard_normal(y.shape)
    dx = k.pool2d_bwd(dy, idx, x.shape, ks, s, pads, mode)
    _fd_check(lambda x_: float(np.sum(k.pool2d_fwd(x_, ks, s, pads, outs, mode)[0] * dy)),
              (x,), 0, dx)


NAN, INF = np.nan, np.inf
LOW = "lowest"  # the dtype's lowest finite value
# (row, pool, stride, padding, y, idx): y as tf.nn.max_pool2d gives it on the
# CPU (TF 2.21, windows 1 x pool over a 1 x len(row) image); idx is the
# position the gradient goes to: the first maximum, or the window's first
# entry when nothing beats the lowest finite value (TF's own gradient agrees
# except for a NaN first in the window, where it sends it to the NaN).
MAX_POOL_NON_FINITE = [
    ([NAN, 1, 2], 3, 1, "valid", [2], [2]),
    ([1, NAN, 2], 3, 1, "valid", [2], [2]),
    ([1, 2, NAN], 3, 1, "valid", [2], [1]),
    ([2, NAN, 1], 3, 1, "valid", [2], [0]),
    ([NAN, -1, -2], 3, 1, "valid", [-1], [1]),
    ([-1, -2, NAN], 3, 1, "valid", [-1], [0]),
    ([NAN, NAN, 1], 3, 1, "valid", [1], [2]),
    ([1, NAN, NAN], 3, 1, "valid", [1], [0]),
    ([NAN, NAN, NAN], 3, 1, "valid", [LOW], [0]),
    ([-INF, -INF, -INF], 3, 1, "valid", [LOW], [0]),
    ([NAN, -INF, NAN], 3, 1, "valid", [LOW], [0]),
    ([-INF, NAN, -3e38], 3, 1, "valid", [-3e38], [2]),
    ([NAN], 3, 2, "same", [LOW], [0]),            # the window's only real entry is NaN
    ([NAN], 3, 1, "same", [LOW], [0]),
    ([NAN, 1], 3, 1, "same", [1, 1], [1, 1]),
    ([1, NAN], 3, 1, "same", [1, 1], [0, 0]),
    ([NAN, NAN, 1, NAN], 3, 2, "same", [1, 1], [2, 2]),
]


@pytest.mark.parametrize("impl", ["c", "numpy"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", MAX_POOL_NON_FINITE, ids=repr)
def test_max_pool_nan_and_inf_follow_tensorflow(case, dtype, impl):
    """NaN and -inf never win a max-pooling window, wherever they sit, and a
    window of nothing else gives the lowest finite value: TF's CPU rule."""
    row, k, stride, padding, want, want_idx = case
    x = np.array(row, dtype).reshape(1, 1, -1, 1)
    pads, outs = conv_pads(x.shape[1:3], (1, k), (1, stride), (1, 1), padding)
    pads = (pads[0][0], pads[1][0])
    y, idx = IMPLS[impl].pool2d_fwd(x, (1, k), (1, stride), pads, outs, 0)
    low = np.finfo(dtype).min
    want = np.array([low if v == LOW else v for v in want], dtype)
    np.testing.assert_array_equal(y.ravel(), want)
    assert idx.ravel().tolist() == want_idx
    dx = IMPLS[impl].pool2d_bwd(np.ones_like(y), idx, x.shape, (1, k), (1, stride), pads, 0)
    np.testing.assert_array_equal(dx.ravel(), np.bincount(want_idx, minlength=x.size))


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool_nan_anywhere_in_the_window(dtype):
    """A NaN at any position of a 3x3 window (and the padded windows of
    'same' around it) leaves the maximum of the other entries, on both
    implementations, with the same gradient positions."""
    rng = np.random.default_rng(9)
    base = rng.standard_normal((2, 3, 3, 4)).astype(dtype)
    for k, padding in (((3, 3), "valid"), ((3, 3), "same"), ((2, 3), "same")):
        pads, outs = conv_pads((3, 3), k, (1, 1), (1, 1), padding)
        pads = (pads[0][0], pads[1][0])
        for p in range(9):
            x = base.copy()
            x[:, p // 3, p % 3, :] = np.nan
            y_c, i_c = _conv.pool2d_fwd(x, k, (1, 1), pads, outs, 0)
            y_r, i_r = ref.pool2d_fwd(x, k, (1, 1), pads, outs, 0)
            np.testing.assert_array_equal(y_c, y_r)
            np.testing.assert_array_equal(i_c, i_r)
            assert not np.isnan(y_c).any()
            # the output is the entry its gradient goes to
            flat = x.reshape(2, 9, 4)
            picked = np.take_along_axis(flat, i_c.reshape(2, -1, 4), axis=1)
            np.testing.assert_array_equal(picked.reshape(y_c.shape), y_c)
            if padding == "valid":
                want = np.nanmax(x, axis=(1, 2), keepdims=True)
                np.testing.assert_array_equal(y_c, want)


def test_conv_argument_errors():
    x = np.zeros((1, 4, 4, 2), np.float32)
    w = np.zeros((3, 3, 3, 2), np.float32)
    with pytest.raises(ValueError):
        _conv.conv2d_fwd(x, w, None, 0, (1, 1), (1, 1), (0, 0), (2, 2))
    with pytest.raises(ValueError):
        _conv.conv2d_fwd(x, np.zeros((3, 3, 2, 2)), None, 0, (1, 1), (1, 1), (0, 0), (2, 2))
    with pytest.raises(ValueError):
        _conv.conv2d_fwd(x, w[:, :, :2], None, 9, (1, 1), (1, 1), (0, 0), (2, 2))
    with pytest.raises(ValueError):
        _conv.conv2d_fwd(x[0], w[:, :, :2], None, 0, (1, 1), (1, 1), (0, 0), (2, 2))


def test_conv_zero_batch():
    x = np.zeros((0, 4, 4, 2), np.float32)
    w = np.ones((3, 3, 2, 2), np.float32)
    y = _conv.conv2d_fwd(x, w, None, 1, (1, 1), (1, 1), (0, 0), (2, 2))
    assert y.shape == (0, 2, 2, 2)
    dx, dw, db = _conv.conv2d_bwd(x, w, y, y, 1, (1, 1), (1, 1), (0, 0))
    assert dx.shape == x.shape and not dw.any() and not db.any()


@pytest.mark.parametrize("impl", ["c", "numpy"])
def test_pool_bwd_ignores_positions_outside_the_image(impl):
    """pool2d_bwd scatters dy to the positions in idx; a position that
    ck_pool2d_max_fwd could not have written (outside the H*W image) must
    not be written to (it was, before: an out-of-bounds write)."""
    k = IMPLS[impl]
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    y, idx = k.pool2d_fwd(x, (2, 2), (2, 2), (0, 0), (2, 2), 0)
    dy = np.ones_like(y)
    want = k.pool2d_bwd(dy, idx, x.shape, (2, 2), (2, 2), (0, 0), 0)
    bad = idx.copy()
    bad[0, 0, 0, 0] = 16            # one past the image
    bad[0, 1, 1, 0] = 2 ** 31 - 1
    got = k.pool2d_bwd(dy, bad, x.shape, (2, 2), (2, 2), (0, 0), 0)
    want[0, 1, 1, 0] = want[0, 3, 3, 0] = 0.0   # the two entries whose positions were broken
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("impl", ["c", "numpy"])
def test_max_pool_empty_window(impl):
    """A window entirely in the padding (never from valid/same padding)
    gives 0 and position -1, and its gradient goes nowhere."""
    k = IMPLS[impl]
    x = np.array([3.0, np.nan], np.float32).reshape(1, 1, 2, 1)
    y, idx = k.pool2d_fwd(x, (1, 1), (1, 1), (0, 1), (1, 3), 0)
    assert y.ravel().tolist() == [0.0, 3.0, np.finfo(np.float32).min]
    assert idx.ravel().tolist() == [-1, 0, 1]
    dx = k.pool2d_bwd(np.full_like(y, 2.0), idx, x.shape, (1, 1), (1, 1), (0, 1), 0)
    assert dx.ravel().tolist() == [2.0, 2.0]


def test_geometry_beyond_the_index_arithmetic_is_refused():
    x = np.zeros((1, 4, 4, 2), np.float32)
    w = np.zeros((3, 3, 2, 1), np.float32)
    with pytest.raises(ValueError, match="< 2\\*\\*31"):
        _conv.conv2d_fwd(x, w, None, 0, (1, 1), (2 ** 40, 1), (0, 0), (2, 2))
    with pytest.raises(ValueError, match="< 2\\*\\*31"):
        _conv.pool2d_fwd(x, (2, 2), (2, 2), (2 ** 62, 0), (1, 1), 0)
    with pytest.raises(ValueError, match="window must have 2 sizes"):
        _conv.pool2d_fwd(x, (2,), (2, 2), (0, 0), (2, 2), 0)


# ------------------------------------------------------------------ 3-D
# (N, D, H, W, C, KD, KH, KW, O, strides, dilations, padding)
CONV3D_CASES = [
    (2, 4, 5, 6, 3, 2, 3, 3, 4, (1, 1, 1), (1, 1, 1), "valid"),
    (1, 5, 5, 4, 2, 3, 3, 2, 3, (2, 2, 1), (1, 1, 1), "same"),
    (2, 7, 6, 6, 2, 3, 2, 2, 2, (1, 1, 1), (2, 2, 1), "valid"),
    (1, 6, 7, 5, 2, 2, 3, 3, 3, (1, 1, 1), (3, 1, 2), "same"),
    (2, 3, 4, 5, 4, 1, 1, 1, 3, (1, 1, 1), (1, 1, 1), "valid"),   # 1x1x1: no im2col
    (2, 5, 4, 5, 3, 1, 1, 1, 2, (2, 1, 2), (1, 1, 1), "valid"),   # 1x1x1 strided
    (2, 12, 40, 40, 6, 3, 3, 3, 5, (1, 1, 1), (1, 1, 1), "same"),  # several im2col blocks
    # first layers (the direct path): im2col's interior rows copy from an
    # offset table, border rows take the general loop, rows of both in a tile
    (2, 6, 7, 8, 1, 3, 3, 3, 16, (1, 1, 1), (1, 1, 1), "same"),
    (1, 9, 8, 9, 2, 3, 3, 3, 16, (2, 1, 1), (2, 2, 1), "same"),
    (2, 5, 6, 7, 1, 3, 3, 3, 16, (1, 1, 1), (1, 1, 1), "valid"),
]


def _conv3d_problem(case, dtype, seed=0):
    N, D, H, W, C, KD, KH, KW, n_out, strides, dilations, padding = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, D, H, W, C)).astype(dtype)
    w = (rng.standard_normal((KD, KH, KW, C, n_out)) / np.sqrt(KD * KH * KW * C)).astype(dtype)
    b = rng.standard_normal(n_out).astype(dtype)
    pads, outs = conv_pads((D, H, W), (KD, KH, KW), strides, dilations, padding)
    return x, w, b, strides, dilations, tuple(p[0] for p in pads), outs


def _naive_conv3d(x, w, b, strides, dilations, pads, outs):
    """The definition, one output entry at a time (float64)."""
    N, D, H, W, C = x.shape
    y = np.zeros((N,) + tuple(outs) + (w.shape[-1],))
    for od, oh, ow in np.ndindex(*outs):
        for kd, kh, kw in np.ndindex(*w.shape[:3]):
            i = (od * strides[0] + kd * dilations[0] - pads[0],
                 oh * strides[1] + kh * dilations[1] - pads[1],
                 ow * strides[2] + kw * dilations[2] - pads[2])
            if all(0 <= v < n for v, n in zip(i, (D, H, W))):
                y[:, od, oh, ow] += x[:, i[0], i[1], i[2]] @ w[kd, kh, kw]
    return y + b


@pytest.mark.parametrize("case", CONV3D_CASES[:6])
def test_conv3d_reference_is_the_definition(case):
    x, w, b, s, d, pads, outs = _conv3d_problem(case, np.float64)
    np.testing.assert_allclose(ref.conv3d_fwd(x, w, b, 0, s, d, pads, outs),
                               _naive_conv3d(x, w, b, s, d, pads, outs), atol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", [0, 1, 3])
@pytest.mark.parametrize("case", CONV3D_CASES)
def test_conv3d_fwd_bwd_c_matches_reference(case, code, dtype):
    x, w, b, s, d, pads, outs = _conv3d_problem(case, dtype)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    y_c = _conv.conv3d_fwd(x, w, b, code, s, d, pads, outs)
    y_r = ref.conv3d_fwd(x, w, b, code, s, d, pads, outs)
    assert y_c.dtype == dtype and y_c.shape == y_r.shape == (x.shape[0],) + outs + (w.shape[-1],)
    np.testing.assert_allclose(y_c, y_r, atol=tol, rtol=tol)
    dy = np.random.default_rng(1).standard_normal(y_r.shape).astype(dtype)
    got = _conv.conv3d_bwd(x, w, y_r, dy, code, s, d, pads)
    want = ref.conv3d_bwd(x, w, y_r, dy, code, s, d, pads)
    for g, e, name in zip(got, want, ("dx", "dw", "db")):
        assert g.shape == e.shape and g.dtype == dtype, name
        np.testing.assert_allclose(g, e, atol=20 * tol, rtol=20 * tol, err_msg=name)


@pytest.mark.parametrize("impl", ["c", "numpy"])
@pytest.mark.parametrize("code", [0, 2])
@pytest.mark.parametrize("case", [CONV3D_CASES[i] for i in (1, 2, 3, 5)])
def test_conv3d_gradient_finite_differences(case, code, impl):
    k = IMPLS[impl]
    x, w, b, s, d, pads, outs = _conv3d_problem(case, np.float64)
    dy = np.random.default_rng(2).standard_normal((x.shape[0],) + outs + (w.shape[-1],))

    def loss(x_, w_, b_):
        return float(np.sum(k.conv3d_fwd(x_, w_, b_, code, s, d, pads, outs) * dy))

    y = k.conv3d_fwd(x, w, b, code, s, d, pads, outs)
    dx, dw, db = k.conv3d_bwd(x, w, y, dy, code, s, d, pads)
    for i, g in enumerate((dx, dw, db)):
        _fd_check(loss, (x, w, b), i, g)


@pytest.mark.parametrize("impl", ["c", "numpy"])
def test_conv3d_with_depth_one_is_conv2d(impl):
    k = IMPLS[impl]
    x, w, b, s, d, pads, outs = _conv_problem(CONV_CASES[1], np.float64)
    y2 = k.conv2d_fwd(x, w, b, 2, s, d, pads, outs)
    y3 = k.conv3d_fwd(x[:, None], w[None], b, 2, (1,) + s, (1,) + d, (0,) + pads,
                      (1,) + tuple(outs))
    np.testing.assert_allclose(y3[:, 0], y2, atol=1e-13)
    dy = np.random.default_rng(5).standard_normal(y2.shape)
    g2 = k.conv2d_bwd(x, w, y2, dy, 2, s, d, pads)
    g3 = k.conv3d_bwd(x[:, None], w[None], y3, dy[:, None], 2, (1,) + s, (1,) + d,
                      (0,) + pads)
    for a, e in zip((g3[0][:, 0], g3[1][0], g3[2]), g2):
        np.testing.assert_allclose(a, e, atol=1e-12)


@pytest.mark.parametrize("impl", ["c", "numpy"])
def test_conv3d_partial_gradients_and_transposed_use(impl):
    """x=None with x_shape (the transposed-convolution path) gives the same dx."""
    k = IMPLS[impl]
    x, w, b, s, d, pads, outs = _conv3d_problem(CONV3D_CASES[1], np.float64)
    dy = np.random.default_rng(6).standard_normal((x.shape[0],) + outs + (w.shape[-1],))
    dx, dw, db = k.conv3d_bwd(None, w, None, dy, 0, s, d, pads, need_dw=False,
                              need_db=False, x_shape=x.shape)
    assert dw is None and db is None
    np.testing.assert_allclose(dx, k.conv3d_bwd(x, w, None, dy, 0, s, d, pads)[0],
                               atol=1e-12)


# (N, D, H, W, C, KD, KH, KW, strides, padding)
POOL3D_CASES = [
    (2, 4, 4, 4, 3, 2, 2, 2, (2, 2, 2), "valid"),
    (1, 5, 7, 6, 2, 2, 3, 2, (2, 2, 1), "valid"),
    (2, 5, 5, 3, 2, 3, 3, 2, (2, 1, 2), "same"),
    (1, 3, 4, 5, 1, 3, 3, 3, (1, 1, 1), "same"),
]


def _pool3d_problem(case, dtype, seed=0):
    N, D, H, W, C, KD, KH, KW, strides, padding = case
    x = np.random.default_rng(seed).standard_normal((N, D, H, W, C)).astype(dtype)
    pads, outs = conv_pads((D, H, W), (KD, KH, KW), strides, (1, 1, 1), padding)
    return x, (KD, KH, KW), strides, tuple(p[0] for p in pads), outs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", [0, 1])
@pytest.mark.parametrize("case", POOL3D_CASES)
def test_pool3d_c_matches_reference(case, mode, dtype):
    x, k, s, pads, outs = _pool3d_problem(case, dtype)
    y_c, i_c = _conv.pool3d_fwd(x, k, s, pads, outs, mode)
    y_r, i_r = ref.pool3d_fwd(x, k, s, pads, outs, mode)
    tol = 1e-6 if dtype == np.float32 else 1e-13
    assert y_c.shape == (x.shape[0],) + outs + (x.shape[-1],)
    np.testing.assert_allclose(y_c, y_r, atol=tol, rtol=tol)
    if mode == 0:
        np.testing.assert_array_equal(i_c, i_r)
        if case[-1] == "valid" and k == s:   # non-overlapping: the blockwise max
            N, D, H, W, C = x.shape
            od, oh, ow = outs
            blocks = x[:, :od * k[0], :oh * k[1], :ow * k[2]].reshape(
                N, od, k[0], oh, k[1], ow, k[2], C)
            np.testing.assert_array_equal(y_c, blocks.max(axis=(2, 4, 6)))
    dy = np.random.default_rng(3).standard_normal(y_r.shape).astype(dtype)
    dx_c = _conv.pool3d_bwd(dy, i_c, x.shape, k, s, pads, mode)
    dx_r = ref.pool3d_bwd(dy, i_r, x.shape, k, s, pads, mode)
    np.testing.assert_allclose(dx_c, dx_r, atol=tol, rtol=tol)


@pytest.mark.parametrize("impl", ["c", "numpy"])
@pytest.mark.parametrize("mode", [0, 1])
@pytest.mark.parametrize("case", POOL3D_CASES)
def test_pool3d_gradient_finite_differences(case, mode, impl):
    k = IMPLS[impl]
    x, ks, s, pads, outs = _pool3d_problem(case, np.float64)
    y, idx = k.pool3d_fwd(x, ks, s, pads, outs, mode)
    dy = np.random.default_rng(4).standard_normal(y.shape)
    dx = k.pool3d_bwd(dy, idx, x.shape, ks, s, pads, mode)
    _fd_check(lambda x_: float(np.sum(k.pool3d_fwd(x_, ks, s, pads, outs, mode)[0] * dy)),
              (x,), 0, dx)


@pytest.mark.parametrize("impl", ["c", "numpy"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_max_pool3d_nan_rule_and_average_counts_real_entries(impl, dtype):
    """TF's rule in 3-D: NaN never wins, a window of only NaN gives the lowest
    finite value; 'same' average divides by the non-padded entries only."""
    k = IMPLS[impl]
    x = np.arange(8, dtype=dtype).reshape(1, 2, 2, 2, 1)
    x[0, 1, 1, 1, 0] = np.nan
    y, idx = k.pool3d_fwd(x, (2, 2, 2), (2, 2, 2), (0, 0, 0), (1, 1, 1), 0)
    assert y.ravel().tolist() == [6.0] and idx.ravel().tolist() == [6]
    allnan = np.full((1, 2, 2, 2, 1), np.nan, dtype)
    y, idx = k.pool3d_fwd(allnan, (2, 2, 2), (2, 2, 2), (0, 0, 0), (1, 1, 1), 0)
    assert y.ravel().tolist() == [np.finfo(dtype).min] and idx.ravel().tolist() == [0]
    ones = np.ones((1, 3, 3, 3, 1), dtype)
    ones[0, 0, 0, 0, 0] = 28.0
    y, _ = k.pool3d_fwd(ones, (2, 2, 2), (2, 2, 2), (0, 0, 0), (2, 2, 2), 1)
    # the corner window has 8 real entries, the far corner only 1
    assert y[0, 0, 0, 0, 0] == (28 + 7) / 8 and y[0, 1, 1, 1, 0] == 1.0


def test_conv3d_argument_errors():
    x = np.zeros((1, 4, 4, 4, 2), np.float32)
    w = np.zeros((3, 3, 3, 2, 2), np.float32)
    with pytest.raises(ValueError, match="x must be 5-D"):
        _conv.conv3d_fwd(x[0], w, None, 0, (1,) * 3, (1,) * 3, (0,) * 3, (2,) * 3)
    with pytest.raises(ValueError, match="expected"):
        _conv.conv3d_fwd(x, np.zeros((3, 3, 3, 1, 2), np.float32), None, 0, (1,) * 3,
                         (1,) * 3, (0,) * 3, (2,) * 3)
    with pytest.raises(ValueError, match="3 values"):
        _conv.conv3d_fwd(x, w, None, 0, (1, 1), (1,) * 3, (0,) * 3, (2,) * 3)
    with pytest.raises(ValueError, match="< 2\\*\\*31"):
        _conv.pool3d_fwd(x, (2, 2, 2), (2, 2, 2), (2 ** 40, 0, 0), (1, 1, 1), 0)
    with pytest.raises(ValueError, match="idx must be"):
        _conv.pool3d_bwd(np.zeros((1, 2, 2, 2, 2), np.float32), None, x.shape, (2, 2, 2),
                         (2, 2, 2), (0, 0, 0), 0)


# ------------------------------------------ work shared with the helper thread
# Each is large enough for the kernels to share it with the helper: the direct
# forward's tiles and the first layer's weight gradient in parts; Winograd's
# blocks (two at batch 1) and its weight gradient in parts; an im2col weight
# gradient in parts (dilated, so no Winograd); max and average pooling rows
# and the one-pass max backward.
SPLIT_CONV = [
    (8, 30, 30, 3, 3, 3, 32, (1, 1), (1, 1), "same"),
    (16, 20, 20, 16, 3, 3, 24, (1, 1), (1, 1), "valid"),
    (1, 26, 26, 32, 3, 3, 64, (1, 1), (1, 1), "valid"),
    (8, 48, 40, 9, 3, 3, 20, (1, 1), (2, 2), "same"),
]


@pytest.fixture
def helper():
    threads = pytest.importorskip("ckeras._ext._threads")
    prev = threads.helper_enabled()
    yield threads
    threads.set_helper_enabled(prev)


def _split_outputs(case, dtype):
    x, w, b, s, d, pads, outs = _conv_problem(case, dtype)
    first = case[3] <= 3
    y = _conv.conv2d_fwd(x, w, b, 1, s, d, pads, outs)
    dy = np.random.default_rng(1).standard_normal(y.shape).astype(dtype)
    got = [y, *(g for g in _conv.conv2d_bwd(x, w, y, dy, 1, s, d, pads, need_dx=not first)
                if g is not None)]
    oh, ow = y.shape[1] // 2, y.shape[2] // 2
    for mode in (0, 1):
        p, idx = _conv.pool2d_fwd(y, (2, 2), (2, 2), (0, 0), (oh, ow), mode)
        got += [p, _conv.pool2d_bwd(p, idx, y.shape, (2, 2), (2, 2), (0, 0), mode)]
    return got


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", SPLIT_CONV)
def test_conv_and_pool_same_bits_with_or_without_the_helper(case, dtype, helper):
    """The kernels split their work in parts fixed by the shape alone, so the
    bits are the same whether the helper took some parts or none; and they
    are the reference's values."""
    helper.set_helper_enabled(False)
    jobs = helper.helper_jobs_taken()
    one = _split_outputs(case, dtype)
    assert helper.helper_jobs_taken() == jobs
    x, w, b, s, d, pads, outs = _conv_problem(case, dtype)
    tol = 2e-4 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(one[0], ref.conv2d_fwd(x, w, b, 1, s, d, pads, outs),
                               atol=tol, rtol=tol)
    for _ in range(300):
        helper.set_helper_enabled(True)  # ends a back-off after a late job
        two = _split_outputs(case, dtype)
        for a, e in zip(two, one):
            np.testing.assert_array_equal(a, e)
        if helper.helper_jobs_taken() - jobs >= 8:
            break
    assert helper.helper_jobs_taken() - jobs >= 8, "the helper never took part"
