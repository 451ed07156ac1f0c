"""The BLAS table and the row-major gemm helper (ckeras._ext._blas)."""
import os
import subprocess
import sys

import numpy as np
import pytest

from ckeras._ext import _blas, _dense

DTYPES = [np.float32, np.float64]
EPS = {np.float32: np.finfo(np.float32).eps, np.float64: np.finfo(np.float64).eps}


def _sources():
    """Every source that loads here (naive always does)."""
    available = []
    original = _blas.info()["source"]
    for source in _blas.DEFAULT_ORDER:
        try:
            _blas.use(source)
        except Exception:
            continue
        available.append(source)
    _blas.use(original)
    return available


SOURCES = _sources()


@pytest.fixture
def restore_blas():
    original = _blas.info()["source"]
    threads = _blas.get_num_threads()
    yield
    _blas.use(original)
    if threads:
        _blas.set_num_threads(threads)


def _check_gemm(a, b, ta, tb, got):
    dt = a.dtype.type
    opa = a.T if ta else a
    opb = b.T if tb else b
    want = opa.astype(np.float64) @ opb.astype(np.float64)
    # Standard dot-product error bound, with room for blocked summation.
    bound = 2 * (opa.shape[1] + 2) * EPS[dt] * (np.abs(opa).astype(np.float64)
                                              @ np.abs(opb).astype(np.float64))
    assert got.dtype == dt and got.shape == want.shape and got.flags.c_contiguous
    assert np.all(np.abs(got - want) <= bound + np.finfo(dt).tiny)


SHAPES = [(1, 1, 1), (1, 128, 128), (3, 5, 7), (17, 33, 1), (1, 1, 19), (31, 1, 17),
          (64, 40, 48), (0, 3, 4), (3, 0, 4), (3, 4, 0)]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_matches_numpy_every_source(source, dtype, restore_blas):
    _blas.use(source)
    rng = np.random.default_rng(0)
    for M, K, N in SHAPES:
        for ta in (False, True):
            for tb in (False, True):
                a = rng.standard_normal((K, M) if ta else (M, K)).astype(dtype)
                b = rng.standard_normal((N, K) if tb else (K, N)).astype(dtype)
                a0, b0 = a.copy(), b.copy()
                got = _blas.gemm(a, b, trans_a=ta, trans_b=tb)
                _check_gemm(a, b, ta, tb, got)
                assert np.array_equal(a, a0) and np.array_equal(b, b0)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_alpha_beta_out(source, dtype, restore_blas):
    # beta = 1 accumulation is what recurrent kernels build on.
    _blas.use(source)
    rng = np.random.default_rng(2)
    for M, K, N in [(5, 7, 3), (1, 16, 33), (8, 1, 8), (4, 0, 6)]:
        for ta in (False, True):
            for tb in (False, True):
                a = rng.standard_normal((K, M) if ta else (M, K)).astype(dtype)
                b = rng.standard_normal((N, K) if tb else (K, N)).astype(dtype)
                prod = (a.T if ta else a).astype(np.float64) @ (b.T if tb else b).astype(np.float64)
                for alpha, beta in [(1.0, 1.0), (0.5, -2.0), (-1.0, 0.0), (2.0, 0.5)]:
                    c0 = rng.standard_normal((M, N)).astype(dtype)
                    c = c0.copy()
                    if beta == 0.0:
                        c[...] = np.nan   # beta == 0 must not read C
                    got = _blas.gemm(a, b, ta, tb, alpha=alpha, beta=beta, out=c)
                    assert got is c
                    want = alpha * prod + (beta * c0 if beta != 0.0 else 0)
                    tol = 50 * (K + 2) * EPS[dtype] * (1 + np.abs(want))
                    assert np.all(np.abs(c - want) <= tol)


