"""Side-by-side timings of ckeras against PyTorch and tf-keras, in one run.

Each workload runs in ckeras and, where installed, in PyTorch (CPU) and
tf-keras; the table shows median times and the ratio ckeras / peer (below 1
means ckeras is faster). Peers that are not importable are skipped; tf-keras
can also run in another interpreter given with --tf-python (a separate venv).

Usage:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/compare.py
    python benchmarks/compare.py --only mlp_predict_b1 mlp_train_b128 --repeat 9
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
from _timing import median_time as _median_time  # noqa: E402
from _timing import thread_scaling as _thread_scaling_of  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MLP = (784, 256, 128, 10)




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


def ck_mlp_predict(batch):
    model = _ck_mlp()
    x = np.random.default_rng(0).random((batch, MLP[0]), dtype=np.float32)
    return lambda: model.predict_on_batch(x)


def ck_mlp_train(batch):
    model = _ck_mlp(compile_adam=True)
    rng = np.random.default_rng(0)
    x = rng.random((batch, MLP[0]), dtype=np.float32)
    y = rng.integers(0, 10, (batch, 1))
    return lambda: model.train_on_batch(x, y)


def ck_dense_fused(batch):
    from ckeras.kernels import kernels
    k = kernels()
    rng = np.random.default_rng(0)
    x = rng.random((batch, 784), dtype=np.float32)
    w = rng.random((784, 512), dtype=np.float32)
    b = rng.random(512, dtype=np.float32)
    return lambda: k.dense_fwd(x, w, b, 1)


def ck_gemm_only(batch):
    from ckeras.kernels import kernels
    k = kernels()
    rng = np.random.default_rng(0)
    x = rng.random((batch, 784), dtype=np.float32)
    w = rng.random((784, 512), dtype=np.float32)
    return lambda: k.dense_fwd(x, w, None, 0)


# ------------------------------------------------------------------- torch
def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _torch_mlp(torch):
    nn = torch.nn
    return nn.Sequential(nn.Linear(MLP[0], MLP[1]), nn.ReLU(), nn.Linear(MLP[1], MLP[2]),
                         nn.ReLU(), nn.Linear(MLP[2], MLP[3]), nn.Softmax(dim=-1))


def torch_mlp_predict(batch):
    torch = _torch()
    if torch is None:
        return None
    model = _torch_mlp(torch).eval()
    x = torch.rand(batch, MLP[0])

    def run():
        with torch.no_grad():
            return model(x)
    return run


def torch_mlp_train(batch):
    torch = _torch()
    if torch is None:
        return None
    nn = torch.nn
    model = nn.Sequential(nn.Linear(MLP[0], MLP[1]), nn.ReLU(), nn.Linear(MLP[1], MLP[2]),
                          nn.ReLU(), nn.Linear(MLP[2], MLP[3]))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch, MLP[0])
    y = torch.randint(0, 10, (batch,))

    def run():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return run


# ---------------------------------------------------------------- tf-keras
TF_SNIPPETS = {
    "mlp_predict": """
model = keras.Sequential([keras.layers.Dense({h1}, activation='relu', input_shape=({d},)),
                          keras.layers.Dense({h2}, activation='relu'),
                          keras.layers.Dense({o}, activation='softmax')])
x = np.random.default_rng(0).random(({batch}, {d}), dtype=np.float32)
fn = lambda: model.predict_on_batch(x)
""",
    "mlp_train": """
model = keras.Sequential([keras.layers.Dense({h1}, activation='relu', input_shape=({d},)),
                          keras.layers.Dense({h2}, activation='relu'),
                          keras.layers.Dense({o}, activation='softmax')])
model.compile('adam', 'sparse_categorical_crossentropy')
rng = np.random.default_rng(0)
x = rng.random(({batch}, {d}), dtype=np.float32); y = rng.integers(0, 10, ({batch}, 1))
fn = lambda: model.train_on_batch(x, y)
""",
}

TF_RUNNER = """
import os, sys, json, time, statistics
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3'); os.environ['TF_USE_LEGACY_KERAS'] = '1'
import numpy as np
import tf_keras as keras
{setup}
number, repeat = {number}, {repeat}
fn()
times = []
for _ in range(repeat):
    t0 = time.perf_counter()
    for _ in range(number):
        fn()
    times.append((time.perf_counter() - t0) / number)
print(json.dumps(statistics.median(times)))
"""


def tf_time(kind, batch, number, repeat, tf_python):
    setup = TF_SNIPPETS[kind].format(h1=MLP[1], h2=MLP[2], o=MLP[3], d=MLP[0], batch=batch)
    code = TF_RUNNER.format(setup=setup, number=number, repeat=repeat)
    python = tf_python or sys.executable
    if tf_python is None:
        try:
            import tf_keras  # noqa: F401
        except ImportError:
            return None
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        print(f"  tf-keras run failed: {out.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


# -------------------------------------------------------------- import time
def import_time(stmt, repeat):
    """Median wall time and peak RSS (MiB) of a fresh interpreter running `stmt`.

    Bytecode caching is switched on (as for any installed package) and warmed
    by one untimed run, so both sides are timed with their .pyc files.
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
    return statistics.median(times), statistics.median(rss)


