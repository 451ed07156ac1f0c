"""The pytest-benchmark suites record every figure (see peers.py), and
bench_dense.py gets a closing summary of the ratios its targets are set in."""
import types

import pytest
from peers import Results


def pytest_addoption(parser):
    parser.addoption("--results", default=None, metavar="PATH",
                     help="JSON-lines file the benchmark figures are appended to "
                          "(default: benchmarks/results/<date>-<host>.jsonl; 'none' to skip)")
    parser.addoption("--quick", action="store_true",
                     help="mark the figures as a smoke run (render.py leaves them out); "
                          "shorten the run with --benchmark-max-time etc.")


def _results(config, module):
    """The Results of the pytest-benchmark suite `module` ('bench_dense.py')."""
    if not hasattr(config, "_ckeras_results"):
        config._ckeras_results = {}
    if module not in config._ckeras_results:
        args = types.SimpleNamespace(results=config.getoption("--results"),
                                     quick=config.getoption("--quick"))
        config._ckeras_results[module] = Results(f"{module} (pytest)", args)
    return config._ckeras_results[module]


@pytest.fixture(autouse=True)
def _record_benchmark(request):
    """After a pytest-benchmark test: one record with its rounds' statistics."""
    yield
    bench = request.node.funcargs.get("benchmark")
    meta = getattr(bench, "stats", None)
    if meta is None:     # not a benchmark, or --benchmark-disable
        return
    s = meta.stats
    extra = {"rounds": s.rounds, "min": s.min, "q1": s.q1, "q3": s.q3, "max": s.max}
    # Short calls give 10^4..10^5 rounds: the rounds themselves only when few.
    runs = list(s.data) if s.rounds <= 1000 else None
    if runs is None:
        extra["median"] = s.median
    module = request.node.path.name
    _results(request.config, module).record(f"{module}::{request.node.name}", "ckeras", runs,
                                            number=meta.iterations, label=request.node.name,
                                            group=meta.group, **extra)

def pytest_terminal_summary(terminalreporter, config):
    try:
        from bench_dense import CASES, IDS, RESULTS
    except ImportError:
        return
    if not RESULTS:
        return
    results = _results(config, "bench_dense.py")
    w = terminalreporter.write_line
    w("")
    w("dense summary (medians, float32, 1 BLAS thread):")
    for (m, k, n, _), case_id in zip(CASES, IDS, strict=True):
        g, f, b = (RESULTS.get((case_id, kind)) for kind in ("gemm", "fwd", "bwd"))
        gflop = 2.0 * m * k * n / 1e9
        parts = []
        if g is not None:
            parts.append(f"gemm {g * 1e6:9.2f} us ({gflop / g:6.1f} GF/s)")
        if f is not None:
            parts.append(f"fused fwd {f * 1e6:9.2f} us"
                         + (f" = {100 * g / f:5.1f}% of GEMM throughput" if g else ""))
            if g:
                results.record(f"dense_fused/{case_id}", "ckeras", value=100 * g / f,
                               metric="share_of_gemm", unit="%",
                               label=f"fused dense forward (GEMM + bias + activation), "
                                     f"{case_id} (1 BLAS thread): share of the GEMM-only "
                                     "throughput")
        if b is not None:
            parts.append(f"bwd {b * 1e6:9.2f} us" + (f" = {b / f:4.2f}x fwd" if f else ""))
            if f:
                results.record(f"dense_bwd_over_fwd/{case_id}", "ckeras", value=b / f,
                               metric="ratio", unit="x",
                               label=f"dense backward / forward, {case_id} (1 BLAS thread)")
        if parts:
            w(f"  {case_id:18s} " + "  ".join(parts))
    o = RESULTS.get(("overhead", "fwd_1x1x1"))
    if o is not None:
        w(f"  per-call overhead, dense_fwd at 1x1x1: {o * 1e9:.0f} ns")
        results.record("dense_call_overhead", "ckeras", value=o, metric="overhead", unit="s",
                       label="per-call cost of `dense_fwd` at 1x1x1")
