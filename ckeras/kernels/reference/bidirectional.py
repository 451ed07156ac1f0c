"""NumPy references of the Bidirectional sequence kernels
(``ckeras._ext._bidirectional``, csrc/ck_bidirectional.h).

Same signatures, results and errors as the C twins, so
``ckeras.kernels`` can switch between them; also the oracle of the
kernel tests. The argument checks are in ``ckeras.kernels.checks``.

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

from ckeras.kernels.checks import check_merge, check_merge_bwd, check_reverse
from ckeras.kernels.codes import Merge

__all__ = ["reverse_time", "bidir_merge_fwd", "bidir_merge_bwd"]


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
    if code == Merge.CONCAT:
        return np.concatenate([f, b], axis=-1)
    if code == Merge.SUM:
        return f + b
    if code == Merge.MUL:
        return f * b
    return (f + b) * f.dtype.type(0.5)


def bidir_merge_bwd(dout, f, b, mode, reverse, time_axis=1, need_df=True, need_db=True):
    code, *_, Df, Db, _ = check_merge_bwd(dout, f, b, mode, reverse, time_axis)
    if code == Merge.CONCAT:
        gf, gb = dout[..., :Df], dout[..., Df:]
    elif code == Merge.SUM:
        gf = gb = dout
    elif code == Merge.MUL:
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
