"""ImageDataGenerator.apply_transform on 256x256x3 float32 images, ckeras vs tf-keras.

As a script it times both sides, prints the ratio and records the figures
(tf-keras runs in another interpreter, e.g. the TensorFlow venv, through a
subprocess; see peers.py)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_image.py \
        [--tf-python PY] [--order 3] [--case rotate affine_all zoom_flip] [--quick]

(`--order` is the spline interpolation order, default 1.)

Under pytest it is a pytest-benchmark suite of the ckeras side only.
"""
import functools
import sys

import numpy as np
from peers import Results, Timing, main_parser, run_tf_keras, tf_python, time_runs

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


def image():
    """The 256x256x3 float32 test image (the same on both sides)."""
    return (np.random.RandomState(0).rand(*SHAPE) * 255).astype("float32")


def time_apply_transform(image_data_generator, x, cases, modes, number, repeat, order,
                         swap_shifts=False):
    """Timings of `apply_transform` per '<case>/<mode>' (both peers run this)."""
    out = {}
    for mode in modes:
        g = image_data_generator(fill_mode=mode, interpolation_order=order)
        for name, p in cases.items():
            if swap_shifts:
                p = dict(p, tx=p.get("ty", 0), ty=p.get("tx", 0))
            out[f"{name}/{mode}"] = time_runs(functools.partial(g.apply_transform, x, p),
                                              number, repeat)
    return out


TF_WORKER = """
import json, sys
import numpy as np
from tf_keras.preprocessing.image import ImageDataGenerator
from bench_image import image, time_apply_transform
from peers import worker_reply
cases, modes, number, repeat, order = json.loads(sys.argv[1])
worker_reply(time_apply_transform(ImageDataGenerator, image(), cases, modes, number,
                                  repeat, order, swap_shifts=True))
"""


def main(argv=None):
    ap = main_parser(__doc__.splitlines()[0], tuple(CASES), repeat=5)
    ap.add_argument("--number", type=int, default=5)
    ap.add_argument("--order", type=int, default=1, help="interpolation_order (0..5)")
    args = ap.parse_args(argv)
    from ckeras.preprocessing.image import ImageDataGenerator
    results = Results("bench_image.py", args)
    cases = {k: v for k, v in CASES.items() if args.case is None or k in args.case}
    modes = MODES[:1] if args.quick else MODES
    number, repeat = (1, 2) if args.quick else (args.number, args.repeat)
    ck = time_apply_transform(ImageDataGenerator, image(), cases, modes, number, repeat,
                              args.order)
    tf = run_tf_keras(TF_WORKER, tf_python(args.tf_python),
                      [cases, list(modes), number, repeat, args.order])
    print(f"apply_transform on {SHAPE} float32, interpolation_order={args.order} "
          "(median ms per image)")
    print(f"{'case':24s} {'ckeras':>9s} {'tf-keras':>9s} {'speedup':>8s}")
    ratios = []
    for k, v in ck.items():
        case = f"{k}/order{args.order}"
        label = f"`ImageDataGenerator.apply_transform` {k}, 256x256x3, order {args.order}"
        results.record(case, "ckeras", v, number=number, label=label, detail=True)
        t = Timing(tf["figures"][k]) if tf else None
        if t:
            results.record(case, "tf-keras", t, number=number, label=label, detail=True,
                           versions=tf["versions"], threads=tf["threads"])
            ratios.append(t.median / v.median)
        print(f"{k:24s} {v.median * 1e3:9.3f} " +
              (f"{t.median * 1e3:9.3f} {t.median / v.median:7.2f}x" if t else ""))
    if ratios:
        gm = float(np.exp(np.mean(np.log(ratios))))
        results.record(f"apply_transform/order{args.order}", "ckeras", value=gm,
                       metric="speedup", unit="x", min=min(ratios), max=max(ratios),
                       cases=len(ratios), command=f"bench_image.py --order {args.order}",
                       label=f"`ImageDataGenerator.apply_transform`, 256x256x3 "
                             f"({len(ratios)} transform/fill-mode cases, order "
                             f"{args.order}): geometric mean")
        print(f"geometric-mean speedup: {gm:.2f}x (min {min(ratios):.2f}x, "
              f"max {max(ratios):.2f}x)")


# ---------------------------------------------------------------- pytest-benchmark
def test_apply_transform_affine_all(benchmark):
    from ckeras.preprocessing.image import ImageDataGenerator
    x = image()
    g = ImageDataGenerator(fill_mode="reflect")
    benchmark(g.apply_transform, x, CASES["affine_all"])


def pytest_generate_tests(metafunc):
    # (not @pytest.mark: the tf-keras worker imports this module where pytest is absent)
    if "order" in metafunc.fixturenames:
        metafunc.parametrize("order", [0, 3, 5])


def test_apply_transform_affine_all_order(benchmark, order):
    from ckeras.preprocessing.image import ImageDataGenerator
    g = ImageDataGenerator(fill_mode="reflect", interpolation_order=order)
    benchmark(g.apply_transform, image(), CASES["affine_all"])


def test_flow_batch_32(benchmark):
    from ckeras.preprocessing.image import ImageDataGenerator
    x = (np.random.RandomState(0).rand(32, 64, 64, 3) * 255).astype("float32")
    it = ImageDataGenerator(rotation_range=20, zoom_range=0.1, horizontal_flip=True).flow(
        x, batch_size=32, seed=0)
    benchmark(it.__getitem__, 0)


if __name__ == "__main__":
    sys.exit(main())
