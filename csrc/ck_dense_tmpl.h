/* Body of ck_dense.c for one precision: included once per element type
 * `real` (see ck_tmpl.h); not a public header. */

/* Columns [c0, c0 + CK_GEMV_COLS) of y = x[k0:k1] . W[k0:k1] for one row
 * x. Batch-1 inference streams W once, so this is bound by how fast W
 * arrives: a block reads whole rows of 512 bytes in order (the prefetchers'
 * best case) into 8 vector accumulators held in registers, enough to hide
 * the FMA latency. Sums restart every CK_GEMV_KB rows and are added up
 * after, so the rounding error grows with K / CK_GEMV_KB + CK_GEMV_KB, not
 * with K. */
typedef real CK_S(ck_gemv_vec) __attribute__((vector_size(64)));

CK_TARGET_CLONES __attribute__((optimize("fp-contract=fast")))
static void CK_S(ck_gemv_full)(size_t k0, size_t k1, size_t N, const real *restrict x,
                               const real *restrict W, size_t c0, real *restrict y)
{
    CK_S(ck_gemv_vec) s[8], a[8], r;
    size_t k, kb;
    int v;
    const real *Wc = W + c0;
    for (v = 0; v < 8; ++v) s[v] = (CK_S(ck_gemv_vec)){0};
    for (kb = k0; kb < k1; kb += CK_GEMV_KB) {
        const size_t ke = k1 - kb < CK_GEMV_KB ? k1 : kb + CK_GEMV_KB;
        for (v = 0; v < 8; ++v) a[v] = (CK_S(ck_gemv_vec)){0};
        for (k = kb; k < ke; ++k) {
            const real xk = x[k];
            const real *row = Wc + k * N;
#pragma GCC unroll 8
            for (v = 0; v < 8; ++v) {
                memcpy(&r, row + v * (64 / sizeof(real)), sizeof r);
                a[v] += xk * r;
            }
        }
        for (v = 0; v < 8; ++v) s[v] += a[v];
    }
    for (v = 0; v < 8; ++v) memcpy(y + c0 + v * (64 / sizeof(real)), &s[v], sizeof s[v]);
}

/* The last, narrower block (w < CK_GEMV_COLS), summed the same way. */
static void CK_S(ck_gemv_part)(size_t k0, size_t k1, size_t N, const real *restrict x,
                               const real *restrict W, size_t c0, size_t w,
                               real *restrict y)
{
    real s[CK_GEMV_COLS(real)], a[CK_GEMV_COLS(real)];
    size_t j, k, kb;
    const real *Wc = W + c0;
    for (j = 0; j < w; ++j) s[j] = (real)0;
    for (kb = k0; kb < k1; kb += CK_GEMV_KB) {
        const size_t ke = k1 - kb < CK_GEMV_KB ? k1 : kb + CK_GEMV_KB;
        for (j = 0; j < w; ++j) a[j] = (real)0;
        for (k = kb; k < ke; ++k) {
            const real xk = x[k];
            const real *r = Wc + k * N;
            for (j = 0; j < w; ++j) a[j] += xk * r[j];
        }
        for (j = 0; j < w; ++j) s[j] += a[j];
    }
    for (j = 0; j < w; ++j) y[c0 + j] = s[j];
}

typedef struct {
    size_t K, N, blocks, parts;
    const real *x, *W;
    real *y[2];
    ck_fpmode fp;
} CK_S(ck_gemv_job);

/* Chunks [lo, hi) of (part, block) pairs, on whichever thread claims them:
 * part p sums its half of the rows into y[p], and every column's sum runs
 * in the same order on either thread, so the result does not depend on who
 * computed what. */
