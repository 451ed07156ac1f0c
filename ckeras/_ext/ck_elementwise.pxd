# Declarations of csrc/ck_elementwise.h for Cython modules.
from cython cimport floating
from libc.stdint cimport int64_t

cdef extern from "ck_elementwise.h" nogil:
    int ck_ew_add_f32(size_t n, const float *a, const float *b, float *out)
    int ck_ew_add_f64(size_t n, const double *a, const double *b, double *out)
    int ck_mse_fwd_f32(size_t rows, size_t cols, const float *p, const float *t, float *d,
                       float *loss)
    int ck_mse_fwd_f64(size_t rows, size_t cols, const double *p, const double *t,
                       double *d, double *loss)
    int ck_mse_bwd_f32(size_t rows, size_t cols, const float *d, const float *g, float *dp)
    int ck_mse_bwd_f64(size_t rows, size_t cols, const double *d, const double *g,
                       double *dp)
    int ck_sparse_xent_fwd_f32(size_t rows, size_t cols, const float *z,
                               const int64_t *labels, float *p, float *loss)
    int ck_sparse_xent_fwd_f64(size_t rows, size_t cols, const double *z,
                               const int64_t *labels, double *p, double *loss)
    int ck_sparse_xent_bwd_f32(size_t rows, size_t cols, const float *p,
                               const int64_t *labels, const float *g, float *dz)
    int ck_sparse_xent_bwd_f64(size_t rows, size_t cols, const double *p,
                               const int64_t *labels, const double *g, double *dz)


# One name per kernel for both precisions, picked by the pointers' element
# type: the only place where a float and a double kernel are both named.

cdef inline int ck_ew_add(size_t n, const floating *a, const floating *b,
                          floating *out) noexcept nogil:
    if floating is float:
        return ck_ew_add_f32(n, a, b, out)
    else:
        return ck_ew_add_f64(n, a, b, out)


cdef inline int ck_mse_fwd(size_t rows, size_t cols, const floating *p, const floating *t,
                           floating *d, floating *loss) noexcept nogil:
    if floating is float:
        return ck_mse_fwd_f32(rows, cols, p, t, d, loss)
    else:
        return ck_mse_fwd_f64(rows, cols, p, t, d, loss)


cdef inline int ck_mse_bwd(size_t rows, size_t cols, const floating *d, const floating *g,
                           floating *dp) noexcept nogil:
    if floating is float:
        return ck_mse_bwd_f32(rows, cols, d, g, dp)
    else:
        return ck_mse_bwd_f64(rows, cols, d, g, dp)


cdef inline int ck_sparse_xent_fwd(size_t rows, size_t cols, const floating *z,
                                   const int64_t *labels, floating *p,
                                   floating *loss) noexcept nogil:
    if floating is float:
        return ck_sparse_xent_fwd_f32(rows, cols, z, labels, p, loss)
    else:
        return ck_sparse_xent_fwd_f64(rows, cols, z, labels, p, loss)


cdef inline int ck_sparse_xent_bwd(size_t rows, size_t cols, const floating *p,
                                   const int64_t *labels, const floating *g,
                                   floating *dz) noexcept nogil:
    if floating is float:
        return ck_sparse_xent_bwd_f32(rows, cols, p, labels, g, dz)
    else:
        return ck_sparse_xent_bwd_f64(rows, cols, p, labels, g, dz)
