"""LSTM benchmarks (float32).

pytest-benchmark (kernel level, LSTM(128) on (32, 50, 32)):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        python -m pytest benchmarks/bench_rnn.py --benchmark-group-by=group

Comparison against torch.nn.LSTM (model level: LSTM(128) on (batch, 50, 32)
followed by Dense(1); inference at batch 1 and 32, one Adam/MSE training
step at batch 32; GRU reported the same way), printed as ratios:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_rnn.py

Targets (issue 4): batch-1 inference <= 0.5x PyTorch's time, batch 32
<= 1.0x, training step <= 1.0x; forward at batch >= 32, units >= 64 at
>= 55% of the measured sgemm throughput.
"""
import argparse

import numpy as np
import pytest
from _timing import median_time as _median  # noqa: E402

B, T, F, U = 32, 50, 32, 128


def _data(dtype=np.float32):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((B, T, F)).astype(dtype)
    W = (rng.standard_normal((F, 4 * U)) * 0.1).astype(dtype)
    R = (rng.standard_normal((U, 4 * U)) * 0.1).astype(dtype)
    b = np.zeros(4 * U, dtype)
    h0 = np.zeros((B, U), dtype)
    return x, W, R, b, h0, h0.copy()


def lstm_flops(batch, steps, feat, units):
    """Multiply-adds x2 of the GEMMs of one LSTM forward."""
    return 2.0 * batch * steps * 4 * units * (feat + units)


@pytest.fixture(scope="module")
def rnn():
    return pytest.importorskip("ckeras._ext._rnn")


def test_lstm_fwd(benchmark, rnn):
    x, W, R, b, h0, c0 = _data()
    benchmark.group = "lstm128 (32,50,32)"
    benchmark(rnn.lstm_fwd, x, W, R, b, h0, c0, None, False, 3, 2)


def test_lstm_fwd_bwd(benchmark, rnn):
    x, W, R, b, h0, c0 = _data()
    dH = np.ones((B, T, U), np.float32)

    def run():
        H, C, G = rnn.lstm_fwd(x, W, R, b, h0, c0, None, False, 3, 2)
        return rnn.lstm_bwd(x, W, R, h0, c0, None, False, 3, 2, G, H, C, dH, h0, c0)

    benchmark.group = "lstm128 (32,50,32)"
    benchmark(run)


# ------------------------------------------------------------------ script


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    import contextlib

    import torch

    from ckeras import layers, models, optimizers
    from ckeras._ext import _dense, _rnn

    torch.set_num_threads(args.threads)
    from ckeras._ext import _blas
    _blas.set_num_threads(args.threads)
    with contextlib.nullcontext():
        n = 2048
        a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
        sg = 2.0 * n ** 3 / _median(lambda: _dense.dense_fwd(a, a, None, 0), 1, 3) / 1e9
        print(f"sgemm 2048^3: {sg:.0f} GF/s ({args.threads} thread(s))")
        x, W, R, b, h0, c0 = _data()
        t = _median(lambda: _rnn.lstm_fwd(x, W, R, b, h0, c0, None, False, 3, 2), 3,
                    args.repeat)
        gf = lstm_flops(B, T, F, U) / t / 1e9
        print(f"lstm kernel fwd (32,50,32)->128: {t * 1e3:.3f} ms = {gf:.0f} GF/s "
              f"= {100 * gf / sg:.0f}% of sgemm")
        for unit in ("LSTM", "GRU"):
            for batch in (1, 32):
                xb = np.random.default_rng(1).standard_normal((batch, T, F)).astype(np.float32)
                m = models.Sequential([getattr(layers, unit)(U, input_shape=(T, F)),
                                       layers.Dense(1)])
                tc = _median(lambda: m.predict_on_batch(xb), 5, args.repeat)
                tm = getattr(torch.nn, unit)(F, U, batch_first=True)
                lin = torch.nn.Linear(U, 1)
                xt = torch.from_numpy(xb)

                def tfwd():
                    with torch.inference_mode():
                        out, _ = tm(xt)
                        return lin(out[:, -1])

                tt = _median(tfwd, 5, args.repeat)
                print(f"{unit}(128) inference batch {batch:2d}: ckeras {tc * 1e3:7.3f} ms  "
                      f"torch {tt * 1e3:7.3f} ms  ratio {tc / tt:.2f}x")
            xb = np.random.default_rng(2).standard_normal((32, T, F)).astype(np.float32)
            yb = np.zeros((32, 1), np.float32)
            m = models.Sequential([getattr(layers, unit)(U, input_shape=(T, F)),
                                   layers.Dense(1)])
            m.compile(optimizers.Adam(1e-3), "mse")
            tc = _median(lambda: m.train_on_batch(xb, yb), 3, args.repeat)
            tm = getattr(torch.nn, unit)(F, U, batch_first=True)
            lin = torch.nn.Linear(U, 1)
            opt = torch.optim.Adam(list(tm.parameters()) + list(lin.parameters()), 1e-3)
            xt, yt = torch.from_numpy(xb), torch.from_numpy(yb)

            def tstep():
                opt.zero_grad()
                out, _ = tm(xt)
                loss = torch.nn.functional.mse_loss(lin(out[:, -1]), yt)
                loss.backward()
                opt.step()

            tt = _median(tstep, 3, args.repeat)
            print(f"{unit}(128) train step batch 32: ckeras {tc * 1e3:7.3f} ms  "
                  f"torch {tt * 1e3:7.3f} ms  ratio {tc / tt:.2f}x")


if __name__ == "__main__":
    main()
