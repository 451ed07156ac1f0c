"""Optimizer updates over many steps: does the update slow down when
moments underflow into denormals (issue 20)?

Adam on the variables of a 784-256-128-10 MLP (float32) for 2000 steps,
where the gradient of half the rows of every kernel (dead units, embedding
rows absent from the batch) is exactly zero after the first step, so their
moments decay by beta_1/beta_2 every step and reach the denormal range
(m after ~850 steps, v after ~85,000: m is what slows). Times the
first and the last 200 steps of the run with the fused C update (flush-to-
zero inside) and with the NumPy reference (`ckeras.kernels.use_kernels
('numpy')`, which keeps denormals), and records last/first for each.

    python benchmarks/bench_optim.py [--quick] [--steps 2000]
"""
import time

import numpy as np
from peers import Results, main_parser, wanted

SHAPES = [(784, 256), (256,), (256, 128), (128,), (128, 10), (10,)]
CASES = ("adam_steps_c", "adam_steps_numpy")


def run(mode, steps, window):
    """Per-step times (s) of the first and last `window` steps."""
    from ckeras import optimizers
    from ckeras.autograd import Variable
    from ckeras.kernels import use_kernels

    rng = np.random.default_rng(0)
    variables = [Variable(rng.standard_normal(s).astype(np.float32) * 0.05) for s in SHAPES]
    live = [rng.standard_normal(s).astype(np.float32) * 1e-2 for s in SHAPES]
    dead = []
    for g in live:
        d = g.copy()
        d[: max(1, d.shape[0] // 2)] = 0     # half the rows stop getting gradient
        dead.append(d)
    times = []
    with use_kernels(mode):
        opt = optimizers.Adam(1e-3)
        opt.apply_gradients(zip(live, variables))
        for _ in range(steps):
            t0 = time.perf_counter()
            opt.apply_gradients(zip(dead, variables))
            times.append(time.perf_counter() - t0)
        m = opt.get_slot(variables[0], "m").value
        denormal = int(np.count_nonzero((m != 0) & (np.abs(m) < np.finfo(np.float32).tiny)))
    return times[:window], times[-window:], denormal


def main(argv=None):
    ap = main_parser(__doc__.splitlines()[0], CASES, tf=False)
    ap.add_argument("--steps", type=int, default=2000)
    args = ap.parse_args(argv)
    steps = 300 if args.quick else args.steps
    window = min(200, steps // 3)
    results = Results("bench_optim.py", args)
    for case, mode in (("adam_steps_c", "c"), ("adam_steps_numpy", "numpy")):
        if not wanted(args, case):
            continue
        first, last, denormal = run(mode, steps, window)
        f, lt = float(np.median(first)), float(np.median(last))
        label = (f"Adam on a 784-256-128-10 MLP's variables, half the rows dead, {steps} "
                 f"steps ({mode} update)")
        results.record(f"{case}/first", "ckeras", first, number=1, label=f"{label}: first "
                       f"{window} steps")
        results.record(f"{case}/last", "ckeras", last, number=1, label=f"{label}: last "
                       f"{window} steps")
        results.record(f"{case}/slowdown", "ckeras", value=lt / f, metric="slowdown",
                       unit="x", label=f"{label}: last/first", denormal_m=denormal)
        print(f"{mode:5s} update: first {window} steps {f * 1e3:.3f} ms/step, last "
              f"{lt * 1e3:.3f} ms/step, last/first {lt / f:.2f}x; denormal entries of "
              f"the first kernel's m at the end: {denormal}", flush=True)


if __name__ == "__main__":
    main()
