"""The kernel registry: the one place that imports the compiled kernels
(``ckeras._ext``) and their NumPy references (``ckeras.kernels.reference``).

Every kernel family is four files with one stem: ``csrc/ck_<family>*``,
``ckeras/_ext/_<family>.pyx``, ``ckeras/kernels/reference/<family>.py`` and
``tests/kernels/test_<family>.py``. ``FAMILIES`` lists the ops of each; an
op has the same name and signature in both implementations.

    from ckeras.kernels import kernels
    y = kernels().dense_fwd(x, w, b, code)

* ``CKERAS_KERNELS=numpy`` in the environment selects the references for
  every op (``CKERAS_KERNELS=c``, the default, selects C).
* ``set_kernels('c' | 'numpy')`` switches at run time and returns the
  previous choice; ``use_kernels(name)`` does the same for a ``with`` block.
* In 'c' mode a family whose extension module fails to import falls back to
  its reference, with a RuntimeWarning.

Importing this module imports nothing heavy: the extensions are loaded on
the first ``kernels()`` call.
"""
import contextlib
import importlib
import os
import threading
import types
import warnings

__all__ = ["FAMILIES", "RUNTIME", "kernels", "kernels_name", "set_kernels", "use_kernels",
           "c_module", "reference_module", "blas_info", "set_blas_threads", "get_blas_threads",
           "numpy_blas_one_thread",
           "set_helper_enabled", "helper_enabled", "core_budget"]

FAMILIES = {
    "act": ("act_fwd", "act_bwd"),
    "dense": ("dense_fwd", "dense_bwd", "embedding_bwd", "chain_sparse_xent_step"),
    "conv": ("conv2d_fwd", "conv2d_bwd", "pool2d_fwd", "pool2d_bwd", "conv3d_fwd", "conv3d_bwd",
             "pool3d_fwd", "pool3d_bwd"),
    "rnn": ("lstm_fwd", "lstm_bwd", "lstm_infer", "gru_fwd", "gru_bwd", "simple_fwd",
            "simple_bwd"),
    "bidirectional": ("reverse_time", "bidir_merge_fwd", "bidir_merge_bwd"),
    "attention": ("sdpa_fwd", "sdpa_bwd"),
    "convlstm": ("convlstm_fwdx", "convlstm_bwdx"),
    "blas": ("gemm",),
    "sequence": ("lengths", "pad_rows"),
    "text": ("make_table", "words", "md5_mod_text", "md5_mod_tokens", "md5_int", "hash_mod_text",
             "Vocab", "token_table", "tokenize", "hash_buckets", "fingerprint64",
             "bag_encode"),
    "image": ("affine", "spline_filter", "affine_spline", "resize_taps", "resize_u8",
              "pillow_pixels", "projective"),
    "optim": ("adam_update", "adam_update_many", "rmsprop_update", "sgd_update"),
    "dropout": ("dropout_mask",),
    "normalization": ("layer_norm_fwd", "layer_norm_bwd"),
    "elementwise": ("add", "mse_fwd", "mse_bwd", "sparse_xent_fwd", "sparse_xent_bwd"),
    "gather": ("gather_rows",),
}
# Compiled modules that hold no kernels: "threads" owns the kernels' helper
# thread (csrc/ck_threads.h), which the other modules attach to at import.
RUNTIME = ("threads", "memory")
_NAMES = ("c", "numpy")

_active = None   # the namespace kernels() returns
_name = None     # 'c' or 'numpy'


def c_module(family):
    """The compiled module of a kernel family, or of a RUNTIME module: the
    kernels' helper thread (``"threads"``) or the array buffer cache
    (``"memory"``), which own no kernels; ImportError when not built."""
    return importlib.import_module(f"ckeras._ext._{family}")


def reference_module(family):
    """The NumPy reference module of a kernel family."""
    return importlib.import_module(f"ckeras.kernels.reference.{family}")


def _build(name):
    ops, impl, failed = {}, {}, {}
    for family, names in FAMILIES.items():
        module, kind = None, "numpy"
        if name == "c":
            try:
                module, kind = c_module(family), "c"
            except ImportError as exc:
                failed[family] = f"{type(exc).__name__}: {exc}"
        if module is None:
            module = reference_module(family)
        for op in names:
            ops[op] = getattr(module, op)
            impl[op] = kind
    if failed:
        warnings.warn("ckeras: C kernels unavailable, using the NumPy reference for "
                      + "; ".join(f"{family} ({why})" for family, why in failed.items()),
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
    """The active kernels: a namespace with every op of `FAMILIES`, plus
    `name` ('c' or 'numpy') and `implementation` (op -> 'c' or 'numpy')."""
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
    """Switches every op to 'c' or 'numpy'; returns the previous mode.

    Unlike the automatic choice, an explicit 'c' raises ImportError when a
    C extension cannot be loaded.
    """
    global _active, _name
    if name not in _NAMES:
        raise ValueError(f"kernels must be one of {_NAMES}, got {name!r}")
    previous = kernels_name()
    if name == "c":
        for family in FAMILIES:
            c_module(family)   # raises if unavailable
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


# Run-time controls of the compiled side. They act on the C library whatever
# the mode, since NumPy's own OpenBLAS is the BLAS the kernels call.
def blas_info():
    """Which BLAS the C kernels use (source, library, symbol, threads, ...)."""
    return c_module("blas").info()


def set_blas_threads(n):
    """Threads of each kernel GEMM: None lets ckeras decide per call (the
    default), n hands every GEMM to the BLAS's own pool of n threads.
    Returns the previous value."""
    return c_module("blas").set_threads(n)


def get_blas_threads():
    """None when ckeras decides each GEMM's threads, else set_blas_threads' n."""
    return c_module("blas").threads()


_numpy_pool_lock = threading.Lock()
_numpy_pool_users = [0, None]   # blocks inside numpy_blas_one_thread, saved count


@contextlib.contextmanager
def numpy_blas_one_thread():
    """``with numpy_blas_one_thread(): q, r = np.linalg.qr(a)`` runs the
    block's NumPy BLAS/LAPACK calls on one thread, then gives NumPy's pool
    its count back. For small factorizations ckeras makes itself (build
    time), whose threaded form leaves OpenBLAS workers spinning on the core
    the kernels' helper thread needs (see ``_blas.numpy_pool_threads``).
    Nested and concurrent blocks restore the count once, after the last."""
    try:
        control = c_module("blas").numpy_pool_threads
    except ImportError:   # no compiled BLAS module: nothing to narrow
        control = None
    if control is not None:
        with _numpy_pool_lock:
            if _numpy_pool_users[0] == 0:
                _numpy_pool_users[1] = control(1)
            _numpy_pool_users[0] += 1
    try:
        yield
    finally:
        if control is not None:
            with _numpy_pool_lock:
                _numpy_pool_users[0] -= 1
                if _numpy_pool_users[0] == 0 and _numpy_pool_users[1] not in (None, 1):
                    control(_numpy_pool_users[1])


def core_budget():
    """How many cores this process may use (affinity mask and cgroup quota)."""
    return c_module("threads").core_budget()


def set_helper_enabled(on):
    """Lets kernels share a call with ckeras's helper thread (or not);
    returns the previous setting."""
    return c_module("threads").set_helper_enabled(bool(on))


def helper_enabled():
    """Whether kernels may use the helper thread."""
    return bool(c_module("threads").helper_enabled())
