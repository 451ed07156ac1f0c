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
"""
import functools

import numpy as np
from peers import Results, main_parser, time_runs, torch_or_none, wanted

from ckeras._ext import _blas, _conv, _dense

CASES = ("conv_fwd", "cnn_train_step", "cnn3d_train_step")
CONV_SHAPES = [  # (N, H, W, C, KH, KW, O)
    (32, 26, 26, 32, 3, 3, 64),
    (8, 34, 34, 64, 3, 3, 64),
    (8, 18, 18, 128, 3, 3, 128),
    (8, 32, 32, 128, 1, 1, 64),
    (32, 28, 28, 1, 3, 3, 32),
]


def sgemm_gflops(repeat):
    """GF/s of a 2048^3 sgemm, and its Timing."""
    n = 2048
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    t = time_runs(functools.partial(_dense.dense_fwd, a, a.copy(), None, 0), 1, repeat)
    return 2.0 * n ** 3 / t.median / 1e9, t


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
    args = ap.parse_args(argv)
    results = Results("bench_conv.py", args)
    repeat = 2 if args.quick else args.repeat
    if args.threads:
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
        t_ck, t_pt = cnn_step(repeat, number, threads)
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
        t_ck, t_pt = cnn3d_step(repeat, number, threads)
        label = ("small 3-D CNN train step (16x16x16x1, Conv3D 16, MaxPool3D, Conv3D 32, "
                 f"GlobalAvgPool3D, Dense10; batch 16, Adam), {threads} BLAS thread(s)")
        results.record("cnn3d_train_step", "ckeras", t_ck, number=number, label=label)
        line = f"small 3-D CNN train step (batch 16, Adam): ckeras {t_ck.median * 1e3:.2f} ms"
        if t_pt is not None:
            results.record("cnn3d_train_step", "torch", t_pt, number=number, label=label)
            line += (f", PyTorch {t_pt.median * 1e3:.2f} ms, ratio "
                     f"{t_ck.median / t_pt.median:.2f}x")
        print(line)


if __name__ == "__main__":
    main()
