/* The kernels of the image preprocessing layers for one precision: included
 * once per element type `real` by ck_image.c (see ck_tmpl.h); not a public
 * header. */

/* One resize call's shared state: the images are split between the caller
 * and the helper thread, each image resampled by whoever claims it, with
 * one of two scratch slots (claimed through `busy`). */
typedef struct {
    size_t Hi, Wi, C, Ho, Wo, Kr, Kc;
    const real *x;
    real *y;
    const ptrdiff_t *ridx, *cidx;
    const real *rw, *cw;
    real *rows[2];            /* Hi x Wo*C: input rows resampled along x */
    unsigned char *done[2];   /* Hi flags: that row of rows[] is ready */
    int busy[2];
} CK_S(resize_job);

/* Resample input row xr along the columns into out (Wo*C values); C is a
 * constant where the caller below passes one, so the channel loops unroll. */
CK_INLINE void CK_S(resize_row_c)(const CK_S(resize_job) *j, const real *xr, real *out,
                                  const size_t C)
{
    size_t q, b, k;
    const size_t Kc = j->Kc;
    for (q = 0; q < j->Wo; ++q) {
        const real *w = j->cw + q * Kc;
        const ptrdiff_t *ix = j->cidx + q * Kc;
        real *o = out + q * C;
        const real *src = xr + (size_t)ix[0] * C;
        for (k = 0; k < C; ++k) o[k] = w[0] * src[k];
        for (b = 1; b < Kc; ++b) {
            const real wb = w[b];
            src = xr + (size_t)ix[b] * C;
            for (k = 0; k < C; ++k) o[k] += wb * src[k];
        }
    }
}

/* The same sums for two taps (bilinear): the tap loop and its loads of
 * weights and indices go; w0*s0 + w1*s1 rounds as the loop above does (the
 * build does not contract to FMA). */
CK_INLINE void CK_S(resize_row_c2)(const CK_S(resize_job) *j, const real *xr, real *out,
                                   const size_t C)
{
    size_t q, k;
    for (q = 0; q < j->Wo; ++q) {
        const real w0 = j->cw[2 * q], w1 = j->cw[2 * q + 1];
        const real *s0 = xr + (size_t)j->cidx[2 * q] * C;
        const real *s1 = xr + (size_t)j->cidx[2 * q + 1] * C;
        real *o = out + q * C;
        for (k = 0; k < C; ++k) o[k] = w0 * s0[k] + w1 * s1[k];
    }
}

CK_INLINE void CK_S(resize_row)(const CK_S(resize_job) *j, const real *xr, real *out)
{
    if (j->Kc == 2) {
        switch (j->C) {
        case 1: CK_S(resize_row_c2)(j, xr, out, 1); return;
        case 3: CK_S(resize_row_c2)(j, xr, out, 3); return;
        case 4: CK_S(resize_row_c2)(j, xr, out, 4); return;
        default: CK_S(resize_row_c2)(j, xr, out, j->C); return;
        }
    }
    switch (j->C) {
    case 1: CK_S(resize_row_c)(j, xr, out, 1); break;
    case 3: CK_S(resize_row_c)(j, xr, out, 3); break;
    case 4: CK_S(resize_row_c)(j, xr, out, 4); break;
    default: CK_S(resize_row_c)(j, xr, out, j->C); break;
    }
}

