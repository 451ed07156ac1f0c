"""LSTM benchmarks (float32).

pytest-benchmark (kernel level, LSTM(128) on (32, 50, 32)):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
        python -m pytest benchmarks/bench_rnn.py --benchmark-group-by=group

Comparison against torch.nn.LSTM (model level: LSTM(128) on (batch, 50, 32)
followed by Dense(1); inference at batch 1 and 32, one Adam/MSE training
step at batch 32; GRU and Bidirectional(LSTM) the same way; the training
step of LSTM(128, dropout=0.2, recurrent_dropout=0.2), torch with dropout
0.2 on its input, which has no recurrent dropout) and tf-keras
(--tf-python), printed as ratios and recorded (see peers.py):

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_rnn.py \
        [--tf-python PY] [--case lstm_infer_b1 ...] [--quick]

Batch-1 LSTM inference uses a second core by default
(ckeras.utils.set_kernel_threads); the script also times it on one core
(case lstm_infer_b1_one_core) and against torch allowed two threads
(lstm_infer_b1_torch2). `--batch1-rounds 8` times only that model,
alternating with torch, and prints the median ratio; `--train-rounds 10`
does the same for the two LSTM(128) training steps at batch 32.

Targets (issue 4): batch-1 inference <= 0.5x PyTorch's time (`--case
lstm_infer_b1`), batch 32 <= 1.0x (`--case lstm_infer_b32`), training step
<= 1.0x (`--case lstm_train_b32`); forward at batch >= 32, units >= 64 at
>= 55% of the measured sgemm throughput (`--case lstm_kernel`). Issue 20:
training step and with dropout <= 0.8x, batch 32 inference <= 0.6x, batch 1
<= 0.4x; the training forward and the backward through time at batch 32,
units 128 at >= 70% of sgemm (`--case lstm_kernel` prints both shares).
"""
import functools
import statistics
import time

import numpy as np
import pytest
from peers import (
    Results,
    Timing,
    alternating_rounds,
    main_parser,
    run_tf_keras,
    sgemm_gflops,
    tf_python,
    thread_scaling,
    time_runs,
    wanted,
)

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


def lstm_bwd_flops(batch, steps, feat, units):
    """Multiply-adds x2 of the GEMMs of one LSTM backward without dx (a
    model's first layer): dh_{t-1} = dZ R^T per step, dR and dW."""
    return 2.0 * batch * steps * 4 * units * (2 * units + feat)


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


def test_lstm_fwd_bwd_dropout(benchmark, rnn):
    """The same with input and recurrent dropout masks (rate 0.2) per gate."""
    x, W, R, b, h0, c0 = _data()
    dH = np.ones((B, T, U), np.float32)
    rng = np.random.default_rng(1)
    dpx = ((rng.random((4, B, F)) > 0.2) / 0.8).astype(np.float32)
    dph = ((rng.random((4, B, U)) > 0.2) / 0.8).astype(np.float32)

    def run():
        H, C, G = rnn.lstm_fwd(x, W, R, b, h0, c0, None, False, 3, 2, dpx, dph)
        return rnn.lstm_bwd(x, W, R, h0, c0, None, False, 3, 2, G, H, C, dH, h0, c0,
                            dpx=dpx, dph=dph)

    benchmark.group = "lstm128 (32,50,32)"
    benchmark(run)


# ------------------------------------------------------------------ script

UNITS = ("LSTM", "GRU", "BiLSTM", "LSTMdrop")
LABELS = {"LSTM": "LSTM(128)+Dense(1) on (B,50,32)", "GRU": "GRU(128)+Dense(1)",
          "BiLSTM": "Bidirectional(LSTM(128))+Dense(1)",
          "LSTMdrop": "LSTM(128, dropout=0.2, recurrent_dropout=0.2)+Dense(1)"}
DROP = 0.2   # LSTMdrop's rates (torch: on its input only)
KERNEL_SHAPES = ((32, 64), (32, 128), (32, 256), (128, 128))   # (batch, units)


