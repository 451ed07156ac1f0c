"""Conv2D benchmarks (float32): forward as a share of the measured sgemm
throughput, and small 2-D and 3-D CNN training steps against PyTorch.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_conv.py
    ... python benchmarks/bench_conv.py --threads 1 --repeat 9 [--case conv_fwd] [--quick]

Targets (shared/design/kernels_measured.md section 5, issue 7): Conv2D
forward with >= 32 input channels at >= 60% of sgemm throughput (measured
here on a 2048^3 sgemm with the same thread count: `--case conv_fwd`); the
training step of 28x28x1 -> Conv 32 -> MaxPool -> Conv 64 -> MaxPool ->
Flatten -> Dense 10, batch 64, Adam, at most 1.5x PyTorch's time (`--case
cnn_train_step`). `--case cnn3d_train_step` (no target yet): 16x16x16x1 ->
Conv3D 16 -> MaxPool3D -> Conv3D 32 -> GlobalAveragePooling3D -> Dense 10,
batch 16, Adam.

The model cases (issue 20 targets: ckeras / PyTorch <= 0.8 on each, one
thread and default threads) time ckeras and PyTorch interleaved, one run of
each per round, and report the median of the per-round ratios:
`mnist_predict_b1`, `mnist_predict_b64`, `mnist_train_b64` (28x28x1 ->
Conv 32 -> Conv 64 -> MaxPool -> Flatten -> Dense 128 -> Dense 10, the Keras
MNIST convnet without its Dropout layers) and `cifar_predict_b1`,
`cifar_predict_b64`, `cifar_train_b64` (32x32x3 -> Conv 32 same -> Conv 32 ->
MaxPool -> Conv 64 same -> Conv 64 -> MaxPool -> Flatten -> Dense 512 ->
Dense 10, the Keras CIFAR-10 convnet without Dropout); training is one Adam
step. `--cpu-time` times with the process's CPU time instead of the wall
clock (use it with --threads 1 on a loaded machine).
"""
import functools
import statistics
import time

import numpy as np
from peers import (
    Results,
    Timing,
    main_parser,
    settle,
    sgemm_gflops,
    time_runs,
    torch_or_none,
    wanted,
)

from ckeras._ext import _blas, _conv, _threads

MODEL_CASES = {  # id: (model, kind, batch, calls per timed run)
    "mnist_predict_b1": ("mnist", "predict", 1, 200),
    "mnist_predict_b64": ("mnist", "predict", 64, 10),
    "mnist_train_b64": ("mnist", "train", 64, 5),
    "cifar_predict_b1": ("cifar", "predict", 1, 200),
    "cifar_predict_b64": ("cifar", "predict", 64, 10),
    "cifar_train_b64": ("cifar", "train", 64, 3),
}
CASES = ("conv_fwd", "cnn_train_step", "cnn3d_train_step") + tuple(MODEL_CASES)
CONV_SHAPES = [  # (N, H, W, C, KH, KW, O)
    (32, 26, 26, 32, 3, 3, 64),
    (8, 34, 34, 64, 3, 3, 64),
    (8, 18, 18, 128, 3, 3, 128),
    (8, 32, 32, 128, 1, 1, 64),
    (32, 28, 28, 1, 3, 3, 32),
]


def conv_forward(shapes, repeat):
    """(shape, Timing, GF/s) of a valid, stride-1, relu, biased Conv2D forward."""
    rows = []
    rng = np.random.default_rng(0)
    for shape in shapes:
        n, h, w_, c, kh, kw, o = shape
        x = rng.standard_normal((n, h, w_, c)).astype(np.float32)
        w = rng.standard_normal((kh, kw, c, o)).astype(np.float32)
        b = rng.standard_normal(o).astype(np.float32)
        oh, ow = h - kh + 1, w_ - kw + 1
        fn = functools.partial(_conv.conv2d_fwd, x, w, b, 1, (1, 1), (1, 1), (0, 0), (oh, ow))
        t = time_runs(fn, 3, repeat)
        rows.append((shape, t, 2.0 * n * oh * ow * kh * kw * c * o / t.median / 1e9))
    return rows


def _ck_model(name):
    from ckeras import layers as L
    from ckeras.engine.sequential import Sequential
    if name == "mnist":
        stack = [L.Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
                 L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(),
                 L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")]
    else:
        stack = [L.Conv2D(32, 3, padding="same", activation="relu", input_shape=(32, 32, 3)),
                 L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(),
                 L.Conv2D(64, 3, padding="same", activation="relu"),
                 L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(), L.Flatten(),
                 L.Dense(512, activation="relu"), L.Dense(10, activation="softmax")]
    model = Sequential(stack)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def _torch_model(torch, name):
    nn = torch.nn
    if name == "mnist":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 12 * 12, 128),
                             nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(64 * 6 * 6, 512), nn.ReLU(), nn.Linear(512, 10))