/* Cloned for AVX2/AVX-512: the row sums below are long contiguous loops. */
CK_TARGET_CLONES
static void CK_S(resize_images)(void *ctx, size_t lo, size_t hi)
{
    CK_S(resize_job) *j = (CK_S(resize_job) *)ctx;
    const size_t rowlen = j->Wo * j->C, inlen = j->Wi * j->C;
    size_t n, i, a, q;
    int slot = 0, expected = 0;
    real *rows;
    unsigned char *done;
    /* At most two calls run at once, so one slot is always free. */
    while (!CK_CAS(&j->busy[slot], &expected, 1)) {
        expected = 0;
        slot ^= 1;
    }
    rows = j->rows[slot];
    done = j->done[slot];
    for (n = lo; n < hi; ++n) {
        const real *xn = j->x + n * j->Hi * inlen;
        real *yn = j->y + n * j->Ho * rowlen;
        memset(done, 0, j->Hi);
        for (i = 0; i < j->Ho; ++i) {
            real *yr = yn + i * rowlen;
            /* Each input row is resampled along x once per image, when an
             * output row first needs it (strong downscales skip most). */
            for (a = 0; a < j->Kr; ++a) {
                const size_t r = (size_t)j->ridx[i * j->Kr + a];
                if (!done[r]) {
                    CK_S(resize_row)(j, xn + r * inlen, rows + r * rowlen);
                    done[r] = 1;
                }
            }
            {
                const real w0 = j->rw[i * j->Kr];
                const real *src0 = rows + (size_t)j->ridx[i * j->Kr] * rowlen;
                const real w1 = j->Kr > 1 ? j->rw[i * j->Kr + 1] : 0;
                if (w1 != 0) {
                    /* the first two taps in one pass, rounded as two */
                    const real *src1 = rows + (size_t)j->ridx[i * j->Kr + 1] * rowlen;
                    for (q = 0; q < rowlen; ++q) yr[q] = w0 * src0[q] + w1 * src1[q];
                } else {
                    for (q = 0; q < rowlen; ++q) yr[q] = w0 * src0[q];
                }
            }
            for (a = 2; a < j->Kr; ++a) {
                const real w = j->rw[i * j->Kr + a];
                const real *src = rows + (size_t)j->ridx[i * j->Kr + a] * rowlen;
                if (w == 0) continue;
                for (q = 0; q < rowlen; ++q) yr[q] += w * src[q];
            }
        }
    }
    CK_STORE(&j->busy[slot], 0);
}

size_t CK_S(ck_resize_taps_work)(size_t Hi, size_t Wo, size_t C, size_t Ho, size_t Kr,
                                 size_t Kc)
{
    /* two slots of rows and flags, then the weights in `real` */
    return 2 * (Hi * Wo * C * sizeof(real) + Hi) + (Ho * Kr + Wo * Kc) * sizeof(real)
           + 4 * sizeof(real);
}

int CK_S(ck_resize_taps)(size_t N, size_t Hi, size_t Wi, size_t C, const real *x,
                         size_t Ho, size_t Wo, size_t Kr, const ptrdiff_t *ridx,
                         const double *rw, size_t Kc, const ptrdiff_t *cidx,
                         const double *cw, void *work, real *y)
{
    size_t i, s;
    CK_S(resize_job) j;
    unsigned char *p = (unsigned char *)work;
    const size_t rows_bytes = Hi * Wo * C * sizeof(real);
    real *wts;
    if (N == 0 || Ho == 0 || Wo == 0 || C == 0) return CK_OK;
    if (Hi == 0 || Wi == 0 || Kr == 0 || Kc == 0) return CK_ERR_ARG;
    if (x == NULL || y == NULL || ridx == NULL || rw == NULL || cidx == NULL
        || cw == NULL || work == NULL)
        return CK_ERR_ARG;
    /* Every tap is checked once up front, so the loops read no index they
     * did not validate. */
    for (i = 0; i < Ho * Kr; ++i)
        if (ridx[i] < 0 || (size_t)ridx[i] >= Hi) return CK_ERR_ARG;
    for (i = 0; i < Wo * Kc; ++i)
        if (cidx[i] < 0 || (size_t)cidx[i] >= Wi) return CK_ERR_ARG;
    j.Hi = Hi; j.Wi = Wi; j.C = C; j.Ho = Ho; j.Wo = Wo; j.Kr = Kr; j.Kc = Kc;
    j.x = x; j.y = y; j.ridx = ridx; j.cidx = cidx;
    /* `work` is 8-byte aligned (the caller's contract): the real arrays
     * come first, the byte flags last. */
    wts = (real *)p;
    for (i = 0; i < Ho * Kr; ++i) wts[i] = (real)rw[i];
    for (i = 0; i < Wo * Kc; ++i) wts[Ho * Kr + i] = (real)cw[i];
    j.rw = wts;
    j.cw = wts + Ho * Kr;
    p += (Ho * Kr + Wo * Kc) * sizeof(real);
    p += (sizeof(double) - (size_t)(p - (unsigned char *)work) % sizeof(double))
         % sizeof(double);
    for (s = 0; s < 2; ++s) {
        j.rows[s] = (real *)p;
        p += rows_bytes;
    }
    for (s = 0; s < 2; ++s) {
        j.done[s] = p;
        p += Hi;
        j.busy[s] = 0;
    }
    /* One image per claim: a late helper still gets its share. Small
     * batches stay on the caller's thread (waking the helper would cost
     * more than it saves). */
    if (N > 1 && N * Ho * Wo * C >= CK_RESIZE_PARALLEL_MIN)
        ck_threads_run_chunks(CK_S(resize_images), &j, N, 1);
    else
        CK_S(resize_images)(&j, 0, N);
    return CK_OK;
}

