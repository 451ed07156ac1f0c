/* Body of ck_blas.c for one precision: included once per element type
 * `real` (see ck_tmpl.h), with CK_GEMM_FIELD naming the table's pointer
 * (sgemm or dgemm); not a public header. */

/* How the table's pointer is called, per CK_BLAS_* kind. */
typedef void (*CK_S(ck_cblas32_gemm_fn))(int, int, int, int32_t, int32_t, int32_t, real,
                                          const real *, int32_t, const real *, int32_t,
                                          real, real *, int32_t);
typedef void (*CK_S(ck_cblas64_gemm_fn))(int, int, int, int64_t, int64_t, int64_t, real,
                                          const real *, int64_t, const real *, int64_t,
                                          real, real *, int64_t);
/* The shape of scipy.linalg.cython_blas' wrappers: no hidden string lengths. */
typedef void (*CK_S(ck_f77_gemm_fn))(const char *, const char *, const int *, const int *,
                                      const int *, const real *, const real *, const int *,
                                      const real *, const int *, const real *, real *,
                                      const int *);

/* The naive loops keep C rows contiguous in the inner loop so they
 * vectorize. */
static void CK_S(ck_gemm_naive)(int transA, int transB, size_t M, size_t N, size_t K,
                                real alpha, const real *A, size_t lda, const real *B,
                                size_t ldb, real beta, real *C, size_t ldc)
{
    size_t i, j, k;
    for (i = 0; i < M; ++i) {
        real *Ci = C + i * ldc;
        if (beta == (real)0) {
            for (j = 0; j < N; ++j) Ci[j] = (real)0;
        } else if (beta != (real)1) {
            for (j = 0; j < N; ++j) Ci[j] *= beta;
        }
        if (!transB) {
            for (k = 0; k < K; ++k) {
                const real a = alpha * (transA ? A[k * lda + i] : A[i * lda + k]);
                const real *Bk = B + k * ldb;
                for (j = 0; j < N; ++j) Ci[j] += a * Bk[j];
            }
        } else {
            for (j = 0; j < N; ++j) {
                const real *Bj = B + j * ldb;
                real s = (real)0;
                if (transA) {
                    for (k = 0; k < K; ++k) s += A[k * lda + i] * Bj[k];
                } else {
                    const real *Ai = A + i * lda;
                    for (k = 0; k < K; ++k) s += Ai[k] * Bj[k];
                }
                Ci[j] += alpha * s;
            }
        }
    }
}