def _model_data(name, batch):
    rng = np.random.default_rng(0)
    x = rng.random((batch,) + ((28, 28, 1) if name == "mnist" else (32, 32, 3)),
                   dtype=np.float32)
    return x, np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]


def torch_model_fn(torch, name, kind, batch):
    """PyTorch's predict (no_grad) or Adam train step of model `name`."""
    x, y = _model_data(name, batch)
    net = _torch_model(torch, name)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    if kind == "predict":
        def pt():
            with torch.no_grad():
                net(xt)
        return pt
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    yt = torch.from_numpy(y.argmax(1))
    lossf = torch.nn.CrossEntropyLoss()

    def pt():
        opt.zero_grad()
        lossf(net(xt), yt).backward()
        opt.step()
    return pt


def model_fns(name, kind, batch, torch):
    """(ckeras call, torch call or None) for one predict or train step."""
    x, y = _model_data(name, batch)
    model = _ck_model(name)
    ck = functools.partial(model.predict_on_batch if kind == "predict" else model.train_on_batch,
                           *((x,) if kind == "predict" else (x, y)))
    return ck, None if torch is None else torch_model_fn(torch, name, kind, batch)


def interleaved(fns, number, repeat, clock):
    """Per-call times of each of `fns` over `repeat` rounds; each round times
    `number` calls of every fn in turn, each block after a `settle` pause and
    one untimed call."""
    for fn in fns:
        fn()
    runs = [[] for _ in fns]
    for _ in range(repeat):
        for fn, r in zip(fns, runs):
            settle()
            fn()
            t0 = clock()
            for _ in range(number):
                fn()
            r.append((clock() - t0) / number)
    return [Timing(r) for r in runs]


