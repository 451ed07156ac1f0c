"""Where Keras' downloadable datasets live: each file's origin and hash, as
tf-keras 2.21 (and Keras 3 for california_housing) download them, and the
one function the loaders fetch them with (`get_file`, so Keras' cache under
`~/.keras/datasets` is shared)."""
import os

import numpy as np

from ckeras.utils.file_utils import get_file

KERAS_DATASETS = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"

# name -> (origin, sha256 or md5 hash, or None where Keras checks none)
REMOTE_FILES = {
    "mnist.npz": (KERAS_DATASETS + "mnist.npz",
                  "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"),
    "train-labels-idx1-ubyte.gz": (KERAS_DATASETS + "train-labels-idx1-ubyte.gz", None),
    "train-images-idx3-ubyte.gz": (KERAS_DATASETS + "train-images-idx3-ubyte.gz", None),
    "t10k-labels-idx1-ubyte.gz": (KERAS_DATASETS + "t10k-labels-idx1-ubyte.gz", None),
    "t10k-images-idx3-ubyte.gz": (KERAS_DATASETS + "t10k-images-idx3-ubyte.gz", None),
    "cifar-10-batches-py": ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                            "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),
    "cifar-100-python": ("https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                         "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"),
    "imdb.npz": (KERAS_DATASETS + "imdb.npz",
                 "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f"),
    "imdb_word_index.json": (KERAS_DATASETS + "imdb_word_index.json",
                             "bfafd718b763782e994055a2d397834f"),
    "reuters.npz": (KERAS_DATASETS + "reuters.npz",
                    "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916"),
    "reuters_word_index.json": (KERAS_DATASETS + "reuters_word_index.json",
                                "4d44cc38712099c9e383dc6e5f11a921"),
    "boston_housing.npz": (KERAS_DATASETS + "boston_housing.npz",
                           "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5"),
    "california_housing.npz": (KERAS_DATASETS + "california_housing.npz",
                               "1a2e3a52e0398de6463aebe6f4a8da34fb21fbb6b934cf88c3425e766f2a1a6f"),
}


def fetch(name, path=None, cache_dir=None, cache_subdir="datasets", untar=False):
    """The local path of the Keras dataset file `name` (saved as `path`,
    default `name`), downloaded into Keras' cache on first use."""
    origin, file_hash = REMOTE_FILES[name]
    if cache_dir:
        cache_dir = os.path.expanduser(cache_dir)
        os.makedirs(cache_dir, exist_ok=True)
    return get_file(path or name, origin=origin, file_hash=file_hash, cache_dir=cache_dir,
                    cache_subdir=cache_subdir, untar=untar)


def shuffled(seed, *arrays):
    """The arrays in the order of Keras' `np.random.RandomState(seed)`
    shuffle of `arange(len)` (one draw shared by all arrays)."""
    indices = np.arange(len(arrays[0]))
    np.random.RandomState(seed).shuffle(indices)
    return tuple(a[indices] for a in arrays)


def split_at(fraction_train, *arrays):
    """`(train..., test...)`: the first `int(len * fraction_train)` items
    and the rest, as fresh arrays (Keras' split)."""
    cut = int(len(arrays[0]) * fraction_train)
    return (tuple(np.array(a[:cut]) for a in arrays),
            tuple(np.array(a[cut:]) for a in arrays))
