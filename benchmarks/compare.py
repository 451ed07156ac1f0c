"""Side-by-side timings of ckeras against PyTorch and tf-keras, in one run.

Each workload runs in ckeras and, where installed, in PyTorch (CPU) and
tf-keras; it prints median times and the ratio ckeras / peer (below 1 means
ckeras is faster) and records every figure (see peers.py). tf-keras runs in
another interpreter (--tf-python, a separate venv).

Usage:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/compare.py
    python benchmarks/compare.py --case mlp_predict_b1 mlp_train_b128 --repeat 9
    python benchmarks/compare.py --quick --results /tmp/smoke.jsonl   # pipeline check
    python benchmarks/compare.py [--threads 1] --rounds 10   # MLP step, alternating rounds

Workloads (`--case`): mlp_predict_b1, mlp_predict_b64, mlp_train_b128 (MLP
784-256-128-10, all three peers); dense_fused_b256 (fused dense forward as a
share of GEMM-only throughput); import (`import ckeras` against `import
numpy`); dense_gemv_b1 (the batch-1 forward of Dense(9216 -> 128), the
MNIST CNN's, against torch's `linear` + `relu` and ckeras' own GEMM path, with
the bandwidth W is read at); fit_overhead (fit's own cost per batch); threads (two Python threads
predicting on one model); custom_loop (one GradientTape step on the MLP, batch 128:
forward, loss, tape.gradient, Adam apply_gradients, against ckeras' own
train_on_batch and the same loop in PyTorch); mlp_fit_epoch (one shuffled
`fit` epoch of the MLP over 60k samples, batch 128, against the same loop in
PyTorch (randperm, gather, Adam step), and against the sum of ckeras' own
train steps on the batches that epoch saw); fit_gather (the gather of one such
shuffled batch, 128 random rows of the 60k x 784 float32 data: ckeras' C gather
against NumPy fancy indexing and a contiguous copy of as many bytes, the copy
speed of the machine); mlp_fit_gathers (the mlp_fit_epoch fit with ckeras'
gather and with NumPy fancy indexing in its place, against the bare steps, in CPU
time of the calling thread, which a loaded machine barely moves); mlp_train_profile
(the MLP train step's kernel call, Adam update and the rest in CPU time, beside
torch's step and the step's products at the 2048^3 sgemm rate: the limit of the
train step's ratio).

`--threads N` gives ckeras (BLAS and kernel threads) and torch N threads each;
without it both run at their defaults.
"""
import functools
import os
import statistics
import subprocess
import sys
import time

import numpy as np
from peers import (
    Results,
    Timing,
    alternating_rounds,
    fmt_time,
    main_parser,
    run_tf_keras,
    settle,
    sgemm_gflops,
    tf_python,
    thread_scaling,
    time_runs,
    torch_or_none,
    wanted,
)

MLP = (784, 256, 128, 10)
MLP_CASES = {   # id: (kind, batch, calls per timed run, README label)
    "mlp_predict_b1": ("predict", 1, 2000,
                       "MLP 784-256-128-10 `predict_on_batch`, batch 1"),
    "mlp_predict_b64": ("predict", 64, 300, "same, batch 64"),
    "mlp_train_b128": ("train", 128, 50, "same, one Adam train step, batch 128"),
}
CASES = tuple(MLP_CASES) + ("dense_fused_b256", "dense_gemv_b1", "import", "fit_overhead",
                            "threads", "custom_loop", "mlp_fit_epoch", "fit_gather",
                            "mlp_fit_gathers", "mlp_train_profile")
GEMV = (9216, 128, "Dense(9216 -> 128, relu) forward at batch 1 (the MNIST CNN's): "
                   "W (4.5 MiB) streamed once")
FIT_EPOCH = (60000, 128, "MLP 784-256-128-10, one shuffled `fit` epoch, 60k samples, "
                        "batch 128, Adam")
CUSTOM_LOOP = ("train", 128, 50, "MLP 784-256-128-10, one GradientTape step "
               "(forward, loss, tape.gradient, Adam apply_gradients), batch 128")


# ------------------------------------------------------------------ ckeras
def _ck_mlp(compile_adam=False):
    from ckeras.layers import Dense
    from ckeras.models import Sequential
    model = Sequential([Dense(MLP[1], activation="relu", input_shape=(MLP[0],)),
                        Dense(MLP[2], activation="relu"),
                        Dense(MLP[3], activation="softmax")])
    if compile_adam:
        model.compile("adam", "sparse_categorical_crossentropy")
    return model


