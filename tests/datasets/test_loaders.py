"""Each Keras dataset loader, offline: tiny files in the real formats are
served by a local HTTP server, and the result is checked against a NumPy
re-derivation of Keras' documented steps."""
import gzip
import hashlib
import io
import os
import struct
import tarfile

import numpy as np
import pytest

from ckeras import backend as K
from ckeras.datasets import (
    boston_housing,
    california_housing,
    cifar10,
    cifar100,
    fashion_mnist,
    imdb,
    mnist,
    remote,
    reuters,
)


@pytest.fixture
def serve(server, cache, monkeypatch):
    """serve(name, bytes): the dataset file `name` now comes from the local
    server, with the hash of these bytes."""
    def put(name, data, served_as=None):
        url = server.put(served_as or name, data)
        origin, real_hash = remote.REMOTE_FILES[name]
        algo = "sha256" if real_hash is None or len(real_hash) == 64 else "md5"
        monkeypatch.setitem(remote.REMOTE_FILES, name,
                            (url, None if real_hash is None else
                             hashlib.new(algo, data).hexdigest()))
    return put


def _npz(**arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def test_origins_and_hashes_are_keras():
    base = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
    assert remote.REMOTE_FILES["mnist.npz"][0] == base + "mnist.npz"
    assert remote.REMOTE_FILES["cifar-10-batches-py"][0] == \
        "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    for origin, h in remote.REMOTE_FILES.values():
        assert origin.startswith("https://")
        assert h is None or len(h) in (32, 64) and int(h, 16) >= 0


def test_mnist(serve, cache, rng):
    arrays = {"x_train": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, 5, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, 2, dtype=np.uint8)}
    serve("mnist.npz", _npz(**arrays))
    (xt, yt), (xs, ys) = mnist.load_data()
    assert (cache / "datasets" / "mnist.npz").exists()
    for got, key in [(xt, "x_train"), (yt, "y_train"), (xs, "x_test"), (ys, "y_test")]:
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[key])


def _idx(arr):
    header = struct.pack(">HBB", 0, 8, arr.ndim) + b"".join(struct.pack(">I", d)
                                                              for d in arr.shape)
    return gzip.compress(header + arr.tobytes())


