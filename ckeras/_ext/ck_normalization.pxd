# Declarations of csrc/ck_normalization.h for Cython modules.
from cython cimport floating

cdef extern from "ck_normalization.h" nogil:
    int ck_layer_norm_fwd_f32(size_t rows, size_t cols, const float *x, const float *gamma,
                              const float *beta, double eps, float *y, float *mean,
                              float *rstd)
    int ck_layer_norm_fwd_f64(size_t rows, size_t cols, const double *x,
                              const double *gamma, const double *beta, double eps, double *y,
                              double *mean, double *rstd)
    int ck_layer_norm_bwd_f32(size_t rows, size_t cols, const float *x, const float *gamma,
                              const float *mean, const float *rstd, const float *dy,
                              float *dx, float *dgamma, float *dbeta)
    int ck_layer_norm_bwd_f64(size_t rows, size_t cols, const double *x,
                              const double *gamma, const double *mean, const double *rstd,
                              const double *dy, double *dx, double *dgamma, double *dbeta)


# One name per kernel for both precisions, picked by the pointers' element
# type: the only place where a float and a double kernel are both named.

cdef inline int ck_layer_norm_fwd(size_t rows, size_t cols, const floating *x,
                                  const floating *gamma, const floating *beta, double eps,
                                  floating *y, floating *mean,
                                  floating *rstd) noexcept nogil:
    if floating is float:
        return ck_layer_norm_fwd_f32(rows, cols, x, gamma, beta, eps, y, mean, rstd)
    else:
        return ck_layer_norm_fwd_f64(rows, cols, x, gamma, beta, eps, y, mean, rstd)


cdef inline int ck_layer_norm_bwd(size_t rows, size_t cols, const floating *x,
                                  const floating *gamma, const floating *mean,
                                  const floating *rstd, const floating *dy, floating *dx,
                                  floating *dgamma, floating *dbeta) noexcept nogil:
    if floating is float:
        return ck_layer_norm_bwd_f32(rows, cols, x, gamma, mean, rstd, dy, dx, dgamma, dbeta)
    else:
        return ck_layer_norm_bwd_f64(rows, cols, x, gamma, mean, rstd, dy, dx, dgamma, dbeta)