def ck_mlp(kind, batch):
    rng = np.random.default_rng(0)
    x = rng.random((batch, MLP[0]), dtype=np.float32)
    if kind == "predict":
        return functools.partial(_ck_mlp().predict_on_batch, x)
    y = rng.integers(0, 10, (batch, 1))
    return functools.partial(_ck_mlp(compile_adam=True).train_on_batch, x, y)


def mlp_step_parts(batch):
    """The MLP train step (`train_on_batch`) and its two parts as the step
    runs them: the forward, loss and backward kernel call
    (`chain_sparse_xent_step` on the model's own weights) and the Adam
    update of the model's variables from that call's gradients."""
    from ckeras.kernels import kernels
    from ckeras.kernels.codes import Act
    rng = np.random.default_rng(0)
    x = rng.random((batch, MLP[0]), dtype=np.float32)
    y = rng.integers(0, 10, (batch, 1))
    model = _ck_mlp(compile_adam=True)
    model.train_on_batch(x, y)
    weights = [layer.kernel.value for layer in model.layers]
    biases = [layer.bias.value for layer in model.layers]
    labels = y[:, 0].astype(np.int64)
    scale = np.full(batch, 1.0 / batch, np.float32)
    codes = [int(Act.RELU), int(Act.RELU), int(Act.SOFTMAX)]
    chain = functools.partial(kernels().chain_sparse_xent_step, x, weights, biases, codes,
                              True, labels, scale)
    grads = chain()[2]
    adam = functools.partial(model.optimizer._apply_checked, grads,
                             model.trainable_variables)
    return functools.partial(model.train_on_batch, x, y), chain, adam


def mlp_gemm_flops(batch):
    """Flops of the MLP step's products: each layer's forward and dW, and
    dX for every layer but the first."""
    dims = list(zip(MLP[:-1], MLP[1:]))
    return sum(2 * 2 * batch * k * n for k, n in dims) + sum(
        2 * batch * k * n for k, n in dims[1:])


def mlp_train_profile(args, results, torch, repeat):
    """Where the MLP train step goes, against its limit: the step, its
    kernel call and its Adam update in CPU time of the calling thread
    (time.thread_time; with more than one thread the helper's share is not
    counted: read it at --threads 1), torch's step interleaved with them,
    and the sgemm rate of 2048^3 on the same threads. The step's products
    at that rate are the floor no GEMM running at the BLAS's best can go
    under; over torch's step it is the lowest ratio such kernels allow.
    The rest (step - kernel call - update) is Python (25 us measured with
    both stubbed out) plus what the interleaving costs the step's caches:
    run alone in its own process the step took 1.62 ms where the kernel
    call and update back to back took 1.67 ms."""
    batch = MLP_CASES["mlp_train_b128"][1]
    step, chain, adam = mlp_step_parts(batch)
    parts = {"step": step, "chain": chain, "adam": adam}
    if torch is not None:
        parts["torch_step"] = torch_mlp(torch, "train", batch)
    gflops, sgemm = sgemm_gflops(repeat)
    rate = gflops * 1e9
    for fn in parts.values():
        fn()
    runs = {k: [] for k in parts}
    for _ in range(2 if args.quick else 60):   # interleaved, 10 calls a sample
        for k, fn in parts.items():
            t0 = time.thread_time()
            for _ in range(10):
                fn()
            runs[k].append((time.thread_time() - t0) / 10)
    med = {k: statistics.median(v) for k, v in runs.items()}
    med["rest"] = med["step"] - med["chain"] - med["adam"]
    threads = args.threads or "default"
    for k, v in med.items():
        results.record(f"mlp_train_profile/{k}", "torch" if k == "torch_step" else "ckeras",
                       value=v, metric="cpu_time", unit="s", runs=runs.get(k), number=10,
                       label=f"MLP train step, batch 128: {k} (thread_time, {threads} "
                             "thread(s), parts interleaved)")
    flops = mlp_gemm_flops(batch)
    floor = flops / rate
    results.record("mlp_train_profile/sgemm", "ckeras", value=rate / 1e9, metric="gflops",
                   unit="GF/s", runs=sgemm.runs, label=f"sgemm 2048^3, {threads} thread(s)")
    results.record("mlp_train_profile/chain_share_of_sgemm", "ckeras",
                   value=100 * floor / med["chain"], metric="share_of_sgemm", unit="%",
                   label="the step's kernel call (products, activations, loss) as a share "
                         "of the sgemm rate")
    line = (f"mlp_train_profile  ({threads} thread(s)) step {fmt_time(med['step'])} = chain "
            f"{fmt_time(med['chain'])} + adam {fmt_time(med['adam'])} + rest "
            f"{fmt_time(med['rest'])}; products {flops / 1e6:.1f} MFLOP at the sgemm rate "
            f"({rate / 1e9:.0f} GF/s) {fmt_time(floor)}: chain at "
            f"{100 * floor / med['chain']:.0f}% of it")
    if "torch_step" in med:
        pt = med["torch_step"]
        results.record("mlp_train_profile/floor_vs_torch", "ckeras", value=floor / pt,
                       metric="ratio", unit="x",
                       label="the step's products at the sgemm rate / torch's step")
        results.record("mlp_train_profile/floor_adam_vs_torch", "ckeras",
                       value=(floor + med["adam"]) / pt, metric="ratio", unit="x",
                       label="those products plus ckeras' Adam update / torch's step")
        line += (f"; torch step {fmt_time(pt)}, step/torch {med['step'] / pt:.3f}, floor/torch "
                 f"{floor / pt:.3f}, (floor + adam)/torch {(floor + med['adam']) / pt:.3f}")
    print(line, flush=True)