def test_gemm_out_checks():
    a = np.ones((2, 3))
    b = np.ones((3, 4))
    with pytest.raises(ValueError, match="^out has shape"):
        _blas.gemm(a, b, out=np.zeros((4, 2)))
    with pytest.raises(ValueError, match="^out has dtype float32"):
        _blas.gemm(a, b, out=np.zeros((2, 4), np.float32))
    big = np.zeros((4, 4))
    with pytest.raises(ValueError, match="^out must not overlap"):
        _blas.gemm(np.ones((2, 4)), big, out=big[:2])
    ro = np.zeros((2, 4))
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="^out must be writeable"):
        _blas.gemm(a, b, out=ro)


def test_gemm_k0_gives_zeros():
    for dtype in DTYPES:
        got = _blas.gemm(np.empty((3, 0), dtype), np.empty((0, 4), dtype))
        assert np.array_equal(got, np.zeros((3, 4), dtype))


@pytest.mark.parametrize("source", SOURCES)
def test_dense_uses_the_shared_table(source, restore_blas):
    # _dense compiles its own copy of ck_blas.c; it must follow _blas.use().
    _blas.use(source)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((9, 13))
    w = rng.standard_normal((13, 6))
    y = _dense.dense_fwd(x, w, None, 0)
    np.testing.assert_allclose(y, x @ w, rtol=1e-12, atol=1e-12)


def test_info_and_default_source():
    info = _blas.info()
    assert info["source"] in _blas.DEFAULT_ORDER
    assert info["kind"] in ("naive", "cblas32", "cblas64", "f77")
    if info["source"] != "naive":
        assert info["library"]
    # ckeras's own single-threaded copy (the wheel) comes first, numpy's next.
    if not os.environ.get("CKERAS_BLAS"):
        assert info["source"] == [s for s in _blas.DEFAULT_ORDER if s in SOURCES][0]


@pytest.mark.parametrize("source", [s for s in SOURCES if s in ("scipy_openblas32", "numpy")])
def test_set_num_threads(source, restore_blas):
    _blas.use(source)
    assert _blas.set_num_threads(1) is True
    assert _blas.get_num_threads() == 1
    assert _blas.set_num_threads(2) is True
    assert _blas.get_num_threads() == 2


def test_set_num_threads_naive_and_bad(restore_blas):
    _blas.use("naive")
    assert _blas.set_num_threads(2) is False
    assert _blas.get_num_threads() == 1
    with pytest.raises(ValueError, match="n must be"):
        _blas.set_num_threads(0)


def test_use_unknown_source():
    with pytest.raises(ValueError, match="unknown BLAS source"):
        _blas.use("mkl-please")


@pytest.mark.parametrize("bad, name", [
    ((np.ones((2, 2), np.int64), np.ones((2, 2))), "a"),
    ((np.ones((2, 2)), np.ones((2, 2), np.float32)), "b"),
    ((np.ones(2), np.ones((2, 2))), "a"),
    ((np.ones((2, 2)), np.ones((2, 2, 1))), "b"),
    ((np.ones((4, 4))[:, ::2], np.ones((2, 2))), "a"),
    ((np.ones((2, 3)), np.ones((2, 2))), "b"),
])
def test_gemm_bad_arguments(bad, name):
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        _blas.gemm(*bad)


def test_gemm_not_an_array():
    with pytest.raises(TypeError, match="^a must be a numpy.ndarray"):
        _blas.gemm([[1.0]], np.ones((1, 1)))


def _run(code, **env):
    e = dict(os.environ)
    e.update(env)
    return subprocess.run([sys.executable, "-c", code], env=e, capture_output=True,
                          text=True, timeout=60)


# A stub parent package, so the child loads ckeras._ext alone and not the
# whole of ckeras/__init__.py.
_ISOLATED = (
    "import importlib.util, sys, types\n"
    "spec = importlib.util.find_spec('ckeras')\n"
    "m = types.ModuleType('ckeras'); m.__path__ = list(spec.submodule_search_locations)\n"
    "sys.modules['ckeras'] = m\n"
)


