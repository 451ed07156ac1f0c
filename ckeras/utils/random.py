"""One seed for every random source ckeras uses."""
import numpy as np

from ckeras import initializers


def set_random_seed(seed):
    """Seeds Python's `random`, NumPy's global generator and ckeras' initializers.

    Args:
        seed: an integer.
    """
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed!r}")
    import random

    random.seed(seed)
    np.random.seed(seed)
    initializers.set_seed(seed)
