"""NumPy reference of the batch gathers (``ckeras._ext._gather``): the
same checks and errors, and the rows NumPy's indexing gives."""
import numpy as np

__all__ = ["gather_rows"]


def _rows_contiguous(a):
    if 0 in a.shape[1:]:   # rows of no bytes
        return True
    expect = a.itemsize
    for d in range(a.ndim - 1, 0, -1):
        if a.shape[d] != 1 and a.strides[d] != expect:
            return False
        expect *= a.shape[d]
    return True


def gather_rows(src, idx, out=None):
    """Rows `src[idx]`, written into `out` when given (C-contiguous,
    writable, `src`'s dtype, shape `(len(idx),) + src.shape[1:]`); `idx` a
    1-D int64 array of indices in [0, len(src)). Returns `out` (or the new
    array)."""
    if not isinstance(src, np.ndarray):
        raise TypeError(f"src must be a numpy.ndarray, got {type(src).__name__}")
    if src.ndim < 1:
        raise ValueError("src must have at least one axis")
    if src.dtype.hasobject:
        raise ValueError(f"src must not hold Python objects, got dtype {src.dtype}")
    if not _rows_contiguous(src) or not src.flags.aligned:
        raise ValueError("each row of src must be C-contiguous and aligned")
    if not (isinstance(idx, np.ndarray) and idx.dtype == np.int64 and idx.dtype.isnative):
        raise ValueError(f"idx must be an int64 numpy.ndarray, got "
                         f"{getattr(idx, 'dtype', type(idx).__name__)}")
    if idx.ndim != 1 or not idx.flags.c_contiguous or not idx.flags.aligned:
        raise ValueError("idx must be a 1-D C-contiguous array")
    shape = (idx.shape[0],) + src.shape[1:]
    if out is None:
        out = np.empty(shape, src.dtype)
    elif not (isinstance(out, np.ndarray) and out.dtype == src.dtype and out.shape == shape
              and out.flags.c_contiguous and out.flags.writeable):
        raise ValueError(f"out must be a writable C-contiguous {src.dtype} array of shape "
                         f"{shape}")
    bad = idx[(idx < 0) | (idx >= len(src))]
    if bad.size:
        raise IndexError(f"index {int(bad[0])} is out of bounds for axis 0 with size "
                         f"{len(src)}")
    np.take(src, idx, axis=0, out=out)
    return out
