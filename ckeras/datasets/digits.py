"""The 8x8 handwritten digits (UCI optdigits test set, CC BY 4.0), shipped in the package."""
import os

import numpy as np

_PATH = os.path.join(os.path.dirname(__file__), "data", "digits.npz")


def load_data(test_split=0.2, seed=113):
    """Loads the digits as `(x_train, y_train), (x_test, y_test)`.

    Args:
        test_split: fraction of the 1,797 images held out for testing.
        seed: seed of the shuffle before splitting.

    Returns:
        Tuples of uint8 arrays: images (n, 8, 8) with values 0..16, labels (n,).
    """
    if not 0 < test_split < 1:
        raise ValueError(f"`test_split` must be in (0, 1), received {test_split!r}")
    with np.load(_PATH) as data:
        x, y = data["x"], data["y"]
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    n_test = int(round(len(x) * test_split))
    return (x[n_test:], y[n_test:]), (x[:n_test], y[:n_test])
