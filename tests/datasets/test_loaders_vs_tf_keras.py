"""The loaders return what tf-keras 2.21's (Keras 3's for
california_housing) return on the same tiny files, bit for bit
(tools/make_fixtures_datasets.py)."""
import hashlib
import pathlib

import numpy as np
import pytest

from ckeras.datasets import (
    boston_housing,
    california_housing,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    remote,
    reuters,
)

FIX = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "data" / "datasets"
EXPECTED = dict(np.load(FIX / "expected.npz"))
KEYS = ("x_train", "y_train", "x_test", "y_test")
SEQ_CASES = {"default": {}, "words": {"num_words": 20, "skip_top": 3},
             "maxlen": {"maxlen": 7, "oov_char": None},
             "nostart": {"start_char": None, "index_from": 2, "seed": 5}}
FILES = {"mnist.npz": "mnist.npz", "imdb.npz": "imdb.npz", "reuters.npz": "reuters.npz",
         "boston_housing.npz": "boston_housing.npz",
         "california_housing.npz": "california_housing.npz",
         "cifar-100-python": "cifar-100-python.tar.gz",
         **{n: "fashion-mnist/" + n for n in ("train-labels-idx1-ubyte.gz",
                                              "train-images-idx3-ubyte.gz",
                                              "t10k-labels-idx1-ubyte.gz",
                                              "t10k-images-idx3-ubyte.gz")}}


@pytest.fixture
def served(server, cache, monkeypatch):
    for name, rel in FILES.items():
        data = (FIX / rel).read_bytes()
        url = server.put(rel, data)
        known = remote.REMOTE_FILES[name][1]
        monkeypatch.setitem(remote.REMOTE_FILES, name, (
            url, None if known is None else hashlib.sha256(data).hexdigest()))


def _check(prefix, result):
    for key, got in zip(KEYS, [a for pair in result for a in pair]):
        if got.dtype == object:
            assert got.ndim == 1
            np.testing.assert_array_equal([len(s) for s in got],
                                          EXPECTED[f"{prefix}/{key}/lengths"])
            flat = [w for s in got for w in s]
            np.testing.assert_array_equal(flat, EXPECTED[f"{prefix}/{key}/flat"])
        else:
            want = EXPECTED[f"{prefix}/{key}"]
            assert got.dtype == want.dtype and got.shape == want.shape, (prefix, key)
            np.testing.assert_array_equal(got, want)


def test_mnist_fashion_cifar100(served):
    _check("mnist", mnist.load_data())
    _check("fashion_mnist", fashion_mnist.load_data())
    for mode in ("fine", "coarse"):
        _check(f"cifar100/{mode}", cifar100.load_data(mode))


@pytest.mark.parametrize("case", SEQ_CASES)
def test_imdb(served, case):
    _check(f"imdb/{case}", imdb.load_data(**SEQ_CASES[case]))


@pytest.mark.parametrize("case", [*SEQ_CASES, "split"])
def test_reuters(served, case):
    kw = SEQ_CASES.get(case, {"test_split": 0.5, "seed": 1})
    _check(f"reuters/{case}", reuters.load_data(**kw))


@pytest.mark.parametrize("case,kw", [("default", {}), ("split", {"test_split": 0.3, "seed": 7})])
def test_housing(served, case, kw):
    _check(f"boston_housing/{case}", boston_housing.load_data(**kw))
    _check(f"california_housing/{case}", california_housing.load_data(**kw))


def test_california_small(served):
    _check("california_housing/small", california_housing.load_data(version="small"))


def test_imdb_without_start_char_or_offset(served):
    # tf-keras 2.21 raises here (it adds the two object arrays); ckeras
    # returns the sequences untouched by start_char/index_from (num_words
    # above every index: Keras' default, the largest index, maps that
    # index itself to oov_char)
    (x, _), _ = imdb.load_data(start_char=None, index_from=0, seed=5, num_words=1000)
    with np.load(FIX / "imdb.npz", allow_pickle=True) as f:
        stored = {tuple(s) for s in f["x_train"]}
    assert {tuple(s) for s in x} == stored
