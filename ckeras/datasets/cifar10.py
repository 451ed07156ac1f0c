"""CIFAR-10: 32x32 colour images of 10 classes, from the python version of
the archive Keras downloads."""
import os

import numpy as np

from ckeras.backend import image_data_format
from ckeras.datasets.cifar import load_batch
from ckeras.datasets.remote import fetch

__all__ = ["load_data"]


def load_data(cache_dir=None):
    """Loads CIFAR-10: 50,000 training and 10,000 test images.

    Downloads `cifar-10-python.tar.gz` once into `~/.keras/datasets/` and
    unpacks it to `cifar-10-batches-py/`, as Keras does. The batches are
    Python pickles; ckeras reads them with a parser that accepts only their
    data (dicts, lists, NumPy arrays) and never unpickles.

    Labels: 0 airplane, 1 automobile, 2 bird, 3 cat, 4 deer, 5 dog, 6 frog,
    7 horse, 8 ship, 9 truck.

    Args:
        cache_dir: the cache folder; None means `$KERAS_HOME` or `~/.keras`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (n, 32, 32, 3)
        (channels first under `image_data_format() == "channels_first"`)
        and uint8 labels of shape (n, 1).
    """
    path = fetch("cifar-10-batches-py", cache_dir=cache_dir, untar=True)
    parts = [load_batch(os.path.join(path, f"data_batch_{i}")) for i in range(1, 6)]
    x_train = np.concatenate([x for x, _ in parts]).astype("uint8")
    y_train = np.concatenate([np.asarray(y) for _, y in parts]).astype("uint8")
    x_test, y_test = load_batch(os.path.join(path, "test_batch"))
    y_train = y_train.reshape(len(y_train), 1)
    y_test = np.reshape(y_test, (len(y_test), 1)).astype(y_train.dtype)
    if image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test.astype(x_train.dtype), y_test)
