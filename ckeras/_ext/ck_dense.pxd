# Declarations of csrc/ck_dense.h for Cython modules.

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