def test_fashion_mnist_idx_files_in_their_subfolder(serve, cache, rng):
    x = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, 4, dtype=np.uint8)
    xt, yt = x[:3], y[:3]
    serve("train-labels-idx1-ubyte.gz", _idx(yt))
    serve("train-images-idx3-ubyte.gz", _idx(xt))
    serve("t10k-labels-idx1-ubyte.gz", _idx(y[3:]))
    serve("t10k-images-idx3-ubyte.gz", _idx(x[3:]))
    (a, b), (c, d) = fashion_mnist.load_data()
    assert (cache / "datasets" / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").exists()
    np.testing.assert_array_equal(a, xt)
    np.testing.assert_array_equal(b, yt)
    np.testing.assert_array_equal(c, x[3:])
    np.testing.assert_array_equal(d, y[3:])
    assert a.shape == (3, 28, 28) and c.dtype == np.uint8


def _tar_gz(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _batch(rng, n, **labels):
    d = {b"batch_label": b"batch", b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
         b"filenames": [b"f%d.png" % i for i in range(n)]}
    d.update({k.encode(): v for k, v in labels.items()})
    return d


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_cifar10(serve, cache, rng, py2_pickler, fmt):
    batches = {f"data_batch_{i}": _batch(rng, 2, labels=[int(v) for v in rng.integers(0, 10, 2)])
               for i in range(1, 6)}
    batches["test_batch"] = _batch(rng, 3, labels=[1, 2, 9])
    serve("cifar-10-batches-py", _tar_gz({f"cifar-10-batches-py/{k}": py2_pickler(v)
                                          for k, v in batches.items()}),
          served_as="cifar-10-python.tar.gz")
    K.set_image_data_format(fmt)
    try:
        (xt, yt), (xs, ys) = cifar10.load_data()
    finally:
        K.set_image_data_format("channels_last")
    want_x = np.concatenate([batches[f"data_batch_{i}"][b"data"] for i in range(1, 6)])
    want_x = want_x.reshape(-1, 3, 32, 32)
    want_y = np.concatenate([batches[f"data_batch_{i}"][b"labels"] for i in range(1, 6)])
    if fmt == "channels_last":
        want_x = want_x.transpose(0, 2, 3, 1)
    assert xt.shape == ((10, 32, 32, 3) if fmt == "channels_last" else (10, 3, 32, 32))
    np.testing.assert_array_equal(xt, want_x)
    assert yt.dtype == np.uint8 and ys.dtype == np.uint8 and yt.shape == (10, 1)
    np.testing.assert_array_equal(yt[:, 0], want_y)
    np.testing.assert_array_equal(ys[:, 0], [1, 2, 9])
    test_x = batches["test_batch"][b"data"].reshape(-1, 3, 32, 32)
    np.testing.assert_array_equal(xs, test_x.transpose(0, 2, 3, 1)
                                  if fmt == "channels_last" else test_x)
    assert (cache / "datasets" / "cifar-10-batches-py" / "test_batch").exists()


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100(serve, cache, rng, py2_pickler, label_mode):
    train = _batch(rng, 4, fine_labels=[5, 99, 0, 42], coarse_labels=[1, 19, 0, 7])
    test = _batch(rng, 2, fine_labels=[3, 4], coarse_labels=[5, 6])
    serve("cifar-100-python", _tar_gz({"cifar-100-python/train": py2_pickler(train),
                                       "cifar-100-python/test": py2_pickler(test)}),
          served_as="cifar-100-python.tar.gz")
    (xt, yt), (xs, ys) = cifar100.load_data(label_mode)
    key = label_mode.encode() + b"_labels"
    np.testing.assert_array_equal(yt[:, 0], train[key])
    np.testing.assert_array_equal(ys[:, 0], test[key])
    assert yt.shape == (4, 1)
    np.testing.assert_array_equal(xt, train[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data("medium")


def _sequences(rng, n, vocab=40):
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = [int(v) for v in rng.integers(1, vocab, rng.integers(1, 9))]
    return out


def _keras_steps(xs, labels, num_words, skip_top, maxlen, start_char, oov_char, index_from):
    """Keras' documented preprocessing, re-derived."""
    xs = [([start_char] if start_char is not None else []) + [w + index_from for w in x]
          for x in xs]
    if maxlen:
        keep = [len(x) < maxlen for x in xs]
        xs = [x for x, k in zip(xs, keep) if k]
        labels = [y for y, k in zip(labels, keep) if k]
    top = num_words or max(max(x) for x in xs)
    if oov_char is None:
        xs = [[w for w in x if skip_top <= w < top] for x in xs]
    else:
        xs = [[w if skip_top <= w < top else oov_char for w in x] for x in xs]
    return xs, list(labels)


IMDB_CASES = [dict(), dict(num_words=20, skip_top=3), dict(maxlen=7, oov_char=None),
              dict(start_char=None, index_from=0, seed=5), dict(num_words=10, oov_char=None)]


@pytest.mark.parametrize("kw", IMDB_CASES)
def test_imdb(serve, rng, kw):
    xt, xs = _sequences(rng, 12), _sequences(rng, 9)
    yt, ys = rng.integers(0, 2, 12), rng.integers(0, 2, 9)
    serve("imdb.npz", _npz(x_train=xt, y_train=yt, x_test=xs, y_test=ys))
    args = dict(num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
                index_from=3)
    args.update(kw)
    (a, b), (c, d) = imdb.load_data(**args)
    rs = np.random.RandomState(args["seed"])
    it, is_ = np.arange(12), np.arange(9)
    rs.shuffle(it)
    rs.shuffle(is_)
    seq_args = {k: args[k] for k in ("num_words", "skip_top", "maxlen", "start_char",
                                     "oov_char", "index_from")}
    train_x = [x for x in xt[it]]
    test_x = [x for x in xs[is_]]
    joined_x = train_x + test_x
    joined_y = list(yt[it]) + list(ys[is_])
    ex, ey = _keras_steps(joined_x, joined_y, **seq_args)
    if args["maxlen"]:
        n_train = sum(len(x) + (args["start_char"] is not None) < args["maxlen"]
                      for x in train_x)
    else:
        n_train = 12
    assert a.dtype == object and a.ndim == 1 and c.ndim == 1
    assert [list(x) for x in a] == ex[:n_train]
    assert [list(x) for x in c] == ex[n_train:]
    np.testing.assert_array_equal(b, ey[:n_train])
    np.testing.assert_array_equal(d, ey[n_train:])


def test_imdb_maxlen_too_small_and_bad_kwargs(serve, rng):
    serve("imdb.npz", _npz(x_train=_sequences(rng, 3), y_train=np.zeros(3, int),
                           x_test=_sequences(rng, 3), y_test=np.zeros(3, int)))
    with pytest.raises(ValueError, match="Increase maxlen"):
        imdb.load_data(maxlen=1)
    with pytest.raises(TypeError, match="Unrecognized keyword"):
        imdb.load_data(nb_epoch=3)
    with pytest.warns(UserWarning, match="renamed `num_words`"):
        (a, _), _ = imdb.load_data(nb_words=5)
    assert max(max(x) for x in a) < 5


@pytest.mark.parametrize("kw", [dict(), dict(num_words=15, skip_top=2, test_split=0.5),
                                dict(maxlen=6, seed=1, oov_char=None)])
def test_reuters(serve, rng, kw):
    x, y = _sequences(rng, 15), rng.integers(0, 46, 15)
    serve("reuters.npz", _npz(x=x, y=y))
    args = dict(num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113,
                start_char=1, oov_char=2, index_from=3)
    args.update(kw)
    (a, b), (c, d) = reuters.load_data(**args)
    order = np.arange(15)
    np.random.RandomState(args["seed"]).shuffle(order)
    ex, ey = _keras_steps(list(x[order]), y[order], **{
        k: args[k] for k in ("num_words", "skip_top", "maxlen", "start_char", "oov_char",
                             "index_from")})
    cut = int(len(ex) * (1 - args["test_split"]))
    assert [list(v) for v in a] == ex[:cut] and [list(v) for v in c] == ex[cut:]
    np.testing.assert_array_equal(b, ey[:cut])
    np.testing.assert_array_equal(d, ey[cut:])
    assert len(reuters.get_label_names()) == 46
    assert reuters.get_label_names()[3] == "earn"


def test_word_indexes(serve):
    serve("imdb_word_index.json", b'{"the": 1, "and": 2}')
    serve("reuters_word_index.json", b'{"said": 1}')
    assert imdb.get_word_index() == {"the": 1, "and": 2}
    assert reuters.get_word_index() == {"said": 1}


@pytest.mark.parametrize("module,name", [(boston_housing, "boston_housing.npz"),
                                         (california_housing, "california_housing.npz")])
@pytest.mark.parametrize("test_split,seed", [(0.2, 113), (0.3, 7), (0.0, 1)])
def test_housing(serve, rng, module, name, test_split, seed):
    x, y = rng.random((23, 5)), rng.random(23)
    serve(name, _npz(x=x, y=y))
    (a, b), (c, d) = module.load_data(test_split=test_split, seed=seed)
    order = np.arange(23)
    np.random.RandomState(seed).shuffle(order)
    cut = int(23 * (1 - test_split))
    np.testing.assert_array_equal(a, x[order][:cut])
    np.testing.assert_array_equal(b, y[order][:cut])
    np.testing.assert_array_equal(c, x[order][cut:])
    np.testing.assert_array_equal(d, y[order][cut:])
    with pytest.raises(ValueError, match="test_split"):
        module.load_data(test_split=1.0)


def test_california_small_version(serve, rng):
    x, y = rng.random((700, 2)), rng.random(700)
    serve("california_housing.npz", _npz(x=x, y=y))
    (a, _), (c, _) = california_housing.load_data(version="small")
    assert len(a) + len(c) == 600
    assert set(map(tuple, np.concatenate([a, c]))) == set(map(tuple, x[:600]))
    with pytest.raises(ValueError, match="version"):
        california_housing.load_data(version="medium")


def test_offline_loader_says_where_to_put_the_file(cache, refused_url, monkeypatch):
    monkeypatch.setitem(remote.REMOTE_FILES, "mnist.npz",
                        (refused_url, remote.REMOTE_FILES["mnist.npz"][1]))
    with pytest.raises(Exception, match="place it at " + os.path.join(
            str(cache), "datasets", "mnist.npz")):
        mnist.load_data()
    assert not (cache / "datasets" / "mnist.npz").exists()


def test_a_file_placed_by_hand_is_used(serve, cache, rng):
    arrays = {k: rng.integers(0, 9, 3, dtype=np.uint8) for k in
              ("x_train", "y_train", "x_test", "y_test")}
    data = _npz(**arrays)
    serve("mnist.npz", data)
    (cache / "datasets").mkdir(parents=True)
    (cache / "datasets" / "mnist.npz").write_bytes(data)
    remote.REMOTE_FILES["mnist.npz"] = ("http://127.0.0.1:1/unreachable",
                                        remote.REMOTE_FILES["mnist.npz"][1])
    np.testing.assert_array_equal(mnist.load_data()[0][0], arrays["x_train"])
