"""NumPy references of the Bidirectional sequence kernels
(``ckeras._ext._bidirectional``, csrc/ck_bidirectional.h).

Same signatures, results and errors as the C twins, so
``ckeras.backend._dispatch`` can switch between them; also the oracle of the
kernel tests. The argument checks live here and the Cython module calls them
too, so both raise the same messages.

* ``reverse_time(x, mask=None)`` -> ``(y, mask_out)``: x (N, T, ...) reversed
  along axis 1; mask (N, T) bool/uint8 reversed the same way, in the same
  pass. Either may be None (then its result is None). Reversal is its own
  backward.
* ``bidir_merge_fwd(f, b, mode, reverse, time_axis=1)``: the merged output of
  Bidirectional, ``merge(f, flip(b, time_axis) if reverse else b)`` with mode
  'concat' (last axis), 'sum', 'mul' or 'ave'. 2-D (B, D) inputs have no time
  axis (``reverse`` must be false). ``time_axis`` 0 is the time-major layout.
* ``bidir_merge_bwd(dout, f, b, mode, reverse, time_axis=1, need_df=True,
  need_db=True)`` -> ``(df, db)``: the split of dout, db in b's own time
  order; f and b are read by 'mul' only, but always give them (their shapes
  fix the split).
"""
import numpy as np

from ckeras.backend._reference import _check_array

MERGE_CODES = {"concat": 0, "sum": 1, "mul": 2, "ave": 3}   # CK_BIDIR_* of the C header


def merge_code(mode):
    """The kernel code of a merge mode (a name of MERGE_CODES or its code)."""
    if isinstance(mode, str):
        if mode in MERGE_CODES:
            return MERGE_CODES[mode]
    elif isinstance(mode, (int, np.integer)) and 0 <= int(mode) < len(MERGE_CODES):
        return int(mode)
    raise ValueError(f"merge mode must be one of {sorted(MERGE_CODES)}, got {mode!r}")


def check_mask(mask, shape):
    """Checks a (N, T) bool/uint8 mask; `shape` is the expected (N, T) or None."""
    if not isinstance(mask, np.ndarray) or mask.dtype not in (np.bool_, np.uint8):
        raise ValueError("mask must be a bool or uint8 numpy.ndarray")
    if mask.ndim != 2 or (shape is not None and mask.shape != tuple(shape)):
        want = f"{tuple(shape)}" if shape is not None else "2-D (batch, time)"
        raise ValueError(f"mask has shape {mask.shape}, expected {want}")
    if not mask.flags.c_contiguous:
        raise ValueError("mask must be C-contiguous (use numpy.ascontiguousarray)")


def check_reverse(x, mask):
    """Returns (N, T, D) of x, D the product of the dims after time (x None:
    D = 0 and (N, T) from the mask)."""
    if x is None:
        if mask is None:
            raise ValueError("reverse_time needs x or mask")
        check_mask(mask, None)
        return mask.shape[0], mask.shape[1], 0
    _check_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have a time axis (at least 2-D), got shape {x.shape}")
    if mask is not None:
        check_mask(mask, x.shape[:2])
    N, T = x.shape[:2]
    return N, T, int(np.prod(x.shape[2:], dtype=np.int64))


def _layout(shape, time_axis, reverse):
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
    prod = lambda dims: int(np.prod(dims, dtype=np.int64))  # noqa: E731
    return prod(shape[:time_axis]), shape[time_axis], prod(shape[time_axis + 1:-1])


def check_merge(f, b, mode, reverse, time_axis):
    """Returns (code, N, T, R, Df, Db, out_shape)."""
    code = merge_code(mode)
    dt = _check_array(f, "f")
    _check_array(b, "b", None, dt)
    if f.ndim < 2:
        raise ValueError(f"f must be at least 2-D, got shape {f.shape}")
    if code == 0:
        if b.shape[:-1] != f.shape[:-1]:
            raise ValueError(f"b has shape {b.shape}, expected {f.shape[:-1] + (b.shape[-1],)}"
                             " (the shape of f but for the last axis)")
    elif b.shape != f.shape:
        raise ValueError(f"b has shape {b.shape}, expected {f.shape} (merge mode {mode!r})")
    N, T, R = _layout(f.shape, time_axis, reverse)
    Df, Db = f.shape[-1], b.shape[-1]
    out_shape = f.shape[:-1] + (Df + Db,) if code == 0 else f.shape
    return code, N, T, R, Df, Db, out_shape


def check_merge_bwd(dout, f, b, mode, reverse, time_axis):
    res = check_merge(f, b, mode, reverse, time_axis)
    _check_array(dout, "dout", None, f.dtype)
    if dout.shape != res[-1]:
        raise ValueError(f"dout has shape {dout.shape}, expected {res[-1]}")
    return res


# ---------------------------------------------------------------- kernels
def reverse_time(x, mask=None):
    check_reverse(x, mask)
    y = None if x is None else np.ascontiguousarray(x[:, ::-1])
    m = None if mask is None else np.ascontiguousarray(mask[:, ::-1])
    return y, m


def _aligned(b, reverse, time_axis):
    return np.flip(b, int(time_axis)) if reverse and b.ndim > 2 else b


def bidir_merge_fwd(f, b, mode, reverse, time_axis=1):
    code = check_merge(f, b, mode, reverse, time_axis)[0]
    b = _aligned(b, reverse, time_axis)
    if code == 0:
        return np.concatenate([f, b], axis=-1)
    if code == 1:
        return f + b
    if code == 2:
        return f * b
    return (f + b) * f.dtype.type(0.5)


def bidir_merge_bwd(dout, f, b, mode, reverse, time_axis=1, need_df=True, need_db=True):
    code, *_, Df, Db, _ = check_merge_bwd(dout, f, b, mode, reverse, time_axis)
    if code == 0:
        gf, gb = dout[..., :Df], dout[..., Df:]
    elif code == 1:
        gf = gb = dout
    elif code == 2:
        gf, gb = dout * _aligned(b, reverse, time_axis), dout * f
    else:
        gf = gb = dout * dout.dtype.type(0.5)
    df = np.ascontiguousarray(gf) if need_df else None
    db = np.ascontiguousarray(_aligned(gb, reverse, time_axis)) if need_db else None
    if df is not None and df is dout:
        df = df.copy()
    if db is not None and (db is dout or db is df):
        db = db.copy()
    return df, db
