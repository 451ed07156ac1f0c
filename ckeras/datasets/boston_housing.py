"""Boston housing prices (Keras' `boston_housing.npz`)."""
import numpy as np

from ckeras.datasets.remote import fetch, shuffled, split_at

__all__ = ["load_data"]


def load_data(path="boston_housing.npz", test_split=0.2, seed=113, cache_dir=None):
    """Loads the Boston housing dataset: 506 samples of 13 features, the
    target being the median home value in k$.

    Args:
        path: file name in the cache (`~/.keras/datasets`).
        test_split: fraction of the data held out for testing, in [0, 1).
        seed: seed of the shuffle before splitting.
        cache_dir: the cache folder; None means `$KERAS_HOME` or `~/.keras`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float64 arrays.

    Raises:
        ValueError: `test_split` outside [0, 1).
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         "and 1 (exclusive of 1).")
    with np.load(fetch("boston_housing.npz", path, cache_dir), allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    return split_at(1 - test_split, *shuffled(seed, x, y))
