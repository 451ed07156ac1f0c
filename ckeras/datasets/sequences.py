"""The word-index preprocessing shared by imdb and reuters: Keras' exact
steps, from the stored sequences to the returned object arrays."""
import json
import warnings

import numpy as np

from ckeras.datasets.remote import fetch

__all__ = ["check_kwargs", "encode", "load_word_index", "to_object_array"]


def check_kwargs(kwargs):
    """The `num_words` given under its Keras 1 name `nb_words`, if any."""
    num_words = None
    if "nb_words" in kwargs:
        warnings.warn("The `nb_words` argument in `load_data` has been renamed `num_words`.",
                      stacklevel=3)
        num_words = kwargs.pop("nb_words")
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {kwargs}.")
    return num_words


def offset(xs, start_char, index_from):
    """Each sequence shifted by `index_from`, behind `start_char`."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return xs


def drop_long(maxlen, xs, labels):
    """Only the sequences shorter than `maxlen` (Keras keeps `len < maxlen`)."""
    keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
    return [xs[i] for i in keep], [labels[i] for i in keep]


def encode(xs, num_words, skip_top, oov_char):
    """Words outside `[skip_top, num_words)` become `oov_char` (or are
    dropped when it is None); `num_words` None means the largest index."""
    if not num_words:
        num_words = max(max(x) for x in xs)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def to_object_array(xs):
    """A 1-D object array of lists, as Keras returns (never a 2-D array,
    even when every list has the same length)."""
    out = np.empty(len(xs), dtype=object)
    for i, x in enumerate(xs):
        out[i] = x
    return out


def load_word_index(name, path):
    """The word -> index dict of the JSON file `name`."""
    with open(fetch(name, path), encoding="utf-8") as f:
        return json.load(f)
