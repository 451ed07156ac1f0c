/* Sequence kernels of the Bidirectional wrapper: a time reverse that can
 * carry the (B,T) mask along, and the fused merge of the forward and the
 * backward halves' outputs with its backward (the split).
 *
 * Layout. A sequence is a row-major (N, T, R, D) array whose time axis is
 * axis 1: a batch-major (B,T,D) sequence is N=B, R=1; a time-major (T,B,D)
 * one is N=1, R=B; a (B,D) last output is N=B, T=1, R=1. Reversing time
 * maps step t to T-1-t within each n and keeps the order of the R rows.
 *
 * Masks are (N,T) arrays of 0/1 bytes (NumPy bool), reversed along t
 * exactly like the data. No buffer may overlap another (the caller always
 * allocates fresh outputs, so nothing needs to be handled in place).
 * T == 0 and N == 0 are valid and do nothing.
 */
#ifndef CK_BIDIRECTIONAL_H
#define CK_BIDIRECTIONAL_H

#include <stdint.h>

#include "ck_common.h"

/* Merge modes of Bidirectional (merge_mode=None needs no kernel). */
enum {
    CK_BIDIR_CONCAT = 0, /* out = [f, b] along the last axis: Df + Db wide */
    CK_BIDIR_SUM = 1,    /* out = f + b */
    CK_BIDIR_MUL = 2,    /* out = f * b */
    CK_BIDIR_AVE = 3,    /* out = (f + b) * 0.5 */
    CK_BIDIR_NMODES = 4
};

/* ck_bidir_reverse_fwd: y[n, t] = x[n, T-1-t] for a (N, T, D) sequence,
 * where D is the product of the dims after time (pass a time-major (T,B,D)
 * array as N=1, D=B*D), and in the same pass mask_out[n, t] =
 * mask[n, T-1-t] for an (N,T) mask. Either pair may be NULL (x/y: reverse
 * only the mask; mask/mask_out: no mask). Reversal is its own adjoint: the
 * backward is the same call on the incoming gradient.
 *
 * ck_bidir_merge_fwd: out = merge(f, reverse ? reverse_time(b) : b) in one
 * pass, no temporaries. f (N,T,R,Df), b (N,T,R,Db); out (N,T,R,Df+Db) for
 * concat, else Df must equal Db and out is (N,T,R,Df).
 *
 * ck_bidir_merge_bwd: the split. From dout (the shape of out), df
 * (N,T,R,Df) and db (N,T,R,Db), db in b's own time order (re-reversed when
 * reverse is set). f and b are read only by mul (they may be NULL for the
 * other modes); df or db may be NULL to skip it.
 *
 * All return CK_OK, or CK_ERR_ARG for an unknown mode, Df != Db outside
 * concat, or a missing buffer.
 */
int ck_bidir_reverse_fwd_f32(size_t N, size_t T, size_t D, const float *x, float *y,
                             const uint8_t *mask, uint8_t *mask_out);
int ck_bidir_reverse_fwd_f64(size_t N, size_t T, size_t D, const double *x, double *y,
                             const uint8_t *mask, uint8_t *mask_out);
int ck_bidir_merge_fwd_f32(int mode, int reverse, size_t N, size_t T, size_t R,
                           size_t Df, size_t Db, const float *f, const float *b,
                           float *out);
int ck_bidir_merge_fwd_f64(int mode, int reverse, size_t N, size_t T, size_t R,
                           size_t Df, size_t Db, const double *f, const double *b,
                           double *out);
int ck_bidir_merge_bwd_f32(int mode, int reverse, size_t N, size_t T, size_t R,
                           size_t Df, size_t Db, const float *f, const float *b,
                           const float *dout, float *df, float *db);
int ck_bidir_merge_bwd_f64(int mode, int reverse, size_t N, size_t T, size_t R,
                           size_t Df, size_t Db, const double *f, const double *b,
                           const double *dout, double *df, double *db);

#endif /* CK_BIDIRECTIONAL_H */