/* One call of the library (or of the naive loops) on this thread. */
static void CK_S(ck_gemm_call)(const ck_blas_table *t, int kind, int transA, int transB,
                               size_t M, size_t N, size_t K, real alpha, const real *A,
                               size_t lda, const real *B, size_t ldb, real beta, real *C,
                               size_t ldc)
{
    switch (kind) {
    case CK_BLAS_CBLAS32:
        ((CK_S(ck_cblas32_gemm_fn))t->CK_GEMM_FIELD)(
            CK_CBLAS_ROW_MAJOR, transA ? CK_CBLAS_TRANS : CK_CBLAS_NO_TRANS,
            transB ? CK_CBLAS_TRANS : CK_CBLAS_NO_TRANS, (int32_t)M, (int32_t)N,
            (int32_t)K, alpha, A, (int32_t)lda, B, (int32_t)ldb, beta, C, (int32_t)ldc);
        return;
    case CK_BLAS_CBLAS64:
        ((CK_S(ck_cblas64_gemm_fn))t->CK_GEMM_FIELD)(
            CK_CBLAS_ROW_MAJOR, transA ? CK_CBLAS_TRANS : CK_CBLAS_NO_TRANS,
            transB ? CK_CBLAS_TRANS : CK_CBLAS_NO_TRANS, (int64_t)M, (int64_t)N,
            (int64_t)K, alpha, A, (int64_t)lda, B, (int64_t)ldb, beta, C, (int64_t)ldc);
        return;
    case CK_BLAS_F77: {
        /* Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T:
         * swap the operands and their flags, and M with N. */
        const int m = (int)N, n = (int)M, k = (int)K;
        const int ila = (int)ldb, ilb = (int)lda, ilc = (int)ldc;
        const char ta = transB ? 'T' : 'N', tb = transA ? 'T' : 'N';
        ((CK_S(ck_f77_gemm_fn))t->CK_GEMM_FIELD)(&ta, &tb, &m, &n, &k, &alpha, B, &ila, A,
                                                   &ilb, &beta, C, &ilc);
        return;
    }
    default:
        CK_S(ck_gemm_naive)(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
}

/* A GEMM split over the rows of C, for ck_threads_run_chunks: [first, end)
 * is a range of chunk numbers. Only rows: OpenBLAS (0.3.31/0.3.34 here)
 * computes a block of columns alone with other bits than inside the whole
 * product (float64, a last block of 131 of 515 columns), a block of rows
 * with the same bits. */
typedef struct {
    const ck_blas_table *t;
    int kind, transA, transB;
    size_t M, N, K, lda, ldb, ldc, chunks;
    real alpha, beta;
    const real *A, *B;
    real *C;
    ck_fpenv fpenv;
} CK_S(ck_gemm_split);

static void CK_S(ck_gemm_chunk)(void *ctx, size_t first, size_t end)
{
    const CK_S(ck_gemm_split) *g = (const CK_S(ck_gemm_split) *)ctx;
    const size_t lo = ck_split_bound(first, g->chunks, g->M);
    const size_t hi = ck_split_bound(end, g->chunks, g->M);
    /* Rows lo..hi of op(A): rows of A, or its columns when transposed. */
    const real *A = g->transA ? g->A + lo : g->A + lo * g->lda;
    const ck_fpenv mine = CK_FPENV_GET();
    if (mine != g->fpenv) CK_FPENV_SET(g->fpenv);
    CK_S(ck_gemm_call)(g->t, g->kind, g->transA, g->transB, hi - lo, g->N, g->K, g->alpha,
                       A, g->lda, g->B, g->ldb, g->beta, g->C + lo * g->ldc, g->ldc);
    if (mine != g->fpenv) CK_FPENV_SET(mine);
}

int CK_S(ck_gemm)(int transA, int transB, size_t M, size_t N, size_t K, real alpha,
                  const real *A, size_t lda, const real *B, size_t ldb, real beta, real *C,
                  size_t ldc)
{
    ck_blas_table *t = ck_blas_active;
    const int kind = t->kind;
    int st = ck_gemm_check(transA, transB, M, N, K, A, lda, B, ldb, C, ldc);
    size_t chunks;
    int scoped;
    if (st != CK_OK) return st;
    if (M == 0 || N == 0) return CK_OK;
    if (K == 0) {
        /* BLAS rejects lda == 0; the product is empty, only beta*C remains. */
        size_t i, j;
        for (i = 0; i < M; ++i) {
            real *Ci = C + i * ldc;
            if (beta == (real)0) {
                for (j = 0; j < N; ++j) Ci[j] = (real)0;
            } else if (beta != (real)1) {
                for (j = 0; j < N; ++j) Ci[j] *= beta;
            }
        }
        return CK_OK;
    }
    if (kind != CK_BLAS_NAIVE && kind != CK_BLAS_CBLAS64
        && !ck_fits_int32(M, N, K, lda, ldb, ldc))
        return CK_ERR_TOO_LARGE;
    if (!ck_policy_auto(t, kind)) {
        CK_S(ck_gemm_call)(t, kind, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C,
                           ldc);
        return CK_OK;
    }
    scoped = kind != CK_BLAS_NAIVE && ck_needs_scope(t, M, N, K);
    if (scoped) ck_scope_enter(t);
    chunks = ck_split_chunks(t, M, N, K);
    if (chunks == 0) {
        CK_S(ck_gemm_call)(t, kind, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C,
                           ldc);
    } else {
        CK_S(ck_gemm_split) g;
        g.t = t;
        g.kind = kind;
        g.transA = transA;
        g.transB = transB;
        g.M = M;
        g.N = N;
        g.K = K;
        g.lda = lda;
        g.ldb = ldb;
        g.ldc = ldc;
        g.chunks = chunks;
        g.alpha = alpha;
        g.beta = beta;
        g.A = A;
        g.B = B;
        g.C = C;
        g.fpenv = CK_FPENV_GET();
        t->helper->run_chunks(CK_S(ck_gemm_chunk), &g, chunks, 1);
    }
    if (scoped) ck_scope_leave(t);
    return CK_OK;
}

int CK_S(ck_gemm_own)(int transA, int transB, size_t M, size_t N, size_t K, real alpha,
                      const real *A, size_t lda, const real *B, size_t ldb, real beta,
                      real *C, size_t ldc)
{
    ck_blas_table *t = ck_blas_active;
    const int kind = t->kind;
    int scoped;
    /* K == 0 and explicit thread counts never split in ck_gemm either */
    if (K == 0 || !ck_policy_auto(t, kind))
        return CK_S(ck_gemm)(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    CK_TRY(ck_gemm_check(transA, transB, M, N, K, A, lda, B, ldb, C, ldc));
    if (M == 0 || N == 0) return CK_OK;
    if (kind != CK_BLAS_NAIVE && kind != CK_BLAS_CBLAS64
        && !ck_fits_int32(M, N, K, lda, ldb, ldc))
        return CK_ERR_TOO_LARGE;
    scoped = kind != CK_BLAS_NAIVE && ck_needs_scope(t, M, N, K);
    if (scoped) ck_scope_enter(t);
    CK_S(ck_gemm_call)(t, kind, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    if (scoped) ck_scope_leave(t);
    return CK_OK;
}