static void CK_S(ck_gemv_chunk)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(ck_gemv_job) *g = (const CK_S(ck_gemv_job) *)ctx;
    const ck_fpmode mine = ck_fp_get();
    const size_t half = g->K / 2;
    size_t i;
    if (mine != g->fp) ck_fp_set(g->fp);
    for (i = lo; i < hi; ++i) {
        const size_t p = i / g->blocks, c0 = (i % g->blocks) * CK_GEMV_COLS(real);
        const size_t w = g->N - c0 < CK_GEMV_COLS(real) ? g->N - c0 : CK_GEMV_COLS(real);
        const size_t k0 = g->parts == 1 ? 0 : p * half;
        const size_t k1 = g->parts == 1 || p == 1 ? g->K : half;
        if (w == CK_GEMV_COLS(real))
            CK_S(ck_gemv_full)(k0, k1, g->N, g->x, g->W, c0, g->y[p]);
        else
            CK_S(ck_gemv_part)(k0, k1, g->N, g->x, g->W, c0, w, g->y[p]);
    }
    if (mine != g->fp) ck_fp_set(mine);
}

/* y = x . W for one row. A large W with few columns is summed in two halves
 * of its rows (one per thread, each a contiguous stream) added at the end;
 * a wide one is split by column blocks. Whether to halve depends on the
 * shape alone, so one thread or two give the same bits. */
static void CK_S(ck_gemv)(size_t K, size_t N, const real *x, const real *W, real *y)
{
    const ck_threads_table *helper = ck_blas_table_get()->helper;
    const int large = (double)K * (double)N * sizeof(real) >= CK_GEMV_SPLIT_BYTES;
    real lower[CK_GEMV_HALVE_MAXN];
    CK_S(ck_gemv_job) g;
    size_t j, n;
    g.K = K;
    g.N = N;
    g.blocks = (N + CK_GEMV_COLS(real) - 1) / CK_GEMV_COLS(real);
    g.parts = large && N <= CK_GEMV_HALVE_MAXN && K >= 2 ? 2 : 1;
    g.x = x;
    g.W = W;
    g.y[0] = y;
    g.y[1] = lower;
    g.fp = ck_fp_get();
    n = g.parts * g.blocks;
    if (helper != NULL && large && n > 1)
        helper->run_chunks(CK_S(ck_gemv_chunk), &g, n, 1);
    else
        CK_S(ck_gemv_chunk)(&g, 0, n);
    if (g.parts == 2)
        for (j = 0; j < N; ++j) y[j] += lower[j];
}

int CK_S(ck_dense_fwd)(size_t M, size_t K, size_t N, const real *X, const real *W,
                       const real *b, int code, real *Y)
{
    if (code < 0 || code >= CK_ACT_NCODES) return CK_ERR_CODE;
    if (M == 0 || N == 0) return CK_OK;
    if (Y == NULL || (K > 0 && (X == NULL || W == NULL))) return CK_ERR_ARG;
    if (M == 1 && K > 0 && ck_dense_gemv
        && (double)K * (double)N * sizeof(real) >= CK_GEMV_MIN_BYTES)
        CK_S(ck_gemv)(K, N, X, W, Y);
    else
        CK_TRY(CK_S(ck_gemm)(0, 0, M, N, K, (real)1, X, K, W, N, (real)0, Y, N));
    return CK_S(ck_act_bias_fwd)(code, M, N, b, Y);
}

typedef struct {
    size_t M, K, N;
    const real *X, *W, *z;
    real *dX, *dW;
    ck_fpmode fp;
    int st[2];
} CK_S(ck_dense_pair);

/* Part 0 is dW = X^T z, part 1 dX = z W^T, each a whole product on
 * whichever thread claims it, under the caller's floating-point mode: the
 * bits of the sequential calls. */
static void CK_S(ck_dense_pair_run)(void *ctx, size_t lo, size_t hi)
{
    CK_S(ck_dense_pair) *p = (CK_S(ck_dense_pair) *)ctx;
    const ck_fpmode mine = ck_fp_get();
    size_t i;
    if (mine != p->fp) ck_fp_set(p->fp);
    for (i = lo; i < hi; ++i)
        p->st[i] = i == 0 ? CK_S(ck_gemm_own)(1, 0, p->K, p->N, p->M, (real)1, p->X, p->K,
                                              p->z, p->N, (real)0, p->dW, p->N)
                          : CK_S(ck_gemm_own)(0, 1, p->M, p->K, p->N, (real)1, p->z, p->N,
                                              p->W, p->N, (real)0, p->dX, p->K);
    if (mine != p->fp) ck_fp_set(mine);
}

