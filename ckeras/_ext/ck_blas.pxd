# Declarations of csrc/ck_blas.h for Cython modules.
#
# A module that calls ck_gemm_* (directly or through another kernel) compiles
# csrc/ck_blas.c into itself and must call attach_blas() once at import, so
# its copy of the C code uses the process-wide table that _blas filled.
from cython cimport floating

from ckeras._ext.ck_threads cimport ck_threads_table

cdef extern from "ck_blas.h" nogil:
    enum:
        CK_BLAS_NAIVE
        CK_BLAS_CBLAS32
        CK_BLAS_CBLAS64
        CK_BLAS_F77

    ctypedef void (*ck_blas_fn)()

    ctypedef struct ck_blas_table:
        int kind
        ck_blas_fn sgemm
        ck_blas_fn dgemm
        ck_blas_fn set_num_threads
        ck_blas_fn get_num_threads

    ck_blas_table *ck_blas_table_get()
    int ck_blas_table_attach(ck_blas_table *shared)
    int ck_blas_table_set(ck_blas_table *t, int kind, ck_blas_fn sgemm,
                          ck_blas_fn dgemm, ck_blas_fn set_num_threads,
                          ck_blas_fn get_num_threads)
    int ck_blas_set_policy(ck_blas_table *t, int threads, int shared_pool,
                           const ck_threads_table *helper, double split_flops)
    int ck_blas_set_num_threads(int n)
    int ck_blas_get_num_threads()

    int ck_gemm_f32(int transA, int transB, size_t M, size_t N, size_t K,
                    float alpha, const float *A, size_t lda, const float *B,
                    size_t ldb, float beta, float *C, size_t ldc)
    int ck_gemm_f64(int transA, int transB, size_t M, size_t N, size_t K,
                    double alpha, const double *A, size_t lda, const double *B,
                    size_t ldb, double beta, double *C, size_t ldc)


# One name per kernel for both precisions, picked by the pointers' element
# type: the only place where a float and a double kernel are both named.

cdef inline int ck_gemm(int transA, int transB, size_t M, size_t N, size_t K,
                        floating alpha, const floating *A, size_t lda, const floating *B,
                        size_t ldb, floating beta, floating *C, size_t ldc) noexcept nogil:
    if floating is float:
        return ck_gemm_f32(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
    else:
        return ck_gemm_f64(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)


cdef inline int attach_blas() except -1:
    from ckeras._ext._blas import _table_address
    cdef size_t addr = _table_address()
    ck_blas_table_attach(<ck_blas_table *> addr)
    return 0
