/* Optimizer updates fused over one variable: Adam (AdamW's update after its
 * decay), RMSprop and SGD with momentum, in place, elementwise.
 *
 * Each kernel does the operations of the NumPy reference
 * (ckeras/kernels/reference/optim.py) in the same order and precision, so
 * the results are the same bits, except for denormals: the update runs with
 * flush-to-zero and denormals-are-zero (ck_ftz_enter of ck_common.h), so a
 * moment that would become denormal is zero and stays zero, and the update
 * never slows down on denormal operands. The caller's floating-point mode
 * is restored on return.
 *
 * n elements; w the variable, g its gradient, the rest the optimizer's
 * slots (same length). Large variables are split between the caller and
 * the helper thread of ck_threads.h (disjoint ranges, the same bits).
 *
 * Adam: m += (g - m) b1c; v += (g*g - v) b2c; vhat = max(vhat, v) (when
 *   vhat is not NULL, then used for v); w -= m / (sqrt(v) + eps) * alpha,
 *   with b1c = 1 - beta_1, b2c = 1 - beta_2.
 * RMSprop: v += (g*g - v) rc; centered (a not NULL): a += (g - a) rc and
 *   d = v - a*a, else d = v; d = sqrt(d + eps), or sqrt(d) + eps when
 *   eps_outside; u = g / d * lr; mom (not NULL): mom = mom*momentum + u,
 *   w -= mom; else w -= u. rc = 1 - rho.
 * SGD: m NULL: w -= g*lr; momentum == 0: m = g*(-lr), w += m; else
 *   u = g*lr, m = m*momentum - u, then nesterov: w = (w - u) + m*momentum,
 *   else w += m.
 */
#ifndef CK_OPTIM_H
#define CK_OPTIM_H

#include "ck_common.h"

int ck_adam_update_f32(size_t n, float *w, const float *g, float *m, float *v, float *vhat,
                       float b1c, float b2c, float alpha, float eps);
int ck_adam_update_f64(size_t n, double *w, const double *g, double *m, double *v,
                       double *vhat, double b1c, double b2c, double alpha, double eps);
int ck_rmsprop_update_f32(size_t n, float *w, const float *g, float *v, float *a,
                          float *mom, float rc, float momentum, float lr, float eps,
                          int eps_outside);
int ck_rmsprop_update_f64(size_t n, double *w, const double *g, double *v, double *a,
                          double *mom, double rc, double momentum, double lr, double eps,
                          int eps_outside);
int ck_sgd_update_f32(size_t n, float *w, const float *g, float *m, float lr, float momentum,
                      int nesterov);
int ck_sgd_update_f64(size_t n, double *w, const double *g, double *m, double lr,
                      double momentum, int nesterov);

#endif /* CK_OPTIM_H */
