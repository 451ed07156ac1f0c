/* The spline affine kernel of ck_image.c for one pair of types: included
 * once per input type `real_in` and output type `real` (see ck_tmpl.h);
 * not a public header. */

int CK_S(ck_affine_spline)(size_t Hi, size_t Wi, size_t C, const real_in *x, ptrdiff_t xs_r,
                           ptrdiff_t xs_c, ptrdiff_t xs_ch, size_t Ho, size_t Wo,
                           const double m[6], int order, int mode, double cval, double pad,
                           real *y, ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch)
{
    size_t i, j, k;
    const ptrdiff_t h = (ptrdiff_t)Hi, w = (ptrdiff_t)Wi;
    const real fill = (real)cval;
    if (mode < 0 || mode >= CK_FILL_NCODES || order < 0 || order > 5)
        return CK_ERR_ARG;
    if (Ho == 0 || Wo == 0 || C == 0) return CK_OK;
    if (Hi == 0 || Wi == 0 || x == NULL || y == NULL || m == NULL)
        return CK_ERR_ARG;
    for (i = 0; i < Ho; ++i) {
        const double ri = m[2] + (double)i * m[0];
        const double ci = m[5] + (double)i * m[3];
        real *yrow = y + (ptrdiff_t)i * ys_r;
        for (j = 0; j < Wo; ++j) {
            ptrdiff_t rt[6], ct[6];
            double wr[6], wc[6];
            double r = ri + (double)j * m[1], c = ci + (double)j * m[4];
            real *py = yrow + (ptrdiff_t)j * ys_c;
            if (!spline_axis(r + pad, h, order, mode, rt, wr)
                || !spline_axis(c + pad, w, order, mode, ct, wc)) {
                for (k = 0; k < C; ++k) py[(ptrdiff_t)k * ys_ch] = fill;
                continue;
            }
            for (k = 0; k < C; ++k) {
                const real_in *xk = x + (ptrdiff_t)k * xs_ch;
                double t = 0.0;
                int a, b;
                /* SciPy's accumulation: rows outer, (value*wr)*wc. */
                for (a = 0; a <= order; ++a) {
                    const real_in *xr = xk + rt[a] * xs_r;
                    for (b = 0; b <= order; ++b)
                        t += (double)xr[ct[b] * xs_c] * wr[a] * wc[b];
                }
                py[(ptrdiff_t)k * ys_ch] = (real)t;
            }
        }
    }
    return CK_OK;
}