def ck_custom_loop(batch):
    """One step of the Keras guide's training loop written from scratch."""
    import ckeras
    from ckeras import losses, optimizers
    rng = np.random.default_rng(0)
    x = rng.random((batch, MLP[0]), dtype=np.float32)
    y = rng.integers(0, 10, (batch, 1))
    model = _ck_mlp()
    opt = optimizers.Adam()
    loss_fn = losses.SparseCategoricalCrossentropy()

    def step():
        with ckeras.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        opt.apply_gradients(zip(grads, model.trainable_weights))
        return loss
    return step


def ck_dense(batch, fused):
    """dense_fwd of (batch, 784) x (784, 512): with bias and ReLU, or GEMM only."""
    from ckeras.kernels import kernels
    from ckeras.kernels.codes import Act
    rng = np.random.default_rng(0)
    x = rng.random((batch, 784), dtype=np.float32)
    w = rng.random((784, 512), dtype=np.float32)
    if fused:
        return functools.partial(kernels().dense_fwd, x, w, rng.random(512, dtype=np.float32),
                                 Act.RELU)
    return functools.partial(kernels().dense_fwd, x, w, None, Act.LINEAR)


def _fit_data(n):
    rng = np.random.default_rng(0)
    return rng.random((n, MLP[0]), dtype=np.float32), rng.integers(0, 10, (n, 1))


def ck_fit_epoch(n, batch):
    """One shuffled fit epoch, and the same epoch as bare train steps.

    Returns:
        (fit, steps): `fit()` runs one epoch; `steps()` runs the model's
        train step on the batches of one shuffled epoch, gathered beforehand,
        so it times the steps alone (no gather, no loop, no callbacks).
    """
    x, y = _fit_data(n)
    model = _ck_mlp(compile_adam=True)

    def fit():
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0)

    order = np.random.default_rng(1).permutation(n)
    batches = [([x[order[s:s + batch]]], [y[order[s:s + batch]]], [None])
               for s in range(0, n, batch)]

    def steps():
        for bx, by, bsw in batches:
            model._train_step(bx, by, bsw)
    return fit, steps


