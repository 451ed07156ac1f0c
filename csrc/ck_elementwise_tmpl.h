/* Body of ck_elementwise.c for one precision: included once per element
 * type `real` (see ck_tmpl.h); not a public header. */

typedef struct {
    size_t cols;
    const real *a, *b, *g;
    real *out, *loss;
    const int64_t *labels;
} CK_S(ew_job);

static CK_TARGET_CLONES void CK_S(ew_add_range)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(ew_job) *j = (const CK_S(ew_job) *)ctx;
    size_t i;
    for (i = lo; i < hi; ++i) j->out[i] = j->a[i] + j->b[i];
}

int CK_S(ck_ew_add)(size_t n, const real *a, const real *b, real *out)
{
    CK_S(ew_job) j;
    if (n == 0) return CK_OK;
    if (a == NULL || b == NULL || out == NULL) return CK_ERR_ARG;
    memset(&j, 0, sizeof j);
    j.a = a; j.b = b; j.out = out;
    ck_threads_run_chunks(CK_S(ew_add_range), &j, n, CK_EW_CHUNK);
    return CK_OK;
}

static CK_TARGET_CLONES void CK_S(mse_fwd_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(ew_job) *j = (const CK_S(ew_job) *)ctx;
    const size_t C = j->cols;
    size_t i, c, l;
    for (i = lo; i < hi; ++i) {
        const real *p = j->a + i * C, *t = j->b + i * C;
        real *d = j->out + i * C;
        real s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (c = 0; c + 8 <= C; c += 8)
            for (l = 0; l < 8; ++l) {
                const real v = p[c + l] - t[c + l];
                d[c + l] = v;
                s[l] += v * v;
            }
        for (; c < C; ++c) {
            const real v = p[c] - t[c];
            d[c] = v;
            s[0] += v * v;
        }
        j->loss[i] = (((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7])))
                     / (real)C;
    }
}

int CK_S(ck_mse_fwd)(size_t rows, size_t cols, const real *p, const real *t, real *d,
                     real *loss)
{
    CK_S(ew_job) j;
    if (rows == 0) return CK_OK;
    if (cols == 0 || p == NULL || t == NULL || d == NULL || loss == NULL) return CK_ERR_ARG;
    memset(&j, 0, sizeof j);
    j.cols = cols; j.a = p; j.b = t; j.out = d; j.loss = loss;
    ck_threads_run_chunks(CK_S(mse_fwd_rows), &j, rows, CK_EW_ROWS(cols));
    return CK_OK;
}

static CK_TARGET_CLONES void CK_S(mse_bwd_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(ew_job) *j = (const CK_S(ew_job) *)ctx;
    const size_t C = j->cols;
    size_t i, c;
    for (i = lo; i < hi; ++i) {
        /* (g / cols) * 2: the scaling Mean's and Square's backward apply */
        const real s = (j->g[i] * ((real)1 / (real)C)) * (real)2;
        const real *d = j->a + i * C;
        real *o = j->out + i * C;
        for (c = 0; c < C; ++c) o[c] = d[c] * s;
    }
}

int CK_S(ck_mse_bwd)(size_t rows, size_t cols, const real *d, const real *g, real *dp)
{
    CK_S(ew_job) j;
    if (rows == 0 || cols == 0) return CK_OK;
    if (d == NULL || g == NULL || dp == NULL) return CK_ERR_ARG;
    memset(&j, 0, sizeof j);
    j.cols = cols; j.a = d; j.g = g; j.out = dp;
    ck_threads_run_chunks(CK_S(mse_bwd_rows), &j, rows, CK_EW_ROWS(cols));
    return CK_OK;
}

static int CK_S(xent_labels_ok)(size_t rows, size_t cols, const int64_t *labels)
{
    size_t i;
    for (i = 0; i < rows; ++i)
        if (labels[i] < 0 || (uint64_t)labels[i] >= (uint64_t)cols) return 0;
    return 1;
}

static void CK_S(xent_fwd_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(ew_job) *j = (const CK_S(ew_job) *)ctx;
    const size_t C = j->cols;
    real m[CK_EW_XENT_ROWS], s[CK_EW_XENT_ROWS];
    size_t i, k, n;
    for (i = lo; i < hi; i += n) {
        n = hi - i < CK_EW_XENT_ROWS ? hi - i : CK_EW_XENT_ROWS;
        CK_S(ck_act_softmax_stats_fwd)(n, C, j->a + i * C, j->out + i * C, m, s);
        /* s <= C unless the row held NaN or +inf (ck_act_exp turns NaN
         * into +inf) */
        for (k = 0; k < n; ++k) {
            const real zt = j->a[(i + k) * C + j->labels[i + k]];
            j->loss[i + k] = s[k] < (real)HUGE_VAL ? CK_S(ck_ew_log)(s[k]) - (zt - m[k])
                                                   : (real)NAN;
        }
    }
}

int CK_S(ck_sparse_xent_fwd)(size_t rows, size_t cols, const real *z, const int64_t *labels,
                             real *p, real *loss)
{
    CK_S(ew_job) j;
    if (rows == 0) return CK_OK;
    if (cols == 0 || z == NULL || labels == NULL || p == NULL || loss == NULL)
        return CK_ERR_ARG;
    if (!CK_S(xent_labels_ok)(rows, cols, labels)) return CK_ERR_ARG;
    memset(&j, 0, sizeof j);
    j.cols = cols; j.a = z; j.labels = labels; j.out = p; j.loss = loss;
    ck_threads_run_chunks(CK_S(xent_fwd_rows), &j, rows, CK_EW_ROWS(cols));
    return CK_OK;
}

static CK_TARGET_CLONES void CK_S(xent_bwd_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(ew_job) *j = (const CK_S(ew_job) *)ctx;
    const size_t C = j->cols;
    size_t i, c;
    for (i = lo; i < hi; ++i) {
        const real g = j->g[i];
        const real *p = j->a + i * C;
        real *o = j->out + i * C;
        const int64_t t = j->labels[i];
        const real pt = p[t];
        for (c = 0; c < C; ++c) o[c] = p[c] * g;
        o[t] = (pt - (real)1) * g;
    }
}

int CK_S(ck_sparse_xent_bwd)(size_t rows, size_t cols, const real *p, const int64_t *labels,
                             const real *g, real *dz)
{
    CK_S(ew_job) j;
    if (rows == 0 || cols == 0) return CK_OK;
    if (p == NULL || labels == NULL || g == NULL || dz == NULL) return CK_ERR_ARG;
    if (!CK_S(xent_labels_ok)(rows, cols, labels)) return CK_ERR_ARG;
    memset(&j, 0, sizeof j);
    j.cols = cols; j.a = p; j.labels = labels; j.g = g; j.out = dz;
    ck_threads_run_chunks(CK_S(xent_bwd_rows), &j, rows, CK_EW_ROWS(cols));
    return CK_OK;
}
