/* Body of ck_bidirectional.c for one precision: included once per element
 * type `real` (see ck_tmpl.h); not a public header. */

/* One helper per mode, called on whole contiguous blocks, so the mode
 * switch sits outside the loops and each body is a straight loop the
 * compiler vectorizes. */
static void CK_S(bidir_add)(size_t n, const real *restrict a, const real *restrict b,
                            real *restrict o)
{
    size_t j;
    for (j = 0; j < n; ++j) o[j] = a[j] + b[j];
}

static void CK_S(bidir_mul)(size_t n, const real *restrict a, const real *restrict b,
                            real *restrict o)
{
    size_t j;
    for (j = 0; j < n; ++j) o[j] = a[j] * b[j];
}

/* (a + b) * 0.5 rather than 0.5 * a + 0.5 * b: the same rounding as the
 * NumPy expression of the layer, so both kernels give identical numbers. */
static void CK_S(bidir_ave)(size_t n, const real *restrict a, const real *restrict b,
                            real *restrict o)
{
    size_t j;
    for (j = 0; j < n; ++j) o[j] = (a[j] + b[j]) * (real)0.5;
}

static void CK_S(bidir_half)(size_t n, const real *restrict a, real *restrict o)
{
    size_t j;
    for (j = 0; j < n; ++j) o[j] = a[j] * (real)0.5;
}

static void CK_S(bidir_copy)(size_t n, const real *restrict a, real *restrict o)
{
    if (n) memcpy(o, a, n * sizeof(real));
}

int CK_S(ck_bidir_reverse_fwd)(size_t N, size_t T, size_t D, const real *x, real *y,
                               const uint8_t *mask, uint8_t *mask_out)
{
    size_t n, t;
    if ((x == NULL) != (y == NULL) || (mask == NULL) != (mask_out == NULL))
        return CK_ERR_ARG;
    for (n = 0; n < N; ++n) {
        for (t = 0; t < T; ++t) {
            const size_t dst = n * T + t, src = n * T + (T - 1 - t);
            if (x != NULL) CK_S(bidir_copy)(D, x + src * D, y + dst * D);
            if (mask != NULL) mask_out[dst] = mask[src];
        }
    }
    return CK_OK;
}

int CK_S(ck_bidir_merge_fwd)(int mode, int reverse, size_t N, size_t T, size_t R, size_t Df,
                             size_t Db, const real *f, const real *b, real *out)
{
    size_t n, t, r;
    if (mode < 0 || mode >= CK_BIDIR_NMODES || (mode != CK_BIDIR_CONCAT && Df != Db))
        return CK_ERR_ARG;
    if (f == NULL || b == NULL || out == NULL) return CK_ERR_ARG;
    for (n = 0; n < N; ++n) {
        for (t = 0; t < T; ++t) {
            /* step t of the merged output pairs f's step t with b's step s */
            const size_t s = reverse ? T - 1 - t : t;
            const real *fs = f + (n * T + t) * R * Df;
            const real *bs = b + (n * T + s) * R * Db;
            if (mode == CK_BIDIR_CONCAT) {
                real *os = out + (n * T + t) * R * (Df + Db);
                for (r = 0; r < R; ++r) {
                    CK_S(bidir_copy)(Df, fs + r * Df, os + r * (Df + Db));
                    CK_S(bidir_copy)(Db, bs + r * Db, os + r * (Df + Db) + Df);
                }
                continue;
            }
            /* the R rows of one step are contiguous: one block per step */
            {
                real *os = out + (n * T + t) * R * Df;
                if (mode == CK_BIDIR_SUM) CK_S(bidir_add)(R * Df, fs, bs, os);
                else if (mode == CK_BIDIR_MUL) CK_S(bidir_mul)(R * Df, fs, bs, os);
                else CK_S(bidir_ave)(R * Df, fs, bs, os);
            }
        }
    }
    return CK_OK;
}

int CK_S(ck_bidir_merge_bwd)(int mode, int reverse, size_t N, size_t T, size_t R, size_t Df,
                             size_t Db, const real *f, const real *b, const real *dout,
                             real *df, real *db)
{
    size_t n, t, r;
    if (mode < 0 || mode >= CK_BIDIR_NMODES || (mode != CK_BIDIR_CONCAT && Df != Db))
        return CK_ERR_ARG;
    if (dout == NULL || (mode == CK_BIDIR_MUL && (f == NULL || b == NULL)))
        return CK_ERR_ARG;
    for (n = 0; n < N; ++n) {
        for (t = 0; t < T; ++t) {
            const size_t s = reverse ? T - 1 - t : t;
            real *dfs = df != NULL ? df + (n * T + t) * R * Df : NULL;
            real *dbs = db != NULL ? db + (n * T + s) * R * Db : NULL;
            if (mode == CK_BIDIR_CONCAT) {
                const real *gs = dout + (n * T + t) * R * (Df + Db);
                for (r = 0; r < R; ++r) {
                    if (dfs != NULL) CK_S(bidir_copy)(Df, gs + r * (Df + Db), dfs + r * Df);
                    if (dbs != NULL)
                        CK_S(bidir_copy)(Db, gs + r * (Df + Db) + Df, dbs + r * Db);
                }
                continue;
            }
            {
                const size_t m = R * Df;
                const real *gs = dout + (n * T + t) * m;
                if (mode == CK_BIDIR_SUM) {
                    if (dfs != NULL) CK_S(bidir_copy)(m, gs, dfs);
                    if (dbs != NULL) CK_S(bidir_copy)(m, gs, dbs);
                } else if (mode == CK_BIDIR_AVE) {
                    if (dfs != NULL) CK_S(bidir_half)(m, gs, dfs);
                    if (dbs != NULL) CK_S(bidir_half)(m, gs, dbs);
                } else {
                    /* d(f*b): each side gets dout times the other side,
                     * both taken at merged step t */
                    if (dfs != NULL) CK_S(bidir_mul)(m, gs, b + (n * T + s) * m, dfs);
                    if (dbs != NULL) CK_S(bidir_mul)(m, gs, f + (n * T + t) * m, dbs);
                }
            }
        }
    }
    return CK_OK;
}

