"""Fashion-MNIST (Zalando's article images), in the gzipped IDX files Keras
downloads."""
import gzip
import os

import numpy as np

from ckeras.datasets.remote import fetch

__all__ = ["load_data"]

_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
          "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz")


def _idx(path, offset):
    with gzip.open(path, "rb") as f:
        data = f.read()
    if len(data) < offset:
        raise ValueError(f"{path!r} is too short to be an IDX file.")
    return np.frombuffer(data, np.uint8, offset=offset)


def load_data(cache_dir=None):
    """Loads Fashion-MNIST: 60,000 training and 10,000 test 28x28 grayscale
    images of 10 kinds of clothing.

    The four IDX files are downloaded once into
    `~/.keras/datasets/fashion-mnist/`, as Keras does.

    Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat,
    5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot.

    Args:
        cache_dir: the cache folder; None means `$KERAS_HOME` or `~/.keras`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,).
    """
    subdir = os.path.join("datasets", "fashion-mnist")
    paths = [fetch(name, cache_dir=cache_dir, cache_subdir=subdir) for name in _FILES]
    y_train = _idx(paths[0], 8)
    x_train = _idx(paths[1], 16).reshape(len(y_train), 28, 28)
    y_test = _idx(paths[2], 8)
    x_test = _idx(paths[3], 16).reshape(len(y_test), 28, 28)
    return (x_train, y_train), (x_test, y_test)
