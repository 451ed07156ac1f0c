/* Large elementwise passes of a training step, shared with the helper
 * thread: the residual add and the mean squared error.
 *
 * NumPy runs each ufunc on one thread; in a Transformer block at default
 * threads these passes were the serial part of the step. Arrays are
 * C-contiguous. Ranges of elements (rows for the loss) are shared with the
 * helper (ck_threads.h); each element's or row's arithmetic is the same
 * whoever runs it, so results are bit-identical with the helper or without.
 */
#ifndef CK_ELEMENTWISE_H
#define CK_ELEMENTWISE_H

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

#endif /* CK_ELEMENTWISE_H */
