"""MNIST handwritten digits (Keras' `mnist.npz`)."""
import numpy as np

from ckeras.datasets.remote import fetch

__all__ = ["load_data"]


def load_data(path="mnist.npz", cache_dir=None):
    """Loads the MNIST dataset: 60,000 training and 10,000 test images of
    the 10 digits, 28x28 grayscale.

    The file is Keras' own (`mnist.npz`), downloaded once into Keras' cache
    (`~/.keras/datasets/`); offline, copy it there by hand.

    Args:
        path: file name in the cache (`~/.keras/datasets`).
        cache_dir: the cache folder; None means `$KERAS_HOME` or `~/.keras`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 arrays of shapes
        (60000, 28, 28), (60000,), (10000, 28, 28), (10000,).

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_data()  # doctest: +SKIP
    """
    with np.load(fetch("mnist.npz", path, cache_dir), allow_pickle=False) as f:
        return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
