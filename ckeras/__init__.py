"""ckeras: the Keras 2 API on NumPy and C kernels.

Example:
    >>> from ckeras.models import Sequential
    >>> from ckeras.layers import Dense
    >>> model = Sequential([Dense(10, activation='softmax', input_shape=(784,))])
"""
__version__ = "0.1.0"

from ckeras import (  # noqa: E402  # noqa: E402
    activations,
    backend,  # noqa: E402
    constraints,
    initializers,
    layers,
    models,
    regularizers,
    utils,
)
from ckeras.autograd import GradientTape, UnconnectedGradients, convert_to_tensor  # noqa: E402
from ckeras.engine import Input, Layer, Model, Sequential  # noqa: E402

# Loaded on first attribute access (`ckeras.optimizers.Adam`), so that
# `import ckeras` stays about as fast as `import numpy`.
_LAZY = ("optimizers", "losses", "metrics", "callbacks", "preprocessing", "datasets",
         "saving", "objectives", "distribute")


def __getattr__(name):
    if name in _LAZY:
        import importlib
        return importlib.import_module(f"ckeras.{name}")
    raise AttributeError(f"module 'ckeras' has no attribute {name!r}")


__all__ = ["backend", "layers", "models", "utils", "activations", "initializers",
           "regularizers", "constraints", "Input", "Layer", "Model", "Sequential",
           "GradientTape", "UnconnectedGradients", "convert_to_tensor",
           "__version__"]