CK_INLINE real CK_S(read_fill)(const real *xn, ptrdiff_t H, ptrdiff_t W, size_t C,
                               ptrdiff_t r, ptrdiff_t c, size_t k, real fill)
{
    if (r < 0 || r >= H || c < 0 || c >= W) return fill;
    return xn[((size_t)r * (size_t)W + (size_t)c) * C + k];
}

int CK_S(ck_projective)(size_t N, size_t H, size_t W, size_t C, const real *x,
                        const float *transforms, size_t n_transforms, size_t Ho,
                        size_t Wo, int interpolation, int mode, float fill_value,
                        real *y)
{
    size_t n, i, j, k;
    const ptrdiff_t h = (ptrdiff_t)H, w = (ptrdiff_t)W;
    const real fill = (real)fill_value;
    if (mode < 0 || mode >= CK_FILL_NCODES) return CK_ERR_CODE;
    if (interpolation < 0 || interpolation >= CK_INTERP_NCODES) return CK_ERR_CODE;
    if (N == 0 || Ho == 0 || Wo == 0 || C == 0) return CK_OK;
    if (H == 0 || W == 0) return CK_ERR_ARG;
    if (x == NULL || y == NULL || transforms == NULL) return CK_ERR_ARG;
    if (n_transforms != 1 && n_transforms != N) return CK_ERR_ARG;
    for (n = 0; n < N; ++n) {
        const float *t = transforms + (n_transforms == 1 ? 0 : 8 * n);
        const real *xn = x + n * H * W * C;
        real *yn = y + n * Ho * Wo * C;
        for (i = 0; i < Ho; ++i) {
            for (j = 0; j < Wo; ++j) {
                /* float arithmetic throughout, TensorFlow's, so the sample
                 * points (and the pixels nearest picks) are the same */
                const float ox = (float)j, oy = (float)i;
                const float proj = t[6] * ox + t[7] * oy + 1.f;
                real *py = yn + (i * Wo + j) * C;
                float in_x, in_y;
                if (proj == 0.f) {
                    for (k = 0; k < C; ++k) py[k] = fill;
                    continue;
                }
                in_x = map_coord_tf((t[0] * ox + t[1] * oy + t[2]) / proj, w, mode);
                in_y = map_coord_tf((t[3] * ox + t[4] * oy + t[5]) / proj, h, mode);
                if (interpolation == CK_INTERP_NEAREST) {
                    const ptrdiff_t r = tap_index(roundf(in_y)), c = tap_index(roundf(in_x));
                    for (k = 0; k < C; ++k)
                        py[k] = CK_S(read_fill)(xn, h, w, C, r, c, k, fill);
                } else {
                    const float yf = floorf(in_y), xf = floorf(in_x);
                    const float yc = yf + 1.f, xc = xf + 1.f;
                    const ptrdiff_t r0 = tap_index(yf), c0 = tap_index(xf);
                    const ptrdiff_t r1 = tap_index(yc), c1 = tap_index(xc);
                    for (k = 0; k < C; ++k) {
                        const float v_top =
                            (xc - in_x) * (float)CK_S(read_fill)(xn, h, w, C, r0, c0, k, fill)
                            + (in_x - xf) * (float)CK_S(read_fill)(xn, h, w, C, r0, c1, k, fill);
                        const float v_bot =
                            (xc - in_x) * (float)CK_S(read_fill)(xn, h, w, C, r1, c0, k, fill)
                            + (in_x - xf) * (float)CK_S(read_fill)(xn, h, w, C, r1, c1, k, fill);
                        py[k] = (real)((yc - in_y) * v_top + (in_y - yf) * v_bot);
                    }
                }
            }
        }
    }
    return CK_OK;
}