def fit_gather(n, batch, rounds):
    """Per-batch times of the batch gathers of one shuffled epoch (the
    rounds interleaved): ckeras' (`engine.structure.take_rows`, the C gather
    shared with the helper thread), NumPy's `x[idx]`, and a contiguous copy
    of the same bytes into a reused buffer.

    Returns:
        ({variant: Timing per batch}, bytes per batch).
    """
    from ckeras.engine.structure import take_rows
    x, _ = _fit_data(n)
    buf = np.empty((batch, x.shape[1]), x.dtype)
    full = n // batch * batch

    def ckeras(order):
        for s in range(0, full, batch):   # each batch dropped, as fit drops it
            take_rows(x, order[s:s + batch])

    def numpy(order):
        for s in range(0, full, batch):
            x[order[s:s + batch]]

    def copy(order):
        for s in range(0, full, batch):
            np.copyto(buf, x[s:s + batch])
    variants = {"ckeras": ckeras, "numpy": numpy, "copy": copy}
    runs = {k: [] for k in variants}
    for _ in range(rounds):
        for key, fn in variants.items():
            order = np.random.permutation(n)
            settle()
            t0 = time.perf_counter()
            fn(order)
            runs[key].append((time.perf_counter() - t0) / (full // batch))
    return {k: Timing(v) for k, v in runs.items()}, buf.nbytes


def fit_gathers_cpu(n, batch, rounds):
    """The fit epoch of `ck_fit_epoch` with ckeras' batch gather and with
    NumPy's `x[idx]` in its place, and its bare steps, interleaved, timed
    in CPU time of the calling thread (`time.thread_time`: a loaded machine
    barely moves it; it counts the caller's waits for the helper thread
    while it polls, not its preemption).

    Returns:
        {"ckeras" | "numpy" | "steps": Timing of one epoch}.
    """
    from ckeras.engine import structure
    fit, steps = ck_fit_epoch(n, batch)
    fit()
    ours = structure.take_rows
    variants = {"ckeras": ours, "numpy": lambda a, index: a[index], "steps": None}
    runs = {k: [] for k in variants}
    try:
        for _ in range(rounds):
            for key, take in variants.items():
                structure.take_rows = take or ours
                settle()
                t0 = time.thread_time()
                (steps if take is None else fit)()
                runs[key].append(time.thread_time() - t0)
    finally:
        structure.take_rows = ours
    return {k: Timing(v) for k, v in runs.items()}


def ck_gemv(gemm_path=False):
    """dense_fwd of one row through W (9216, 128) with ReLU; `gemm_path`
    sends it to the GEMM instead of the batch-1 kernel."""
    from ckeras._ext import _dense
    from ckeras.kernels.codes import Act
    rng = np.random.default_rng(0)
    k, n, _ = GEMV
    x, w = rng.random((1, k), dtype=np.float32), rng.random((k, n), dtype=np.float32)
    b = rng.random(n, dtype=np.float32)

    def run():
        prev = _dense.set_gemv(not gemm_path)
        try:
            return _dense.dense_fwd(x, w, b, Act.RELU)
        finally:
            _dense.set_gemv(prev)
    return run


def torch_gemv(torch):
    k, n, _ = GEMV
    x, w, b = torch.rand(1, k), torch.rand(n, k), torch.rand(n)

    def run():
        with torch.no_grad():
            return torch.relu(torch.nn.functional.linear(x, w, b))
    return run


# ------------------------------------------------------------------- torch
def torch_fit_epoch(torch, n, batch):
    """The loop a PyTorch user writes for one shuffled epoch (randperm, gather, step)."""
    x, y = _fit_data(n)
    x, y = torch.from_numpy(x), torch.from_numpy(y[:, 0])
    step = torch_mlp(torch, "train", batch)

    def epoch():
        order = torch.randperm(n)
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            step(x[idx], y[idx])
    return epoch


def torch_mlp(torch, kind, batch):
    nn = torch.nn
    layers = [nn.Linear(MLP[0], MLP[1]), nn.ReLU(), nn.Linear(MLP[1], MLP[2]), nn.ReLU(),
              nn.Linear(MLP[2], MLP[3])]
    x = torch.rand(batch, MLP[0])
    if kind == "predict":
        model = nn.Sequential(*layers, nn.Softmax(dim=-1)).eval()

        def run():
            with torch.no_grad():
                return model(x)
        return run
    model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    y = torch.randint(0, 10, (batch,))

    def step(xb=x, yb=y):   # fit_epoch passes its batches
        opt.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return loss
    return step


# ---------------------------------------------------------------- tf-keras
TF_WORKER = """
import json, sys
import numpy as np
import tf_keras as keras
from peers import time_runs, worker_reply
kind, batch, number, repeat, (d, h1, h2, o) = json.loads(sys.argv[1])
model = keras.Sequential([keras.layers.Dense(h1, activation='relu', input_shape=(d,)),
                          keras.layers.Dense(h2, activation='relu'),
                          keras.layers.Dense(o, activation='softmax')])
rng = np.random.default_rng(0)
x = rng.random((batch, d), dtype=np.float32)
if kind == 'predict':
    fn = lambda: model.predict_on_batch(x)
else:
    model.compile('adam', 'sparse_categorical_crossentropy')
    y = rng.integers(0, 10, (batch, 1))
    fn = lambda: model.train_on_batch(x, y)
worker_reply({'time': time_runs(fn, number, repeat)})
"""


# -------------------------------------------------------------- import time
def import_time(stmt, repeat):
    """Wall times and peak RSS (MiB) of fresh interpreters running `stmt`.

    Bytecode caching is switched on (as for any installed package) and warmed
    by one untimed run, so both sides are timed with their .pyc files.

    Returns:
        (list of times, list of peak RSS), or (None, None) if `stmt` fails.
    """
    code = ("import resource, time; t0 = time.perf_counter(); " + stmt +
            "; t = time.perf_counter() - t0; "
            "print(t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", stmt], capture_output=True, env=env)
    times, rss = [], []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env)
        if out.returncode != 0:
            return None, None
        t, r = map(float, out.stdout.split())
        times.append(t)
        rss.append(r)
    return times, rss


