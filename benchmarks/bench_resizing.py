"""The Resizing layer, 256x256 -> 224x224 on a batch of 64 RGB images,
ckeras vs tf-keras.

As a script it times both sides, prints the ratio and records the figures
(tf-keras runs in another interpreter, e.g. the TensorFlow venv, through a
subprocess; see peers.py)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_resizing.py \
        [--tf-python PY] [--case bilinear nearest bicubic area] [--quick]

Under pytest it is a pytest-benchmark suite of the ckeras side only.
"""
import functools
import sys

import numpy as np
from peers import Results, Timing, main_parser, run_tf_keras, tf_python, time_runs

SHAPE = (64, 256, 256, 3)
SIZE = (224, 224)
CASES = ("bilinear", "nearest", "bicubic", "area")


def images():
    """The 64x256x256x3 float32 batch (the same on both sides)."""
    return (np.random.RandomState(0).rand(*SHAPE) * 255).astype("float32")


def time_resizing(resizing, x, cases, number, repeat):
    """Timings of one `Resizing(224, 224, interpolation)` call per case."""
    out = {}
    for method in cases:
        layer = resizing(*SIZE, interpolation=method)
        layer(x[:1])   # build, and first-call caches, outside the timing
        out[method] = time_runs(functools.partial(layer, x), number, repeat)
    return out


TF_WORKER = """
import json, sys
import tf_keras
from bench_resizing import images, time_resizing
from peers import worker_reply
cases, number, repeat = json.loads(sys.argv[1])
worker_reply(time_resizing(tf_keras.layers.Resizing, images(), cases, number, repeat))
"""


def main(argv=None):
    ap = main_parser(__doc__.splitlines()[0], CASES, repeat=5)
    ap.add_argument("--number", type=int, default=3)
    args = ap.parse_args(argv)
    from ckeras.layers import Resizing
    results = Results("bench_resizing.py", args)
    cases = [c for c in CASES if args.case is None or c in args.case]
    number, repeat = (1, 2) if args.quick else (args.number, args.repeat)
    x = images()
    ck = time_resizing(Resizing, x, cases, number, repeat)
    tf = run_tf_keras(TF_WORKER, tf_python(args.tf_python), [cases, number, repeat])
    print(f"Resizing {SHAPE[1:3]} -> {SIZE}, batch {SHAPE[0]} RGB float32 (median ms per call)")
    print(f"{'method':12s} {'ckeras':>9s} {'tf-keras':>9s} {'speedup':>8s}")
    for method, v in ck.items():
        label = f"`Resizing` 256->224, batch 64 RGB, {method}"
        results.record(f"resizing/{method}", "ckeras", v, number=number, label=label)
        t = Timing(tf["figures"][method]) if tf else None
        if t:
            results.record(f"resizing/{method}", "tf-keras", t, number=number, label=label,
                           versions=tf["versions"], threads=tf["threads"])
        print(f"{method:12s} {v.median * 1e3:9.2f} " +
              (f"{t.median * 1e3:9.2f} {t.median / v.median:7.2f}x" if t else ""))


# ---------------------------------------------------------------- pytest-benchmark
def test_resizing_bilinear_b64(benchmark):
    from ckeras.layers import Resizing
    layer = Resizing(*SIZE)
    benchmark(layer, images())


def test_resizing_area_b64(benchmark):
    from ckeras.layers import Resizing
    layer = Resizing(*SIZE, interpolation="area")
    benchmark(layer, images())


if __name__ == "__main__":
    sys.exit(main())
