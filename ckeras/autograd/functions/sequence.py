"""Sequence Functions of the Bidirectional wrapper: tiny tape nodes over the
``bidirectional`` kernels of ``ckeras.kernels`` (C or the NumPy references).

* ``ReverseTime``: ``x`` reversed along its time axis (attribute
  ``time_axis``: 1 for batch-major sequences, the default, 0 for time-major).
  The backward reverses the gradient.
* ``BidirectionalMerge``: ``merge(f, reverse_time(b) if reverse else b)``,
  the output of Bidirectional from its forward half ``f`` and backward half
  ``b``. Attributes ``mode`` ('concat', 'sum', 'mul', 'ave'), ``reverse``
  (``b`` is a sequence in the backward half's processing order) and
  ``time_axis``. The backward splits the gradient onto the two halves, the
  backward half's in its own time order.
"""
import numpy as np

from ckeras.autograd.function import Function
from ckeras.kernels import kernels

__all__ = ["ReverseTime", "BidirectionalMerge", "reverse_time", "bidirectional_merge"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _float_dtype(*arrays):
    dt = np.result_type(*arrays)
    return dt if dt in _FLOATS else np.dtype(np.float32)


def _reverse(a, time_axis):
    """The time reverse of an array with the kernel: the dims before time are
    folded into the kernel's N, the dims after it into its D (free reshapes of
    a C-contiguous array)."""
    a = np.ascontiguousarray(a)
    if a.dtype not in _FLOATS:
        return np.ascontiguousarray(np.flip(a, time_axis))
    shape = a.shape
    n = int(np.prod(shape[:time_axis], dtype=np.int64))
    d = int(np.prod(shape[time_axis + 1:], dtype=np.int64))
    y, _ = kernels().reverse_time(a.reshape((n, shape[time_axis], d)))
    return y.reshape(shape)


class ReverseTime(Function):
    time_axis = 1

    def forward(self, x):
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(f"reverse_time needs a (batch, time, ...) sequence; "
                             f"received shape {x.shape}")
        self.axis = int(self.time_axis) % x.ndim
        return _reverse(x, self.axis)

    def backward(self, g):
        return _reverse(g, self.axis)


class BidirectionalMerge(Function):
    mode = "concat"
    reverse = False
    time_axis = 1

    def forward(self, f, b):
        dt = _float_dtype(f, b)
        f = np.ascontiguousarray(f, dtype=dt)
        b = np.ascontiguousarray(b, dtype=dt)
        self.dtype = dt
        self.saved = (f, b)
        return kernels().bidir_merge_fwd(f, b, self.mode, bool(self.reverse), self.time_axis)

    def backward(self, g):
        f, b = self.saved
        need = self.needs_input_grad or (True, True)
        g = np.ascontiguousarray(g, dtype=self.dtype)
        return kernels().bidir_merge_bwd(g, f, b, self.mode, bool(self.reverse),
                                         self.time_axis, need_df=bool(need[0]),
                                         need_db=bool(need[1]))


def reverse_time(x, time_axis=1):
    """`x` reversed along `time_axis` (a taped node when `x` is a Tensor)."""
    return ReverseTime.apply(x, time_axis=time_axis)


def bidirectional_merge(f, b, mode="concat", reverse=False, time_axis=1):
    """The merged output of a Bidirectional layer (see the module docstring)."""
    return BidirectionalMerge.apply(f, b, mode=mode, reverse=reverse, time_axis=time_axis)
