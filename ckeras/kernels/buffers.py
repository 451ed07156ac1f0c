"""Large array buffers kept from one step to the next.

Inside `cached()` (entered by the engine around a training or test step,
at the top of a model or layer call, and by `GradientTape.gradient`),
NumPy allocates arrays through ckeras' buffer cache (csrc/ck_memory.h):
a freed buffer of 64 KiB or more is kept, by size, for the next array of
that size, instead of going back to the kernel and being faulted in again
on the next step. Arrays allocated elsewhere keep NumPy's allocator; an
array made inside and freed later still returns its buffer to the cache.
`release()` (called by `backend.clear_session()`) frees what is kept.
"""
from ckeras.kernels import c_module

_memory = None
_loaded = False


def _module():
    """The compiled cache, loaded on first use (`import ckeras` loads no
    extension), or None in a build without the compiled core."""
    global _memory, _loaded
    if not _loaded:
        try:
            _memory = c_module("memory")
        except ImportError:   # NumPy's allocator throughout
            _memory = None
        _loaded = True
    return _memory


def enter():
    """Starts allocating through the cache in this context; returns the
    token `leave` takes (the bare form of `cached()`, for hot paths)."""
    m = _memory if _loaded else _module()
    return None if m is None else m.set_handler(m.HANDLER)


def leave(token):
    """Ends what the `enter` that returned `token` started."""
    if token is not None:
        _memory.set_handler(token)


class cached:
    """Context in which NumPy allocates through the buffer cache (nests).

    Example:
        >>> with cached():
        ...     y = np.empty((256, 1024), np.float32)   # from the cache
    """

    __slots__ = ("_old",)

    def __enter__(self):
        self._old = enter()
        return self

    def __exit__(self, *exc):
        leave(self._old)
        return False


def cached_bytes():
    """Bytes of freed buffers the cache holds."""
    m = _module()
    return 0 if m is None else m.cached()[0]


def release():
    """Frees every buffer the cache holds."""
    m = _module()
    if m is not None:
        m.release()
