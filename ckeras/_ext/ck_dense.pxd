# Declarations of csrc/ck_dense.h for Cython modules.
from cython cimport floating

cdef extern from "ck_dense.h" nogil:
    int ck_dense_fwd_f32(size_t M, size_t K, size_t N, const float *X,
                         const float *W, const float *b, int code, float *Y)
    int ck_dense_fwd_f64(size_t M, size_t K, size_t N, const double *X,
                         const double *W, const double *b, int code, double *Y)
    int ck_dense_bwd_f32(size_t M, size_t K, size_t N, const float *X,
                         const float *W, const float *Y, const float *dY, int code,
                         float *dZ, float *dX, float *dW, float *db)
    int ck_dense_bwd_f64(size_t M, size_t K, size_t N, const double *X,
                         const double *W, const double *Y, const double *dY,
                         int code, double *dZ, double *dX, double *dW, double *db)
    int ck_dense_set_gemv(int on)
    int ck_dense_embedding_bwd_f32(size_t n, size_t D, size_t V, const Py_ssize_t *idx,
                                   const float *dY, float *dW)
    int ck_dense_embedding_bwd_f64(size_t n, size_t D, size_t V, const Py_ssize_t *idx,
                                   const double *dY, double *dW)


# One name per kernel for both precisions, picked by the pointers' element
# type: the only place where a float and a double kernel are both named.

cdef inline int ck_dense_fwd(size_t M, size_t K, size_t N, const floating *X,
                             const floating *W, const floating *b, int code,
                             floating *Y) noexcept nogil:
    if floating is float:
        return ck_dense_fwd_f32(M, K, N, X, W, b, code, Y)
    else:
        return ck_dense_fwd_f64(M, K, N, X, W, b, code, Y)


cdef inline int ck_dense_bwd(size_t M, size_t K, size_t N, const floating *X,
                             const floating *W, const floating *Y, const floating *dY,
                             int code, floating *dZ, floating *dX, floating *dW,
                             floating *db) noexcept nogil:
    if floating is float:
        return ck_dense_bwd_f32(M, K, N, X, W, Y, dY, code, dZ, dX, dW, db)
    else:
        return ck_dense_bwd_f64(M, K, N, X, W, Y, dY, code, dZ, dX, dW, db)
