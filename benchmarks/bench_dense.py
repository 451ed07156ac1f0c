"""Fused dense forward/backward vs GEMM alone (float32, one BLAS thread).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        python -m pytest benchmarks/bench_dense.py --benchmark-group-by=group

Targets (shared/design/kernels_measured.md section 4): fused forward >= 90%
of GEMM-only throughput at batch 256, backward <= 2.1x forward. The closing
summary (benchmarks/conftest.py) prints those ratios and the batch-1
per-call overhead.
"""
import numpy as np
import pytest

from ckeras._ext import _blas, _dense
from ckeras.kernels.codes import Act
from ckeras.kernels.reference import dense as ref

CASES = [(1, 128, 128, "tanh"), (32, 128, 128, "tanh"), (256, 784, 512, "relu")]
IDS = [f"{M}x{K}x{N}-{act}" for M, K, N, act in CASES]
RESULTS = {}   # (case id, kind) -> median seconds, read by conftest's summary


def _set_threads(source, n):
    """Set the thread count of one BLAS (ckeras' or numpy's own copy)."""
    current = _blas.info()["source"]
    try:
        _blas.use(source)
        before = _blas.get_num_threads()
        _blas.set_num_threads(n)
        return before
    except Exception:
        return None
    finally:
        _blas.use(current)


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    # ckeras' BLAS and numpy's (used by the reference rows) both on 1 thread,
    # so the comparison is per core.
    ours = _blas.get_num_threads()
    _blas.set_num_threads(1)
    theirs = _set_threads("numpy", 1) if _blas.info()["source"] != "numpy" else None
    yield
    if ours:
        _blas.set_num_threads(ours)
    if theirs:
        _set_threads("numpy", theirs)


def _data(M, K, N, act):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((M, K), dtype=np.float32)
    w = (rng.standard_normal((K, N), dtype=np.float32) / np.sqrt(K)).astype(np.float32)
    b = rng.standard_normal(N, dtype=np.float32)
    dy = rng.standard_normal((M, N), dtype=np.float32)
    code = Act[act.upper()]
    y = _dense.dense_fwd(x, w, b, code)
    return x, w, b, y, dy, code


def _run(benchmark, case_id, kind, fn, *args):
    benchmark.group = case_id
    benchmark(fn, *args)
    if benchmark.stats is not None:
        RESULTS[(case_id, kind)] = benchmark.stats.stats.median


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gemm_only(benchmark, case):
    x, w, b, y, dy, code = _data(*case)
    _run(benchmark, IDS[CASES.index(case)], "gemm", _blas.gemm, x, w)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_dense_fwd(benchmark, case):
    x, w, b, y, dy, code = _data(*case)
    _run(benchmark, IDS[CASES.index(case)], "fwd", _dense.dense_fwd, x, w, b, code)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_dense_bwd(benchmark, case):
    x, w, b, y, dy, code = _data(*case)
    _run(benchmark, IDS[CASES.index(case)], "bwd", _dense.dense_bwd, x, w, y, dy, code)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_numpy_reference_fwd(benchmark, case):
    x, w, b, y, dy, code = _data(*case)
    _run(benchmark, IDS[CASES.index(case)], "numpy_fwd", ref.dense_fwd, x, w, b, code)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_numpy_reference_bwd(benchmark, case):
    x, w, b, y, dy, code = _data(*case)
    _run(benchmark, IDS[CASES.index(case)], "numpy_bwd", ref.dense_bwd, x, w, y, dy, code)


def test_call_overhead_1x1x1(benchmark):
    """Per-call cost of dense_fwd when there is (almost) no arithmetic."""
    x, w, b, y, dy, code = _data(1, 1, 1, "tanh")
    _run(benchmark, "overhead", "fwd_1x1x1", _dense.dense_fwd, x, w, b, code)
