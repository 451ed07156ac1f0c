"""Data preprocessing: `sequence` (padding, skip-grams, time series batches),
`text` (tokenisation, hashing, Tokenizer) and `image`.

Submodules load on first attribute access, so `import ckeras` stays cheap.
"""
import importlib

_SUBMODULES = ("sequence", "text", "image")


def __getattr__(name):
    if name in _SUBMODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
