/* The linear affine kernel of ck_image.c for one precision: included once
 * per element type `real` (see ck_tmpl.h); not a public header. */

int CK_S(ck_affine)(size_t H, size_t W, size_t C, const real *x, ptrdiff_t xs_r,
                    ptrdiff_t xs_c, ptrdiff_t xs_ch, const double m[6], int mode,
                    double cval, real *y, ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch)
{
    size_t i, j, k;
    const ptrdiff_t h = (ptrdiff_t)H, w = (ptrdiff_t)W;
    const real fill = (real)cval;
    if (mode < 0 || mode >= CK_FILL_NCODES) return CK_ERR_CODE;
    if (H == 0 || W == 0 || C == 0) return CK_OK;
    if (x == NULL || y == NULL || m == NULL) return CK_ERR_ARG;
    for (i = 0; i < H; ++i) {
        const double ri = m[2] + (double)i * m[0];
        const double ci = m[5] + (double)i * m[3];
        real *yrow = y + (ptrdiff_t)i * ys_r;
        for (j = 0; j < W; ++j) {
            /* Same summation order as SciPy: (shift + i*m0) + j*m1. */
            double r = ri, c = ci;
            double wr1, wc1, wr0, wc0;
            ptrdiff_t r0, c0, r1, c1;
            const real *p00, *p01, *p10, *p11;
            real *py = yrow + (ptrdiff_t)j * ys_c;
            r += (double)j * m[1];
            c += (double)j * m[4];
            if (!axis_taps(r, h, mode, &r0, &r1, &wr1)
                || !axis_taps(c, w, mode, &c0, &c1, &wc1)) {
                for (k = 0; k < C; ++k) py[(ptrdiff_t)k * ys_ch] = fill;
                continue;
            }
            wr0 = 1.0 - wr1;
            wc0 = 1.0 - wc1;
            p00 = x + r0 * xs_r + c0 * xs_c;
            p01 = x + r0 * xs_r + c1 * xs_c;
            p10 = x + r1 * xs_r + c0 * xs_c;
            p11 = x + r1 * xs_r + c1 * xs_c;
            for (k = 0; k < C; ++k) {
                const ptrdiff_t o = (ptrdiff_t)k * xs_ch;
                double t = 0.0;
                t += (double)p00[o] * wr0 * wc0;
                t += (double)p01[o] * wr0 * wc1;
                t += (double)p10[o] * wr1 * wc0;
                t += (double)p11[o] * wr1 * wc1;
                py[(ptrdiff_t)k * ys_ch] = (real)t;
            }
        }
    }
    return CK_OK;
}
