"""ImageDataGenerator.apply_transform on 256x256x3 float32 images, ckeras vs tf-keras.

As a script it times both sides and prints the ratio (tf-keras runs in another
interpreter, e.g. the TensorFlow venv, through a subprocess)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_image.py \
        --tf-python /work/tfvenv/bin/python [--order 3]

(`--order` is the spline interpolation order, default 1.)

Under pytest it is a pytest-benchmark suite of the ckeras side only.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import pytest

SHAPE = (256, 256, 3)
# tf-keras swaps the shift axes: the ckeras params {tx: a, ty: b} equal the
# tf-keras params {tx: b, ty: a}; the workloads are the same images.
CASES = {
    "rotate": {"theta": 23.0},
    "affine_all": {"theta": 17.0, "tx": 12.5, "ty": -7.25, "shear": 8.0, "zx": 0.9,
                   "zy": 1.1},
    "zoom_flip": {"zx": 1.2, "zy": 0.85, "flip_horizontal": True},
}
MODES = ("nearest", "reflect", "wrap", "constant")

_WORKER = r"""
import json, os, statistics, sys, time
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
from tf_keras.preprocessing.image import ImageDataGenerator
cases, modes, shape, number, repeat, order = json.loads(sys.argv[1])
x = (np.random.RandomState(0).rand(*shape) * 255).astype("float32")
out = {}
for mode in modes:
    g = ImageDataGenerator(fill_mode=mode, interpolation_order=order)
    for name, p in cases.items():
        q = dict(p); q["tx"], q["ty"] = p.get("ty", 0), p.get("tx", 0)
        g.apply_transform(x, q)
        ts = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            for _ in range(number):
                g.apply_transform(x, q)
            ts.append((time.perf_counter() - t0) / number)
        out[f"{name}/{mode}"] = statistics.median(ts)
print(json.dumps(out))
"""


def _image():
    return (np.random.RandomState(0).rand(*SHAPE) * 255).astype("float32")


def time_ckeras(number, repeat, order=1):
    from ckeras.preprocessing.image import ImageDataGenerator
    x = _image()
    out = {}
    for mode in MODES:
        g = ImageDataGenerator(fill_mode=mode, interpolation_order=order)
        for name, p in CASES.items():
            g.apply_transform(x, p)
            ts = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                for _ in range(number):
                    g.apply_transform(x, p)
                ts.append((time.perf_counter() - t0) / number)
            out[f"{name}/{mode}"] = statistics.median(ts)
    return out


def time_tf_keras(python, number, repeat, order=1):
    arg = json.dumps([CASES, list(MODES), list(SHAPE), number, repeat, order])
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3")
    res = subprocess.run([python, "-c", _WORKER, arg], capture_output=True, text=True,
                         env=env, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tf-python", default="/work/tfvenv/bin/python")
    ap.add_argument("--number", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--order", type=int, default=1, help="interpolation_order (0..5)")
    args = ap.parse_args(argv)
    ck = time_ckeras(args.number, args.repeat, args.order)
    tf = None
    if args.tf_python and os.path.exists(args.tf_python):
        tf = time_tf_keras(args.tf_python, args.number, args.repeat, args.order)
    print(f"apply_transform on {SHAPE} float32, interpolation_order={args.order} "
          "(median ms per image)")
    print(f"{'case':24s} {'ckeras':>9s} {'tf-keras':>9s} {'speedup':>8s}")
    ratios = []
    for k, v in ck.items():
        t = tf.get(k) if tf else None
        if t:
            ratios.append(t / v)
        print(f"{k:24s} {v * 1e3:9.3f} " + (f"{t * 1e3:9.3f} {t / v:7.2f}x" if t else ""))
    if ratios:
        gm = float(np.exp(np.mean(np.log(ratios))))
        print(f"geometric-mean speedup: {gm:.2f}x (min {min(ratios):.2f}x, "
              f"max {max(ratios):.2f}x)")


# ---------------------------------------------------------------- pytest-benchmark
def test_apply_transform_affine_all(benchmark):
    from ckeras.preprocessing.image import ImageDataGenerator
    x = _image()
    g = ImageDataGenerator(fill_mode="reflect")
    benchmark(g.apply_transform, x, CASES["affine_all"])


@pytest.mark.parametrize("order", [0, 3, 5])
def test_apply_transform_affine_all_order(benchmark, order):
    from ckeras.preprocessing.image import ImageDataGenerator
    x = _image()
    g = ImageDataGenerator(fill_mode="reflect", interpolation_order=order)
    benchmark(g.apply_transform, x, CASES["affine_all"])


def test_flow_batch_32(benchmark):
    from ckeras.preprocessing.image import ImageDataGenerator
    x = (np.random.RandomState(0).rand(32, 64, 64, 3) * 255).astype("float32")
    it = ImageDataGenerator(rotation_range=20, zoom_range=0.1, horizontal_flip=True).flow(
        x, batch_size=32, seed=0)
    benchmark(it.__getitem__, 0)


if __name__ == "__main__":
    sys.exit(main())
