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
