"""Batch gathers (csrc/ck_gather.h): rows of a dataset picked by index,
copied into a new or a reused batch array. Same signature, results and
errors as the NumPy reference."""
cimport numpy as cnp
import numpy as np
from libc.stdint cimport int64_t

from ckeras._ext._checks cimport check_status
from ckeras._ext.ck_common cimport CK_OK
from ckeras._ext.ck_gather cimport *
from ckeras._ext.ck_threads cimport attach_threads

cnp.import_array()
attach_threads()


cdef bint _rows_contiguous(cnp.ndarray a):
    """Whether each row a[i] is one C-ordered block (the rows themselves
    may be any distance apart)."""
    cdef int d, nd = cnp.PyArray_NDIM(a)
    cdef cnp.npy_intp expect = cnp.PyArray_ITEMSIZE(a)
    for d in range(1, nd):
        if cnp.PyArray_DIMS(a)[d] == 0:   # rows of no bytes
            return True
    for d in range(nd - 1, 0, -1):
        if cnp.PyArray_DIMS(a)[d] != 1 and cnp.PyArray_STRIDES(a)[d] != expect:
            return False
        expect *= cnp.PyArray_DIMS(a)[d]
    return True


def gather_rows(src, idx, out=None):
    """Rows `src[idx]` of an array with at least one axis, as NumPy's
    `src[idx]` gives them, written into `out` when given (C-contiguous,
    writable, of `src`'s dtype and shape `(len(idx),) + src.shape[1:]`).
    `idx` is a 1-D int64 array of indices in [0, len(src)); each row of
    `src` must be C-ordered (the array need not be), its dtype hold no
    Python objects. Returns `out` (or the new array)."""
    if not cnp.PyArray_Check(src):
        raise TypeError(f"src must be a numpy.ndarray, got {type(src).__name__}")
    cdef cnp.ndarray s = <cnp.ndarray> src
    if cnp.PyArray_NDIM(s) < 1:
        raise ValueError("src must have at least one axis")
    if s.dtype.hasobject:
        raise ValueError(f"src must not hold Python objects, got dtype {s.dtype}")
    if not _rows_contiguous(s) or not cnp.PyArray_ISALIGNED(s):
        raise ValueError("each row of src must be C-contiguous and aligned")
    if not (cnp.PyArray_Check(idx) and cnp.PyArray_TYPE(<cnp.ndarray> idx) == cnp.NPY_INT64
            and cnp.PyArray_ISNOTSWAPPED(<cnp.ndarray> idx)):
        raise ValueError(f"idx must be an int64 numpy.ndarray, got "
                         f"{getattr(idx, 'dtype', type(idx).__name__)}")
    cdef cnp.ndarray ix = <cnp.ndarray> idx
    if cnp.PyArray_NDIM(ix) != 1 or not cnp.PyArray_IS_C_CONTIGUOUS(ix) \
            or not cnp.PyArray_ISALIGNED(ix):
        raise ValueError("idx must be a 1-D C-contiguous array")
    shape = (idx.shape[0],) + src.shape[1:]
    if out is None:
        out = np.empty(shape, s.dtype)
    elif not (cnp.PyArray_Check(out) and out.dtype == s.dtype and out.shape == shape
              and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray> out)
              and cnp.PyArray_ISWRITEABLE(<cnp.ndarray> out)):
        raise ValueError(f"out must be a writable C-contiguous {s.dtype} array of shape "
                         f"{shape}")
    elif np.may_share_memory(out, src):
        # rows copied in place could overwrite rows still to be read
        out[...] = gather_rows(src, idx)
        return out
    cdef cnp.ndarray o = <cnp.ndarray> out
    cdef size_t n_src = cnp.PyArray_DIMS(s)[0]
    cdef size_t n_idx = cnp.PyArray_DIMS(ix)[0]
    cdef size_t row_bytes = cnp.PyArray_ITEMSIZE(s)
    cdef int d
    for d in range(1, cnp.PyArray_NDIM(s)):
        row_bytes *= cnp.PyArray_DIMS(s)[d]
    cdef ptrdiff_t stride = cnp.PyArray_STRIDES(s)[0]
    cdef const void *sp = cnp.PyArray_DATA(s)
    cdef const int64_t *ip = <const int64_t *> cnp.PyArray_DATA(ix)
    cdef void *op = cnp.PyArray_DATA(o)
    cdef int st
    with nogil:
        st = ck_gather_rows(sp, n_src, stride, row_bytes, ip, n_idx, op)
    if st != CK_OK and n_idx:
        _index_error(idx, n_src)
    check_status(st, "gather_rows")
    return out


cdef _index_error(cnp.ndarray idx, size_t n):
    bad = idx[(idx < 0) | (idx >= <long long> n)]
    if bad.size:
        raise IndexError(f"index {int(bad[0])} is out of bounds for axis 0 with size {n}")


def set_split(bint on):
    """Whether large gathers share their copies with the helper thread
    (default True); returns the previous setting."""
    return bool(ck_gather_set_split(on))
