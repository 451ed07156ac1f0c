/* GEMM through a table of BLAS function pointers.
 *
 * No BLAS is linked: the Python side (ckeras/_ext/_blas.pyx) looks the
 * symbols up by name in a shared library that is already installed (the
 * OpenBLAS numpy itself loaded, else the scipy-openblas32 wheel) and stores
 * the addresses here.
 * Every kernel calls ck_gemm_f32/f64, which speak row-major.
 */
#ifndef CK_BLAS_H
#define CK_BLAS_H

#include "ck_common.h"
#include "ck_threads.h"

/* How the pointers in the table have to be called. */
enum {
    CK_BLAS_NAIVE = 0,   /* no BLAS: the portable C loops in ck_blas.c */
    CK_BLAS_CBLAS32 = 1, /* cblas_?gemm with 32-bit integers (LP64) */
    CK_BLAS_CBLAS64 = 2, /* cblas_?gemm with 64-bit integers (ILP64, numpy's OpenBLAS) */
    CK_BLAS_F77 = 3      /* Fortran ?gemm: every argument by pointer, column-major, 32-bit ints */
};

/* A generic function pointer: the real signature is chosen by `kind`.
 * (Function-to-function pointer casts are portable; void* ones are not.) */
typedef void (*ck_blas_fn)(void);

typedef struct ck_blas_table {
    int kind;                   /* one of CK_BLAS_* */
    ck_blas_fn sgemm;
    ck_blas_fn dgemm;
    ck_blas_fn set_num_threads; /* void (*)(int), or NULL */
    ck_blas_fn get_num_threads; /* int (*)(void), or NULL */
    /* How many threads a GEMM uses (see ck_gemm_f32). Kept in the shared
     * table so that every module's copy follows one policy. */
    int threads;                /* 0: ckeras decides; n: the library's pool of n */
    int shared_pool;            /* the library's thread count is also NumPy's */
    const ck_threads_table *helper; /* the helper thread's table, or NULL */
    double split_flops;         /* smallest 2*M*N*K shared with the helper */
    int scope_lock, scope_count, scope_saved;
} ck_blas_table;

/* The table this copy of ck_blas.c uses. Every extension module compiles
 * ck_blas.c into itself; the first one (_blas) fills its table and the
 * others attach to it, so there is one table per process. */
ck_blas_table *ck_blas_table_get(void);
int ck_blas_table_attach(ck_blas_table *shared);
int ck_blas_table_set(ck_blas_table *t, int kind, ck_blas_fn sgemm,
                      ck_blas_fn dgemm, ck_blas_fn set_num_threads,
                      ck_blas_fn get_num_threads);

/* The threading policy (ck_gemm_f32). threads: 0 lets ckeras decide,
 * n >= 1 hands every GEMM to the library's own pool of n threads.
 * shared_pool: 1 when the library is the one NumPy uses (its thread count
 * belongs to the user). helper: ck_threads_own() of _threads, or NULL.
 * split_flops: the smallest 2*M*N*K worth sharing with the helper. */
int ck_blas_set_policy(ck_blas_table *t, int threads, int shared_pool,
                       const ck_threads_table *helper, double split_flops);

/* Whether ckeras may share `flops` (2*M*N*K) of GEMM work with the helper
 * under the current policy: ckeras decides, a helper is attached, and the
 * work reaches split_flops. Kernels that run independent GEMMs side by side
 * (ck_dense_bwd's dW and dX) ask this, then call ck_gemm_own in each part. */
int ck_blas_may_share(double flops);

/* Returns CK_ERR_NO_BLAS when the library exposes no thread control. */
int ck_blas_set_num_threads(int n);
int ck_blas_get_num_threads(void); /* -1 when unknown */

/* C = alpha * op(A) op(B) + beta * C, row-major.
 *
 * Threads, when the policy lets ckeras decide (the default): the library
 * runs every call on its caller's thread only, so its own pool, whose
 * workers spin while they wait for each other, never competes with another
 * process for a core. A GEMM of at least split_flops is split over the
 * rows of C into chunks that the caller and ckeras's helper thread
 * (ck_threads.h) claim one by one; each chunk is one
 * single-threaded library call with the same K order, so the result does
 * not depend on who computed what. When the helper is busy, disabled or
 * late, the caller computes the chunks itself. With a pool shared with
 * NumPy, its thread count is set to 1 while ckeras GEMMs run and restored
 * after the last one.
 * op(A) is M x K (A is M x K, or K x M when transA), op(B) is K x N, C is M x N.
 * lda/ldb/ldc are row strides in elements. beta == 0 means C is not read. */
int ck_gemm_f32(int transA, int transB, size_t M, size_t N, size_t K,
                float alpha, const float *A, size_t lda, const float *B,
                size_t ldb, float beta, float *C, size_t ldc);
int ck_gemm_f64(int transA, int transB, size_t M, size_t N, size_t K,
                double alpha, const double *A, size_t lda, const double *B,
                size_t ldb, double beta, double *C, size_t ldc);

/* ck_gemm on the calling thread alone, never split with the helper: for
 * kernels whose own jobs run GEMMs on both threads (a GEMM split from the
 * helper thread would count as a second concurrent call and turn the helper
 * off for a while). Same bits as ck_gemm: a split keeps each row's sums. */
int ck_gemm_own_f32(int transA, int transB, size_t M, size_t N, size_t K,
                    float alpha, const float *A, size_t lda, const float *B,
                    size_t ldb, float beta, float *C, size_t ldc);
int ck_gemm_own_f64(int transA, int transB, size_t M, size_t N, size_t K,
                    double alpha, const double *A, size_t lda, const double *B,
                    size_t ldb, double beta, double *C, size_t ldc);

#endif /* CK_BLAS_H */