def test_env_var_selects_source_and_bad_name_warns():
    r = _run(_ISOLATED + "import ckeras._ext._blas as b; print(b.info()['source'])",
             CKERAS_BLAS="naive")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "naive"
    assert "Warning" not in r.stderr
    r = _run(_ISOLATED + "import ckeras._ext._blas as b; print(b.info()['source'])",
             CKERAS_BLAS="nonexistent")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "naive"
    assert "RuntimeWarning" in r.stderr and "no usable BLAS" in r.stderr
    assert "pip install 'ckeras[openblas]'" in r.stderr


def test_import_stays_light():
    # Loading the kernels must not import scipy or the scipy_openblas32
    # package (its metadata lookup alone costs ~50 ms).
    r = _run(_ISOLATED + "import ckeras._ext._dense, ckeras._ext._act, sys\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('scipy', 'scipy_openblas32', 'h5py', 'yaml')))")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


# ---------------------------------------------------------------- threading
from ckeras._ext import _threads  # noqa: E402

# Shapes above SPLIT_FLOPS (split over the rows of C), with
# remainders that are not whole chunks or micro-tiles.
SPLIT_SHAPES = [(256, 256, 784), (784, 256, 128), (515, 37, 300), (300, 97, 211),
                (97, 33, 4000)]


@pytest.fixture
def policy():
    """Restores the GEMM thread policy, the helper switch and the source."""
    original = _blas.info()["source"]
    prev_threads = _blas.threads()
    prev_helper = _threads.helper_enabled()
    yield
    _blas.set_threads(prev_threads)
    _blas.use(original)
    _threads.set_helper_enabled(prev_helper)


