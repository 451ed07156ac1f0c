"""Bidirectional sequence kernels (csrc/ck_bidirectional.h): the mask-aware
time reverse and the fused merge of the two halves with its split. Same
signatures, results and errors as the NumPy references; the arguments are
checked here with the GIL held, the kernels run with the GIL released.
"""
import numpy as np

cimport numpy as cnp
from cython cimport floating
from libc.stdint cimport uint8_t

from ckeras._ext._checks cimport check_array, check_mask, check_status, data_or_null, empty
from ckeras._ext.ck_bidirectional cimport *

cnp.import_array()

ENUMS = {"Merge": {"CONCAT": CK_BIDIR_CONCAT, "SUM": CK_BIDIR_SUM, "MUL": CK_BIDIR_MUL,
                   "AVE": CK_BIDIR_AVE}}
MERGE_CODES = {name.lower(): code for name, code in ENUMS["Merge"].items()}


# ------------------------------------------------------------------ checks

cdef int _merge_code(object mode) except -1:
    """The kernel code of a merge mode (a name of MERGE_CODES or its code)."""
    if isinstance(mode, str):
        if mode in MERGE_CODES:
            return MERGE_CODES[mode]
    elif isinstance(mode, (int, np.integer)) and 0 <= int(mode) < CK_BIDIR_NMODES:
        return int(mode)
    raise ValueError(f"merge mode must be one of {sorted(MERGE_CODES)}, got {mode!r}")


cdef size_t _prod(tuple dims):
    cdef size_t p = 1
    for v in dims:
        p *= <size_t> v
    return p


cdef int _check_reverse(x, mask, size_t ntd[3]) except -1:
    """ntd receives (N, T, D): D is the product of x's dims after time (x
    None: D = 0 and (N, T) from the mask)."""
    if x is None:
        if mask is None:
            raise ValueError("reverse_time needs x or mask")
        check_mask(mask, -1, -1)
        ntd[0], ntd[1], ntd[2] = mask.shape[0], mask.shape[1], 0
        return 0
    check_array(x, "x", -1, -1)
    if x.ndim < 2:
        raise ValueError(f"x must have a time axis (at least 2-D), got shape {x.shape}")
    if mask is not None:
        check_mask(mask, x.shape[0], x.shape[1])
    ntd[0], ntd[1], ntd[2] = x.shape[0], x.shape[1], _prod(x.shape[2:])
    return 0


cdef int _check_merge(f, b, mode, reverse, time_axis, size_t ntr[5]) except -1:
    """ntr receives (N, T, R, Df, Db): the dims before the time axis, time,
    the dims between time and the last axis, the two last axes. Returns the
    merge code."""
    cdef int code = _merge_code(mode)
    cdef int t = check_array(f, "f", -1, -1)
    check_array(b, "b", -1, t)
    # Python tuples: wraparound is off in this module, so no negative index.
    cdef tuple fs = f.shape
    cdef tuple bs = b.shape
    cdef Py_ssize_t nd = len(fs)
    if nd < 2:
        raise ValueError(f"f must be at least 2-D, got shape {fs}")
    if code == CK_BIDIR_CONCAT:
        if len(bs) != nd or bs[:nd - 1] != fs[:nd - 1]:
            raise ValueError(f"b has shape {bs}, expected {fs[:nd - 1] + bs[len(bs) - 1:]}"
                             " (the shape of f but for the last axis)")
    elif bs != fs:
        raise ValueError(f"b has shape {bs}, expected {fs} (merge mode {mode!r})")
    if nd == 2:
        if reverse:
            raise ValueError("a 2-D (batch, features) output has no time axis to reverse")
        ntr[0], ntr[1], ntr[2] = fs[0], 1, 1
    else:
        axis = int(time_axis)
        if not 0 <= axis <= nd - 2:
            raise ValueError(f"time_axis must be in [0, {nd - 2}] for shape {fs}, got {axis}")
        ntr[0], ntr[1], ntr[2] = _prod(fs[:axis]), fs[axis], _prod(fs[axis + 1:nd - 1])
    ntr[3], ntr[4] = fs[nd - 1], bs[len(bs) - 1]
    return code


cdef tuple _merged_shape(f, int code, size_t Df, size_t Db):
    cdef tuple fs = f.shape
    return fs[:len(fs) - 1] + (Df + Db,) if code == CK_BIDIR_CONCAT else fs