int CK_S(ck_dense_bwd)(size_t M, size_t K, size_t N, const real *X, const real *W,
                       const real *Y, const real *dY, int code, real *dZ, real *dX,
                       real *dW, real *db)
{
    const real *z;
    if (code < 0 || code >= CK_ACT_NCODES) return CK_ERR_CODE;
    if (M > 0 && N > 0 && dY == NULL) return CK_ERR_ARG;
    if (code == CK_ACT_LINEAR && dZ == NULL) {
        /* act' == 1: dY already is dZ, only db needs a pass. */
        z = dY;
        if (db != NULL) {
            size_t i, j;
            for (j = 0; j < N; ++j) db[j] = (real)0;
            for (i = 0; i < M; ++i) {
                const real *gi = dY + i * N;
                for (j = 0; j < N; ++j) db[j] += gi[j];
            }
        }
    } else {
        if (M > 0 && N > 0 && (dZ == NULL || Y == NULL)) return CK_ERR_ARG;
        if (dZ != NULL && (dZ == Y || dZ == dY)) return CK_ERR_ARG;
        CK_TRY(CK_S(ck_act_bias_bwd)(code, M, N, Y, dY, dZ, db));
        z = dZ;
    }
    if (dW != NULL && dX != NULL) {
        /* dW and dX are independent products of equal size (2*M*K*N flops
         * each): side by side, one per thread, each packs its operands once,
         * where splitting each over rows repacks the shared one per chunk
         * (a 128x256x128 layer gains nothing from a split). Past
         * CK_DENSE_PAIR_MAX_FLOPS each splits finely on its own instead. */
        const double flops = 2.0 * (double)M * (double)K * (double)N;
        if (flops < CK_DENSE_PAIR_MAX_FLOPS && ck_blas_may_share(2.0 * flops)) {
            CK_S(ck_dense_pair) p;
            p.M = M; p.K = K; p.N = N;
            p.X = X; p.W = W; p.z = z; p.dX = dX; p.dW = dW;
            p.fp = ck_fp_get();
            p.st[0] = p.st[1] = CK_OK;
            ck_blas_table_get()->helper->run_chunks(CK_S(ck_dense_pair_run), &p, 2, 1);
            return p.st[0] != CK_OK ? p.st[0] : p.st[1];
        }
    }
    if (dW != NULL) CK_TRY(CK_S(ck_gemm)(1, 0, K, N, M, (real)1, X, K, z, N, (real)0, dW, N));
    if (dX != NULL) CK_TRY(CK_S(ck_gemm)(0, 1, M, K, N, (real)1, z, N, W, N, (real)0, dX, K));
    return CK_OK;
}

/* One pass over the ids, each adding its row: a row of D contiguous adds
 * vectorizes; np.add.at costs ~1 us per id on 128-wide rows (measured 15 ms
 * for 12,800 ids into 20000x128, the embedding gradient of a text model). */
CK_TARGET_CLONES
static void CK_S(ck_embedding_add_rows)(size_t D, real *restrict row,
                                        const real *restrict g)
{
    size_t j;
    for (j = 0; j < D; ++j) row[j] += g[j];
}

int CK_S(ck_dense_embedding_bwd)(size_t n, size_t D, size_t V, const ptrdiff_t *idx,
                                 const real *dY, real *dW)
{
    size_t k;
    const ptrdiff_t v = (ptrdiff_t)V;
    if (V > 0 && D > 0 && dW == NULL) return CK_ERR_ARG;
    if (n > 0 && idx == NULL) return CK_ERR_ARG;
    for (k = 0; k < n; ++k)
        if (idx[k] < -v || idx[k] >= v) return CK_ERR_ARG;
    if (V > 0 && D > 0) memset(dW, 0, V * D * sizeof(real));
    if (D == 0) return CK_OK;
    if (n > 0 && dY == NULL) return CK_ERR_ARG;
    for (k = 0; k < n; ++k) {
        const ptrdiff_t i = idx[k] < 0 ? idx[k] + v : idx[k];
        CK_S(ck_embedding_add_rows)(D, dW + (size_t)i * D, dY + k * D);
    }
    return CK_OK;
}
