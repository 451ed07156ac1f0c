#include "ck_blas.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

/* cblas enum values, fixed by the reference CBLAS header. */
#define CK_CBLAS_ROW_MAJOR 101
#define CK_CBLAS_NO_TRANS 111
#define CK_CBLAS_TRANS 112

typedef void (*ck_cblas32_sgemm_t)(int, int, int, int32_t, int32_t, int32_t,
                                   float, const float *, int32_t,
                                   const float *, int32_t, float, float *,
                                   int32_t);
typedef void (*ck_cblas32_dgemm_t)(int, int, int, int32_t, int32_t, int32_t,
                                   double, const double *, int32_t,
                                   const double *, int32_t, double, double *,
                                   int32_t);
typedef void (*ck_cblas64_sgemm_t)(int, int, int, int64_t, int64_t, int64_t,
                                   float, const float *, int64_t,
                                   const float *, int64_t, float, float *,
                                   int64_t);
typedef void (*ck_cblas64_dgemm_t)(int, int, int, int64_t, int64_t, int64_t,
                                   double, const double *, int64_t,
                                   const double *, int64_t, double, double *,
                                   int64_t);
/* The shape of scipy.linalg.cython_blas' wrappers: no hidden string lengths. */
typedef void (*ck_f77_sgemm_t)(const char *, const char *, const int *,
                               const int *, const int *, const float *,
                               const float *, const int *, const float *,
                               const int *, const float *, float *,
                               const int *);
typedef void (*ck_f77_dgemm_t)(const char *, const char *, const int *,
                               const int *, const int *, const double *,
                               const double *, const int *, const double *,
                               const int *, const double *, double *,
                               const int *);
typedef void (*ck_set_threads_t)(int);
typedef int (*ck_get_threads_t)(void);

/* Starts on the naive loops so a module that was never attached still
 * computes correct results. */
static ck_blas_table ck_blas_own = {CK_BLAS_NAIVE, NULL, NULL, NULL, NULL};
static ck_blas_table *ck_blas_active = &ck_blas_own;

ck_blas_table *ck_blas_table_get(void) { return ck_blas_active; }

int ck_blas_table_attach(ck_blas_table *shared)
{
    if (shared == NULL) return CK_ERR_ARG;
    ck_blas_active = shared;
    return CK_OK;
}

int ck_blas_table_set(ck_blas_table *t, int kind, ck_blas_fn sgemm,
                      ck_blas_fn dgemm, ck_blas_fn set_num_threads,
                      ck_blas_fn get_num_threads)
{
    if (t == NULL) return CK_ERR_ARG;
    if (kind < CK_BLAS_NAIVE || kind > CK_BLAS_F77) return CK_ERR_ARG;
    if (kind != CK_BLAS_NAIVE && (sgemm == NULL || dgemm == NULL)) return CK_ERR_ARG;
    /* A kernel running in another thread reads the fields one by one; clear
     * the kind first so it never pairs a new kind with stale pointers.
     * Switching backends is a test/setup operation, not a hot path. */
    t->kind = CK_BLAS_NAIVE;
    t->sgemm = sgemm;
    t->dgemm = dgemm;
    t->set_num_threads = set_num_threads;
    t->get_num_threads = get_num_threads;
    t->kind = kind;
    return CK_OK;
}

int ck_blas_set_num_threads(int n)
{
    ck_blas_table *t = ck_blas_active;
    if (n < 1) return CK_ERR_ARG;
    if (t->kind == CK_BLAS_NAIVE || t->set_num_threads == NULL) return CK_ERR_NO_BLAS;
    ((ck_set_threads_t)t->set_num_threads)(n);
    return CK_OK;
}

int ck_blas_get_num_threads(void)
{
    ck_blas_table *t = ck_blas_active;
    if (t->kind == CK_BLAS_NAIVE) return 1;
    if (t->get_num_threads == NULL) return -1;
    return ((ck_get_threads_t)t->get_num_threads)();
}

/* The checks every route shares. BLAS would print an xerbla message and
 * return on a bad leading dimension; reject it here with a status instead. */
static int ck_gemm_check(int transA, int transB, size_t M, size_t N, size_t K,
                         const void *A, size_t lda, const void *B, size_t ldb,
                         const void *C, size_t ldc)
{
    if ((transA != 0 && transA != 1) || (transB != 0 && transB != 1)) return CK_ERR_ARG;
    if (M == 0 || N == 0) return CK_OK;
    if (C == NULL || ldc < N) return CK_ERR_ARG;
    if (K == 0) return CK_OK;
    if (A == NULL || B == NULL) return CK_ERR_ARG;
    if (lda < (transA ? M : K) || ldb < (transB ? K : N)) return CK_ERR_ARG;
    return CK_OK;
}

static int ck_fits_int32(size_t M, size_t N, size_t K, size_t lda, size_t ldb,
                         size_t ldc)
{
    return M <= INT_MAX && N <= INT_MAX && K <= INT_MAX && lda <= INT_MAX
        && ldb <= INT_MAX && ldc <= INT_MAX;
}

/* One definition per precision; T is the element type, S the suffix. The
 * naive loops keep C rows contiguous in the inner loop so they vectorize. */