# ---------------------------------------------------------------- kernels

def reverse_time(x, mask=None):
    """(y, mask_out): x (N, T, ...) and/or mask (N, T) reversed along time."""
    cdef size_t ntd[3]
    _check_reverse(x, mask, ntd)
    y = None if x is None else empty(x.ndim, cnp.PyArray_DIMS(<cnp.ndarray> x),
                                     cnp.PyArray_TYPE(<cnp.ndarray> x))
    m = None if mask is None else empty(2, cnp.PyArray_DIMS(<cnp.ndarray> mask),
                                        cnp.PyArray_TYPE(<cnp.ndarray> mask))
    if x is None or x.dtype == np.float32:
        _reverse(<float *> data_or_null(y), ntd, x, mask, m)
    else:
        _reverse(<double *> data_or_null(y), ntd, x, mask, m)
    return y, m


cdef int _reverse(floating *y, const size_t *ntd, x, mask, m) except -1:
    cdef const floating *xp = <const floating *> data_or_null(x)
    cdef const uint8_t *mp = <const uint8_t *> data_or_null(mask)
    cdef uint8_t *mop = <uint8_t *> data_or_null(m)
    cdef int st
    with nogil:
        st = ck_bidir_reverse_fwd(ntd[0], ntd[1], ntd[2], xp, y, mp, mop)
    return check_status(st, "reverse_time")


def bidir_merge_fwd(f, b, mode, reverse, time_axis=1):
    """merge(f, reverse_time(b) if reverse else b) for 'concat'/'sum'/'mul'/'ave'."""
    cdef bint rv = reverse
    cdef size_t ntr[5]
    cdef int code = _check_merge(f, b, mode, rv, time_axis, ntr)
    out = np.empty(_merged_shape(f, code, ntr[3], ntr[4]), dtype=f.dtype)
    if f.dtype == np.float32:
        _merge_fwd(<float *> data_or_null(out), code, rv, ntr, f, b)
    else:
        _merge_fwd(<double *> data_or_null(out), code, rv, ntr, f, b)
    return out


cdef int _merge_fwd(floating *out, int code, bint reverse, const size_t *ntr, f, b) except -1:
    cdef const floating *fp = <const floating *> data_or_null(f)
    cdef const floating *bp = <const floating *> data_or_null(b)
    cdef int st
    with nogil:
        st = ck_bidir_merge_fwd(code, reverse, ntr[0], ntr[1], ntr[2], ntr[3], ntr[4], fp, bp,
                                out)
    return check_status(st, "bidir_merge_fwd")


def bidir_merge_bwd(dout, f, b, mode, reverse, time_axis=1, need_df=True, need_db=True):
    """(df, db): dout split onto the two halves, db in b's own time order."""
    cdef bint rv = reverse
    cdef size_t ntr[5]
    cdef int code = _check_merge(f, b, mode, rv, time_axis, ntr)
    check_array(dout, "dout", -1, cnp.PyArray_TYPE(<cnp.ndarray> f))
    want = _merged_shape(f, code, ntr[3], ntr[4])
    if dout.shape != want:
        raise ValueError(f"dout has shape {dout.shape}, expected {want}")
    df = np.empty(f.shape, dtype=f.dtype) if need_df else None
    db = np.empty(b.shape, dtype=b.dtype) if need_db else None
    if f.dtype == np.float32:
        _merge_bwd(<const float *> data_or_null(dout), code, rv, ntr, f, b, df, db)
    else:
        _merge_bwd(<const double *> data_or_null(dout), code, rv, ntr, f, b, df, db)
    return df, db


cdef int _merge_bwd(const floating *dout, int code, bint reverse, const size_t *ntr, f, b, df,
                    db) except -1:
    cdef const floating *fp = <const floating *> data_or_null(f)
    cdef const floating *bp = <const floating *> data_or_null(b)
    cdef floating *dfp = <floating *> data_or_null(df)
    cdef floating *dbp = <floating *> data_or_null(db)
    cdef int st
    with nogil:
        st = ck_bidir_merge_bwd(code, reverse, ntr[0], ntr[1], ntr[2], ntr[3], ntr[4], fp, bp,
                                dout, dfp, dbp)
    return check_status(st, "bidir_merge_bwd")