def model_cases(unit):
    """The model-level workload ids of `unit`: (id, kind, batch)."""
    u = unit.lower()
    if unit == "LSTMdrop":   # inference is LSTM's: dropout applies in training only
        return [(f"{u}_train_b32", "train", 32)]
    return [(f"{u}_infer_b1", "infer", 1), (f"{u}_infer_b32", "infer", 32),
            (f"{u}_train_b32", "train", 32)]


CASES = (("sgemm", "lstm_kernel") + tuple(c for u in UNITS for c, _, _ in model_cases(u))
         + ("lstm_infer_b1_one_core", "lstm_infer_b1_torch2", "bilstm_infer_b1_one_core",
            "bilstm_infer_b1_torch2", "thread_scaling", "lstm_train_profile",
            "lstm_infer_profile"))

TF_WORKER = """
import json, sys
import numpy as np, tensorflow as tf
from peers import time_runs, worker_reply
threads, todo, U, T, F, repeat = json.loads(sys.argv[1])
tf.config.threading.set_intra_op_parallelism_threads(threads)
tf.config.threading.set_inter_op_parallelism_threads(1)
import tf_keras as keras

def model(unit):
    if unit == 'BiLSTM':
        rnn = keras.layers.Bidirectional(keras.layers.LSTM(U), input_shape=(T, F))
    elif unit == 'LSTMdrop':
        rnn = keras.layers.LSTM(U, dropout=0.2, recurrent_dropout=0.2, input_shape=(T, F))
    else:
        rnn = getattr(keras.layers, unit)(U, input_shape=(T, F))
    return keras.Sequential([rnn, keras.layers.Dense(1)])

out = {}
for case, unit, kind, batch in todo:
    m = model(unit)
    if kind == 'infer':
        x = np.random.default_rng(1).standard_normal((batch, T, F)).astype(np.float32)
        out[case] = time_runs(lambda: m.predict_on_batch(x), 1, repeat)
    else:
        m.compile(keras.optimizers.Adam(1e-3), 'mse')
        x = np.random.default_rng(2).standard_normal((batch, T, F)).astype(np.float32)
        y = np.zeros((batch, 1), np.float32)
        out[case] = time_runs(lambda: m.train_on_batch(x, y), 1, repeat)
worker_reply(out)
"""


def _ck_model(unit, layers, models):
    if unit == "BiLSTM":
        rnn = layers.Bidirectional(layers.LSTM(U), input_shape=(T, F))
    elif unit == "LSTMdrop":
        rnn = layers.LSTM(U, dropout=DROP, recurrent_dropout=DROP, input_shape=(T, F))
    else:
        rnn = getattr(layers, unit)(U, input_shape=(T, F))
    return models.Sequential([rnn, layers.Dense(1)])


def _torch_model(unit, torch):
    bi = unit == "BiLSTM"
    drop = unit == "LSTMdrop"
    rnn = getattr(torch.nn, "LSTM" if bi or drop else unit)(F, U, batch_first=True,
                                                           bidirectional=bi)
    lin = torch.nn.Linear(2 * U if bi else U, 1)

    def forward(x):
        if drop:
            x = torch.nn.functional.dropout(x, DROP, training=torch.is_grad_enabled())
        out, _ = rnn(x)
        if bi:   # Keras' Bidirectional: forward's last step, backward's first
            return lin(torch.cat([out[:, -1, :U], out[:, 0, U:]], dim=1))
        return lin(out[:, -1])
    return forward, list(rnn.parameters()) + list(lin.parameters())


def _torch_infer(torch, forward, x):
    xt = torch.from_numpy(x)

    def run():
        with torch.inference_mode():
            return forward(xt)
    return run


