"""Fused dense kernels (ckeras._ext._dense) against their NumPy references,
and a finite-difference check of the backward."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ckeras._ext import _dense
from ckeras.kernels.codes import Act
from ckeras.kernels.reference import act as ref_act
from ckeras.kernels.reference import dense as ref

DTYPES = [np.float32, np.float64]
CODES = list(Act)
NAMES = {a: a.name.lower() for a in Act}
EPS = {np.float32: float(np.finfo(np.float32).eps), np.float64: float(np.finfo(np.float64).eps)}
# Absolute error of the activation itself (polynomial vs libm), per dtype.
ACT_ERR = {np.float32: 2e-6, np.float64: 1e-14}
IMPLS = {"c": _dense, "numpy": ref}


def _problem(M, K, N, dtype, seed=0, bias=True):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((M, K)).astype(dtype)
    w = (rng.standard_normal((K, N)) / np.sqrt(max(K, 1))).astype(dtype)
    b = rng.standard_normal(N).astype(dtype) if bias else None
    dy = rng.standard_normal((M, N)).astype(dtype)
    return x, w, b, dy


def _abs64(a):
    return np.abs(a.astype(np.float64))


def _assert_within(got, want, bound, what):
    assert got.shape == want.shape, what
    err = np.abs(got.astype(np.float64) - want.astype(np.float64))
    bad = ~(err <= bound) & ~(np.isnan(got) & np.isnan(want))
    assert not bad.any(), (f"{what}: max excess {np.max((err - bound)[bad])}, "
                           f"max err {err.max()}")


def _check_fwd(x, w, b, code, y, want):
    dt = x.dtype.type
    K = x.shape[1]
    # Dot-product error bound of both GEMMs (C and reference), then the
    # activation (Lipschitz <= 1 for every code) and its own error.
    mag = _abs64(x) @ _abs64(w) + (0 if b is None else _abs64(b))
    bound = 4 * (K + 2) * EPS[dt] * mag + ACT_ERR[dt] + 4 * EPS[dt] * np.abs(want)
    _assert_within(y, want, bound, f"y ({NAMES[code]})")


def _check_bwd(x, w, y, dy, code, got, want):
    dt = x.dtype.type
    M, K = x.shape
    N = w.shape[1]
    dz = _abs64(ref_act.act_bwd(code, y, dy))
    # dz differs between the two only by rounding (softmax: the row dot).
    dz_err = (4 * (N + 2) * EPS[dt] * (np.abs(dy).astype(np.float64).sum(axis=1, keepdims=True)
                                       + 1) * np.ones_like(dz)) if code == Act.SOFTMAX else 0
    dzb = dz + dz_err
    tiny = 10 * np.finfo(dt).tiny
    soft = code == Act.SOFTMAX
    bounds = {
        "dx": 4 * (N + 2) * EPS[dt] * (dzb @ _abs64(w).T) + (dz_err @ _abs64(w).T if soft else 0),
        "dw": 4 * (M + 2) * EPS[dt] * (_abs64(x).T @ dzb) + (_abs64(x).T @ dz_err if soft else 0),
        "db": 4 * (M + 2) * EPS[dt] * dzb.sum(axis=0) + (dz_err.sum(axis=0) if soft else 0),
    }
    for name, g, r in zip(("dx", "dw", "db"), got, want):
        if r is None:
            assert g is None, name
            continue
        assert g.dtype == dt and g.flags.c_contiguous, name
        _assert_within(g, r, bounds[name] + tiny, f"{name} ({NAMES[code]})")


SHAPES = [(1, 128, 128), (1, 1, 1), (1, 7, 1), (5, 1, 9), (33, 17, 15), (17, 31, 1),
          (64, 48, 40), (3, 100, 257)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", CODES, ids=lambda c: NAMES[c])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_fwd_bwd_match_reference(shape, code, dtype):
    x, w, b, dy = _problem(*shape, dtype)
    copies = [a.copy() for a in (x, w, b, dy)]
    y = _dense.dense_fwd(x, w, b, code)
    want = ref.dense_fwd(x, w, b, code)
    assert y.dtype == dtype and y.shape == want.shape and y.flags.c_contiguous
    _check_fwd(x, w, b, code, y, want)
    # Backward on the reference's y, so each kernel is checked on its own.
    y_saved = want.copy()
    got = _dense.dense_bwd(x, w, want, dy, code)
    _check_bwd(x, w, want, dy, code, got, ref.dense_bwd(x, w, want, dy, code))
    for a, a0 in zip((x, w, b, dy, want), copies + [y_saved]):
        assert np.array_equal(a, a0), "an input was modified"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", CODES, ids=lambda c: NAMES[c])
def test_no_bias(code, dtype):
    x, w, _, dy = _problem(6, 5, 4, dtype, bias=False)
    want = ref.dense_fwd(x, w, None, code)
    _check_fwd(x, w, None, code, _dense.dense_fwd(x, w, None, code), want)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", CODES, ids=lambda c: NAMES[c])
def test_each_gradient_alone(code, dtype):
    x, w, b, dy = _problem(7, 6, 5, dtype, seed=3)
    y = ref.dense_fwd(x, w, b, code)
    full = ref.dense_bwd(x, w, y, dy, code)
    for flags in [(True, False, False), (False, True, False), (False, False, True)]:
        got = _dense.dense_bwd(x, w, y, dy, code, *flags)
        assert [g is not None for g in got] == list(flags)
        want = [f if keep else None for f, keep in zip(full, flags)]
        _check_bwd(x, w, y, dy, code, got, want)
    assert _dense.dense_bwd(x, w, y, dy, code, False, False, False) == (None, None, None)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("code", CODES, ids=lambda c: NAMES[c])
@pytest.mark.parametrize("shape", [(0, 4, 3), (3, 0, 4), (0, 0, 2), (2, 3, 0)], ids=str)
def test_zero_sizes(shape, code, dtype):
    x, w, b, dy = _problem(*shape, dtype)
    for m in IMPLS.values():
        y = m.dense_fwd(x, w, b, code)
        assert y.shape == (shape[0], shape[2]) and y.dtype == dtype
        dx, dw, db = m.dense_bwd(x, w, ref.dense_fwd(x, w, b, code), dy, code)
        assert dx.shape == x.shape and dw.shape == w.shape and db.shape == (shape[2],)
        # Empty sums are zero: dW with M == 0, dX with N == 0, db with M == 0.
        assert not dw.any() if shape[0] == 0 else True
        assert not db.any() if shape[0] == 0 else True
        assert not dx.any() if shape[2] == 0 else True
    if shape[1] == 0:  # K == 0: y = act(b)
        want = ref_act.act_fwd(code, np.broadcast_to(b, (shape[0], shape[2])).copy())
        np.testing.assert_allclose(_dense.dense_fwd(x, w, b, code), want, atol=ACT_ERR[dtype])


@settings(max_examples=50, deadline=None)
@given(M=st.integers(0, 40), K=st.integers(0, 40), N=st.integers(1, 40),
       code=st.sampled_from(CODES), dtype=st.sampled_from(DTYPES),
       bias=st.booleans(), seed=st.integers(0, 2**16))
def test_fuzz_shapes(M, K, N, code, dtype, bias, seed):
    x, w, b, dy = _problem(M, K, N, dtype, seed, bias)
    want = ref.dense_fwd(x, w, b, code)
    _check_fwd(x, w, b, code, _dense.dense_fwd(x, w, b, code), want)
    got = _dense.dense_bwd(x, w, want, dy, code)
    _check_bwd(x, w, want, dy, code, got, ref.dense_bwd(x, w, want, dy, code))


@pytest.mark.parametrize("impl", list(IMPLS), ids=str)
@pytest.mark.parametrize("code", CODES, ids=lambda c: NAMES[c])
def test_backward_is_the_gradient_float64(impl, code):
    """Directional finite differences of L = sum(r * dense_fwd(x, w, b))."""
    m = IMPLS[impl]
    rng = np.random.default_rng(7 + code)
    M, K, N = 5, 4, 3
    x, w, b, r = _problem(M, K, N, np.float64, seed=11 + code)
    if code in (Act.RELU, Act.HARD_SIGMOID):
        # Keep pre-activations away from the kinks so the FD is meaningful.
        z = x @ w + b
        b = b + np.where(np.abs(z).min(axis=0) < 0.05, 0.1, 0.0)
    y = m.dense_fwd(x, w, b, code)
    dx, dw, db = m.dense_bwd(x, w, y, r, code)
    vx, vw, vb = (rng.standard_normal(a.shape) for a in (x, w, b))
    h = 1e-6

    def loss(t):
        return float(np.sum(r * m.dense_fwd(x + t * vx, w + t * vw, b + t * vb, code)))

    fd = (loss(h) - loss(-h)) / (2 * h)
    an = float(np.sum(dx * vx) + np.sum(dw * vw) + np.sum(db * vb))
    assert abs(fd - an) <= 1e-6 * max(1.0, abs(an)), (fd, an)


def test_concurrent_calls_from_threads():
    # The kernels run without the GIL; calls from several threads must not
    # interfere (no shared scratch state in the C code).
    from concurrent.futures import ThreadPoolExecutor
    problems = [_problem(16, 40, 24, dt, seed=s) for s in range(8) for dt in DTYPES]
    serial = [(_dense.dense_fwd(x, w, b, Act.TANH),) + _dense.dense_bwd(
        x, w, _dense.dense_fwd(x, w, b, Act.TANH), dy, Act.TANH) for x, w, b, dy in problems]

    def work(i):
        x, w, b, dy = problems[i % len(problems)]
        y = _dense.dense_fwd(x, w, b, Act.TANH)
        return i % len(problems), (y,) + _dense.dense_bwd(x, w, y, dy, Act.TANH)

    with ThreadPoolExecutor(max_workers=4) as pool:
        for i, got in pool.map(work, range(20 * len(problems))):
            for g, s_ in zip(got, serial[i]):
                # Not bitwise: a BLAS may split work differently under load.
                np.testing.assert_allclose(g, s_, rtol=1e-5, atol=1e-6)


def test_read_only_weights_accepted():
    x, w, b, dy = _problem(3, 4, 5, np.float32)
    for a in (x, w, b, dy):
        a.flags.writeable = False
    y = _dense.dense_fwd(x, w, b, Act.TANH)
    y.flags.writeable = False
    _dense.dense_bwd(x, w, y, dy, Act.TANH)


@pytest.mark.parametrize("impl", list(IMPLS), ids=str)
def test_bad_arguments(impl):
    m = IMPLS[impl]
    x, w, b, dy = _problem(3, 4, 5, np.float32)
    y = ref.dense_fwd(x, w, b, Act.TANH)
    cases_fwd = [
        ((x.astype(np.float16), w, b), "x"),
        ((x, w.astype(np.float64), b), "w"),
        ((x, w, b.astype(np.float64)), "b"),
        ((x, w, b[:4].copy()), "b"),
        ((x, w[:3].copy(), b), "w"),
        ((x.reshape(-1), w, b), "x"),
        ((x, w.reshape(4, 5, 1), b), "w"),
        ((x, np.asfortranarray(w), b), "w"),
        ((x, w, b.reshape(1, 5)), "b"),
    ]
    for args, name in cases_fwd:
        with pytest.raises(ValueError, match=rf"^{name}\b"):
            m.dense_fwd(*args, Act.TANH)
    with pytest.raises(TypeError, match=r"^x must be a numpy.ndarray"):
        m.dense_fwd(x.tolist(), w, b, Act.TANH)
    with pytest.raises(ValueError, match="^code must be an activation code"):
        m.dense_fwd(x, w, b, 9)
    cases_bwd = [
        ((x, w, y[:2].copy(), dy), "y"),
        ((x, w, y, dy[:, :4].copy()), "dy"),
        ((x, w, y, dy.astype(np.float64)), "dy"),
        ((x, w, y.astype(np.float64), dy), "y"),
        ((x, w.T.copy(), y, dy), "w"),
        ((x.T, w, y, dy), "x"),
    ]
    for args, name in cases_bwd:
        with pytest.raises(ValueError, match=rf"^{name}\b"):
            m.dense_bwd(*args, Act.TANH)


# ------------------------------------------------------------- embedding_bwd
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,D,V", [(0, 3, 4), (1, 1, 1), (7, 5, 3), (300, 16, 40),
                                   (5, 0, 3), (0, 2, 0)])
def test_embedding_bwd_matches_add_at_bit_for_bit(dtype, n, D, V):
    rng = np.random.default_rng(n + D + V)
    # repeated and negative ids: the sums must follow np.add.at's order
    ids = rng.integers(-V, V, n).astype(np.intp) if V else np.zeros(0, np.intp)
    dy = rng.standard_normal((n, D)).astype(dtype)
    got = _dense.embedding_bwd(ids, dy, V)
    want = np.zeros((V, D), dtype)
    np.add.at(want, ids, dy)
    assert got.dtype == dtype and got.shape == (V, D)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(ref.embedding_bwd(ids, dy, V), want)


@pytest.mark.parametrize("impl", list(IMPLS))
def test_embedding_bwd_errors(impl):
    fn = IMPLS[impl].embedding_bwd
    dy = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match=r"ids contains 4, outside \[-4, 4\)"):
        fn(np.array([1, 4], np.intp), dy, 4)
    with pytest.raises(ValueError, match=r"ids contains -5, outside \[-4, 4\)"):
        fn(np.array([-5, 0], np.intp), dy, 4)
    with pytest.raises(ValueError, match="C-contiguous 1-D numpy.intp"):
        fn(np.array([1, 2], np.int8), dy, 4)
    with pytest.raises(ValueError, match=r"dy has shape \(2, 3\), expected \(3, D\)"):
        fn(np.array([0, 1, 2], np.intp), dy, 4)
    with pytest.raises(ValueError, match="dtype float32 or float64"):
        fn(np.array([0, 1], np.intp), dy.astype(np.int32), 4)


# ----------------------------------------------- batch-1 forward (M == 1)
# W of at least 128 KiB (smaller ones stay with the GEMM). Odd K and N:
# partial column blocks, an odd row left over, rows not a whole number of
# partial-sum blocks; from 1 MiB the rows are halved (N <= 1024) or the
# column blocks shared with the helper thread; 9216 x 128 is the CNN's Dense.
GEMV_SHAPES = [(1, 40000), (33, 1001), (1001, 33), (129, 257), (65, 515), (9216, 128),
               (8193, 33), (301, 1500), (700, 300)]


@pytest.fixture
def helper_switch():
    """Restores the helper switch and the batch-1 kernel's switch."""
    threads = pytest.importorskip("ckeras._ext._threads")
    prev, prev_gemv = threads.helper_enabled(), _dense.set_gemv(True)
    yield threads
    threads.set_helper_enabled(prev)
    _dense.set_gemv(prev_gemv)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("K, N", GEMV_SHAPES)
