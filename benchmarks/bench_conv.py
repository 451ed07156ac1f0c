"""Conv2D benchmarks (float32): forward as a share of the measured sgemm
throughput, and a small-CNN training step against PyTorch.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_conv.py
    ... python benchmarks/bench_conv.py --threads 1 --repeat 9

Targets (shared/design/kernels_measured.md section 5, issue 7): Conv2D
forward with >= 32 input channels at >= 60% of sgemm throughput (measured
here on a 2048^3 sgemm with the same thread count); the training step of
28x28x1 -> Conv 32 -> MaxPool -> Conv 64 -> MaxPool -> Flatten -> Dense 10,
batch 64, Adam, at most 1.5x PyTorch's time.
"""
import argparse

import numpy as np

from ckeras._ext import _blas, _conv
from _timing import median_time as _median  # noqa: E402




def sgemm_gflops(repeat):
    n = 2048
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    b = a.copy()
    from ckeras._ext import _dense
    t = _median(lambda: _dense.dense_fwd(a, b, None, 0), 1, repeat)
    return 2.0 * n ** 3 / t / 1e9


CONV_CASES = [  # (N, H, W, C, KH, KW, O)
    (32, 26, 26, 32, 3, 3, 64),
    (8, 34, 34, 64, 3, 3, 64),
    (8, 18, 18, 128, 3, 3, 128),
    (8, 32, 32, 128, 1, 1, 64),
    (32, 28, 28, 1, 3, 3, 32),
]


def conv_forward(repeat, peak):
    rows = []
    rng = np.random.default_rng(0)
    for N, H, W, C, KH, KW, O in CONV_CASES:
        x = rng.standard_normal((N, H, W, C)).astype(np.float32)
        w = rng.standard_normal((KH, KW, C, O)).astype(np.float32)
        b = rng.standard_normal(O).astype(np.float32)
        OH, OW = H - KH + 1, W - KW + 1
        t = _median(lambda: _conv.conv2d_fwd(x, w, b, 1, (1, 1), (1, 1), (0, 0), (OH, OW)),
                    3, repeat)
        gf = 2.0 * N * OH * OW * KH * KW * C * O / t / 1e9
        rows.append(((N, H, W, C, KH, KW, O), t, gf, 100 * gf / peak))
    return rows


def _ck_cnn():
    from ckeras import layers as L
    from ckeras.engine.sequential import Sequential
    model = Sequential([L.Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
                        L.MaxPooling2D(), L.Conv2D(64, 3, activation="relu"),
                        L.MaxPooling2D(), L.Flatten(), L.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model


def cnn_step(repeat, threads):
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 64)]
    model = _ck_cnn()
    t_ck = _median(lambda: model.train_on_batch(x, y), 5, repeat)
    t_pt = None
    try:
        import torch
        torch.set_num_threads(threads)
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
        t_pt = _median(step, 5, repeat)
    except ImportError:
        pass
    return t_ck, t_pt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None,
                    help="BLAS (and torch) threads; default: the BLAS default")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    if args.threads:
        _blas.set_num_threads(args.threads)
    threads = _blas.get_num_threads()
    print(f"BLAS: {_blas.info()['source']} ({_blas.info()['symbol']}), threads={threads}")
    peak = sgemm_gflops(args.repeat)
    print(f"sgemm 2048^3: {peak:.1f} GF/s")
    print("Conv2D forward (valid, stride 1, relu, bias), float32:")
    for shape, t, gf, pct in conv_forward(args.repeat, peak):
        N, H, W, C, KH, KW, O = shape
        print(f"  {N}x{H}x{W}x{C} -> {KH}x{KW}x{O}: {t * 1e3:8.2f} ms  {gf:6.1f} GF/s  "
              f"{pct:5.1f}% of sgemm")
    t_ck, t_pt = cnn_step(args.repeat, threads)
    line = f"small CNN train step (batch 64, Adam): ckeras {t_ck * 1e3:.2f} ms"
    if t_pt is not None:
        line += f", PyTorch {t_pt * 1e3:.2f} ms, ratio {t_ck / t_pt:.2f}x"
    print(line)


if __name__ == "__main__":
    main()
