# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Bidirectional sequence kernels (csrc/ck_bidirectional.h): the mask-aware
time reverse and the fused merge of the two halves with its split. Same
signatures, results and errors as ckeras.kernels.reference.bidirectional,
whose argument checks run here with the GIL held; the kernels run with the
GIL released.
"""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport uint8_t

from ckeras._ext._checks cimport check_status, data_or_null
from ckeras._ext.ck_bidirectional cimport *

from ckeras.kernels.checks import check_merge, check_merge_bwd, check_reverse

cnp.import_array()


def reverse_time(x, mask=None):
    """(y, mask_out): x (N, T, ...) and/or mask (N, T) reversed along time."""
    N, T, D = check_reverse(x, mask)
    y = None if x is None else np.empty_like(x, order="C")
    m = None if mask is None else np.empty_like(mask, order="C")
    cdef size_t n_ = N, t_ = T, d_ = D
    cdef void *xp = data_or_null(x)
    cdef void *yp = data_or_null(y)
    cdef const uint8_t *mp = <const uint8_t *> data_or_null(mask)
    cdef uint8_t *mop = <uint8_t *> data_or_null(m)
    cdef bint f32 = x is None or x.dtype == np.float32
    cdef int st
    with nogil:
        if f32:
            st = ck_bidir_reverse_fwd_f32(n_, t_, d_, <float *> xp, <float *> yp, mp, mop)
        else:
            st = ck_bidir_reverse_fwd_f64(n_, t_, d_, <double *> xp, <double *> yp, mp, mop)
    check_status(st, "reverse_time")
    return y, m


def bidir_merge_fwd(f, b, mode, reverse, time_axis=1):
    """merge(f, reverse_time(b) if reverse else b) for 'concat'/'sum'/'mul'/'ave'."""
    code, N, T, R, Df, Db, out_shape = check_merge(f, b, mode, reverse, time_axis)
    out = np.empty(out_shape, dtype=f.dtype)
    cdef int c = code, rv = 1 if reverse else 0, st
    cdef size_t n_ = N, t_ = T, r_ = R, df_ = Df, db_ = Db
    cdef void *fp = data_or_null(f)
    cdef void *bp = data_or_null(b)
    cdef void *op = data_or_null(out)
    cdef bint f32 = f.dtype == np.float32
    with nogil:
        if f32:
            st = ck_bidir_merge_fwd_f32(c, rv, n_, t_, r_, df_, db_, <float *> fp,
                                        <float *> bp, <float *> op)
        else:
            st = ck_bidir_merge_fwd_f64(c, rv, n_, t_, r_, df_, db_, <double *> fp,
                                        <double *> bp, <double *> op)
    check_status(st, "bidir_merge_fwd")
    return out


def bidir_merge_bwd(dout, f, b, mode, reverse, time_axis=1, need_df=True, need_db=True):
    """(df, db): dout split onto the two halves, db in b's own time order."""
    code, N, T, R, Df, Db, _ = check_merge_bwd(dout, f, b, mode, reverse, time_axis)
    df = np.empty(f.shape, dtype=f.dtype) if need_df else None
    db = np.empty(b.shape, dtype=b.dtype) if need_db else None
    cdef int c = code, rv = 1 if reverse else 0, st
    cdef size_t n_ = N, t_ = T, r_ = R, df_ = Df, db_ = Db
    cdef void *fp = data_or_null(f)
    cdef void *bp = data_or_null(b)
    cdef void *gp = data_or_null(dout)
    cdef void *dfp = data_or_null(df)
    cdef void *dbp = data_or_null(db)
    cdef bint f32 = f.dtype == np.float32
    with nogil:
        if f32:
            st = ck_bidir_merge_bwd_f32(c, rv, n_, t_, r_, df_, db_, <float *> fp,
                                        <float *> bp, <float *> gp, <float *> dfp,
                                        <float *> dbp)
        else:
            st = ck_bidir_merge_bwd_f64(c, rv, n_, t_, r_, df_, db_, <double *> fp,
                                        <double *> bp, <double *> gp, <double *> dfp,
                                        <double *> dbp)
    check_status(st, "bidir_merge_bwd")
    return df, db