def blas_thread_scaling(calls, batch=64, blas_threads=None):
    """Throughput of 2 threads over 1 thread, predict_on_batch on one model."""
    from ckeras.utils import get_blas_threads, set_blas_threads
    before = get_blas_threads()
    if blas_threads:
        set_blas_threads(blas_threads)
    try:
        model = _ck_mlp()
        x = np.random.default_rng(0).random((batch, MLP[0]), dtype=np.float32)
        return thread_scaling(functools.partial(model.predict_on_batch, x), calls)
    finally:
        set_blas_threads(before)


def fit_overhead(n, repeat):
    """fit's own cost per batch: fit time minus the same train steps run directly.

    Returns:
        (Timing of fit per batch, Timing of the direct steps per batch).
    """
    from ckeras.layers import Dense
    from ckeras.models import Sequential
    rng = np.random.default_rng(0)
    x = rng.random((n, 4), dtype=np.float32)
    y = rng.random((n, 1), dtype=np.float32)
    model = Sequential([Dense(1, input_shape=(4,))])
    model.compile("sgd", "mse")
    model.fit(x, y, batch_size=1, epochs=1, verbose=0)
    xs = [[x[i:i + 1]] for i in range(n)]
    ys = [[y[i:i + 1]] for i in range(n)]
    fits, steps = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        model.fit(x, y, batch_size=1, epochs=1, verbose=0, shuffle=False)
        fits.append((time.perf_counter() - t0) / n)
        t0 = time.perf_counter()
        for i in range(n):
            model._train_step(xs[i], ys[i], [None])
        steps.append((time.perf_counter() - t0) / n)
    return Timing(fits), Timing(steps)


def _ratio(a, b):
    return a / b if a is not None and b else float("nan")


