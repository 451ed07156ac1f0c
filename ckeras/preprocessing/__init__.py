"""Data preprocessing: `sequence` (padding, skip-grams, time series batches),
`text` (tokenisation, hashing, Tokenizer) and `image`; and, as in
tf.keras, `image_dataset_from_directory`, `text_dataset_from_directory`,
`timeseries_dataset_from_array` (defined in `ckeras.utils`).

Submodules load on first attribute access, so `import ckeras` stays cheap.
"""
import importlib

from ckeras.utils import (
    image_dataset_from_directory,
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)

_SUBMODULES = ("sequence", "text", "image")


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))


__all__ = ["image_dataset_from_directory", "text_dataset_from_directory",
           "timeseries_dataset_from_array", *_SUBMODULES]
