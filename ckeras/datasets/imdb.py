"""IMDB movie reviews as word-index sequences (Keras' `imdb.npz`)."""
import numpy as np

from ckeras.datasets.pickle_reader import read_npz
from ckeras.datasets.remote import fetch
from ckeras.datasets.sequences import (
    check_kwargs,
    drop_long,
    encode,
    load_word_index,
    offset,
    to_object_array,
)

__all__ = ["get_word_index", "load_data"]


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, cache_dir=None, **kwargs):
    """Loads the IMDB sentiment dataset: 25,000 training and 25,000 test
    reviews, each a list of word indices (by frequency rank), labelled
    0 (negative) or 1 (positive).

    Downloads Keras' `imdb.npz` once into `~/.keras/datasets/`; its object
    arrays are parsed, never unpickled.

    Args:
        path: file name in the cache.
        num_words: keep the words of rank below `num_words` (others become
            `oov_char`); None keeps all.
        skip_top: also replace the `skip_top` most frequent words.
        maxlen: drop the sequences of `maxlen` words or more.
        seed: seed of the shuffle (train and test are shuffled separately).
        start_char: index put at the start of every sequence (None: none).
        oov_char: index of replaced words; None drops them instead.
        index_from: offset added to every word index.
        cache_dir: the cache folder; None means `$KERAS_HOME` or `~/.keras`.
        **kwargs: only the Keras 1 name `nb_words` of `num_words`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: x are 1-D object arrays of
        lists of ints, y int arrays of labels.

    Raises:
        ValueError: `maxlen` removed every sequence of a split.
        TypeError: an unknown keyword argument.
    """
    num_words = check_kwargs(kwargs) or num_words
    data = read_npz(fetch("imdb.npz", path, cache_dir))
    x_train, labels_train = data["x_train"], data["y_train"]
    x_test, labels_test = data["x_test"], data["y_test"]
    rng = np.random.RandomState(seed)  # one generator: the test shuffle follows the train one
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]

    x_train = offset(x_train, start_char, index_from)
    x_test = offset(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             "sequence was kept. Increase maxlen.")
    xs = encode(list(x_train) + list(x_test), num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    idx = len(x_train)
    return ((to_object_array(xs[:idx]), labels[:idx]),
            (to_object_array(xs[idx:]), labels[idx:]))


def get_word_index(path="imdb_word_index.json"):
    """The word -> index dict of the IMDB dataset (before `index_from`).

    Returns:
        A dict, e.g. `{"the": 1, ...}`.
    """
    return load_word_index("imdb_word_index.json", path)
