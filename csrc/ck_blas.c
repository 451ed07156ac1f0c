#include "ck_blas.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "ck_tmpl.h"

/* cblas enum values, fixed by the reference CBLAS header. */
#define CK_CBLAS_ROW_MAJOR 101
#define CK_CBLAS_NO_TRANS 111
#define CK_CBLAS_TRANS 112

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

/* CK_GEMM_FIELD: the table's pointer for this precision. */
#define real float
#define CK_SUF f32
#define CK_GEMM_FIELD sgemm
#include "ck_blas_tmpl.h"
#undef real
#undef CK_SUF
#undef CK_GEMM_FIELD

#define real double
#define CK_SUF f64
#define CK_GEMM_FIELD dgemm
#include "ck_blas_tmpl.h"
#undef real
#undef CK_SUF
#undef CK_GEMM_FIELD
