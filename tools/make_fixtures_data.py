"""Golden values of tf-keras 2.21's directory datasets and time series
windows, for tests/utils/test_dataset_from_directory.py.

Run with the tf-keras environment: /work/tfvenv/bin/python tools/make_fixtures_data.py

Writes tests/fixtures/data/tree.npz (the tiny tree: relative paths and the
pixels of each PNG; the test rebuilds the same tree from it) and golden.npz
(file order, labels and image batches tf-keras returns on it).
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _golden import fixtures_dir, tf_environment  # noqa: E402

tf_environment()

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

OUT = fixtures_dir("data")

# (relative path, height, width); shapes vary so resizing and cropping matter
TREE = [("cats/c1.png", 5, 7), ("cats/b0.png", 6, 6), ("cats/sub/z9.png", 4, 9),
        ("cats/a2.PNG", 7, 5), ("dogs/d1.png", 8, 3), ("dogs/d0.png", 5, 5),
        ("dogs/e5.png", 3, 4), ("birds/x.png", 6, 8), ("birds/y.png", 9, 6),
        ("birds/w.png", 4, 4)]
EXTRA = ["cats/notes.txt", "dogs/readme.md", ".hidden/h.png"]
CASES = {  # name -> keyword arguments of image_dataset_from_directory
    "default": dict(seed=7, image_size=(4, 6), batch_size=4),
    "nearest": dict(seed=3, image_size=(5, 3), interpolation="nearest", batch_size=20),
    "crop": dict(seed=11, image_size=(3, 3), crop_to_aspect_ratio=True, batch_size=20),
    "gray_categorical": dict(seed=5, image_size=(4, 4), color_mode="grayscale",
                             label_mode="categorical", batch_size=20),
    "unshuffled": dict(shuffle=False, image_size=(2, 2), batch_size=20),
    "training": dict(seed=9, validation_split=0.3, subset="training", image_size=(2, 2),
                     batch_size=20, shuffle=True),
    "validation": dict(seed=9, validation_split=0.3, subset="validation", image_size=(2, 2),
                       batch_size=20, shuffle=False),
}


def pixels(i, h, w):
    rng = np.random.RandomState(100 + i)
    return rng.randint(0, 256, (h, w, 3)).astype("uint8")


def build(root):
    for i, (rel, h, w) in enumerate(TREE):
        os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
        Image.fromarray(pixels(i, h, w)).save(os.path.join(root, rel), format="PNG")
    for rel in EXTRA:
        os.makedirs(os.path.join(root, os.path.dirname(rel)), exist_ok=True)
        with open(os.path.join(root, rel), "wb") as f:
            f.write(b"x")


def main():
    import tensorflow as tf
    from tf_keras.src.utils import dataset_utils, image_dataset, timeseries_dataset

    os.makedirs(OUT, exist_ok=True)
    golden = {}
    meta = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "tree")
        build(root)
        for name, kw in CASES.items():
            kw = dict(kw)
            subset = kw.get("subset")
            shuffle = kw.pop("shuffle", True)
            ds = image_dataset.image_dataset_from_directory(root, shuffle=shuffle, **kw)
            meta[name] = {"kwargs": kw, "shuffle": shuffle,
                          "file_paths": [os.path.relpath(p, root) for p in ds.file_paths],
                          "class_names": list(ds.class_names)}
            # tf.data adds a buffer shuffle that only TensorFlow reproduces:
            # the images are loaded in file_paths order instead
            fn = image_dataset.load_image
            channels = {"rgb": 3, "grayscale": 1}[kw.get("color_mode", "rgb")]
            imgs = [fn(tf.constant(os.path.join(root, p)), kw["image_size"], channels,
                       kw.get("interpolation", "bilinear"),
                       kw.get("crop_to_aspect_ratio", False)).numpy()
                    for p in meta[name]["file_paths"]]
            golden[name + "/images"] = np.stack(imgs)
            _, labels, _ = dataset_utils.index_directory(
                root, "inferred", formats=image_dataset.ALLOWLIST_FORMATS,
                shuffle=shuffle, seed=kw.get("seed"))
            if subset:
                _, labels = dataset_utils.get_training_or_validation_split(
                    list(range(len(labels))), labels, kw["validation_split"], subset)
            golden[name + "/labels"] = np.asarray(labels)
        # time series windows (tf.data order is exact there: no buffer shuffle
        # without shuffle=True; with it, only the start positions are compared)
        data = np.arange(40).reshape(20, 2)
        targets = np.arange(100, 120)
        ts_cases = {"ts_basic": dict(sequence_length=4, batch_size=5),
                    "ts_strided": dict(sequence_length=3, sequence_stride=2, sampling_rate=2,
                                       start_index=2, end_index=18, batch_size=3)}
        for name, kw in ts_cases.items():
            ds = timeseries_dataset.timeseries_dataset_from_array(data, targets, **kw)
            xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
            golden[name + "/x"] = np.concatenate(xs)
            golden[name + "/y"] = np.concatenate(ys)
            meta[name] = {"kwargs": kw}
    np.savez_compressed(os.path.join(OUT, "golden.npz"), **golden)
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump({"tree": TREE, "extra": EXTRA, "cases": meta,
                   "tf_version": tf.__version__}, f, indent=1, sort_keys=True)
    tree = {f"img{i}": pixels(i, h, w) for i, (_, h, w) in enumerate(TREE)}
    np.savez_compressed(os.path.join(OUT, "tree.npz"), **tree)


if __name__ == "__main__":
    main()
