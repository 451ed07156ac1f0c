"""California housing prices (Keras 3's `california_housing.npz`)."""
import numpy as np

from ckeras.datasets.remote import fetch, shuffled, split_at

__all__ = ["load_data"]


def load_data(version="large", path="california_housing.npz", test_split=0.2, seed=113,
              cache_dir=None):
    """Loads the California housing dataset: 20,640 districts of the 1990
    census, 8 features each, the target being the median house value.

    Args:
        version: `"large"` (every sample) or `"small"` (the first 600).
        path: file name in the cache (`~/.keras/datasets`).
        test_split: fraction of the data held out for testing, in [0, 1).
        seed: seed of the shuffle before splitting.
        cache_dir: the cache folder; None means `$KERAS_HOME` or `~/.keras`.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float arrays.

    Raises:
        ValueError: an unknown `version` or `test_split` outside [0, 1).
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 "
                         "and 1 (exclusive of 1).")
    if version not in ("small", "large"):
        raise ValueError("Argument `version` must be one of 'small', 'large'. "
                         f"Received: version={version}")
    with np.load(fetch("california_housing.npz", path, cache_dir), allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    if version == "small":
        x, y = x[:600], y[:600]
    return split_at(1 - test_split, *shuffled(seed, x, y))
