/* The kernels of the image preprocessing layers for one precision: included
 * once per element type `real` by ck_image.c (see ck_tmpl.h); not a public
 * header. */

int CK_S(ck_resize_taps)(size_t N, size_t Hi, size_t Wi, size_t C, const real *x,
                         size_t Ho, size_t Wo, size_t Kr, const ptrdiff_t *ridx,
                         const double *rw, size_t Kc, const ptrdiff_t *cidx,
                         const double *cw, double *work, real *y)
{
    size_t n, i, j, a, b, k;
    const size_t rowlen = Wi * C;
    if (N == 0 || Ho == 0 || Wo == 0 || C == 0) return CK_OK;
    if (Hi == 0 || Wi == 0 || Kr == 0 || Kc == 0) return CK_ERR_ARG;
    if (x == NULL || y == NULL || ridx == NULL || rw == NULL || cidx == NULL
        || cw == NULL || work == NULL)
        return CK_ERR_ARG;
    /* Every tap is checked once up front, so the loops below read no
     * index they did not validate. */
    for (i = 0; i < Ho * Kr; ++i)
        if (ridx[i] < 0 || (size_t)ridx[i] >= Hi) return CK_ERR_ARG;
    for (j = 0; j < Wo * Kc; ++j)
        if (cidx[j] < 0 || (size_t)cidx[j] >= Wi) return CK_ERR_ARG;
    for (n = 0; n < N; ++n) {
        const real *xn = x + n * Hi * rowlen;
        real *yn = y + n * Ho * Wo * C;
        for (i = 0; i < Ho; ++i) {
            /* Blend the output row's input rows first: the column taps then
             * read one contiguous row of doubles. */
            for (k = 0; k < rowlen; ++k) work[k] = 0.0;
            for (a = 0; a < Kr; ++a) {
                const double w = rw[i * Kr + a];
                const real *xr = xn + (size_t)ridx[i * Kr + a] * rowlen;
                if (w == 0.0) continue;
                for (k = 0; k < rowlen; ++k) work[k] += w * (double)xr[k];
            }
            for (j = 0; j < Wo; ++j) {
                real *py = yn + (i * Wo + j) * C;
                for (k = 0; k < C; ++k) {
                    double t = 0.0;
                    for (b = 0; b < Kc; ++b)
                        t += cw[j * Kc + b] * work[(size_t)cidx[j * Kc + b] * C + k];
                    py[k] = (real)t;
                }
            }
        }
    }
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
