"""ConvLSTM2D train step and predict, ckeras vs tf-keras.

The model is `Input((10, 32, 32, 8)) -> ConvLSTM2D(32, 3, padding="same") ->
GlobalAveragePooling2D -> Dense(1)`, Adam and MSE, batch 16, float32, with
the same weights on both sides. Cases:

- convlstm2d_train_b16: one `train_on_batch` (forward, BPTT, Adam update);
- convlstm2d_predict_b16: one `predict_on_batch`.

As a script it times both sides in interleaved rounds (ckeras, then a
tf-keras worker in another interpreter, `--rounds` times, so a change in the
machine's load hits both), prints the medians and their ratio, and records
the figures (see peers.py)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_convlstm.py \\
        [--tf-python PY] [--case convlstm2d_train_b16 ...] [--rounds 3] [--quick]

Target (issue 16): the train step at most tf-keras's time.
Under pytest it is a pytest-benchmark suite of the ckeras side only.
"""
import functools
import sys

import numpy as np
from peers import Results, Timing, main_parser, run_tf_keras, tf_python, time_runs

B, T, H, W, C, F = 16, 10, 32, 32, 8, 32
CASES = ("convlstm2d_train_b16", "convlstm2d_predict_b16")
LABEL = f"ConvLSTM2D({F}, 3, same) on ({B}, {T}, {H}, {W}, {C})"


def data():
    rng = np.random.RandomState(0)
    return (rng.uniform(-1, 1, (B, T, H, W, C)).astype("float32"),
            rng.uniform(-1, 1, (B, 1)).astype("float32"))


def build(keras):
    """The benchmark model in `keras` (ckeras or tf_keras), compiled, with the
    weights both sides share."""
    L = keras.layers
    model = keras.models.Sequential([
        L.Input((T, H, W, C)), L.ConvLSTM2D(F, 3, padding="same"),
        L.GlobalAveragePooling2D(), L.Dense(1)])
    rng = np.random.RandomState(1)
    model.set_weights([rng.uniform(-0.1, 0.1, w.shape).astype("float32")
                       for w in model.get_weights()])
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    return model


def time_cases(keras, cases, number, repeat):
    """Timings of each case for `keras` (first calls, which build, untimed)."""
    model = build(keras)
    x, y = data()
    out = {}
    for case in cases:
        if case == "convlstm2d_train_b16":
            fn = functools.partial(model.train_on_batch, x, y)
        else:
            fn = functools.partial(model.predict_on_batch, x)
        fn()
        out[case] = time_runs(fn, number, repeat)
    return out


TF_WORKER = """
import json, sys
import tf_keras
from bench_convlstm import time_cases
from peers import worker_reply
cases, number, repeat = json.loads(sys.argv[1])
worker_reply(time_cases(tf_keras, cases, number, repeat))
"""


def main(argv=None):
    ap = main_parser(__doc__.splitlines()[0], CASES, repeat=5)
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved rounds of ckeras then tf-keras runs")
    args = ap.parse_args(argv)
    import ckeras
    results = Results("bench_convlstm.py", args)
    cases = [c for c in CASES if args.case is None or c in args.case]
    number, repeat, rounds = (1, 2, 1) if args.quick else (1, args.repeat, args.rounds)
    python = tf_python(args.tf_python)
    ck_runs = {c: [] for c in cases}
    tf_runs = {c: [] for c in cases}
    tf_meta = None
    for _ in range(rounds):
        for case, t in time_cases(ckeras, cases, number, repeat).items():
            ck_runs[case] += list(t.runs)
        tf = run_tf_keras(TF_WORKER, python, [cases, number, repeat])
        if tf:
            tf_meta = tf
            for case in cases:
                tf_runs[case] += list(tf["figures"][case])
    print(f"{LABEL} (median ms per call over {rounds} interleaved rounds)")
    print(f"{'case':26s} {'ckeras':>9s} {'tf-keras':>9s} {'tf/ck':>7s}")
    for case in cases:
        label = f"{LABEL}: {case.split('_')[1]}"
        ck = Timing(ck_runs[case])
        results.record(case, "ckeras", ck, number=number, label=label)
        line = f"{case:26s} {ck.median * 1e3:9.2f}"
        if tf_runs[case]:
            tfk = Timing(tf_runs[case])
            results.record(case, "tf-keras", tfk, number=number, label=label,
                           versions=tf_meta["versions"], threads=tf_meta["threads"])
            line += f" {tfk.median * 1e3:9.2f} {tfk.median / ck.median:6.2f}x"
        print(line)


# ---------------------------------------------------------------- pytest-benchmark
def test_convlstm2d_train_b16(benchmark):
    import ckeras
    model = build(ckeras)
    x, y = data()
    model.train_on_batch(x, y)
    benchmark(model.train_on_batch, x, y)


def test_convlstm2d_predict_b16(benchmark):
    import ckeras
    model = build(ckeras)
    x, _ = data()
    model.predict_on_batch(x)
    benchmark(model.predict_on_batch, x)


if __name__ == "__main__":
    sys.exit(main())
