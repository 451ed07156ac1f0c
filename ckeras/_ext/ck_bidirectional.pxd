# Declarations of csrc/ck_bidirectional.h for Cython modules.
from cython cimport floating
from libc.stdint cimport uint8_t

cdef extern from "ck_bidirectional.h" nogil:
    enum:
        CK_BIDIR_CONCAT
        CK_BIDIR_SUM
        CK_BIDIR_MUL
        CK_BIDIR_AVE
        CK_BIDIR_NMODES

    int ck_bidir_reverse_fwd_f32(size_t N, size_t T, size_t D, const float *x, float *y,
                                 const uint8_t *mask, uint8_t *mask_out)
    int ck_bidir_reverse_fwd_f64(size_t N, size_t T, size_t D, const double *x, double *y,
                                 const uint8_t *mask, uint8_t *mask_out)
    int ck_bidir_merge_fwd_f32(int mode, int reverse, size_t N, size_t T, size_t R,
                               size_t Df, size_t Db, const float *f, const float *b,
                               float *out)
    int ck_bidir_merge_fwd_f64(int mode, int reverse, size_t N, size_t T, size_t R,
                               size_t Df, size_t Db, const double *f, const double *b,
                               double *out)
    int ck_bidir_merge_bwd_f32(int mode, int reverse, size_t N, size_t T, size_t R,
                               size_t Df, size_t Db, const float *f, const float *b,
                               const float *dout, float *df, float *db)
    int ck_bidir_merge_bwd_f64(int mode, int reverse, size_t N, size_t T, size_t R,
                               size_t Df, size_t Db, const double *f, const double *b,
                               const double *dout, double *df, double *db)


# One name per kernel for both precisions, picked by the pointers' element
# type: the only place where a float and a double kernel are both named.

cdef inline int ck_bidir_reverse_fwd(size_t N, size_t T, size_t D, const floating *x,
                                     floating *y, const uint8_t *mask,
                                     uint8_t *mask_out) noexcept nogil:
    if floating is float:
        return ck_bidir_reverse_fwd_f32(N, T, D, x, y, mask, mask_out)
    else:
        return ck_bidir_reverse_fwd_f64(N, T, D, x, y, mask, mask_out)


cdef inline int ck_bidir_merge_fwd(int mode, int reverse, size_t N, size_t T, size_t R,
                                   size_t Df, size_t Db, const floating *f,
                                   const floating *b, floating *out) noexcept nogil:
    if floating is float:
        return ck_bidir_merge_fwd_f32(mode, reverse, N, T, R, Df, Db, f, b, out)
    else:
        return ck_bidir_merge_fwd_f64(mode, reverse, N, T, R, Df, Db, f, b, out)


cdef inline int ck_bidir_merge_bwd(int mode, int reverse, size_t N, size_t T, size_t R,
                                   size_t Df, size_t Db, const floating *f,
                                   const floating *b, const floating *dout, floating *df,
                                   floating *db) noexcept nogil:
    if floating is float:
        return ck_bidir_merge_bwd_f32(mode, reverse, N, T, R, Df, Db, f, b, dout, df, db)
    else:
        return ck_bidir_merge_bwd_f64(mode, reverse, N, T, R, Df, Db, f, b, dout, df, db)
