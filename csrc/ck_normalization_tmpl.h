/* Body of ck_normalization.c for one precision: included once per element
 * type `real` (see ck_tmpl.h); not a public header. */

/* Eight partial sums, so the loop vectorizes without reassociating (no
 * -ffast-math); the order is fixed, whoever runs the row. */
CK_INLINE real CK_S(norm_sum)(size_t n, const real *x)
{
    real s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j, l;
    for (j = 0; j + 8 <= n; j += 8)
        for (l = 0; l < 8; ++l) s[l] += x[j + l];
    for (; j < n; ++j) s[0] += x[j];
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

CK_INLINE real CK_S(norm_sqdev)(size_t n, const real *x, real m)
{
    real s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t j, l;
    for (j = 0; j + 8 <= n; j += 8)
        for (l = 0; l < 8; ++l) s[l] += (x[j + l] - m) * (x[j + l] - m);
    for (; j < n; ++j) s[0] += (x[j] - m) * (x[j] - m);
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

typedef struct {
    size_t rows, cols;
    const real *x, *gamma, *beta, *dy;
    real eps, *y, *mean, *rstd, *dx, *dgamma, *dbeta;
    const real *cmean, *crstd;
} CK_S(norm_job);

static CK_TARGET_CLONES void CK_S(layer_norm_rows)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(norm_job) *j = (const CK_S(norm_job) *)ctx;
    const size_t C = j->cols;
    const real *g = j->gamma, *b = j->beta;
    size_t i, c;
    for (i = lo; i < hi; ++i) {
        const real *xi = j->x + i * C;
        real *yi = j->y + i * C;
        const real m = CK_S(norm_sum)(C, xi) / (real)C;
        const real r = (real)1 / (real)sqrt(CK_S(norm_sqdev)(C, xi, m) / (real)C + j->eps);
        j->mean[i] = m;
        j->rstd[i] = r;
        if (g != NULL && b != NULL)
            for (c = 0; c < C; ++c) yi[c] = (xi[c] - m) * r * g[c] + b[c];
        else if (g != NULL)
            for (c = 0; c < C; ++c) yi[c] = (xi[c] - m) * r * g[c];
        else if (b != NULL)
            for (c = 0; c < C; ++c) yi[c] = (xi[c] - m) * r + b[c];
        else
            for (c = 0; c < C; ++c) yi[c] = (xi[c] - m) * r;
    }
}

int CK_S(ck_layer_norm_fwd)(size_t rows, size_t cols, const real *x, const real *gamma,
                            const real *beta, double eps, real *y, real *mean, real *rstd)
{
    CK_S(norm_job) j;
    if (rows == 0) return CK_OK;
    if (cols == 0 || x == NULL || y == NULL || mean == NULL || rstd == NULL)
        return CK_ERR_ARG;
    memset(&j, 0, sizeof j);
    j.rows = rows; j.cols = cols; j.x = x; j.gamma = gamma; j.beta = beta; j.eps = (real)eps;
    j.y = y; j.mean = mean; j.rstd = rstd;
    ck_threads_run_chunks(CK_S(layer_norm_rows), &j, rows, CK_NORM_ROWS);
    return CK_OK;
}

/* dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma. */
static CK_TARGET_CLONES void CK_S(layer_norm_dx)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(norm_job) *j = (const CK_S(norm_job) *)ctx;
    const size_t C = j->cols;
    const real *gam = j->gamma;
    size_t i, c, l;
    for (i = lo; i < hi; ++i) {
        const real *xi = j->x + i * C, *di = j->dy + i * C;
        real *zi = j->dx + i * C;
        const real m = j->cmean[i], r = j->crstd[i];
        real sg[8] = {0, 0, 0, 0, 0, 0, 0, 0}, sgx[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        real mg, mgx;
        for (c = 0; c + 8 <= C; c += 8)
            for (l = 0; l < 8; ++l) {
                const real g = gam != NULL ? di[c + l] * gam[c + l] : di[c + l];
                sg[l] += g;
                sgx[l] += g * ((xi[c + l] - m) * r);
            }
        for (; c < C; ++c) {
            const real g = gam != NULL ? di[c] * gam[c] : di[c];
            sg[0] += g;
            sgx[0] += g * ((xi[c] - m) * r);
        }
        mg = (((sg[0] + sg[1]) + (sg[2] + sg[3])) + ((sg[4] + sg[5]) + (sg[6] + sg[7])))
             / (real)C;
        mgx = (((sgx[0] + sgx[1]) + (sgx[2] + sgx[3])) + ((sgx[4] + sgx[5]) + (sgx[6] + sgx[7])))
              / (real)C;
        for (c = 0; c < C; ++c) {
            const real g = gam != NULL ? di[c] * gam[c] : di[c];
            zi[c] = r * (g - mg - ((xi[c] - m) * r) * mgx);
        }
    }
}

/* Column sums over every row, in row order, for the columns [lo, hi). */
static CK_TARGET_CLONES void CK_S(layer_norm_params)(void *ctx, size_t lo, size_t hi)
{
    const CK_S(norm_job) *j = (const CK_S(norm_job) *)ctx;
    const size_t C = j->cols, R = j->rows;
    real *dg = j->dgamma, *db = j->dbeta;
    size_t i, c;
    for (c = lo; c < hi; ++c) {
        if (dg != NULL) dg[c] = (real)0;
        if (db != NULL) db[c] = (real)0;
    }
    for (i = 0; i < R; ++i) {
        const real *xi = j->x + i * C, *di = j->dy + i * C;
        const real m = j->cmean[i], r = j->crstd[i];
        if (dg != NULL)
            for (c = lo; c < hi; ++c) dg[c] += di[c] * ((xi[c] - m) * r);
        if (db != NULL)
            for (c = lo; c < hi; ++c) db[c] += di[c];
    }
}

int CK_S(ck_layer_norm_bwd)(size_t rows, size_t cols, const real *x, const real *gamma,
                            const real *mean, const real *rstd, const real *dy, real *dx,
                            real *dgamma, real *dbeta)
{
    CK_S(norm_job) j;
    if (cols == 0) return CK_OK;
    if (rows > 0 && (x == NULL || mean == NULL || rstd == NULL || dy == NULL || dx == NULL))
        return CK_ERR_ARG;
    memset(&j, 0, sizeof j);
    j.rows = rows; j.cols = cols; j.x = x; j.gamma = gamma; j.cmean = mean; j.crstd = rstd;
    j.dy = dy; j.dgamma = dgamma; j.dbeta = dbeta;
    /* The parameter pass reads dy, so it runs before dx may overwrite it. */
    if (dgamma != NULL || dbeta != NULL)
        ck_threads_run_chunks(CK_S(layer_norm_params), &j, cols, CK_NORM_COLS);
    if (rows > 0) {
        j.dx = dx;
        ck_threads_run_chunks(CK_S(layer_norm_dx), &j, rows, CK_NORM_ROWS);
    }
    return CK_OK;
}
