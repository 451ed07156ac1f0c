"""Golden outputs of the tf-keras 2.21 (and Keras 3 for california_housing)
dataset loaders on tiny files in the real formats, for
tests/datasets/test_loaders_vs_tf_keras.py.

Run with the tf-keras environment:
    /work/tfvenv/bin/python tools/make_fixtures_datasets.py

Writes tests/fixtures/data/datasets/: the tiny input files (the test serves
these exact bytes) and expected.npz (what the Keras loaders return; object
arrays of sequences stored as `<key>/flat` + `<key>/lengths`).
"""
import gzip
import io
import os
import shutil
import struct
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _golden import fixtures_dir, tf_environment  # noqa: E402

tf_environment()

import numpy as np  # noqa: E402

OUT = fixtures_dir("data", "datasets")
SEQ_CASES = {"default": {}, "words": {"num_words": 20, "skip_top": 3},
             "maxlen": {"maxlen": 7, "oov_char": None},
             "nostart": {"start_char": None, "index_from": 2, "seed": 5}}
REUTERS_CASES = dict(SEQ_CASES, split={"test_split": 0.5, "seed": 1})
HOUSING_CASES = {"default": {}, "split": {"test_split": 0.3, "seed": 7}}


def sequences(rng, n, vocab=40):
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = [int(v) for v in rng.randint(1, vocab, rng.randint(1, 9))]
    return out


def npz(path, **arrays):
    np.savez(path, **arrays)


def idx(arr):
    header = struct.pack(">HBB", 0, 8, arr.ndim) + b"".join(struct.pack(">I", d)
                                                              for d in arr.shape)
    return gzip.compress(header + arr.tobytes(), mtime=0)


def inputs():
    rng = np.random.RandomState(2024)
    os.makedirs(OUT, exist_ok=True)
    npz(os.path.join(OUT, "mnist.npz"),
        x_train=rng.randint(0, 256, (6, 28, 28)).astype("uint8"),
        y_train=rng.randint(0, 10, 6).astype("uint8"),
        x_test=rng.randint(0, 256, (3, 28, 28)).astype("uint8"),
        y_test=rng.randint(0, 10, 3).astype("uint8"))
    npz(os.path.join(OUT, "imdb.npz"), x_train=sequences(rng, 12),
        y_train=rng.randint(0, 2, 12), x_test=sequences(rng, 9), y_test=rng.randint(0, 2, 9))
    npz(os.path.join(OUT, "reuters.npz"), x=sequences(rng, 15), y=rng.randint(0, 46, 15))
    npz(os.path.join(OUT, "boston_housing.npz"), x=rng.rand(23, 13), y=rng.rand(23))
    npz(os.path.join(OUT, "california_housing.npz"), x=rng.rand(700, 8).astype("float32"),
        y=rng.rand(700).astype("float32"))
    fm = os.path.join(OUT, "fashion-mnist")
    os.makedirs(fm, exist_ok=True)
    for name, arr in [("train-labels-idx1-ubyte.gz", rng.randint(0, 10, 4).astype("uint8")),
                      ("train-images-idx3-ubyte.gz",
                       rng.randint(0, 256, (4, 28, 28)).astype("uint8")),
                      ("t10k-labels-idx1-ubyte.gz", rng.randint(0, 10, 2).astype("uint8")),
                      ("t10k-images-idx3-ubyte.gz",
                       rng.randint(0, 256, (2, 28, 28)).astype("uint8"))]:
        with open(os.path.join(fm, name), "wb") as f:
            f.write(idx(arr))
    import pickle
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for part, n in [("train", 5), ("test", 3)]:
            # bytes keys, as Python 2 str keys load with encoding="bytes"; written by
            # Python 3 under protocol 2 (bytes through _codecs.encode)
            batch = {b"data": rng.randint(0, 256, (n, 3072)).astype("uint8"),
                     b"fine_labels": [int(v) for v in rng.randint(0, 100, n)],
                     b"coarse_labels": [int(v) for v in rng.randint(0, 20, n)],
                     b"filenames": [b"f%d.png" % i for i in range(n)],
                     b"batch_label": part.encode()}
            data = pickle.dumps(batch, protocol=2)
            info = tarfile.TarInfo(f"cifar-100-python/{part}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with open(os.path.join(OUT, "cifar-100-python.tar.gz"), "wb") as f:
        f.write(buf.getvalue())


def put(out, key, value):
    value = np.asarray(value) if not isinstance(value, np.ndarray) else value
    if value.dtype == object:
        out[key + "/flat"] = np.array([w for s in value for w in s], dtype="int64")
        out[key + "/lengths"] = np.array([len(s) for s in value], dtype="int64")
    else:
        out[key] = value


def main():
    inputs()
    import tf_keras.src.datasets as ds
    from keras.src.datasets import california_housing
    from tf_keras.src.datasets import boston_housing, cifar100, fashion_mnist, imdb, mnist, reuters

    tmp = os.path.join(OUT, "_extract")

    def fake_get_file(fname=None, origin=None, untar=False, cache_subdir="datasets", **_):
        name = os.path.basename(origin)
        if untar:
            shutil.rmtree(tmp, ignore_errors=True)
            with tarfile.open(os.path.join(OUT, name)) as tar:
                tar.extractall(tmp)
            return os.path.join(tmp, fname)
        if "fashion" in cache_subdir:
            return os.path.join(OUT, "fashion-mnist", name)
        return os.path.join(OUT, name)

    for module in (mnist, imdb, reuters, boston_housing, fashion_mnist, cifar100,
                   california_housing):
        module.get_file = fake_get_file
    del ds
    out = {}
    for key, value in zip(("x_train", "y_train", "x_test", "y_test"),
                          [a for pair in mnist.load_data() for a in pair]):
        put(out, f"mnist/{key}", value)
    for key, value in zip(("x_train", "y_train", "x_test", "y_test"),
                          [a for pair in fashion_mnist.load_data() for a in pair]):
        put(out, f"fashion_mnist/{key}", value)
    for mode in ("fine", "coarse"):
        for key, value in zip(("x_train", "y_train", "x_test", "y_test"),
                              [a for pair in cifar100.load_data(mode) for a in pair]):
            put(out, f"cifar100/{mode}/{key}", value)
    for name, module, cases in [("imdb", imdb, SEQ_CASES), ("reuters", reuters, REUTERS_CASES),
                                ("boston_housing", boston_housing, HOUSING_CASES),
                                ("california_housing", california_housing,
                                 dict(HOUSING_CASES, small={"version": "small"}))]:
        for case, kw in cases.items():
            result = module.load_data(**kw)
            for key, value in zip(("x_train", "y_train", "x_test", "y_test"),
                                  [a for pair in result for a in pair]):
                put(out, f"{name}/{case}/{key}", np.asarray(value))
    shutil.rmtree(tmp, ignore_errors=True)
    np.savez_compressed(os.path.join(OUT, "expected.npz"), **out)
    print(f"wrote {len(out)} arrays to {OUT}")


if __name__ == "__main__":
    main()
