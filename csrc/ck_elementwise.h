/* Large elementwise passes of a training step, shared with the helper
 * thread: the residual add, the mean squared error and the sparse softmax
 * crossentropy.
 *
 * NumPy runs each ufunc on one thread; in a Transformer block at default
 * threads these passes were the serial part of the step. Arrays are
 * C-contiguous. Ranges of elements (rows for the loss) are shared with the
 * helper (ck_threads.h); each element's or row's arithmetic is the same
 * whoever runs it, so results are bit-identical with the helper or without.
 */
#ifndef CK_ELEMENTWISE_H
#define CK_ELEMENTWISE_H

#include <stdint.h>

#include "ck_common.h"

/* out = a + b over n elements; out may be a or b. */
int ck_ew_add_f32(size_t n, const float *a, const float *b, float *out);
int ck_ew_add_f64(size_t n, const double *a, const double *b, double *out);

/* Per row of (rows, cols) p and t: d = p - t (kept for the backward) and
 * loss = sum(d * d) / cols, the sum in eight fixed partial sums. */
int ck_mse_fwd_f32(size_t rows, size_t cols, const float *p, const float *t, float *d,
                   float *loss);
int ck_mse_fwd_f64(size_t rows, size_t cols, const double *p, const double *t, double *d,
                   double *loss);

/* dp = d * (2 g / cols) per row (g: rows); dp may be d. */
int ck_mse_bwd_f32(size_t rows, size_t cols, const float *d, const float *g, float *dp);
int ck_mse_bwd_f64(size_t rows, size_t cols, const double *d, const double *g, double *dp);

/* Sparse categorical crossentropy of logits z (rows, cols) with integer
 * labels (rows,), each in [0, cols) (else CK_ERR_ARG before anything is
 * written): p = softmax(z) row by row, with the bits of
 * ck_act_softmax_fwd (the model's softmax output), and
 * loss[i] = log(sum_j exp(z_ij - m_i)) - (z_i,label - m_i), m_i = max_j z_ij
 * (finite however small p_label is); a row holding NaN or +inf gives NaN.
 * p must not alias z. */
int ck_sparse_xent_fwd_f32(size_t rows, size_t cols, const float *z, const int64_t *labels,
                           float *p, float *loss);
int ck_sparse_xent_fwd_f64(size_t rows, size_t cols, const double *z,
                           const int64_t *labels, double *p, double *loss);

/* Its gradient with respect to z: dz = (p - onehot(label)) * g[i] per row
 * (g: rows); dz may be p. Labels as in the forward. */
int ck_sparse_xent_bwd_f32(size_t rows, size_t cols, const float *p, const int64_t *labels,
                           const float *g, float *dz);
int ck_sparse_xent_bwd_f64(size_t rows, size_t cols, const double *p,
                           const int64_t *labels, const double *g, double *dz);

#endif /* CK_ELEMENTWISE_H */
