#include "ck_image.h"

#include <math.h>

/* Fold a sample coordinate that lies outside [0, len - 1] back inside, per
 * fill mode; -1 flags "use cval" (constant mode). `(ptrdiff_t)` casts
 * truncate toward zero on purpose: that is SciPy's folding arithmetic.
 * ('reflect' is handled on the integer taps instead, see axis_taps.) */
static double fold_coordinate(double in, ptrdiff_t len, int mode)
{
    if (in < 0) {
        switch (mode) {
        case CK_FILL_WRAP:
            if (len <= 1) return 0.0;
            {
                ptrdiff_t p = len - 1;
                return in + (double)p * (double)((ptrdiff_t)(-in / p) + 1);
            }
        case CK_FILL_NEAREST:
            return 0.0;
        default:
            return -1.0;
        }
    } else if (in > (double)(len - 1)) {
        switch (mode) {
        case CK_FILL_WRAP:
            if (len <= 1) return 0.0;
            {
                ptrdiff_t p = len - 1;
                return in - (double)p * (double)(ptrdiff_t)(in / p);
            }
        case CK_FILL_NEAREST:
            return (double)(len - 1);
        default:
            return -1.0;
        }
    }
    return in;
}

/* A neighbour index that fell outside [0, len - 1] is mirrored about the
 * edge samples (whole-sample symmetric), as SciPy does for its filter taps. */
CK_INLINE ptrdiff_t mirror_index(ptrdiff_t idx, ptrdiff_t len)
{
    ptrdiff_t s2;
    if (idx >= 0 && idx < len) return idx;
    if (len <= 1) return 0;
    s2 = 2 * len - 2;
    if (idx < 0) {
        idx = s2 * (-idx / s2) + idx;
        return idx <= 1 - len ? idx + s2 : -idx;
    }
    idx -= s2 * (idx / s2);
    return idx >= len ? s2 - idx : idx;
}

/* The two interpolation taps along one axis for sample coordinate `in`:
 * indices *i0, *i1 (in range) and the weight *w1 of *i1 (*i0 gets 1 - w1).
 * Returns 0 when the sample is the fill value (constant mode outside the
 * image, or a non-finite coordinate). */
CK_INLINE int axis_taps(double in, ptrdiff_t len, int mode,
                        ptrdiff_t *i0, ptrdiff_t *i1, double *w1)
{
    double fl;
    ptrdiff_t k;
    if (!isfinite(in)) return 0;
    if (mode == CK_FILL_REFLECT) {
        /* Half-sample symmetric extension (d c b a | a b c d | d c b a),
         * period 2*len; fmod of an integral double is exact. */
        const ptrdiff_t p = 2 * len;
        fl = floor(in);
        *w1 = in - fl;
        k = (ptrdiff_t)fmod(fl, (double)p);
        if (k < 0) k += p;
        *i0 = k < len ? k : p - 1 - k;
        k = (k + 1 == p) ? 0 : k + 1;
        *i1 = k < len ? k : p - 1 - k;
        return 1;
    }
    in = fold_coordinate(in, len, mode);
    if (!(in > -1.0)) return 0;
    fl = floor(in);
    *w1 = in - fl;
    k = (ptrdiff_t)fl;
    *i0 = mirror_index(k, len);
    *i1 = mirror_index(k + 1, len);
    return 1;
}

#define CK_DEFINE_AFFINE(T, S)                                                  \
int ck_affine_##S(size_t H, size_t W, size_t C, const T *x,                     \
                  ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,              \
                  const double m[6], int mode, double cval, T *y,               \
                  ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch)              \
{                                                                               \
    size_t i, j, k;                                                             \
    const ptrdiff_t h = (ptrdiff_t)H, w = (ptrdiff_t)W;                         \
    const T fill = (T)cval;                                                     \
    if (mode < 0 || mode >= CK_FILL_NCODES) return CK_ERR_CODE;                 \
    if (H == 0 || W == 0 || C == 0) return CK_OK;                               \
    if (x == NULL || y == NULL || m == NULL) return CK_ERR_ARG;                 \
    for (i = 0; i < H; ++i) {                                                   \
        const double ri = (double)i * m[0], ci = (double)i * m[3];             \
        T *yrow = y + (ptrdiff_t)i * ys_r;                                      \
        for (j = 0; j < W; ++j) {                                               \
            /* Same summation order as SciPy: 0 + i*m0 + j*m1 + shift. */       \
            double r = ri, c = ci;                                              \
            double wr1, wc1, wr0, wc0;                                          \
            ptrdiff_t r0, c0, r1, c1;                                           \
            const T *p00, *p01, *p10, *p11;                                     \
            T *py = yrow + (ptrdiff_t)j * ys_c;                                 \
            r += (double)j * m[1];                                              \
            r += m[2];                                                          \
            c += (double)j * m[4];                                              \
            c += m[5];                                                          \
            if (!axis_taps(r, h, mode, &r0, &r1, &wr1)                         \
                || !axis_taps(c, w, mode, &c0, &c1, &wc1)) {                    \
                for (k = 0; k < C; ++k) py[(ptrdiff_t)k * ys_ch] = fill;        \
                continue;                                                       \
            }                                                                   \
            wr0 = 1.0 - wr1;                                                    \
            wc0 = 1.0 - wc1;                                                    \
            p00 = x + r0 * xs_r + c0 * xs_c;                                    \
            p01 = x + r0 * xs_r + c1 * xs_c;                                    \
            p10 = x + r1 * xs_r + c0 * xs_c;                                    \
            p11 = x + r1 * xs_r + c1 * xs_c;                                    \
            for (k = 0; k < C; ++k) {                                           \
                const ptrdiff_t o = (ptrdiff_t)k * xs_ch;                       \
                double t = 0.0;                                                 \
                t += (double)p00[o] * wr0 * wc0;                                \
                t += (double)p01[o] * wr0 * wc1;                                \
                t += (double)p10[o] * wr1 * wc0;                                \
                t += (double)p11[o] * wr1 * wc1;                                \
                py[(ptrdiff_t)k * ys_ch] = (T)t;                                \
            }                                                                   \
        }                                                                       \
    }                                                                           \
    return CK_OK;                                                               \
}

CK_DEFINE_AFFINE(float, f32)
CK_DEFINE_AFFINE(double, f64)