def mlp_rounds(args, results, torch):
    """The MLP cases (`--case`, default the train step) in rounds that
    alternate ckeras and torch, so a drift in the machine's speed shifts
    both alike."""
    if torch is None:
        raise SystemExit("compare.py --rounds needs torch")
    threads = f"--threads {args.threads} " if args.threads else ""
    for case, (kind, batch, number, label) in MLP_CASES.items():
        if not (wanted(args, case) if args.case else case == "mlp_train_b128"):
            continue
        number = max(number // 10, 2)
        alternating_rounds(results, f"{case}_rounds", f"{label}, alternating rounds",
                           ck_mlp(kind, batch), torch_mlp(torch, kind, batch), number,
                           args.rounds, f"compare.py {threads}--rounds {args.rounds}")


def main(argv=None):
    parser = main_parser(__doc__.splitlines()[0], CASES)
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for ckeras (BLAS and kernels) and torch each "
                             "(default: each library's default)")
    parser.add_argument("--rounds", type=int, default=0,
                        help="only time the MLP cases asked for (--case; default the train "
                             "step), ckeras alternating with torch for this many rounds, and "
                             "print the median of the per-round ratios")
    args = parser.parse_args(argv)
    results = Results("compare.py", args)
    repeat = 2 if args.quick else args.repeat
    torch = torch_or_none(args.threads)
    if args.threads:
        from ckeras.utils import set_blas_threads, set_kernel_threads
        set_blas_threads(args.threads)
        set_kernel_threads(args.threads)
    if args.rounds:
        return mlp_rounds(args, results, torch)
    tf_py = tf_python(args.tf_python)

    for case, (kind, batch, number, label) in MLP_CASES.items():
        if not wanted(args, case):
            continue
        number = max(number // 50, 2) if args.quick else number
        t_ck = time_runs(ck_mlp(kind, batch), number, repeat)
        results.record(case, "ckeras", t_ck, number=number, label=label)
        t_pt = t_tf = None
        if torch is not None:
            t_pt = time_runs(torch_mlp(torch, kind, batch), number, repeat)
            results.record(case, "torch", t_pt, number=number, label=label)
        tf_number = max(number // 10, 5) if not args.quick else 2
        reply = run_tf_keras(TF_WORKER, tf_py, [kind, batch, tf_number, repeat, MLP])
        if reply is not None:
            t_tf = Timing(reply["figures"]["time"])
            results.record(case, "tf-keras", t_tf, number=tf_number, label=label,
                           versions=reply["versions"], threads=reply["threads"])
        med = {k: t.median if t else None for k, t in (("ck", t_ck), ("pt", t_pt),
                                                      ("tf", t_tf))}
        print(f"{case:18s} ckeras {fmt_time(med['ck']):>10s}  torch {fmt_time(med['pt']):>10s}"
              f"  tf-keras {fmt_time(med['tf']):>10s}  ckeras/torch "
              f"{_ratio(med['ck'], med['pt']):.2f}  ckeras/tf "
              f"{_ratio(med['ck'], med['tf']):.3f}", flush=True)

    if wanted(args, "mlp_train_profile"):
        mlp_train_profile(args, results, torch, repeat)

    if wanted(args, "custom_loop"):
        kind, batch, number, label = CUSTOM_LOOP
        number = 2 if args.quick else number
        # loop and train_on_batch alternate, so load changes hit both alike
        pairs = [(time_runs(ck_custom_loop(batch), number, 1).median,
                  time_runs(ck_mlp(kind, batch), number, 1).median)
                 for _ in range(repeat)]
        loop, tob = Timing(p[0] for p in pairs), Timing(p[1] for p in pairs)
        results.record("custom_loop", "ckeras", loop, number=number, label=label)
        results.record("custom_loop/train_on_batch", "ckeras", tob, number=number,
                       label="same model and batch, ckeras `train_on_batch`")
        # the median of the pairs' ratios: each pair ran back to back, so a
        # swing of the machine's speed between pairs cancels in its ratio
        per_pair = float(np.median([p[0] / p[1] for p in pairs]))
        results.record("custom_loop/vs_train_on_batch", "ckeras",
                       value=per_pair, metric="ratio", unit="x",
                       label="GradientTape step / train_on_batch, median of alternating "
                             "pairs (target <= 1.2)")
        t_pt = None
        if torch is not None:
            t_pt = time_runs(torch_mlp(torch, kind, batch), number, repeat)
            results.record("custom_loop", "torch", t_pt, number=number, label=label)
            results.record("custom_loop/vs_torch", "ckeras",
                           value=loop.median / t_pt.median, metric="ratio", unit="x",
                           label="GradientTape step / the same loop in PyTorch "
                                 "(target <= 1.0)")
        print(f"custom_loop        tape step {fmt_time(loop.median)}  train_on_batch "
              f"{fmt_time(tob.median)}  torch {fmt_time(t_pt.median if t_pt else None):>10s}"
              f"  tape/train_on_batch {per_pair:.2f}  tape/torch "
              f"{_ratio(loop.median, t_pt.median if t_pt else None):.2f}", flush=True)

    if wanted(args, "mlp_fit_epoch"):
        n, batch, label = FIT_EPOCH
        n = 2560 if args.quick else n
        fit, steps = ck_fit_epoch(n, batch)
        pt_epoch = torch_fit_epoch(torch, n, batch) if torch is not None else None
        fit()
        # fit, the bare steps and torch's loop alternate, so load changes hit all alike
        runs = {"fit": [], "steps": [], "torch": []}
        for _ in range(repeat):
            for key, fn in (("fit", fit), ("steps", steps), ("torch", pt_epoch)):
                if fn is not None:
                    settle()
                    t0 = time.perf_counter()
                    fn()
                    runs[key].append(time.perf_counter() - t0)
        t_fit, t_steps = Timing(runs["fit"]), Timing(runs["steps"])
        results.record("mlp_fit_epoch", "ckeras", t_fit, number=1, label=label)
        results.record("mlp_fit_epoch/steps", "ckeras", t_steps, number=1,
                       label="the train steps of that epoch alone (batches gathered "
                             "beforehand)")
        results.record("mlp_fit_epoch/vs_steps", "ckeras",
                       value=t_fit.median / t_steps.median, metric="ratio", unit="x",
                       label="fit epoch / sum of its train steps (target <= 1.05)")
        t_pt = Timing(runs["torch"]) if runs["torch"] else None
        if t_pt is not None:
            results.record("mlp_fit_epoch", "torch", t_pt, number=1, label=label)
        print(f"mlp_fit_epoch      fit {fmt_time(t_fit.median)}  its steps "
              f"{fmt_time(t_steps.median)}  torch {fmt_time(t_pt.median if t_pt else None)}"
              f"  fit/steps {t_fit.median / t_steps.median:.3f}  ckeras/torch "
              f"{_ratio(t_fit.median, t_pt.median if t_pt else None):.2f}", flush=True)

    if wanted(args, "fit_gather"):
        n, batch, _ = FIT_EPOCH
        gathers, nbytes = fit_gather(2560 if args.quick else n, batch, 3 if args.quick else repeat)
        labels = {"ckeras": "gather of one shuffled fit batch (128 rows of 784 float32)",
                  "numpy": "the same with NumPy fancy indexing",
                  "copy": "a contiguous copy of as many bytes (the machine's copy speed)"}
        for key, t in gathers.items():
            results.record(f"fit_gather/{key}", "ckeras", t, number=1, label=labels[key],
                           bytes=nbytes)
        print("fit_gather         " + "  ".join(
            f"{key} {fmt_time(t.median)} ({nbytes / t.median / 1e9:.1f} GB/s)"
            for key, t in gathers.items()), flush=True)

    if wanted(args, "mlp_fit_gathers"):
        n, batch, _ = FIT_EPOCH
        cpu = fit_gathers_cpu(2560 if args.quick else n, batch, 3 if args.quick else repeat)
        steps_cpu = cpu["steps"].median
        results.record("mlp_fit_gathers/steps", "ckeras", cpu["steps"], number=1,
                       metric="thread_time", label="the bare train steps of one shuffled "
                       "epoch, CPU time of the calling thread")
        for key, what in (("ckeras", "ckeras' C gather"), ("numpy", "NumPy fancy indexing")):
            results.record(f"mlp_fit_gathers/{key}", "ckeras", cpu[key], number=1,
                           metric="thread_time",
                           label=f"the fit epoch with {what}, CPU time of the calling thread")
            results.record(f"mlp_fit_gathers/{key}_vs_steps", "ckeras",
                           value=cpu[key].median / steps_cpu, metric="ratio", unit="x",
                           label=f"fit epoch with {what} / its steps, in CPU time of the "
                                 "calling thread")
        print(f"mlp_fit_gathers    CPU time of the calling thread: steps "
              f"{fmt_time(steps_cpu)}  fit {fmt_time(cpu['ckeras'].median)} "
              f"(x{cpu['ckeras'].median / steps_cpu:.3f})  fit with NumPy's gather "
              f"{fmt_time(cpu['numpy'].median)} (x{cpu['numpy'].median / steps_cpu:.3f})",
              flush=True)

    if wanted(args, "dense_fused_b256"):
        # Alternate the two so that load changes on this noisy box hit both alike.
        f_fn, g_fn = ck_dense(256, fused=True), ck_dense(256, fused=False)
        number = 2 if args.quick else 20
        pairs = [(time_runs(f_fn, number, 1).median, time_runs(g_fn, number, 1).median)
                 for _ in range(repeat if args.quick else max(args.repeat, 5))]
        fused, gemm = Timing(p[0] for p in pairs), Timing(p[1] for p in pairs)
        results.record("dense_fused_b256/fused", "ckeras", fused, number=number)
        results.record("dense_fused_b256/gemm", "ckeras", gemm, number=number)
        share = 100 * gemm.median / fused.median
        results.record("dense_fused_b256", "ckeras", value=share, metric="share_of_gemm",
                       unit="%", label="fused dense forward (GEMM + bias + ReLU), "
                                       "256x784x512: share of the GEMM-only throughput")
        print(f"dense_fused_b256   fused {fmt_time(fused.median)}  gemm-only "
              f"{fmt_time(gemm.median)}  fused throughput = {share:.0f}% of GEMM-only",
              flush=True)

    if wanted(args, "dense_gemv_b1"):
        k, n, label = GEMV
        number = 2 if args.quick else 200
        fns = {"ckeras": ck_gemv(), "gemm": ck_gemv(gemm_path=True),
               "torch": torch_gemv(torch) if torch is not None else None}
        # the three alternate run by run, so load changes hit all alike
        runs = {key: [] for key in fns}
        for _ in range(repeat if args.quick else max(args.repeat, 9)):
            for key, fn in fns.items():
                if fn is not None:
                    runs[key].append(time_runs(fn, number, 1).median)
        t_ck, t_gemm = Timing(runs["ckeras"]), Timing(runs["gemm"])
        t_pt = Timing(runs["torch"]) if runs["torch"] else None
        gbs = 4.0 * k * n / t_ck.median / 1e9
        results.record("dense_gemv_b1", "ckeras", t_ck, number=number, label=label)
        results.record("dense_gemv_b1/gemm", "ckeras", t_gemm, number=number,
                       label="the same through ckeras' GEMM path (`_dense.set_gemv(False)`)")
        results.record("dense_gemv_b1", "ckeras", value=gbs, metric="bandwidth", unit="GB/s",
                       label="bytes of W over the median time")
        if t_pt is not None:
            results.record("dense_gemv_b1", "torch", t_pt, number=number, label=label)
        print(f"dense_gemv_b1      ckeras {fmt_time(t_ck.median)} ({gbs:.1f} GB/s)  GEMM path "
              f"{fmt_time(t_gemm.median)}  torch {fmt_time(t_pt.median if t_pt else None)}"
              f"  ckeras/torch {_ratio(t_ck.median, t_pt.median if t_pt else None):.2f}",
              flush=True)

    if wanted(args, "import"):
        # numpy and ckeras alternate run by run, so load changes hit both alike.
        runs = repeat if args.quick else max(args.repeat, 9)
        pairs = [(import_time("import numpy", 1), import_time("import ckeras", 1),
                  import_time("from ckeras.models import Sequential; "
                              "from ckeras.layers import Dense", 1))
                 for _ in range(runs)]
        base, ck, use = (Timing(p[i][0][0] for p in pairs) for i in range(3))
        base_rss = statistics.median(p[0][1][0] for p in pairs)
        ck_rss = statistics.median(p[1][1][0] for p in pairs)
        results.record("import/numpy", "ckeras", base, number=1)
        results.record("import/ckeras", "ckeras", ck, number=1)
        results.record("import/sequential_dense", "ckeras", use, number=1)
        results.record("import", "ckeras", value=ck.median / base.median, metric="ratio",
                       unit="x", label="`import ckeras` / `import numpy` (fresh "
                                       "interpreters, warm bytecode, alternated)")
        results.record("import", "ckeras", value=ck_rss - base_rss, metric="rss_delta",
                       unit="MiB", label="peak RSS of `import ckeras` over `import numpy`")
        results.record("import/sequential_dense", "ckeras", value=use.median / base.median,
                       metric="ratio", unit="x",
                       label="`from ckeras.models import Sequential; from ckeras.layers "
                             "import Dense` / `import numpy`")
        print(f"import             numpy {base.median * 1e3:.0f} ms / {base_rss:.0f} MiB  "
              f"ckeras {ck.median * 1e3:.0f} ms / {ck_rss:.0f} MiB  ratio "
              f"{ck.median / base.median:.2f}x, RSS +{ck_rss - base_rss:.1f} MiB; "
              f"Sequential+Dense imports {use.median * 1e3:.0f} ms "
              f"({use.median / base.median:.2f}x)", flush=True)
        pt_times, _ = import_time("import torch", 2 if args.quick else 3)
        if pt_times:
            results.record("import/torch", "torch", Timing(pt_times), number=1)
            print(f"                   torch {statistics.median(pt_times) * 1e3:.0f} ms",
                  flush=True)

    if wanted(args, "fit_overhead"):
        fit, step = fit_overhead(200 if args.quick else 4000, 1 if args.quick else 5)
        results.record("fit_overhead/fit", "ckeras", fit)
        results.record("fit_overhead/steps", "ckeras", step)
        results.record("fit_overhead", "ckeras", value=fit.median - step.median,
                       metric="overhead", unit="s",
                       label="fit's own overhead per batch (fit minus the same train "
                             "steps run directly)")
        print(f"fit_overhead       fit per batch {fmt_time(fit.median)}, the same train steps "
              f"called directly {fmt_time(step.median)}: fit's own overhead "
              f"{fmt_time(fit.median - step.median)} per batch", flush=True)

    if wanted(args, "threads"):
        calls = 20 if args.quick else 200
        ratio, one, two = blas_thread_scaling(calls)
        ratio1, one1, two1 = blas_thread_scaling(calls, blas_threads=1)
        results.record("threads/blas1", "ckeras", value=ratio1, metric="thread_scaling",
                       unit="x", one_thread_calls_per_s=one1, two_threads_calls_per_s=two1,
                       label="2 threads predicting (batch 64) on one model, with "
                             "`ckeras.utils.set_blas_threads(1)`: throughput over one thread")
        results.record("threads/blas_default", "ckeras", value=ratio, metric="thread_scaling",
                       unit="x", one_thread_calls_per_s=one, two_threads_calls_per_s=two,
                       label="the same with the default BLAS threads")
        print(f"threads            predict_on_batch, batch 64: default BLAS threads: 1 thread "
              f"{one:.0f}/s, 2 threads {two:.0f}/s ({ratio:.2f}x); set_blas_threads(1): "
              f"1 thread {one1:.0f}/s, 2 threads {two1:.0f}/s ({ratio1:.2f}x)", flush=True)
    if results.path:
        print(f"figures appended to {results.path}")


if __name__ == "__main__":
    main()
