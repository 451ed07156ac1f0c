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
static ck_blas_table ck_blas_own = {CK_BLAS_NAIVE, NULL, NULL, NULL, NULL, 0, 0, NULL,
                                    0.0, 0, 0, 0};
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

int ck_blas_set_policy(ck_blas_table *t, int threads, int shared_pool,
                       const ck_threads_table *helper, double split_flops)
{
    if (t == NULL || threads < 0 || !(split_flops >= 0.0)) return CK_ERR_ARG;
    t->threads = threads;
    t->shared_pool = shared_pool != 0;
    t->helper = helper;
    t->split_flops = split_flops;
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

/* OpenBLAS runs a GEMM with M*N*K at most this on one thread whatever its
 * thread count (interface/gemm.c: 65536 * GEMM_MULTITHREAD_THRESHOLD): such
 * calls need no change of a shared pool's count. */
#define CK_OPENBLAS_SMP_MIN 262144.0

/* A split GEMM has 2 to CK_SPLIT_CHUNKS chunks (more than one per thread
 * when they are large, so that a caller whose helper comes late can take
 * over part of its share),
 * with bounds on multiples of CK_SPLIT_ALIGN rows (whole
 * micro-tiles of the library's kernels). Every chunk keeps M*N*K above
 * CK_SMALL_MNK: OpenBLAS computes products up to 100^3 with its
 * "small-matrix" kernels, which sum in another order, so a chunk below it
 * would not give the bits of the whole call. */
#define CK_SPLIT_ALIGN 16
#define CK_SPLIT_CHUNKS 4
#define CK_SMALL_MNK 1000000.0
/* Rows per chunk beyond the first two chunks: each chunk repacks all of B,
 * which cost 8-31% more CPU time with 4 chunks of 64 rows than in one call
 * (float32, K*N = 784*256 and 256*784), 0-6% with 2 chunks. */
#define CK_SPLIT_ROWS 128

static void ck_scope_lock(ck_blas_table *t)
{
    int free_ = 0;
    while (!CK_CAS(&t->scope_lock, &free_, 1)) {
        free_ = 0;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
}

static void ck_scope_unlock(ck_blas_table *t) { CK_STORE(&t->scope_lock, 0); }

/* While ckeras GEMMs run on a pool shared with NumPy, the pool has one
 * thread: the first call in saves the user's count, the last one out puts
 * it back. */
static void ck_scope_enter(ck_blas_table *t)
{
    ck_scope_lock(t);
    if (t->scope_count++ == 0) {
        t->scope_saved = ((ck_get_threads_t)t->get_num_threads)();
        if (t->scope_saved != 1) ((ck_set_threads_t)t->set_num_threads)(1);
    }
    ck_scope_unlock(t);
}

static void ck_scope_leave(ck_blas_table *t)
{
    ck_scope_lock(t);
    if (--t->scope_count == 0 && t->scope_saved > 1)
        ((ck_set_threads_t)t->set_num_threads)(t->scope_saved);
    ck_scope_unlock(t);
}

/* Whether a GEMM runs on one library thread under the policy, and whether
 * a shared pool must be narrowed for it. */
static int ck_policy_auto(const ck_blas_table *t, int kind)
{
    if (kind == CK_BLAS_NAIVE) return 1;
    return t->threads == 0 && (kind == CK_BLAS_CBLAS32 || kind == CK_BLAS_CBLAS64);
}

static int ck_needs_scope(const ck_blas_table *t, size_t M, size_t N, size_t K)
{
    return t->shared_pool && t->set_num_threads != NULL && t->get_num_threads != NULL
        && (double)M * (double)N * (double)K > CK_OPENBLAS_SMP_MIN;
}

int ck_blas_may_share(double flops)
{
    const ck_blas_table *t = ck_blas_active;
    return ck_policy_auto(t, t->kind) && t->helper != NULL && t->split_flops > 0.0
        && flops >= t->split_flops;
}

/* How many chunks a split over the `n` rows of C (each `other` long, K
 * deep) gets, 0 for no split. */
static size_t ck_split_chunks(const ck_blas_table *t, size_t n, size_t other, size_t K)
{
    double min_len;
    size_t chunks;
    if (t->helper == NULL || t->split_flops <= 0.0
        || 2.0 * (double)n * (double)other * (double)K < t->split_flops)
        return 0;
    /* Chunk bounds move by up to CK_SPLIT_ALIGN: count that in. */
    min_len = CK_SMALL_MNK / ((double)other * (double)K) + 1.0 + CK_SPLIT_ALIGN;
    if (min_len < 2.0 * CK_SPLIT_ALIGN) min_len = 2.0 * CK_SPLIT_ALIGN;
    if ((double)n < 2.0 * min_len) return 0;
    chunks = (size_t)((double)n / min_len);
    if (chunks > n / CK_SPLIT_ROWS) chunks = n / CK_SPLIT_ROWS < 2 ? 2 : n / CK_SPLIT_ROWS;
    return chunks < CK_SPLIT_CHUNKS ? chunks : CK_SPLIT_CHUNKS;
}

/* The first row of chunk i of `chunks` over n. */
static size_t ck_split_bound(size_t i, size_t chunks, size_t n)
{
    if (i >= chunks) return n;
    return (size_t)((double)n * (double)i / (double)chunks) / CK_SPLIT_ALIGN * CK_SPLIT_ALIGN;
}

/* The helper runs its chunks under the caller's floating-point mode
 * (flush-to-zero set by a kernel), so a chunk's bits do not depend on the
 * thread that computed it. */
#if defined(__SSE2__) || defined(__x86_64__) || defined(_M_X64)
typedef unsigned int ck_fpenv;
#define CK_FPENV_GET() _mm_getcsr()
#define CK_FPENV_SET(v) _mm_setcsr(v)
#else
typedef int ck_fpenv;
#define CK_FPENV_GET() 0
#define CK_FPENV_SET(v) ((void)(v))
#endif

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
