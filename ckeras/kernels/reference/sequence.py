"""NumPy reference of the padding kernel (ckeras/_ext/_sequence.pyx).

`pad_rows` converts the rows the kernel converts exactly (lists and tuples
of Python ints and floats that fit the output dtype without NumPy's say,
1-D arrays of the output dtype) and hands every other row to `slow_row`,
in order; `lengths` measures the rows. The kernel converts its rows in two
passes before running any `slow_row`; this reference goes row by row, which
only differs for a `slow_row` that changes other rows of its own input.
"""
import numpy as np

from ckeras.kernels.checks import c_int

__all__ = ["lengths", "pad_rows"]

_KINDS = {np.dtype(t).num: np.dtype(t) for t in ("int32", "int64", "float32", "float64")}
_INT_RANGE = {np.dtype("int32"): (-(1 << 31), 1 << 31),
              np.dtype("int64"): (-(1 << 63), 1 << 63)}
_EXACT_FLOAT_INT = 1 << 53  # larger ints would be rounded: NumPy decides
_FLOAT_BOUNDS = {np.dtype("int32"): (-2147483649.0, 2147483648.0),
                 np.dtype("int64"): (-9223372036854775808.0, 9223372036854775808.0)}
_F32_MAX = float(np.finfo(np.float32).max)


def _row_len(x):
    try:
        return len(x)
    except TypeError as e:
        raise ValueError("`sequences` must be a list of iterables. "
                         f"Found non-iterable: {str(x)}") from e


def lengths(sequences):
    """Return (max length or -1 when there are no sequences, index of the first
    non-empty sequence or -1), raising Keras' error for a non-iterable entry."""
    best, first = -1, -1
    for i, x in enumerate(sequences):
        n = len(x) if type(x) in (list, tuple) else _row_len(x)
        if n > best:
            best = n
        if first < 0 and n:
            first = i
    return best, first


def _exact_int(v, dtype):
    if dtype.kind == "i":
        lo, hi = _INT_RANGE[dtype]
        return lo <= v < hi
    return -_EXACT_FLOAT_INT <= v <= _EXACT_FLOAT_INT


def _exact_float(d, dtype):
    if dtype.kind == "i":
        lo, hi = _FLOAT_BOUNDS[dtype]
        return lo < d < hi  # NaN fails too
    if dtype == np.float32:
        return not (abs(d) > _F32_MAX and d not in (float("inf"), float("-inf")))
    return True


# NumPy scalars the kernel reads (by exact type), as ints or floats
_NP_INTS = (np.int64, np.longlong, np.int32, np.uint32, np.int16, np.uint16, np.int8,
            np.uint8)
_NP_FLOATS = (np.float64, np.float32)


def _convert(items, dtype):
    """The items as an array of `dtype` when each converts exactly (the
    kernel's rules), else None."""
    for v in items:
        t = type(v)
        if t is int or t in _NP_INTS:
            if not _exact_int(int(v), dtype):
                return None
        elif t is float or t in _NP_FLOATS:
            if not _exact_float(float(v), dtype):
                return None
        else:
            return None
    if dtype.kind == "i":
        return np.array([int(v) for v in items], dtype=dtype)  # floats truncated to zero
    return np.array([float(v) for v in items], dtype=np.float64).astype(dtype)


def _place(row, vals, pad_post):
    if pad_post:
        row[:len(vals)] = vals
    else:
        row[len(row) - len(vals):] = vals


def _ndarray_arg(a, name):
    if not isinstance(a, np.ndarray):
        raise TypeError(f"Argument '{name}' has incorrect type (expected numpy.ndarray, "
                        f"got {type(a).__name__})")


def pad_rows(sequences, out, value, pad_post, trunc_post, slow_row):
    """Fill `out` (N, maxlen), allocated uninitialised, with the sequences,
    Keras-style: `value` is a 1-element array of out's dtype with the padding
    value; rows the fast path cannot convert exactly are filled with it and
    passed to slow_row(idx, seq), in order."""
    pad_post, trunc_post = c_int(pad_post), c_int(trunc_post)
    _ndarray_arg(out, "out")
    _ndarray_arg(value, "value")
    dtype = _KINDS.get(out.dtype.num)
    if dtype is None or not out.dtype.isnative:
        raise ValueError(f"pad_rows: unsupported dtype {out.dtype}")
    if out.ndim != 2 or not out.flags.c_contiguous or not out.flags.aligned:
        raise ValueError("pad_rows: out must be an aligned C-contiguous 2-D array")
    if value.dtype.num != out.dtype.num or value.size != 1 or not value.dtype.isnative:
        raise ValueError("pad_rows: value must be one item of out's dtype")
    if type(sequences) not in (list, tuple):
        sequences = list(sequences)
    n, maxlen = out.shape
    if len(sequences) != n:
        raise RuntimeError("pad_rows: the sequences changed length while padding")
    fill = value.reshape(())
    if n == 0 or maxlen == 0:
        out[...] = fill
        return None
    for idx in range(n):
        # slow_row runs Python code, which could even shrink the list.
        if idx >= len(sequences):
            raise RuntimeError("pad_rows: the sequences changed length while padding")
        s = sequences[idx]
        row = out[idx]
        row[...] = fill
        if type(s) in (list, tuple):
            m = min(len(s), maxlen)
            kept = s[:m] if trunc_post else s[len(s) - m:]
            vals = _convert(kept, dtype) if m else None
            if vals is not None:
                _place(row, vals, pad_post)
            elif m:
                slow_row(idx, s)
        elif isinstance(s, np.ndarray):
            if s.ndim == 1 and s.dtype.kind in "iuf":
                # another numeric dtype: Keras' own cast of the kept part
                kept = s[:maxlen] if trunc_post else s[max(len(s) - maxlen, 0):]
                _place(row, kept.astype(dtype, copy=False), pad_post)
            elif len(s):
                slow_row(idx, s)
        elif len(s):
            slow_row(idx, s)
    if len(sequences) != n:
        raise RuntimeError("pad_rows: the sequences changed length while padding")
    return None
