"""LSTM benchmarks (float32).

pytest-benchmark (kernel level, LSTM(128) on (32, 50, 32)):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        python -m pytest benchmarks/bench_rnn.py --benchmark-group-by=group

Comparison against torch.nn.LSTM (model level: LSTM(128) on (batch, 50, 32)
followed by Dense(1); inference at batch 1 and 32, one Adam/MSE training
step at batch 32; GRU reported the same way), printed as ratios:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_rnn.py

Batch-1 LSTM inference uses a second core by default
(ckeras.utils.set_kernel_threads); the script also prints it on one core
and against torch allowed two threads. `--batch1-rounds 8` times only that
model, alternating with torch, and prints the median ratio.

Targets (issue 4): batch-1 inference <= 0.5x PyTorch's time, batch 32
<= 1.0x, training step <= 1.0x; forward at batch >= 32, units >= 64 at
>= 55% of the measured sgemm throughput.
"""
import argparse

import numpy as np
import pytest
from _timing import median_time as _median  # noqa: E402
from _timing import thread_scaling  # noqa: E402

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


def test_lstm_infer(benchmark, rnn):
    x, W, R, b, h0, c0 = _data()
    benchmark.group = "lstm128 (32,50,32)"
    benchmark(rnn.lstm_infer, x, W, R, b, h0, c0, None, False, 3, 2, False, True)


def test_lstm_fwd_bwd(benchmark, rnn):
    x, W, R, b, h0, c0 = _data()
    dH = np.ones((B, T, U), np.float32)

    def run():
        H, C, G = rnn.lstm_fwd(x, W, R, b, h0, c0, None, False, 3, 2)
        return rnn.lstm_bwd(x, W, R, h0, c0, None, False, 3, 2, G, H, C, dH, h0, c0)

    benchmark.group = "lstm128 (32,50,32)"
    benchmark(run)


# ------------------------------------------------------------------ script

UNITS = ("LSTM", "GRU", "BiLSTM")

TF_SNIPPET = """
import os, json, time, statistics
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '3'); os.environ['TF_USE_LEGACY_KERAS'] = '1'
import numpy as np, tensorflow as tf
tf.config.threading.set_intra_op_parallelism_threads({threads})
tf.config.threading.set_inter_op_parallelism_threads(1)
import tf_keras as keras
out = {{}}
for unit in {units!r}:
    def rnn():
        if unit == 'BiLSTM':
            return keras.layers.Bidirectional(keras.layers.LSTM({U}), input_shape=({T}, {F}))
        return getattr(keras.layers, unit)({U}, input_shape=({T}, {F}))
    for batch in (1, 32):
        m = keras.Sequential([rnn(), keras.layers.Dense(1)])
        x = np.random.default_rng(1).standard_normal((batch, {T}, {F})).astype(np.float32)
        fn = lambda: m.predict_on_batch(x)
        fn(); ts = []
        for _ in range({repeat}):
            t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
        out[unit + '_infer_%d' % batch] = statistics.median(ts)
    m = keras.Sequential([rnn(), keras.layers.Dense(1)])
    m.compile(keras.optimizers.Adam(1e-3), 'mse')
    x = np.random.default_rng(2).standard_normal((32, {T}, {F})).astype(np.float32)
    y = np.zeros((32, 1), np.float32)
    fn = lambda: m.train_on_batch(x, y)
    fn(); ts = []
    for _ in range({repeat}):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    out[unit + '_train_32'] = statistics.median(ts)
print(json.dumps(out))
"""


def tf_times(tf_python, threads, repeat):
    """tf-keras medians, keyed like 'LSTM_infer_1', from a separate interpreter
    (a venv with tensorflow-cpu and tf_keras); {} when it cannot run."""
    import json
    import subprocess
    import sys
    python = tf_python or sys.executable
    code = TF_SNIPPET.format(threads=threads, units=UNITS, U=U, T=T, F=F, repeat=repeat)
    try:
        out = subprocess.run([python, "-c", code], capture_output=True, text=True,
                             timeout=1800)
    except (OSError, subprocess.TimeoutExpired):
        return {}
    if out.returncode != 0:
        return {}
    return json.loads(out.stdout.strip().splitlines()[-1])


