"""`K.experimental`: the random-generator switches of tf-keras 2.x.

tf-keras can draw the random numbers of its layers and initializers from
TensorFlow's stateless generator instead of its legacy ops. ckeras has one
generator (NumPy's, seeded by `ckeras.utils.set_random_seed`), so the
TensorFlow generator is never enabled.
"""


def is_tf_random_generator_enabled():
    """False: ckeras draws random numbers with NumPy's generator."""
    return False


def enable_tf_random_generator():
    """Not available: ckeras has no TensorFlow generator to switch to.

    Raises:
        NotImplementedError: always; seed NumPy's generator with
            `ckeras.utils.set_random_seed` for reproducible draws.
    """
    raise NotImplementedError(
        "K.experimental.enable_tf_random_generator: ckeras draws random numbers with "
        "NumPy's generator only; use ckeras.utils.set_random_seed(seed) for reproducible "
        "results.")


def disable_tf_random_generator():
    """Without effect: the TensorFlow generator is never enabled in ckeras."""


__all__ = ["disable_tf_random_generator", "enable_tf_random_generator",
           "is_tf_random_generator_enabled"]