#define CK_DEFINE_GEMM(T, S, FIELD, CBLAS32_T, CBLAS64_T, F77_T)                    \
static void ck_gemm_naive_##S(int transA, int transB, size_t M, size_t N,          \
                              size_t K, T alpha, const T *A, size_t lda,           \
                              const T *B, size_t ldb, T beta, T *C, size_t ldc)    \
{                                                                                  \
    size_t i, j, k;                                                                \
    for (i = 0; i < M; ++i) {                                                      \
        T *Ci = C + i * ldc;                                                       \
        if (beta == (T)0) {                                                        \
            for (j = 0; j < N; ++j) Ci[j] = (T)0;                                  \
        } else if (beta != (T)1) {                                                 \
            for (j = 0; j < N; ++j) Ci[j] *= beta;                                 \
        }                                                                          \
        if (!transB) {                                                             \
            for (k = 0; k < K; ++k) {                                              \
                const T a = alpha * (transA ? A[k * lda + i] : A[i * lda + k]);    \
                const T *Bk = B + k * ldb;                                         \
                for (j = 0; j < N; ++j) Ci[j] += a * Bk[j];                        \
            }                                                                      \
        } else {                                                                   \
            for (j = 0; j < N; ++j) {                                              \
                const T *Bj = B + j * ldb;                                         \
                T s = (T)0;                                                        \
                if (transA) {                                                      \
                    for (k = 0; k < K; ++k) s += A[k * lda + i] * Bj[k];           \
                } else {                                                           \
                    const T *Ai = A + i * lda;                                     \
                    for (k = 0; k < K; ++k) s += Ai[k] * Bj[k];                    \
                }                                                                  \
                Ci[j] += alpha * s;                                                \
            }                                                                      \
        }                                                                          \
    }                                                                              \
}                                                                                  \
                                                                                   \
int ck_gemm_##S(int transA, int transB, size_t M, size_t N, size_t K, T alpha,     \
                const T *A, size_t lda, const T *B, size_t ldb, T beta, T *C,      \
                size_t ldc)                                                        \
{                                                                                  \
    const ck_blas_table *t = ck_blas_active;                                       \
    const int kind = t->kind;                                                      \
    int st = ck_gemm_check(transA, transB, M, N, K, A, lda, B, ldb, C, ldc);       \
    if (st != CK_OK) return st;                                                    \
    if (M == 0 || N == 0) return CK_OK;                                            \
    if (K == 0) {                                                                  \
        /* BLAS rejects lda == 0; the product is empty, only beta*C remains. */    \
        size_t i, j;                                                               \
        for (i = 0; i < M; ++i) {                                                  \
            T *Ci = C + i * ldc;                                                   \
            if (beta == (T)0) { for (j = 0; j < N; ++j) Ci[j] = (T)0; }            \
            else if (beta != (T)1) { for (j = 0; j < N; ++j) Ci[j] *= beta; }      \
        }                                                                          \
        return CK_OK;                                                              \
    }                                                                              \
    switch (kind) {                                                                \
    case CK_BLAS_CBLAS32:                                                          \
        if (!ck_fits_int32(M, N, K, lda, ldb, ldc)) return CK_ERR_TOO_LARGE;       \
        ((CBLAS32_T)t->FIELD)(CK_CBLAS_ROW_MAJOR,                            \
            transA ? CK_CBLAS_TRANS : CK_CBLAS_NO_TRANS,                           \
            transB ? CK_CBLAS_TRANS : CK_CBLAS_NO_TRANS,                           \
            (int32_t)M, (int32_t)N, (int32_t)K, alpha, A, (int32_t)lda,            \
            B, (int32_t)ldb, beta, C, (int32_t)ldc);                               \
        return CK_OK;                                                              \
    case CK_BLAS_CBLAS64:                                                          \
        ((CBLAS64_T)t->FIELD)(CK_CBLAS_ROW_MAJOR,                            \
            transA ? CK_CBLAS_TRANS : CK_CBLAS_NO_TRANS,                           \
            transB ? CK_CBLAS_TRANS : CK_CBLAS_NO_TRANS,                           \
            (int64_t)M, (int64_t)N, (int64_t)K, alpha, A, (int64_t)lda,            \
            B, (int64_t)ldb, beta, C, (int64_t)ldc);                               \
        return CK_OK;                                                              \
    case CK_BLAS_F77: {                                                            \
        /* Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T:       \
         * swap the operands and their flags, and M with N. */                    \
        int m, n, k, ila, ilb, ilc;                                                \
        const char ta = transB ? 'T' : 'N', tb = transA ? 'T' : 'N';               \
        if (!ck_fits_int32(M, N, K, lda, ldb, ldc)) return CK_ERR_TOO_LARGE;       \
        m = (int)N; n = (int)M; k = (int)K;                                        \
        ila = (int)ldb; ilb = (int)lda; ilc = (int)ldc;                            \
        ((F77_T)t->FIELD)(&ta, &tb, &m, &n, &k, &alpha, B, &ila, A, &ilb,    \
                                &beta, C, &ilc);                                   \
        return CK_OK;                                                              \
    }                                                                              \
    default:                                                                       \
        ck_gemm_naive_##S(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta,    \
                          C, ldc);                                                 \
        return CK_OK;                                                              \
    }                                                                              \
}

CK_DEFINE_GEMM(float, f32, sgemm, ck_cblas32_sgemm_t, ck_cblas64_sgemm_t, ck_f77_sgemm_t)
CK_DEFINE_GEMM(double, f64, dgemm, ck_cblas32_dgemm_t, ck_cblas64_dgemm_t, ck_f77_dgemm_t)