def _operands(m, n, k, ta, tb, dtype, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(dtype)
    return a, b


@pytest.mark.parametrize("source", [s for s in SOURCES if s != "scipy"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ta, tb", [(0, 0), (0, 1), (1, 0), (1, 1)])
@pytest.mark.parametrize("shape", SPLIT_SHAPES)
def test_split_gemm_is_bit_identical(source, dtype, ta, tb, shape, policy):
    """A GEMM split into chunks (claimed by the caller or the helper) gives
    the bits of one unsplit call: the chunks keep the K order."""
    if 2.0 * np.prod(shape) < _blas.SPLIT_FLOPS:
        pytest.fail("shape below the split threshold: it would not test the split")
    _blas.use(source)
    a, b = _operands(*shape, ta, tb, dtype)
    _threads.set_helper_enabled(False)
    whole = _blas.gemm(a, b, ta, tb)
    _check_gemm(a, b, ta, tb, whole)
    _threads.set_helper_enabled(True)
    for _ in range(5):
        np.testing.assert_array_equal(_blas.gemm(a, b, ta, tb), whole)
    # alpha and beta apply to each chunk's rows or columns once.
    c0 = np.random.default_rng(3).standard_normal(whole.shape).astype(dtype)
    _threads.set_helper_enabled(False)
    want = _blas.gemm(a, b, ta, tb, alpha=0.5, beta=-2.0, out=c0.copy())
    _threads.set_helper_enabled(True)
    got = _blas.gemm(a, b, ta, tb, alpha=0.5, beta=-2.0, out=c0.copy())
    np.testing.assert_array_equal(got, want)


def test_split_gemm_uses_the_helper_only_when_large(policy):
    """The helper takes chunks of large GEMMs (over enough calls), never of
    small ones. The library's own pool of 2 threads (set_threads(2)) agrees
    to rounding only: it splits the product otherwise (so ckeras's default
    gives the same bits on 1 or 2 threads, and the pool does not)."""
    a, b = _operands(512, 256, 784, 0, 0, np.float32)
    _threads.set_helper_enabled(True)
    auto = _blas.gemm(a, b)
    jobs = _threads.helper_jobs_taken()
    for _ in range(300):
        np.testing.assert_array_equal(_blas.gemm(a, b), auto)
        if _threads.helper_jobs_taken() > jobs:
            break
    assert _threads.helper_jobs_taken() > jobs
    small_a, small_b = _operands(64, 64, 64, 0, 0, np.float32)
    assert 2.0 * 64 ** 3 < _blas.SPLIT_FLOPS
    jobs = _threads.helper_jobs_taken()
    for _ in range(50):
        _blas.gemm(small_a, small_b)
    assert _threads.helper_jobs_taken() == jobs
    if _blas.info()["kind"] in ("cblas32", "cblas64"):
        _blas.set_threads(2)
        _check_gemm(a, b, 0, 0, _blas.gemm(a, b))


def test_set_kernel_threads_1_keeps_gemms_on_the_caller(policy):
    from ckeras.utils import set_kernel_threads
    a, b = _operands(512, 256, 784, 0, 0, np.float32)
    set_kernel_threads(1)
    jobs = _threads.helper_jobs_taken()
    for _ in range(20):
        _blas.gemm(a, b)
    assert _threads.helper_jobs_taken() == jobs


@pytest.mark.skipif("scipy_openblas32" not in SOURCES, reason="ckeras[openblas] not installed")
def test_own_library_runs_on_one_thread_unless_overridden(policy):
    _blas.use("scipy_openblas32")
    _blas.set_threads(None)
    info = _blas.info()
    assert info["shared_pool"] is False and info["threads"] is None
    assert _blas.get_num_threads() == 1
    assert _blas.set_threads(3) is None
    assert _blas.threads() == 3 and _blas.get_num_threads() == 3
    assert _blas.set_threads(None) == 3
    assert _blas.get_num_threads() == 1


@pytest.mark.skipif("numpy" not in SOURCES, reason="numpy exposes no cblas")
def test_numpy_pool_is_narrowed_only_while_ckeras_gemms_run(policy):
    """With NumPy's own OpenBLAS, a ckeras GEMM leaves NumPy's thread count
    as it found it, set_threads(n) sets it, and set_threads(None) gives the
    user's count back."""
    _blas.use("numpy")
    _blas.set_threads(None)
    assert _blas.info()["shared_pool"] is True
    user = _blas.get_num_threads()
    a, b = _operands(256, 256, 784, 0, 0, np.float32)
    want = a.astype(np.float64) @ b.astype(np.float64)
    got = _blas.gemm(a, b)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-3)
    assert _blas.get_num_threads() == user
    _blas.set_threads(3)
    assert _blas.get_num_threads() == 3
    _check_gemm(a, b, 0, 0, _blas.gemm(a, b))
    _blas.set_threads(None)
    assert _blas.get_num_threads() == user


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_set_threads_rejects_bad_values(bad, policy):
    before = _blas.threads()
    with pytest.raises(ValueError, match=r"`n` must be a positive integer or None, received"):
        _blas.set_threads(bad)
    assert _blas.threads() == before


def test_utils_overrides(policy):
    """ckeras.utils' overrides reach the policy and return the previous one."""
    from ckeras.utils import get_blas_threads, set_blas_threads
    assert get_blas_threads() is None
    assert set_blas_threads(1) is None
    assert get_blas_threads() == 1 and _blas.info()["threads"] == 1
    assert set_blas_threads(None) == 1
    assert get_blas_threads() is None
    with pytest.raises(ValueError, match="`n` must be a positive integer or None"):
        set_blas_threads(0)


def test_numpy_blas_one_thread_nests_and_restores_numpy_pool():
    from ckeras import kernels
    blas = kernels.c_module("blas")
    before = blas.numpy_pool_threads(2)
    try:
        with kernels.numpy_blas_one_thread():
            with kernels.numpy_blas_one_thread():
                assert blas.numpy_pool_threads() == 1
            assert blas.numpy_pool_threads() == 1
        assert blas.numpy_pool_threads() == 2
        with pytest.raises(ValueError, match="n must be >= 1"):
            blas.numpy_pool_threads(0)
        with pytest.raises(RuntimeError):
            with kernels.numpy_blas_one_thread():
                raise RuntimeError("inside")
        assert blas.numpy_pool_threads() == 2
    finally:
        blas.numpy_pool_threads(before)