def _torch_train(torch, forward, params, x, y):
    opt = torch.optim.Adam(params, 1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def step():
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(forward(xt), yt)
        loss.backward()
        opt.step()
    return step


def batch1_rounds(rounds, torch, layers, models, results):
    """LSTM(128)+Dense(1) at batch 1, ckeras and torch in alternating rounds."""
    xb = np.random.default_rng(1).standard_normal((1, T, F)).astype(np.float32)
    m = _ck_model("LSTM", layers, models)
    fwd, _ = _torch_model("LSTM", torch)
    return alternating_rounds(results, "lstm_infer_b1_rounds",
                              f"{LABELS['LSTM']}, inference, batch 1, alternating rounds",
                              functools.partial(m.predict_on_batch, xb),
                              _torch_infer(torch, fwd, xb), 50, rounds,
                              f"bench_rnn.py --batch1-rounds {rounds}")


def train_rounds(rounds, threads, torch, layers, models, optimizers, results):
    """The LSTM(128) training steps (plain and under dropout) at batch 32,
    ckeras and torch in alternating rounds of 3 steps."""
    xb = np.random.default_rng(2).standard_normal((32, T, F)).astype(np.float32)
    yb = np.zeros((32, 1), np.float32)
    for unit in ("LSTM", "LSTMdrop"):
        m = _ck_model(unit, layers, models)
        m.compile(optimizers.Adam(1e-3), "mse")
        fwd, params = _torch_model(unit, torch)
        alternating_rounds(results, f"{unit.lower()}_train_b32_rounds",
                           f"{LABELS[unit]}, one Adam train step, batch 32, {threads} "
                           "thread(s), alternating rounds",
                           functools.partial(m.train_on_batch, xb, yb),
                           _torch_train(torch, fwd, params, xb, yb), 3, rounds,
                           f"bench_rnn.py --threads {threads} --train-rounds {rounds}")


def _kernel_shares(args, results, repeat, _rnn):
    sg, sgemm = sgemm_gflops(3)
    results.record("sgemm", "ckeras", value=sg, metric="gflops", unit="GF/s",
                   label=f"sgemm 2048^3, {args.threads} thread(s)", runs=sgemm.runs)
    print(f"sgemm 2048^3: {sg:.0f} GF/s ({args.threads} thread(s))")
    if not wanted(args, "lstm_kernel"):
        return
    rng = np.random.default_rng(0)
    for batch, units in KERNEL_SHAPES[:1] if args.quick else KERNEL_SHAPES:
        x = rng.standard_normal((batch, T, F)).astype(np.float32)
        W = (rng.standard_normal((F, 4 * units)) * 0.1).astype(np.float32)
        R = (rng.standard_normal((units, 4 * units)) * 0.1).astype(np.float32)
        b = np.zeros(4 * units, np.float32)
        h0 = np.zeros((batch, units), np.float32)
        shape = f"({batch},{T},{F})->{units}"
        H, C, G = _rnn.lstm_fwd(x, W, R, b, h0, h0, None, False, 3, 2)
        dH = np.ones_like(H)
        shares = []
        for kind, fn, flops in (
                ("training forward (saves gates)",
                 functools.partial(_rnn.lstm_fwd, x, W, R, b, h0, h0, None, False, 3, 2),
                 lstm_flops(batch, T, F, units)),
                ("backward through time (no dx)",
                 functools.partial(_rnn.lstm_bwd, x, W, R, h0, h0, None, False, 3, 2, G, H,
                                   C, dH, h0, h0, need_dx=False),
                 lstm_bwd_flops(batch, T, F, units)),
                ("inference forward",
                 functools.partial(_rnn.lstm_infer, x, W, R, b, h0, h0, None, False, 3, 2,
                                   False, True),
                 lstm_flops(batch, T, F, units))):
            t = time_runs(fn, 3, repeat)
            share = 100 * flops / t.median / 1e9 / sg
            shares.append(share)
            results.record(f"lstm_kernel/{kind.split()[0]}/{shape}", "ckeras", value=share,
                           metric="share_of_sgemm", unit="%", runs=t.runs, number=3,
                           label=f"LSTM {kind}, {args.threads} thread(s): {shape}")
        print(f"lstm kernel {shape}: training fwd (saves gates) {shares[0]:.0f}% of sgemm, "
              f"bwd through time {shares[1]:.0f}%, inference fwd {shares[2]:.0f}%")


def _train_profile(args, results, repeat, layers, models, optimizers, _rnn):
    """Where one LSTM(128)+Dense(1) Adam step at batch 32 goes, in CPU time of
    the calling thread (time.thread_time, which other processes barely move):
    the whole step, the LSTM forward and backward kernels as the step calls
    them, and the rest (Dense head, loss, Adam, Python). With --threads 2 the
    helper's share of the kernels is not counted: read it at --threads 1."""
    rng = np.random.default_rng(4)
    xb = rng.standard_normal((32, T, F)).astype(np.float32)
    yb = np.zeros((32, 1), np.float32)
    for unit in ("LSTM", "LSTMdrop"):
        m = _ck_model(unit, layers, models)
        m.compile(optimizers.Adam(1e-3), "mse")
        lstm = m.layers[0]
        W, R, b = (w.numpy() for w in lstm.weights)
        h0 = np.zeros((32, U), np.float32)
        dp = {}
        if unit == "LSTMdrop":
            keep = [(rng.random((4, 32, n)) > DROP) / (1 - DROP) for n in (F, U)]
            dp = dict(dpx=keep[0].astype(np.float32), dph=keep[1].astype(np.float32))
        H, C, G = _rnn.lstm_fwd(xb, W, R, b, h0, h0, None, False, 3, 2, **dp)
        dh = np.ones((32, U), np.float32)
        parts = {"step": functools.partial(m.train_on_batch, xb, yb),
                 "lstm_fwd": functools.partial(_rnn.lstm_fwd, xb, W, R, b, h0, h0, None, False,
                                               3, 2, **dp),
                 "lstm_bwd": functools.partial(_rnn.lstm_bwd, xb, W, R, h0, h0, None, False, 3,
                                               2, G, H, C, None, dh, h0, need_dx=False, **dp)}
        runs = {k: [] for k in parts}
        for fn in parts.values():
            fn()
        for _ in range(max(repeat, 5) * 4):   # interleaved
            for k, fn in parts.items():
                t0 = time.thread_time()
                fn()
                runs[k].append(time.thread_time() - t0)
        med = {k: statistics.median(v) for k, v in runs.items()}
        med["rest"] = med["step"] - med["lstm_fwd"] - med["lstm_bwd"]
        for k, v in med.items():
            results.record(f"lstm_train_profile/{unit.lower()}/{k}", "ckeras", value=v,
                           metric="cpu_time", unit="s", runs=runs.get(k),
                           label=f"{LABELS[unit]}, one Adam train step, batch 32: {k} "
                                 f"(thread_time, {args.threads} thread(s))")
        print(f"{LABELS[unit]} train step CPU time (thread_time, {args.threads} thread(s)): "
              + ", ".join(f"{k} {v * 1e3:.3f} ms" for k, v in med.items()), flush=True)


def _infer_profile(args, results, repeat, layers, models, torch, _rnn):
    """Where an LSTM(128)+Dense(1) `predict_on_batch` at batch 1 and 32 goes,
    in CPU time of the calling thread (time.thread_time, which other
    processes barely move, so it reads on a busy machine): the whole call,
    the LSTM inference kernel as the call runs it, the rest (Dense head,
    Python), and torch's call on its calling thread. With --threads 2 the
    calling thread waits for the helper by polling, so its CPU time is about
    the call's wall time while the helper keeps up; the helper's own share
    is not counted."""
    for batch in (1, 32):
        xb = np.random.default_rng(5).standard_normal((batch, T, F)).astype(np.float32)
        m = _ck_model("LSTM", layers, models)
        W, R, b = (w.numpy() for w in m.layers[0].weights)
        h0 = np.zeros((batch, U), np.float32)
        fwd, _ = _torch_model("LSTM", torch)
        parts = {"predict": functools.partial(m.predict_on_batch, xb),
                 "kernel": functools.partial(_rnn.lstm_infer, xb, W, R, b, h0, h0, None, False,
                                             3, 2, False, batch >= 16),
                 "torch": _torch_infer(torch, fwd, xb)}
        runs = {k: [] for k in parts}
        number = 50 if batch == 1 else 5
        for fn in parts.values():
            for _ in range(10):
                fn()
        # Interleaved by rounds of `number` calls, each side with warm caches
        # (per call, each evicted the other's code and data).
        for _ in range(max(repeat, 5) * 4):
            for k, fn in parts.items():
                t0 = time.thread_time()
                for _ in range(number):
                    fn()
                runs[k].append((time.thread_time() - t0) / number)
        med = {k: statistics.median(v) for k, v in runs.items()}
        med["rest"] = med["predict"] - med["kernel"]
        for k, v in med.items():
            results.record(f"lstm_infer_profile/b{batch}/{k}", "torch" if k == "torch" else
                           "ckeras", value=v, metric="cpu_time", unit="s", runs=runs.get(k),
                           label=f"{LABELS['LSTM']}, predict_on_batch, batch {batch}: {k} "
                                 f"(thread_time of the calling thread, {args.threads} "
                                 "thread(s))")
        print(f"{LABELS['LSTM']} predict batch {batch} CPU time of the calling thread "
              f"({args.threads} thread(s)): " + ", ".join(f"{k} {v * 1e3:.3f} ms"
                                                          for k, v in med.items())
              + f"; ratio {med['predict'] / med['torch']:.2f}x", flush=True)


def main(argv=None):
    ap = main_parser(__doc__.splitlines()[0], CASES)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--scaling-runs", type=int, default=3)
    ap.add_argument("--batch1-rounds", type=int, default=0,
                    help="only time LSTM(128) at batch 1, alternating with torch for "
                         "this many rounds of 50 calls, and print the median ratio")
    ap.add_argument("--train-rounds", type=int, default=0,
                    help="only time the LSTM(128) training steps (plain and with dropout) "
                         "at batch 32, alternating with torch for this many rounds, and "
                         "print the median ratios")
    args = ap.parse_args(argv)
    results = Results("bench_rnn.py", args)
    repeat = 2 if args.quick else args.repeat

    import torch

    from ckeras import layers, models, optimizers
    from ckeras._ext import _blas, _rnn
    from ckeras.utils import get_kernel_threads, set_blas_threads, set_kernel_threads

    torch.set_num_threads(args.threads)
    if args.threads == 1:   # one thread: no BLAS pool and no ckeras helper either
        set_blas_threads(1)
        set_kernel_threads(1)
    if args.batch1_rounds:
        return batch1_rounds(args.batch1_rounds, torch, layers, models, results)
    if args.train_rounds:
        return train_rounds(args.train_rounds, args.threads, torch, layers, models, optimizers,
                            results)
    if wanted(args, "sgemm") or wanted(args, "lstm_kernel"):
        _kernel_shares(args, results, repeat, _rnn)

    def needed(case):   # the one-core / two-thread variants reuse the base case's setup
        return any(wanted(args, c) for c in (case, f"{case}_one_core", f"{case}_torch2"))

    todo = [(case, unit, kind, batch) for unit in UNITS
            for case, kind, batch in model_cases(unit) if needed(case)]
    tf_reply = None
    if todo:
        tf_reply = run_tf_keras(TF_WORKER, tf_python(args.tf_python),
                                [args.threads, [w for w in todo if wanted(args, w[0])], U, T,
                                 F, repeat])

    def compare(case, label, ck, pt, number):
        tc, tt = time_runs(ck, number, repeat), time_runs(pt, number, repeat)
        results.record(case, "ckeras", tc, number=number, label=label)
        results.record(case, "torch", tt, number=number, label=label)
        line = (f"{label:62s} ckeras {tc.median * 1e3:7.3f} ms  torch "
                f"{tt.median * 1e3:7.3f} ms  ratio {tc.median / tt.median:.2f}x")
        if tf_reply is not None and case in tf_reply["figures"]:
            tk = Timing(tf_reply["figures"][case])
            results.record(case, "tf-keras", tk, number=1, label=label,
                           versions=tf_reply["versions"], threads=tf_reply["threads"])
            line += f"  tf-keras {tk.median * 1e3:8.3f} ms  ratio {tc.median / tk.median:.3f}x"
        print(line, flush=True)
        return tc, tt

    for case, unit, kind, batch in todo:
        m = _ck_model(unit, layers, models)
        fwd, params = _torch_model(unit, torch)
        if kind == "train":
            xb = np.random.default_rng(2).standard_normal((batch, T, F)).astype(np.float32)
            yb = np.zeros((batch, 1), np.float32)
            m.compile(optimizers.Adam(1e-3), "mse")
            compare(case, f"{LABELS[unit]}, one Adam train step, batch {batch}",
                    functools.partial(m.train_on_batch, xb, yb),
                    _torch_train(torch, fwd, params, xb, yb), 1 if args.quick else 3)
            continue
        xb = np.random.default_rng(1).standard_normal((batch, T, F)).astype(np.float32)
        number = 50 if batch == 1 else 5   # sub-ms calls: more per timing
        number = 2 if args.quick else number
        ck_fn, pt_fn = functools.partial(m.predict_on_batch, xb), _torch_infer(torch, fwd, xb)
        label = f"{LABELS[unit]}, inference, batch {batch}"
        if wanted(args, case):
            compare(case, label, ck_fn, pt_fn, number)
        if batch != 1 or unit == "GRU":
            continue
        # ckeras' batch-1 LSTM uses a second core (set_kernel_threads): also
        # each side on one core, and each side allowed two.
        if wanted(args, f"{case}_one_core"):
            # restored to what the run asked for: a fixed 2 here gave every
            # later case of a --threads 1 run the helper thread
            before = get_kernel_threads()
            set_kernel_threads(1)
            compare(f"{case}_one_core", f"{label}, each on one core (`set_kernel_threads(1)`)",
                    ck_fn, pt_fn, number)
            set_kernel_threads(before)
        if wanted(args, f"{case}_torch2"):
            torch.set_num_threads(2)
            compare(f"{case}_torch2", f"{label}, torch allowed 2 threads (ckeras default)",
                    ck_fn, pt_fn, number)
            torch.set_num_threads(args.threads)

    if wanted(args, "lstm_train_profile"):
        _train_profile(args, results, repeat, layers, models, optimizers, _rnn)
    if wanted(args, "lstm_infer_profile"):
        _infer_profile(args, results, repeat, layers, models, torch, _rnn)
    if not wanted(args, "thread_scaling"):
        return
    _blas.set_num_threads(1)
    scaling = (("LSTM", 32, 60, 2), ("LSTM", 1, 1500, 1), ("LSTM", 1, 1500, 2),
               ("BiLSTM", 32, 30, 2))
    for unit, batch, calls, kt in scaling:
        calls = max(calls // 20, 3) if args.quick else calls
        m = _ck_model(unit, layers, models)
        xb = np.random.default_rng(3).standard_normal((batch, T, F)).astype(np.float32)
        set_kernel_threads(kt)
        runs = sorted(thread_scaling(functools.partial(m.predict_on_batch, xb), calls)
                      for _ in range(1 if args.quick else args.scaling_runs))
        set_kernel_threads(2)
        mid = runs[len(runs) // 2]
        results.record(f"thread_scaling/{unit.lower()}_b{batch}_k{kt}", "ckeras", value=mid[0],
                       metric="thread_scaling", unit="x", runs=[r[0] for r in runs],
                       one_thread_calls_per_s=mid[1], two_threads_calls_per_s=mid[2],
                       label=f"2 threads `predict_on_batch` on one {unit}(128) model, batch "
                             f"{batch} (1 BLAS thread, kernel threads {kt}): throughput "
                             "over one thread")
        print(f"2 threads predict_on_batch {unit}(128) batch {batch:2d} (1 BLAS thread, "
              f"kernel threads {kt}): {mid[0]:.2f}x one thread; calls/s one thread "
              f"{mid[1]:.0f}, two threads {mid[2]:.0f} (runs: "
              f"{', '.join(f'{r[0]:.2f}' for r in runs)})", flush=True)


if __name__ == "__main__":
    main()