def _ck_cnn():
    from ckeras import layers as L
    from ckeras.engine.sequential import Sequential
    model = Sequential([L.Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
                        L.MaxPooling2D(), L.Conv2D(64, 3, activation="relu"),
                        L.MaxPooling2D(), L.Flatten(), L.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def _torch_cnn_step(torch, x, y):
    net = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(64 * 5 * 5, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y.argmax(1))
    lossf = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = lossf(net(xt), yt)
        loss.backward()
        opt.step()
    return step


def _ck_cnn3d():
    from ckeras import layers as L
    from ckeras.engine.sequential import Sequential
    model = Sequential([L.Conv3D(16, 3, activation="relu", input_shape=(16, 16, 16, 1)),
                        L.MaxPooling3D(), L.Conv3D(32, 3, activation="relu"),
                        L.GlobalAveragePooling3D(), L.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def _torch_cnn3d_step(torch, x, y):
    net = torch.nn.Sequential(
        torch.nn.Conv3d(1, 16, 3), torch.nn.ReLU(), torch.nn.MaxPool3d(2),
        torch.nn.Conv3d(16, 32, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool3d(1),
        torch.nn.Flatten(), torch.nn.Linear(32, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 4, 1, 2, 3)))
    yt = torch.from_numpy(y.argmax(1))
    lossf = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad()
        loss = lossf(net(xt), yt)
        loss.backward()
        opt.step()
    return step


def cnn3d_step(repeat, number, threads):
    """Timings of one train step of the small 3-D CNN: ckeras, and torch or None."""
    rng = np.random.default_rng(0)
    x = rng.random((16, 16, 16, 16, 1), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 16)]
    t_ck = time_runs(functools.partial(_ck_cnn3d().train_on_batch, x, y), number, repeat)
    torch = torch_or_none(threads)
    t_pt = None if torch is None else time_runs(_torch_cnn3d_step(torch, x, y), number, repeat)
    return t_ck, t_pt


def cnn_step(repeat, number, threads):
    """Timings of one train step of the small CNN: ckeras, and torch or None."""
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]
    t_ck = time_runs(functools.partial(_ck_cnn().train_on_batch, x, y), number, repeat)
    torch = torch_or_none(threads)
    t_pt = None if torch is None else time_runs(_torch_cnn_step(torch, x, y), number, repeat)
    return t_ck, t_pt


def main(argv=None):
    ap = main_parser(__doc__.splitlines()[0], CASES, tf=False)
    ap.add_argument("--threads", type=int, default=None,
                    help="BLAS (and torch) threads; default: the BLAS default")
    ap.add_argument("--cpu-time", action="store_true",
                    help="time the model cases with process CPU time (single-threaded runs)")
    args = ap.parse_args(argv)
    results = Results("bench_conv.py", args)
    repeat = 2 if args.quick else args.repeat
    if args.threads == 1:   # one thread: no BLAS pool and no ckeras helper either
        from ckeras.utils import set_blas_threads, set_kernel_threads
        set_blas_threads(1)
        set_kernel_threads(1)
    elif args.threads:
        _blas.set_num_threads(args.threads)
    threads = _blas.get_num_threads()
    print(f"BLAS: {_blas.info()['source']} ({_blas.info()['symbol']}), threads={threads}")
    if wanted(args, "conv_fwd"):
        peak, t = sgemm_gflops(repeat)
        results.record("conv_fwd/sgemm", "ckeras", value=peak, metric="gflops", unit="GF/s",
                       runs=t.runs, label=f"sgemm 2048^3, {threads} BLAS thread(s)")
        print(f"sgemm 2048^3: {peak:.1f} GF/s")
        print("Conv2D forward (valid, stride 1, relu, bias), float32:")
        shapes = CONV_SHAPES[:1] if args.quick else CONV_SHAPES
        for (n, h, w, c, kh, kw, o), t, gf in conv_forward(shapes, repeat):
            pct = 100 * gf / peak
            shape = f"{n}x{h}x{w}x{c}->{kh}x{kw}x{o}"
            results.record(f"conv_fwd/{shape}", "ckeras", value=pct, metric="share_of_sgemm",
                           unit="%", runs=t.runs, number=3, gflops=gf,
                           label=f"Conv2D forward {shape}, {threads} BLAS thread(s)")
            print(f"  {shape}: {t.median * 1e3:8.2f} ms  {gf:6.1f} GF/s  {pct:5.1f}% of sgemm")
    if wanted(args, "cnn_train_step"):
        number = 1 if args.quick else 5
        t_ck, t_pt = cnn_step(repeat, number, args.threads)
        label = ("small CNN train step (28x28x1, Conv32, Pool, Conv64, Pool, Dense10; batch "
                 f"64, Adam), {threads} BLAS thread(s)")
        results.record("cnn_train_step", "ckeras", t_ck, number=number, label=label)
        line = f"small CNN train step (batch 64, Adam): ckeras {t_ck.median * 1e3:.2f} ms"
        if t_pt is not None:
            results.record("cnn_train_step", "torch", t_pt, number=number, label=label)
            line += (f", PyTorch {t_pt.median * 1e3:.2f} ms, ratio "
                     f"{t_ck.median / t_pt.median:.2f}x")
        print(line)
    if wanted(args, "cnn3d_train_step"):
        number = 1 if args.quick else 5
        t_ck, t_pt = cnn3d_step(repeat, number, args.threads)
        label = ("small 3-D CNN train step (16x16x16x1, Conv3D 16, MaxPool3D, Conv3D 32, "
                 f"GlobalAvgPool3D, Dense10; batch 16, Adam), {threads} BLAS thread(s)")
        results.record("cnn3d_train_step", "ckeras", t_ck, number=number, label=label)
        line = f"small 3-D CNN train step (batch 16, Adam): ckeras {t_ck.median * 1e3:.2f} ms"
        if t_pt is not None:
            results.record("cnn3d_train_step", "torch", t_pt, number=number, label=label)
            line += (f", PyTorch {t_pt.median * 1e3:.2f} ms, ratio "
                     f"{t_ck.median / t_pt.median:.2f}x")
        print(line)

    clock = time.process_time if args.cpu_time else time.perf_counter
    for case, (name, kind, batch, number) in MODEL_CASES.items():
        if not wanted(args, case):
            continue
        # torch keeps its own default (intra-op = cores) unless --threads is given
        torch = torch_or_none(args.threads)
        fns = model_fns(name, kind, batch, torch)
        number = max(1, number // 5) if args.quick else number
        jobs, late = _threads.helper_jobs_taken(), _threads.helper_jobs_late()
        timings = interleaved([f for f in fns if f is not None], number, repeat, clock)
        # the helper's share: jobs it took part in, and late ones (each late
        # job sends ckeras to one thread for 20+ ms: a busy machine)
        jobs, late = _threads.helper_jobs_taken() - jobs, _threads.helper_jobs_late() - late
        label = (f"{name.upper()} CNN {kind} batch {batch}"
                 + (" (one Adam step)" if kind == "train" else "")
                 + (f", {args.threads} thread(s)" if args.threads else ", default threads")
                 + (", CPU time" if args.cpu_time else ""))
        results.record(case, "ckeras", timings[0], number=number, label=label,
                       helper_jobs=jobs, helper_jobs_late=late)
        line = f"{case}: ckeras {timings[0].median * 1e3:.3f} ms"
        if len(timings) > 1:
            ratio = statistics.median(a / b for a, b in zip(timings[0].runs, timings[1].runs))
            results.record(case, "torch", timings[1], number=number, label=label,
                           ratio_median=ratio)
            line += f", PyTorch {timings[1].median * 1e3:.3f} ms, ratio {ratio:.2f}"
        print(f"{line} (helper jobs {jobs}, late {late})", flush=True)


if __name__ == "__main__":
    main()
