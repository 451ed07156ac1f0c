"""CIFAR-100: 32x32 colour images of 100 classes (20 superclasses)."""
import os

import numpy as np

from ckeras.backend import image_data_format
from ckeras.datasets.cifar import load_batch
from ckeras.datasets.remote import fetch

__all__ = ["load_data"]


def load_data(label_mode="fine", cache_dir=None):
    """Loads CIFAR-100: 50,000 training and 10,000 test images.

    Downloads `cifar-100-python.tar.gz` once into `~/.keras/datasets/` and
    unpacks it to `cifar-100-python/`, as Keras does; the pickled batches
    are parsed, never unpickled (see `ckeras.datasets.cifar10`).

    Args:
        label_mode: `"fine"` (100 classes) or `"coarse"` (20 superclasses).
        cache_dir: the cache folder; None means `$KERAS_HOME` or `~/.keras`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (n, 32, 32, 3)
        (channels first under `image_data_format() == "channels_first"`)
        and int64 labels of shape (n, 1).

    Raises:
        ValueError: for another `label_mode`.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError('`label_mode` must be one of `"fine"`, `"coarse"`. '
                         f"Received: label_mode={label_mode}.")
    path = fetch("cifar-100-python", cache_dir=cache_dir, untar=True)
    x_train, y_train = load_batch(os.path.join(path, "train"), label_key=label_mode + "_labels")
    x_test, y_test = load_batch(os.path.join(path, "test"), label_key=label_mode + "_labels")
    y_train = np.reshape(y_train, (len(y_train), 1))
    y_test = np.reshape(y_test, (len(y_test), 1))
    if image_data_format() == "channels_last":
        x_train = x_train.transpose(0, 2, 3, 1)
        x_test = x_test.transpose(0, 2, 3, 1)
    return (x_train, y_train), (x_test, y_test)
