/* Layer normalization over the last axis, forward and backward.
 *
 * x is (rows, cols), C-contiguous; each row is normalized by its own mean
 * and biased variance: y = (x - mean) * rstd * gamma + beta, with
 * rstd = 1 / sqrt(var + eps) (tf-keras' LayerNormalization). gamma and beta
 * (cols) may be NULL (scale=False, center=False). The forward saves mean and
 * rstd (rows each) for the backward.
 *
 * Rows (and, for the parameter gradients, columns) are shared with the
 * helper thread (ck_threads.h); every sum runs in one fixed order, so
 * results are bit-identical with the helper or without.
 */
#ifndef CK_NORMALIZATION_H
#define CK_NORMALIZATION_H

#include "ck_common.h"

int ck_layer_norm_fwd_f32(size_t rows, size_t cols, const float *x, const float *gamma,
                          const float *beta, double eps, float *y, float *mean, float *rstd);
int ck_layer_norm_fwd_f64(size_t rows, size_t cols, const double *x, const double *gamma,
                          const double *beta, double eps, double *y, double *mean,
                          double *rstd);

/* dx from dy and the saved statistics; dgamma and dbeta (cols, written,
 * never read) are the column sums of dy * xhat and dy, each skipped when
 * NULL. dx may be dy. */
int ck_layer_norm_bwd_f32(size_t rows, size_t cols, const float *x, const float *gamma,
                          const float *mean, const float *rstd, const float *dy, float *dx,
                          float *dgamma, float *dbeta);
int ck_layer_norm_bwd_f64(size_t rows, size_t cols, const double *x, const double *gamma,
                          const double *mean, const double *rstd, const double *dy,
                          double *dx, double *dgamma, double *dbeta);

#endif /* CK_NORMALIZATION_H */
