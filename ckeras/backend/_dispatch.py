"""Pick the implementation of each kernel: C (``ckeras._ext``) or the NumPy
reference (``ckeras.backend._reference*``).

    from ckeras.backend._dispatch import kernels
    y = kernels().dense_fwd(x, w, b, code)

* ``CKERAS_KERNELS=numpy`` in the environment forces the references
  (``CKERAS_KERNELS=c``, the default, asks for C).
* ``set_kernels('c' | 'numpy')`` switches at run time (tests); it returns the
  previous choice. ``use_kernels(name)`` does the same for a ``with`` block.
* In 'c' mode an op whose extension module fails to import falls back to its
  reference, with a RuntimeWarning; an op with no C kernel (yet) simply uses
  its reference.

Importing this module imports nothing heavy: the extensions are loaded on
the first ``kernels()`` call.
"""
import contextlib
import importlib
import os
import types
import warnings

__all__ = ["kernels", "set_kernels", "use_kernels", "kernels_name", "OPS"]

# op -> (extension module, attribute) of its C implementation. An op listed
# in OPS but not here runs its reference in both modes.
_C_OPS = {
    "act_fwd": ("ckeras._ext._act", "act_fwd"),
    "act_bwd": ("ckeras._ext._act", "act_bwd"),
    "dense_fwd": ("ckeras._ext._dense", "dense_fwd"),
    "dense_bwd": ("ckeras._ext._dense", "dense_bwd"),
    "conv2d_fwd": ("ckeras._ext._conv", "conv2d_fwd"),
    "conv2d_bwd": ("ckeras._ext._conv", "conv2d_bwd"),
    "pool2d_fwd": ("ckeras._ext._conv", "pool2d_fwd"),
    "pool2d_bwd": ("ckeras._ext._conv", "pool2d_bwd"),
    "lstm_fwd": ("ckeras._ext._rnn", "lstm_fwd"),
    "lstm_bwd": ("ckeras._ext._rnn", "lstm_bwd"),
    "lstm_infer": ("ckeras._ext._rnn", "lstm_infer"),
    "gru_fwd": ("ckeras._ext._rnn", "gru_fwd"),
    "gru_bwd": ("ckeras._ext._rnn", "gru_bwd"),
    "simple_fwd": ("ckeras._ext._rnn", "simple_fwd"),
    "simple_bwd": ("ckeras._ext._rnn", "simple_bwd"),
    "reverse_time": ("ckeras._ext._bidirectional", "reverse_time"),
    "bidir_merge_fwd": ("ckeras._ext._bidirectional", "bidir_merge_fwd"),
    "bidir_merge_bwd": ("ckeras._ext._bidirectional", "bidir_merge_bwd"),
}
OPS = ("act_fwd", "act_bwd", "dense_fwd", "dense_bwd", "conv2d_fwd", "conv2d_bwd",
       "pool2d_fwd", "pool2d_bwd", "lstm_fwd", "lstm_bwd", "lstm_infer", "gru_fwd",
       "gru_bwd", "simple_fwd", "simple_bwd", "reverse_time", "bidir_merge_fwd", "bidir_merge_bwd")
_NAMES = ("c", "numpy")

_active = None   # the namespace kernels() returns
_name = None     # 'c' or 'numpy'


def _reference_ops():
    from ckeras.backend import _reference, _reference_bidirectional, _reference_rnn
    modules = (_reference, _reference_rnn, _reference_bidirectional)
    return {op: next(getattr(m, op) for m in modules if hasattr(m, op)) for op in OPS}


def _build(name):
    ops = _reference_ops()
    impl = dict.fromkeys(OPS, "numpy")
    if name == "c":
        failed = {}
        for op in OPS:
            if op not in _C_OPS:
                continue
            module, attr = _C_OPS[op]
            try:
                ops[op] = getattr(importlib.import_module(module), attr)
                impl[op] = "c"
            except Exception as exc:  # any failure: fall back to the reference
                failed[op] = f"{type(exc).__name__}: {exc}"
        if failed:
            warnings.warn("ckeras: C kernels unavailable, using the NumPy reference for "
                          + "; ".join(f"{op} ({why})" for op, why in failed.items()),
                          RuntimeWarning, stacklevel=3)
    return types.SimpleNamespace(name=name, implementation=impl, **ops)


def _env_choice():
    value = os.environ.get("CKERAS_KERNELS", "c").strip().lower() or "c"
    if value not in _NAMES:
        warnings.warn(f"CKERAS_KERNELS={value!r} is not one of {_NAMES}; using 'c'",
                      RuntimeWarning, stacklevel=3)
        value = "c"
    return value


def kernels():
    """The active kernels: a namespace with act_fwd, act_bwd, dense_fwd,
    dense_bwd, plus `name` ('c'/'numpy') and `implementation` (op -> 'c'/'numpy')."""
    global _active, _name
    if _active is None:
        _name = _env_choice()
        _active = _build(_name)
    return _active


def kernels_name():
    """'c' or 'numpy': the mode kernels() is in."""
    kernels()
    return _name


def set_kernels(name):
    """Switch every op to 'c' or 'numpy'; returns the previous mode.

    Unlike the automatic choice, an explicit 'c' raises ImportError when the
    C extension cannot be loaded.
    """
    global _active, _name
    if name not in _NAMES:
        raise ValueError(f"kernels must be one of {_NAMES}, got {name!r}")
    previous = kernels_name()
    if name == "c":
        for module, _ in set(_C_OPS.values()):
            importlib.import_module(module)   # raises if unavailable
    _active = _build(name)
    _name = name
    return previous


@contextlib.contextmanager
def use_kernels(name):
    """``with use_kernels('numpy'): ...`` runs the block on those kernels."""
    global _active, _name
    saved = (kernels(), _name)
    set_kernels(name)
    try:
        yield kernels()
    finally:
        _active, _name = saved
