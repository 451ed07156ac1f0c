"""image_dataset_from_directory over generated JPEGs: images per second of
one epoch (decode + resize to 224x224 + batch), ckeras vs tf-keras.

Each side also records its CPU time per image (all threads of its
process, `time.process_time`): on a loaded machine the wall-clock figure
mostly says how many threads a side runs (tf.data runs more), while the
CPU cost per image barely moves with the load.

As a script it generates the JPEGs once (a temporary folder, or --dir),
times one full pass over the batches on both sides and records the figures
(tf-keras runs in another interpreter; see peers.py)::

    python benchmarks/bench_datasets.py [--tf-python PY] [--images 5000] [--quick]

Under pytest it is a pytest-benchmark suite of the ckeras side only.
"""
import os
import sys
import tempfile
import time

import numpy as np
from peers import Results, Timing, main_parser, run_tf_keras, tf_python, time_runs

CASES = {"jpeg_320x240_to_224": {"size": (240, 320), "image_size": (224, 224),
                                 "batch_size": 32}}


def make_jpegs(root, count, size, classes=2):
    """`count` JPEGs of `size` (height, width) under `root/class_<k>/`,
    smooth gradients plus noise (so JPEG sizes are realistic)."""
    from PIL import Image
    rng = np.random.RandomState(0)
    h, w = size
    yy, xx = np.mgrid[0:h, 0:w]
    for i in range(count):
        folder = os.path.join(root, f"class_{i % classes}")
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, f"img_{i:05d}.jpg")
        if os.path.exists(path):
            continue
        base = np.stack([(xx * (i % 7 + 1)) % 256, (yy * (i % 5 + 1)) % 256,
                         (xx + yy + i) % 256], -1)
        img = np.clip(base + rng.randint(-20, 20, base.shape), 0, 255).astype("uint8")
        Image.fromarray(img).save(path, quality=90)
    return root


def one_epoch(image_dataset_from_directory, root, case):
    """A callable running one pass over every batch (the workload both sides time)."""
    kw = CASES[case]
    ds = image_dataset_from_directory(root, image_size=tuple(kw["image_size"]),
                                      batch_size=kw["batch_size"], shuffle=False)

    def run():
        n = 0
        for x, _ in ds:
            n += int(x.shape[0])
        return n
    return run


def timed_epochs(run, repeat):
    """(Timing of `repeat` epochs after one untimed, process CPU seconds of
    those epochs)."""
    run()
    c0 = time.process_time()
    timing = time_runs(run, 1, repeat)
    # time_runs calls run once more, untimed, before its runs
    return timing, (time.process_time() - c0) * repeat / (repeat + 1)


TF_WORKER = """
import json, sys
from tf_keras.utils import image_dataset_from_directory
from bench_datasets import one_epoch, timed_epochs
from peers import worker_reply
root, cases, repeat = json.loads(sys.argv[1])
figures = {}
for c in cases:
    figures[c], figures[c + "/cpu"] = timed_epochs(
        one_epoch(image_dataset_from_directory, root, c), repeat)
worker_reply(figures)
"""


def main(argv=None):
    ap = main_parser(__doc__.splitlines()[0], tuple(CASES), repeat=3)
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--dir", default=None, help="folder for the JPEGs (kept between runs)")
    args = ap.parse_args(argv)
    from ckeras.utils import image_dataset_from_directory
    results = Results("bench_datasets.py", args)
    count = 64 if args.quick else args.images
    repeat = 1 if args.quick else args.repeat
    cases = [c for c in CASES if args.case is None or c in args.case]
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            root = os.path.join(args.dir or tmp, f"{case}_{count}")
            make_jpegs(root, count, CASES[case]["size"])
            ck, ck_cpu = timed_epochs(one_epoch(image_dataset_from_directory, root, case),
                                      repeat)
            tf = run_tf_keras(TF_WORKER, tf_python(args.tf_python), [root, [case], repeat])
            label = f"`image_dataset_from_directory` one epoch, {count} JPEGs 320x240 -> 224x224"
            ck_us = ck_cpu / (repeat * count) * 1e6
            results.record(case, "ckeras", ck, number=1, label=label, images=count,
                           cpu_us_per_image=round(ck_us, 1))
            line = f"{case}: ckeras {count / ck.median:8.1f} images/s ({ck_us:.0f} us CPU/image)"
            if tf:
                t = Timing(tf["figures"][case])
                tf_us = tf["figures"][case + "/cpu"] / (repeat * count) * 1e6
                results.record(case, "tf-keras", t, number=1, label=label, images=count,
                               versions=tf["versions"], threads=tf["threads"],
                               cpu_us_per_image=round(tf_us, 1))
                line += f", tf-keras {count / t.median:8.1f} images/s ({tf_us:.0f} us " \
                        f"CPU/image), ratio {t.median / ck.median:.2f}x"
            print(line)


# ---------------------------------------------------------------- pytest-benchmark
def test_image_dataset_batch_32(benchmark, tmp_path):
    from ckeras.utils import image_dataset_from_directory
    root = make_jpegs(str(tmp_path / "jpegs"), 32, CASES["jpeg_320x240_to_224"]["size"])
    ds = image_dataset_from_directory(root, image_size=(224, 224), batch_size=32,
                                      shuffle=False)
    x, _ = benchmark(ds.__getitem__, 0)
    assert x.shape == (32, 224, 224, 3)


if __name__ == "__main__":
    sys.exit(main())
