"""The argument contract of the kernels, as the NumPy references check it.

The Cython wrappers check the same things in ``ckeras/_ext/_checks.pxd``
(with the GIL held, before releasing it) and raise the same exception types
and messages, so code switched between the two behaves alike; the kernel
tests compare both on bad input. Imports NumPy only.
"""
import numpy as np

from ckeras.kernels.codes import RECURRENT_ACTS, Act, Merge

__all__ = ["c_int", "c_long_long", "c_double", "check_array", "check_act",
           "check_recurrent_act", "check_recurrent", "check_mask", "merge_code", "check_reverse",
           "check_merge", "check_merge_bwd"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


# What Cython does to an argument declared as a C number, so a reference
# accepts, converts and refuses the same values as its compiled twin: ints
# through __int__ (a float is truncated), doubles through __float__ or
# __index__, each with Cython's exception and message.
def c_long_long(value):
    """The value of a `long long` argument."""
    if not isinstance(value, int):
        to_int = getattr(type(value), "__int__", None)
        if to_int is None:
            raise TypeError("an integer is required")
        value = to_int(value)
    value = int(value)
    if not -(1 << 63) <= value < (1 << 63):
        raise OverflowError("Python int too large to convert to C long")
    return value


def c_int(value):
    """The value of an `int` argument."""
    value = c_long_long(value)
    if not -(1 << 31) <= value < (1 << 31):
        raise OverflowError("value too large to convert to int")
    return value


def c_double(value):
    """The value of a `double` argument."""
    if isinstance(value, float):
        return float(value)
    for method in ("__float__", "__index__"):
        convert = getattr(type(value), method, None)
        if convert is not None:
            return float(convert(value))
    raise TypeError(f"must be real number, not {type(value).__name__}")


def check_array(a, name, ndim=None, dtype=None, contiguous=True):
    """A C-contiguous, aligned, native float32/float64 ndarray; returns its dtype.

    `ndim` None accepts any rank; `dtype` None accepts either float type,
    else the dtype must be exactly `dtype`. `contiguous=False` accepts any
    memory layout (kernels that take element strides).
    """
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(a).__name__}")
    if a.dtype.kind == "f" and not a.dtype.isnative:
        raise ValueError(f"{name} must be aligned and in native byte order")
    if a.dtype not in _FLOATS:
        raise ValueError(f"{name} must have dtype float32 or float64, got {a.dtype}")
    if dtype is not None and a.dtype != dtype:
        raise ValueError(f"{name} has dtype {a.dtype}, expected {dtype} "
                         f"(all arrays of one call share a dtype)")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {a.shape}")
    if contiguous and not a.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (use numpy.ascontiguousarray)")
    if not a.flags.aligned:
        raise ValueError(f"{name} must be aligned and in native byte order")
    return a.dtype


def check_act(code):
    """An activation code of `Act`; returns it as an int."""
    code = int(code)
    if code < 0 or code >= len(Act):
        raise ValueError(f"code must be an activation code in [0, {len(Act)}), got {code}")
    return code


def check_recurrent_act(code, name):
    """An elementwise activation code (softmax has no meaning in a gate)."""
    code = int(code)
    if code not in RECURRENT_ACTS:
        raise ValueError(f"{name} must be an elementwise activation code "
                         f"(linear, relu, sigmoid, tanh, hard_sigmoid), got {code}")
    return code


def check_recurrent(x, W, R, h0, mask, gates):
    """Checks shared by the recurrent kernels; returns (dtype, B, T, F, U)."""
    dt = check_array(x, "x", 3)
    check_array(W, "kernel", 2, dt)
    check_array(R, "recurrent_kernel", 2, dt)
    B, T, F = x.shape
    U = R.shape[0]
    if W.shape != (F, gates * U):
        raise ValueError(f"kernel has shape {W.shape}, expected ({F}, {gates * U})")
    if R.shape != (U, gates * U):
        raise ValueError(f"recurrent_kernel has shape {R.shape}, expected ({U}, {gates * U})")
    if T == 0:
        raise ValueError("the input sequence must have at least one timestep")
    check_array(h0, "h0", 2, dt)
    if h0.shape != (B, U):
        raise ValueError(f"h0 has shape {h0.shape}, expected ({B}, {U})")
    if mask is not None:
        if not isinstance(mask, np.ndarray) or mask.dtype not in (np.bool_, np.uint8):
            raise ValueError("mask must be a bool or uint8 numpy.ndarray")
        if mask.shape != (B, T):
            raise ValueError(f"mask has shape {mask.shape}, expected ({B}, {T})")
    return dt, B, T, F, U