def test_batch1_forward_matches_reference(K, N, dtype, helper_switch):
    x, w, b, _ = _problem(1, K, N, dtype, seed=K + N)
    for code in (Act.LINEAR, Act.RELU, Act.SOFTMAX):
        _check_fwd(x, w, b, code, _dense.dense_fwd(x, w, b, code), ref.dense_fwd(x, w, b, code))
    _check_fwd(x, w, None, Act.LINEAR, _dense.dense_fwd(x, w, None, Act.LINEAR),
               ref.dense_fwd(x, w, None, Act.LINEAR))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("K, N", [(9216, 128), (8193, 33), (301, 1500), (2048, 2500)])
def test_batch1_forward_same_bits_on_one_thread_or_two(K, N, dtype, helper_switch):
    """The helper claims row halves or column blocks; every sum keeps its
    order, so the bits never depend on the split (nor on the FP mode the
    helper thread had before)."""
    threads = helper_switch
    x, w, b, _ = _problem(1, K, N, dtype, seed=1)
    threads.set_helper_enabled(False)
    jobs = threads.helper_jobs_taken()
    one = _dense.dense_fwd(x, w, b, Act.RELU)
    assert threads.helper_jobs_taken() == jobs
    threads.set_helper_enabled(True)
    for _ in range(300):
        np.testing.assert_array_equal(_dense.dense_fwd(x, w, b, Act.RELU), one)
        if threads.helper_jobs_taken() > jobs:
            break
    assert threads.helper_jobs_taken() > jobs, "the helper never took part"


