"""Fused dense forward/backward vs GEMM alone (float32, one BLAS thread).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        python -m pytest benchmarks/bench_dense.py --benchmark-group-by=group

Targets (shared/design/kernels_measured.md section 4): fused forward >= 90%
of GEMM-only throughput at batch 256, backward <= 2.1x forward (`-k
256x784x512`). The closing summary (benchmarks/conftest.py) prints those
ratios and the batch-1 per-call overhead, and records them with every
benchmark's statistics (see peers.py; `--results PATH` chooses the file).
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


class Case:
    """The arrays of one (M, K, N, activation) case, and its id."""

    def __init__(self, M, K, N, act):
        rng = np.random.default_rng(0)
        self.id = f"{M}x{K}x{N}-{act}"
        self.x = rng.standard_normal((M, K), dtype=np.float32)
        self.w = (rng.standard_normal((K, N), dtype=np.float32) / np.sqrt(K)).astype(
            np.float32)
        self.b = rng.standard_normal(N, dtype=np.float32)
        self.dy = rng.standard_normal((M, N), dtype=np.float32)
        self.code = Act[act.upper()]
        self.y = _dense.dense_fwd(self.x, self.w, self.b, self.code)


@pytest.fixture(params=CASES, ids=IDS)
def case(request):
    return Case(*request.param)


def _run(benchmark, case_id, kind, fn, *args):
    benchmark.group = case_id
    benchmark(fn, *args)
    if benchmark.stats is not None:
        RESULTS[(case_id, kind)] = benchmark.stats.stats.median


def test_gemm_only(benchmark, case):
    _run(benchmark, case.id, "gemm", _blas.gemm, case.x, case.w)


def test_dense_fwd(benchmark, case):
    _run(benchmark, case.id, "fwd", _dense.dense_fwd, case.x, case.w, case.b, case.code)


def test_dense_bwd(benchmark, case):
    _run(benchmark, case.id, "bwd", _dense.dense_bwd, case.x, case.w, case.y, case.dy,
         case.code)


def test_numpy_reference_fwd(benchmark, case):
    _run(benchmark, case.id, "numpy_fwd", ref.dense_fwd, case.x, case.w, case.b, case.code)


def test_numpy_reference_bwd(benchmark, case):
    _run(benchmark, case.id, "numpy_bwd", ref.dense_bwd, case.x, case.w, case.y, case.dy,
         case.code)


def test_call_overhead_1x1x1(benchmark):
    """Per-call cost of dense_fwd when there is (almost) no arithmetic."""
    c = Case(1, 1, 1, "tanh")
    _run(benchmark, "overhead", "fwd_1x1x1", _dense.dense_fwd, c.x, c.w, c.b, c.code)