def check_mask(mask, shape):
    """Checks a (N, T) bool/uint8 mask; `shape` is the expected (N, T) or None."""
    if not isinstance(mask, np.ndarray) or mask.dtype not in (np.bool_, np.uint8):
        raise ValueError("mask must be a bool or uint8 numpy.ndarray")
    if mask.ndim != 2 or (shape is not None and mask.shape != tuple(shape)):
        want = f"{tuple(shape)}" if shape is not None else "2-D (batch, time)"
        raise ValueError(f"mask has shape {mask.shape}, expected {want}")
    if not mask.flags.c_contiguous:
        raise ValueError("mask must be C-contiguous (use numpy.ascontiguousarray)")


def merge_code(mode):
    """The kernel code of a merge mode: a Keras name ('concat', ...) or a code."""
    if isinstance(mode, str):
        if mode.upper() in Merge.__members__:
            return int(Merge[mode.upper()])
    elif isinstance(mode, (int, np.integer)) and 0 <= int(mode) < len(Merge):
        return int(mode)
    raise ValueError(f"merge mode must be one of {sorted(m.name.lower() for m in Merge)}, "
                     f"got {mode!r}")


def check_reverse(x, mask):
    """Returns (N, T, D) of x, D the product of the dims after time (x None:
    D = 0 and (N, T) from the mask)."""
    if x is None:
        if mask is None:
            raise ValueError("reverse_time needs x or mask")
        check_mask(mask, None)
        return mask.shape[0], mask.shape[1], 0
    check_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have a time axis (at least 2-D), got shape {x.shape}")
    if mask is not None:
        check_mask(mask, x.shape[:2])
    N, T = x.shape[:2]
    return N, T, int(np.prod(x.shape[2:], dtype=np.int64))


def _prod(dims):
    return int(np.prod(dims, dtype=np.int64))


def _merge_layout(shape, time_axis, reverse):
    """(N, T, R) of a merge operand: the dims before time, time, the dims
    between time and the last axis."""
    if len(shape) == 2:
        if reverse:
            raise ValueError("a 2-D (batch, features) output has no time axis to reverse")
        return shape[0], 1, 1
    time_axis = int(time_axis)
    if not 0 <= time_axis <= len(shape) - 2:
        raise ValueError(f"time_axis must be in [0, {len(shape) - 2}] for shape {shape}, "
                         f"got {time_axis}")
    return _prod(shape[:time_axis]), shape[time_axis], _prod(shape[time_axis + 1:-1])


def check_merge(f, b, mode, reverse, time_axis):
    """Returns (code, N, T, R, Df, Db, out_shape)."""
    code = merge_code(mode)
    dt = check_array(f, "f")
    check_array(b, "b", None, dt)
    if f.ndim < 2:
        raise ValueError(f"f must be at least 2-D, got shape {f.shape}")
    if code == Merge.CONCAT:
        if b.ndim != f.ndim or b.shape[:-1] != f.shape[:-1]:
            raise ValueError(f"b has shape {b.shape}, expected {f.shape[:-1] + b.shape[-1:]}"
                             " (the shape of f but for the last axis)")
    elif b.shape != f.shape:
        raise ValueError(f"b has shape {b.shape}, expected {f.shape} (merge mode {mode!r})")
    N, T, R = _merge_layout(f.shape, time_axis, reverse)
    Df, Db = f.shape[-1], b.shape[-1]
    out_shape = f.shape[:-1] + (Df + Db,) if code == Merge.CONCAT else f.shape
    return code, N, T, R, Df, Db, out_shape


def check_merge_bwd(dout, f, b, mode, reverse, time_axis):
    """check_merge plus dout's dtype and shape."""
    res = check_merge(f, b, mode, reverse, time_axis)
    check_array(dout, "dout", None, f.dtype)
    if dout.shape != res[-1]:
        raise ValueError(f"dout has shape {dout.shape}, expected {res[-1]}")
    return res