def thread_scaling(batch=64, calls=200, blas_threads=None):
    """Throughput of 2 threads over 1 thread, predict_on_batch on one model."""
    from ckeras.utils import get_blas_threads, set_blas_threads
    before = get_blas_threads()
    if blas_threads:
        set_blas_threads(blas_threads)
    try:
        return _thread_scaling(batch, calls)
    finally:
        set_blas_threads(before)


def _thread_scaling(batch, calls):
    model = _ck_mlp()
    x = np.random.default_rng(0).random((batch, MLP[0]), dtype=np.float32)
    return _thread_scaling_of(lambda: model.predict_on_batch(x), calls)


def fit_overhead(n=4000, repeat=5):
    """fit's own cost per batch: fit time minus the same train steps run directly."""
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
    return statistics.median(fits), statistics.median(steps)


def _fmt(seconds):
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    return f"{seconds * 1e3:.2f} ms"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--tf-python", default=None,
                        help="python of a venv with tf-keras (run as a subprocess)")
    args = parser.parse_args(argv)
    want = lambda name: args.only is None or name in args.only  # noqa: E731
    rows = []

    workloads = [
        ("mlp_predict_b1", ck_mlp_predict, torch_mlp_predict, "mlp_predict", 1, 2000),
        ("mlp_predict_b64", ck_mlp_predict, torch_mlp_predict, "mlp_predict", 64, 300),
        ("mlp_train_b128", ck_mlp_train, torch_mlp_train, "mlp_train", 128, 50),
    ]
    for name, ck, pt, tf_kind, batch, number in workloads:
        if not want(name):
            continue
        t_ck = _median_time(ck(batch), number, args.repeat)
        fn = pt(batch)
        t_pt = _median_time(fn, number, args.repeat) if fn is not None else None
        t_tf = tf_time(tf_kind, batch, max(number // 10, 5), args.repeat, args.tf_python)
        rows.append((name, t_ck, t_pt, t_tf))
        print(f"{name:18s} ckeras {_fmt(t_ck):>10s}  torch {_fmt(t_pt):>10s}  "
              f"tf-keras {_fmt(t_tf):>10s}  ckeras/torch "
              f"{(t_ck / t_pt) if t_pt else float('nan'):.2f}  ckeras/tf "
              f"{(t_ck / t_tf) if t_tf else float('nan'):.3f}", flush=True)

    if want("dense_fused_b256"):
        # Alternate the two so that load changes on this noisy box hit both alike.
        f_fn, g_fn = ck_dense_fused(256), ck_gemm_only(256)
        pairs = [(_median_time(f_fn, 20, 1), _median_time(g_fn, 20, 1))
                 for _ in range(max(args.repeat, 5))]
        fused = statistics.median(p[0] for p in pairs)
        gemm = statistics.median(p[1] for p in pairs)
        print(f"dense_fused_b256   fused {_fmt(fused)}  gemm-only {_fmt(gemm)}  "
              f"fused throughput = {100 * gemm / fused:.0f}% of GEMM-only", flush=True)

    if want("import"):
        # numpy and ckeras alternate run by run, so load changes hit both alike.
        pairs = [(import_time("import numpy", 1), import_time("import ckeras", 1),
                  import_time("from ckeras.models import Sequential; "
                              "from ckeras.layers import Dense", 1))
                 for _ in range(max(args.repeat, 9))]
        base_t = statistics.median(p[0][0] for p in pairs)
        ck_t = statistics.median(p[1][0] for p in pairs)
        use_t = statistics.median(p[2][0] for p in pairs)
        base_rss = statistics.median(p[0][1] for p in pairs)
        ck_rss = statistics.median(p[1][1] for p in pairs)
        print(f"import             numpy {base_t * 1e3:.0f} ms / {base_rss:.0f} MiB  "
              f"ckeras {ck_t * 1e3:.0f} ms / {ck_rss:.0f} MiB  ratio {ck_t / base_t:.2f}x, "
              f"RSS +{ck_rss - base_rss:.1f} MiB; Sequential+Dense imports "
              f"{use_t * 1e3:.0f} ms ({use_t / base_t:.2f}x)", flush=True)
        pt_t, _ = import_time("import torch", 3)
        if pt_t:
            print(f"                   torch {pt_t * 1e3:.0f} ms", flush=True)

    if want("fit_overhead"):
        fit, step = fit_overhead()
        print(f"fit_overhead       fit per batch {_fmt(fit)}, the same train steps called "
              f"directly {_fmt(step)}: fit's own overhead {_fmt(fit - step)} per batch",
              flush=True)

    if want("threads"):
        ratio, one, two = thread_scaling()
        ratio1, one1, two1 = thread_scaling(blas_threads=1)
        print(f"threads            predict_on_batch, batch 64: default BLAS threads: 1 thread "
              f"{one:.0f}/s, 2 threads {two:.0f}/s ({ratio:.2f}x); set_blas_threads(1): "
              f"1 thread {one1:.0f}/s, 2 threads {two1:.0f}/s ({ratio1:.2f}x)", flush=True)


if __name__ == "__main__":
    main()
