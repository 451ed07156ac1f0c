/* Body of ck_bidirectional.c for one precision. Included twice by
 * ck_bidirectional.c with T (element type) and CK_SUF (f32/f64) defined;
 * not a public header. T_ is the number of timesteps. */

#define CK_S(name) CK_BIDIR_CAT(name, CK_SUF)

/* One helper per mode, called on whole contiguous blocks, so the mode
 * switch sits outside the loops and each body is a straight loop the
 * compiler vectorizes. */
static void CK_S(bidir_add_)(size_t n, const T *restrict a, const T *restrict b,
                             T *restrict o)
{
    size_t j;
    for (j = 0; j < n; ++j) o[j] = a[j] + b[j];
}

static void CK_S(bidir_mul_)(size_t n, const T *restrict a, const T *restrict b,
                             T *restrict o)
{
    size_t j;
    for (j = 0; j < n; ++j) o[j] = a[j] * b[j];
}

/* (a + b) * 0.5 rather than 0.5 * a + 0.5 * b: the same rounding as the
 * NumPy expression of the layer, so both kernels give identical numbers. */
static void CK_S(bidir_ave_)(size_t n, const T *restrict a, const T *restrict b,
                             T *restrict o)
{
    size_t j;
    for (j = 0; j < n; ++j) o[j] = (a[j] + b[j]) * (T)0.5;
}

static void CK_S(bidir_half_)(size_t n, const T *restrict a, T *restrict o)
{
    size_t j;
    for (j = 0; j < n; ++j) o[j] = a[j] * (T)0.5;
}

static void CK_S(bidir_copy_)(size_t n, const T *restrict a, T *restrict o)
{
    if (n) memcpy(o, a, n * sizeof(T));
}

int CK_S(ck_bidir_reverse_fwd_)(size_t N, size_t T_, size_t D, const T *x, T *y,
                                const uint8_t *mask, uint8_t *mask_out)
{
    size_t n, t;
    if ((x == NULL) != (y == NULL) || (mask == NULL) != (mask_out == NULL))
        return CK_ERR_ARG;
    for (n = 0; n < N; ++n) {
        for (t = 0; t < T_; ++t) {
            const size_t dst = n * T_ + t, src = n * T_ + (T_ - 1 - t);
            if (x != NULL) CK_S(bidir_copy_)(D, x + src * D, y + dst * D);
            if (mask != NULL) mask_out[dst] = mask[src];
        }
    }
    return CK_OK;
}

int CK_S(ck_bidir_merge_fwd_)(int mode, int reverse, size_t N, size_t T_, size_t R,
                              size_t Df, size_t Db, const T *f, const T *b, T *out)
{
    size_t n, t, r;
    if (mode < 0 || mode >= CK_BIDIR_NMODES || (mode != CK_BIDIR_CONCAT && Df != Db))
        return CK_ERR_ARG;
    if (f == NULL || b == NULL || out == NULL) return CK_ERR_ARG;
    for (n = 0; n < N; ++n) {
        for (t = 0; t < T_; ++t) {
            /* step t of the merged output pairs f's step t with b's step s */
            const size_t s = reverse ? T_ - 1 - t : t;
            const T *fs = f + (n * T_ + t) * R * Df;
            const T *bs = b + (n * T_ + s) * R * Db;
            if (mode == CK_BIDIR_CONCAT) {
                T *os = out + (n * T_ + t) * R * (Df + Db);
                for (r = 0; r < R; ++r) {
                    CK_S(bidir_copy_)(Df, fs + r * Df, os + r * (Df + Db));
                    CK_S(bidir_copy_)(Db, bs + r * Db, os + r * (Df + Db) + Df);
                }
                continue;
            }
            /* the R rows of one step are contiguous: one block per step */
            {
                T *os = out + (n * T_ + t) * R * Df;
                if (mode == CK_BIDIR_SUM) CK_S(bidir_add_)(R * Df, fs, bs, os);
                else if (mode == CK_BIDIR_MUL) CK_S(bidir_mul_)(R * Df, fs, bs, os);
                else CK_S(bidir_ave_)(R * Df, fs, bs, os);
            }
        }
    }
    return CK_OK;
}

int CK_S(ck_bidir_merge_bwd_)(int mode, int reverse, size_t N, size_t T_, size_t R,
                              size_t Df, size_t Db, const T *f, const T *b,
                              const T *dout, T *df, T *db)
{
    size_t n, t, r;
    if (mode < 0 || mode >= CK_BIDIR_NMODES || (mode != CK_BIDIR_CONCAT && Df != Db))
        return CK_ERR_ARG;
    if (dout == NULL || (mode == CK_BIDIR_MUL && (f == NULL || b == NULL)))
        return CK_ERR_ARG;
    for (n = 0; n < N; ++n) {
        for (t = 0; t < T_; ++t) {
            const size_t s = reverse ? T_ - 1 - t : t;
            T *dfs = df != NULL ? df + (n * T_ + t) * R * Df : NULL;
            T *dbs = db != NULL ? db + (n * T_ + s) * R * Db : NULL;
            if (mode == CK_BIDIR_CONCAT) {
                const T *gs = dout + (n * T_ + t) * R * (Df + Db);
                for (r = 0; r < R; ++r) {
                    if (dfs != NULL) CK_S(bidir_copy_)(Df, gs + r * (Df + Db), dfs + r * Df);
                    if (dbs != NULL)
                        CK_S(bidir_copy_)(Db, gs + r * (Df + Db) + Df, dbs + r * Db);
                }
                continue;
            }
            {
                const size_t m = R * Df;
                const T *gs = dout + (n * T_ + t) * m;
                if (mode == CK_BIDIR_SUM) {
                    if (dfs != NULL) CK_S(bidir_copy_)(m, gs, dfs);
                    if (dbs != NULL) CK_S(bidir_copy_)(m, gs, dbs);
                } else if (mode == CK_BIDIR_AVE) {
                    if (dfs != NULL) CK_S(bidir_half_)(m, gs, dfs);
                    if (dbs != NULL) CK_S(bidir_half_)(m, gs, dbs);
                } else {
                    /* d(f*b): each side gets dout times the other side,
                     * both taken at merged step t */
                    if (dfs != NULL) CK_S(bidir_mul_)(m, gs, b + (n * T_ + s) * m, dfs);
                    if (dbs != NULL) CK_S(bidir_mul_)(m, gs, f + (n * T_ + t) * m, dbs);
                }
            }
        }
    }
    return CK_OK;
}

#undef CK_S
