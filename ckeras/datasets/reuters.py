"""Reuters newswire topics as word-index sequences (Keras' `reuters.npz`)."""
import numpy as np

from ckeras.datasets.pickle_reader import read_npz
from ckeras.datasets.remote import fetch, shuffled
from ckeras.datasets.sequences import (
    check_kwargs,
    drop_long,
    encode,
    load_word_index,
    offset,
    to_object_array,
)

__all__ = ["get_label_names", "get_word_index", "load_data"]

_LABELS = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing",
           "money-supply", "coffee", "sugar", "trade", "reserves", "ship", "cotton", "carcass",
           "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp", "meal-feed", "alum",
           "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
           "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem",
           "dlr", "gas", "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3, cache_dir=None, **kwargs):
    """Loads the Reuters newswire dataset: 11,228 newswires over 46 topics,
    each a list of word indices (by frequency rank).

    Downloads Keras' `reuters.npz` once into `~/.keras/datasets/`; its
    object arrays are parsed, never unpickled.

    Args:
        path: file name in the cache.
        num_words: keep the words of rank below `num_words`; None keeps all.
        skip_top: also replace the `skip_top` most frequent words.
        maxlen: drop the sequences of `maxlen` words or more.
        test_split: fraction of the data held out for testing.
        seed: seed of the shuffle before splitting.
        start_char: index put at the start of every sequence (None: none).
        oov_char: index of replaced words; None drops them instead.
        index_from: offset added to every word index.
        cache_dir: the cache folder; None means `$KERAS_HOME` or `~/.keras`.
        **kwargs: only the Keras 1 name `nb_words` of `num_words`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: x are 1-D object arrays of
        lists of ints, y int arrays of topic indices (see
        `get_label_names`).
    """
    num_words = check_kwargs(kwargs) or num_words
    data = read_npz(fetch("reuters.npz", path, cache_dir))
    xs, labels = shuffled(seed, data["x"], data["y"])
    xs = offset(xs, start_char, index_from)
    if maxlen:
        xs, labels = drop_long(maxlen, xs, labels)
    xs = encode(list(xs), num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    return ((to_object_array(xs[:idx]), np.array(labels[:idx])),
            (to_object_array(xs[idx:]), np.array(labels[idx:])))


def get_word_index(path="reuters_word_index.json"):
    """The word -> index dict of the Reuters dataset (before `index_from`)."""
    return load_word_index("reuters_word_index.json", path)


def get_label_names():
    """The 46 topic names, in label order: `get_label_names()[y]`."""
    return _LABELS