def test_batch1_forward_row_of_a_batch_agrees_with_gemm(helper_switch):
    """The GEMM path (set_gemv(False), and every batch above 1) and the
    batch-1 kernel agree to rounding on the same row."""
    x, w, b, _ = _problem(1, 9216, 128, np.float32, seed=2)
    fast = _dense.dense_fwd(x, w, b, Act.RELU)
    _dense.set_gemv(False)
    slow = _dense.dense_fwd(x, w, b, Act.RELU)
    _dense.set_gemv(True)
    batch = _dense.dense_fwd(np.repeat(x, 3, axis=0), w, b, Act.RELU)
    np.testing.assert_allclose(fast, slow, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(fast, batch[:1], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_small_weights_keep_the_gemm_bits(dtype, helper_switch):
    """Below 128 KiB of W a batch-1 row takes the GEMM, as inside a batch."""
    x, w, b, _ = _problem(1, 70, 90, dtype, seed=4)
    fast = _dense.dense_fwd(x, w, b, Act.RELU)
    _dense.set_gemv(False)
    np.testing.assert_array_equal(fast, _dense.dense_fwd(x, w, b, Act.RELU))


def test_batch1_forward_propagates_nan_and_inf(helper_switch):
    x, w, b, _ = _problem(1, 1001, 300, np.float32, seed=3)
    x[0, 5] = np.nan
    w[10, 7] = np.inf
    y = _dense.dense_fwd(x, w, b, Act.LINEAR)
    assert np.isnan(y).all()
    x[0, 5] = 0.5
    y = _dense.dense_fwd(x, w, b, Act.LINEAR)
    assert np.isinf(y[0, 7]) and np.isfinite(np.delete(y[0], 7)).all()


def _chain_problem(M, widths, dtype, biases, seed=11):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((M, widths[0])).astype(dtype)
    ws = [(rng.standard_normal((a, b)) / np.sqrt(a)).astype(dtype)
          for a, b in zip(widths[:-1], widths[1:])]
    bs = [rng.standard_normal(b).astype(dtype) if has else None
          for b, has in zip(widths[1:], biases)]
    labels = rng.integers(0, widths[-1], M).astype(np.int64)
    return x, ws, bs, labels, np.full(M, 1.0 / M, dtype)


def _chain_by_ops(x, ws, bs, codes, split, labels, scale):
    """The chain step as the separate kernels compute it, layer by layer."""
    from ckeras._ext import _elementwise
    eff = [Act.LINEAR if split and i == len(ws) - 1 else c for i, c in enumerate(codes)]
    ins, outs, h = [], [], x
    for w, b, c in zip(ws, bs, eff):
        ins.append(h)
        h = _dense.dense_fwd(h, w, b, c)
        outs.append(h)
    loss, p = _elementwise.sparse_xent_fwd(h, labels)
    g = _elementwise.sparse_xent_bwd(p, labels, scale)
    grads = [None] * (2 * len(ws))
    for i in range(len(ws) - 1, -1, -1):
        dx, dw, db = _dense.dense_bwd(ins[i], ws[i], outs[i], g, eff[i], need_dx=i > 0,
                                      need_db=bs[i] is not None)
        grads[2 * i], grads[2 * i + 1] = dw, db
        g = dx
    return loss, (p if split else h), grads


CHAINS = {   # widths, activation codes, biases, split (softmax output)
    "mlp_softmax": ((12, 16, 8, 5), (Act.RELU, Act.TANH, Act.SOFTMAX), (True, False, True),
                    True),
    "one_layer_logits": ((7, 3), (Act.LINEAR,), (True,), False),
    "relu_logits": ((33, 65, 9), (Act.SIGMOID, Act.RELU), (False, True), False),
    "wide": ((784, 256, 128, 10), (Act.RELU, Act.RELU, Act.SOFTMAX), (True, True, True), True),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", sorted(CHAINS))
@pytest.mark.parametrize("M", [1, 37, 128])
def test_chain_step_is_the_kernels_layer_by_layer(case, M, dtype):
    """Bit for bit what the separate kernel calls give (the taped step's
    kernels), and within rounding of the NumPy reference."""
    widths, codes, biases, split = CHAINS[case]
    args = _chain_problem(M, widths, dtype, biases)
    x, ws, bs, labels, scale = args
    loss, out, grads = _dense.chain_sparse_xent_step(x, ws, bs, list(codes), split, labels,
                                                     scale)
    want = _chain_by_ops(x, ws, bs, codes, split, labels, scale)
    np.testing.assert_array_equal(loss, want[0])
    np.testing.assert_array_equal(out, want[1])
    assert len(grads) == 2 * len(ws)
    for got, exp in zip(grads, want[2]):
        assert (got is None) == (exp is None)
        if got is not None:
            np.testing.assert_array_equal(got, exp)
    r_loss, r_out, r_grads = ref.chain_sparse_xent_step(x, ws, bs, list(codes), split, labels,
                                                        scale)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(loss, r_loss, rtol=tol, atol=tol)
    np.testing.assert_allclose(out, r_out, rtol=tol, atol=tol)
    for got, exp in zip(grads, r_grads):
        if got is not None:
            np.testing.assert_allclose(got, exp, rtol=tol * 10, atol=tol)


def test_chain_step_gradient_equals_a_finite_difference():
    x, ws, bs, labels, _ = _chain_problem(6, (5, 4, 3), np.float64, (True, True), seed=12)
    scale = np.linspace(0.5, 1.5, 6)
    codes = [Act.TANH, Act.SOFTMAX]
    _, _, grads = _dense.chain_sparse_xent_step(x, ws, bs, codes, True, labels, scale)

    def total():
        return _dense.chain_sparse_xent_step(x, ws, bs, codes, True, labels, scale)[0] @ scale
    eps = 1e-6
    for arr, g in ((ws[0], grads[0]), (bs[0], grads[1]), (ws[1], grads[2]), (bs[1], grads[3])):
        for idx in [(0,) * arr.ndim, tuple(s - 1 for s in arr.shape)]:
            old = arr[idx]
            arr[idx] = old + eps
            up = total()
            arr[idx] = old - eps
            down = total()
            arr[idx] = old
            assert abs((up - down) / (2 * eps) - g[idx]) < 1e-7


@pytest.mark.parametrize("dtype", DTYPES)
def test_chain_step_is_bit_identical_with_and_without_the_helper(dtype, same_with_helper):
    args = _chain_problem(512, (784, 256, 128, 10), dtype, (True, True, True))
    codes = [Act.RELU, Act.RELU, Act.SOFTMAX]
    same_with_helper(lambda: _dense.chain_sparse_xent_step(args[0], args[1], args[2], codes,
                                                           True, *args[3:]), 50)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(32, 512, 128), (128, 256, 128), (257, 300, 70),
                                   (256, 784, 256)])
def test_backward_side_by_side_keeps_the_sequential_bits(shape, dtype, same_with_helper):
    """With dX and dW both wanted, the two products run side by side, one
    per thread (up to 64 MFLOP each, larger ones split by rows): the bits
    of each product made whole on one thread, which the library's own
    single-thread pool (set_blas_threads(1), no ckeras threading) also
    gives, whichever thread took which part."""
    from ckeras.utils import get_blas_threads, set_blas_threads
    M, K, N = shape
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((M, K)).astype(dtype), rng.standard_normal((K, N)).astype(dtype)
    y = _dense.dense_fwd(x, w, None, Act.RELU)
    g = rng.standard_normal((M, N)).astype(dtype)
    prev = get_blas_threads()
    set_blas_threads(1)
    try:
        library = _dense.dense_bwd(x, w, y, g, Act.RELU)
    finally:
        set_blas_threads(prev)
    for got, want in zip(_dense.dense_bwd(x, w, y, g, Act.RELU), library):
        np.testing.assert_array_equal(got, want)
    same_with_helper(lambda: _dense.dense_bwd(x, w, y, g, Act.RELU), 50)


@pytest.mark.parametrize("impl", list(IMPLS))
def test_chain_step_bad_input_gets_clear_errors(impl):
    fn = IMPLS[impl].chain_sparse_xent_step
    x, ws, bs, labels, scale = _chain_problem(4, (5, 3, 2), np.float32, (True, True))
    codes = [Act.RELU, Act.SOFTMAX]
    with pytest.raises(ValueError, match=r"weights\[1\] has shape \(4, 2\), expected \(3, N\)"):
        fn(x, [ws[0], np.zeros((4, 2), np.float32)], bs, codes, True, labels, scale)
    with pytest.raises(ValueError, match=r"biases\[0\] has shape \(2,\), expected \(3,\)"):
        fn(x, ws, [np.zeros(2, np.float32), bs[1]], codes, True, labels, scale)
    with pytest.raises(ValueError, match="one entry per layer"):
        fn(x, ws, bs[:1], codes, True, labels, scale)
    with pytest.raises(ValueError, match=r"labels\[0\] = 2 is outside the valid range \[0, 2\)"):
        fn(x, ws, bs, codes, True, np.array([2, 0, 1, 0], np.int64), scale)
    with pytest.raises(ValueError, match="labels must have dtype int64, got int32"):
        fn(x, ws, bs, codes, True, labels.astype(np.int32), scale)
    with pytest.raises(ValueError, match=r"scale has shape \(3,\), expected \(4,\)"):
        fn(x, ws, bs, codes, True, labels, scale[:3])
    with pytest.raises(ValueError, match="code must be an activation code"):
        fn(x, ws, bs, [Act.RELU, 99], True, labels, scale)
    with pytest.raises(ValueError, match=r"weights\[0\] has dtype float64, expected float32"):
        fn(x, [ws[0].astype(np.float64), ws[1]], bs, codes, True, labels, scale)
