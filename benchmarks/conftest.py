"""Closing summary for bench_dense.py: the ratios its targets are set in."""


def pytest_terminal_summary(terminalreporter):
    try:
        from bench_dense import CASES, IDS, RESULTS
    except ImportError:
        return
    if not RESULTS:
        return
    w = terminalreporter.write_line
    w("")
    w("dense summary (medians, float32, 1 BLAS thread):")
    for (M, K, N, act), case_id in zip(CASES, IDS):
        g, f, b = (RESULTS.get((case_id, k)) for k in ("gemm", "fwd", "bwd"))
        gflop = 2.0 * M * K * N / 1e9
        parts = []
        if g is not None:
            parts.append(f"gemm {g * 1e6:9.2f} us ({gflop / g:6.1f} GF/s)")
        if f is not None:
            parts.append(f"fused fwd {f * 1e6:9.2f} us"
                         + (f" = {100 * g / f:5.1f}% of GEMM throughput" if g else ""))
        if b is not None:
            parts.append(f"bwd {b * 1e6:9.2f} us" + (f" = {b / f:4.2f}x fwd" if f else ""))
        if parts:
            w(f"  {case_id:18s} " + "  ".join(parts))
    o = RESULTS.get(("overhead", "fwd_1x1x1"))
    if o is not None:
        w(f"  per-call overhead, dense_fwd at 1x1x1: {o * 1e9:.0f} ns")