def _ck_model(unit, layers, models):
    if unit == "BiLSTM":
        rnn = layers.Bidirectional(layers.LSTM(U), input_shape=(T, F))
    else:
        rnn = getattr(layers, unit)(U, input_shape=(T, F))
    return models.Sequential([rnn, layers.Dense(1)])


def _torch_model(unit, torch):
    bi = unit == "BiLSTM"
    rnn = getattr(torch.nn, "LSTM" if bi else unit)(F, U, batch_first=True, bidirectional=bi)
    lin = torch.nn.Linear(2 * U if bi else U, 1)

    def forward(x):
        out, _ = rnn(x)
        if bi:   # Keras' Bidirectional: forward's last step, backward's first
            return lin(torch.cat([out[:, -1, :U], out[:, 0, U:]], dim=1))
        return lin(out[:, -1])
    return forward, list(rnn.parameters()) + list(lin.parameters())


def batch1_rounds(rounds, torch, layers, models):
    """LSTM(128)+Dense(1) at batch 1, ckeras and torch timed in alternation
    (a noisy machine shifts both alike), median of the per-round ratios."""
    import statistics
    xb = np.random.default_rng(1).standard_normal((1, T, F)).astype(np.float32)
    m = _ck_model("LSTM", layers, models)
    fwd, _ = _torch_model("LSTM", torch)
    xt = torch.from_numpy(xb)

    def tfwd():
        with torch.inference_mode():
            return fwd(xt)

    ratios = []
    for _ in range(rounds):
        tc = _median(lambda: m.predict_on_batch(xb), 50, 5)
        tt = _median(tfwd, 50, 5)
        ratios.append(tc / tt)
        print(f"ckeras {tc * 1e3:.3f} ms  torch {tt * 1e3:.3f} ms  ratio {tc / tt:.3f}x",
              flush=True)
    print(f"LSTM(128) batch 1, median ratio over {rounds} rounds: "
          f"{statistics.median(ratios):.3f}x")


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--tf-python", default=None,
                    help="python of a venv with tf-keras (its timings run there)")
    ap.add_argument("--scaling-runs", type=int, default=3)
    ap.add_argument("--batch1-rounds", type=int, default=0,
                    help="only time LSTM(128) at batch 1, alternating with torch for "
                         "this many rounds of 50 calls, and print the median ratio")
    args = ap.parse_args(argv)

    import torch

    from ckeras import layers, models, optimizers
    from ckeras._ext import _blas, _dense, _rnn
    from ckeras.utils import set_kernel_threads

    torch.set_num_threads(args.threads)
    _blas.set_num_threads(args.threads)
    if args.batch1_rounds:
        return batch1_rounds(args.batch1_rounds, torch, layers, models)
    n = 2048
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    sg = 2.0 * n ** 3 / _median(lambda: _dense.dense_fwd(a, a, None, 0), 1, 3) / 1e9
    print(f"sgemm 2048^3: {sg:.0f} GF/s ({args.threads} thread(s))")
    rng = np.random.default_rng(0)
    for batch, units in ((32, 64), (32, 128), (32, 256), (128, 128)):
        x = rng.standard_normal((batch, T, F)).astype(np.float32)
        W = (rng.standard_normal((F, 4 * units)) * 0.1).astype(np.float32)
        R = (rng.standard_normal((units, 4 * units)) * 0.1).astype(np.float32)
        b = np.zeros(4 * units, np.float32)
        h0 = np.zeros((batch, units), np.float32)
        shares = []
        for fn in (lambda: _rnn.lstm_fwd(x, W, R, b, h0, h0, None, False, 3, 2),
                   lambda: _rnn.lstm_infer(x, W, R, b, h0, h0, None, False, 3, 2, False,
                                           True)):
            t = _median(fn, 3, args.repeat)
            shares.append(lstm_flops(batch, T, F, units) / t / 1e9 / sg)
        print(f"lstm kernel ({batch},{T},{F})->{units}: training fwd (saves gates) "
              f"{100 * shares[0]:.0f}% of sgemm, inference fwd {100 * shares[1]:.0f}%")
    tf = tf_times(args.tf_python, args.threads, args.repeat) if args.tf_python else {}

    def row(label, key, tc, tt):
        tk = tf.get(key)
        tks = f"  tf-keras {tk * 1e3:8.3f} ms  ratio {tc / tk:.3f}x" if tk else ""
        print(f"{label:34s} ckeras {tc * 1e3:7.3f} ms  torch {tt * 1e3:7.3f} ms  "
              f"ratio {tc / tt:.2f}x{tks}", flush=True)

    for unit in UNITS:
        for batch in (1, 32):
            xb = np.random.default_rng(1).standard_normal((batch, T, F)).astype(np.float32)
            m = _ck_model(unit, layers, models)
            number = 50 if batch == 1 else 5   # sub-ms calls: more per timing
            tc = _median(lambda: m.predict_on_batch(xb), number, args.repeat)
            fwd, _ = _torch_model(unit, torch)
            xt = torch.from_numpy(xb)

            def tfwd():
                with torch.inference_mode():
                    return fwd(xt)

            tt = _median(tfwd, number, args.repeat)
            row(f"{unit}(128) inference batch {batch:2d}:", f"{unit}_infer_{batch}", tc, tt)
            if batch == 1 and unit != "GRU":
                # ckeras' batch-1 LSTM uses a second core (set_kernel_threads):
                # also each side on one core, and each side allowed two.
                set_kernel_threads(1)
                tc1 = _median(lambda: m.predict_on_batch(xb), number, args.repeat)
                set_kernel_threads(2)
                torch.set_num_threads(2)
                tt2 = _median(tfwd, number, args.repeat)
                torch.set_num_threads(args.threads)
                print(f"  {unit} batch 1, both on one core: ckeras {tc1 * 1e3:.3f} ms "
                      f"ratio {tc1 / tt:.2f}x; torch allowed 2 threads: {tt2 * 1e3:.3f} ms, "
                      f"ckeras (2) / torch (2) {tc / tt2:.2f}x", flush=True)
        xb = np.random.default_rng(2).standard_normal((32, T, F)).astype(np.float32)
        yb = np.zeros((32, 1), np.float32)
        m = _ck_model(unit, layers, models)
        m.compile(optimizers.Adam(1e-3), "mse")
        tc = _median(lambda: m.train_on_batch(xb, yb), 3, args.repeat)
        fwd, params = _torch_model(unit, torch)
        opt = torch.optim.Adam(params, 1e-3)
        xt, yt = torch.from_numpy(xb), torch.from_numpy(yb)

        def tstep():
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(fwd(xt), yt)
            loss.backward()
            opt.step()

        tt = _median(tstep, 3, args.repeat)
        row(f"{unit}(128) train step batch 32:", f"{unit}_train_32", tc, tt)

    _blas.set_num_threads(1)
    for unit, batch, calls, kt in (("LSTM", 32, 60, 2), ("LSTM", 1, 1500, 1),
                                   ("LSTM", 1, 1500, 2), ("BiLSTM", 32, 30, 2)):
        m = _ck_model(unit, layers, models)
        xb = np.random.default_rng(3).standard_normal((batch, T, F)).astype(np.float32)
        set_kernel_threads(kt)
        runs = sorted(thread_scaling(lambda: m.predict_on_batch(xb), calls)
                      for _ in range(args.scaling_runs))
        set_kernel_threads(2)
        mid = runs[len(runs) // 2]
        print(f"2 threads predict_on_batch {unit}(128) batch {batch:2d} (1 BLAS thread, "
              f"kernel threads {kt}): {mid[0]:.2f}x one thread; calls/s one thread "
              f"{mid[1]:.0f}, two threads {mid[2]:.0f} (runs: "
              f"{', '.join(f'{r[0]:.2f}' for r in runs)})", flush=True)


if __name__ == "__main__":
    main()
