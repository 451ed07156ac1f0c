#include "ck_image.h"

#include <math.h>
#include <string.h>

#include "ck_threads.h"

#include "ck_tmpl.h"

/* From 2^52 on every double is an integer, and SciPy's folding arithmetic
 * below (a quotient truncated to an integer type) loses the remainder, then
 * overflows the integer type: SciPy then reads outside the image. Such
 * coordinates are folded with fmod instead, which is exact, so they land
 * in the image where the period puts them. Below 2^52 the quotient and its
 * cast are exact enough and SciPy's arithmetic is kept, for its numbers. */
#define CK_COORD_EXACT 4503599627370496.0

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
                const double p = (double)(len - 1);
                if (in < -CK_COORD_EXACT) {
                    /* in (0, p], as below */
                    const double r = fmod(in, p);
                    return r + p;
                }
                return in + p * (double)((ptrdiff_t)(-in / p) + 1);
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
                const double p = (double)(len - 1);
                if (in > CK_COORD_EXACT) return fmod(in, p);
                return in - p * (double)(ptrdiff_t)(in / p);
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

/* ---------------------------------------------------------------------
 * The preprocessing layers' kernels (TensorFlow's resampling rules). */

/* TensorFlow's fold of a sample coordinate of ImageProjectiveTransformV3 into
 * [0, len - 1], in float and with its integer truncations, so the folded
 * points are TensorFlow's. Unlike SciPy's, 'reflect' here is half-sample
 * symmetric on the coordinate itself and 'wrap' has period len. 'constant'
 * leaves the coordinate alone: taps outside read the fill value. */
static float map_coord_tf(float in, ptrdiff_t len, int mode)
{
    const float hi = (float)(len - 1);
    switch (mode) {
    case CK_FILL_REFLECT:
        if (in < 0.f) {
            if (len <= 1) {
                in = 0.f;
            } else {
                const ptrdiff_t sz2 = 2 * len;
                in = (float)sz2 * (float)(ptrdiff_t)(-in / (float)sz2) + in;
                in = (in < (float)-len) ? in + (float)sz2 : -in - 1.f;
            }
        } else if (in > hi) {
            if (len <= 1) {
                in = 0.f;
            } else {
                const ptrdiff_t sz2 = 2 * len;
                in -= (float)sz2 * (float)(ptrdiff_t)(in / (float)sz2);
                if (in >= (float)len) in = (float)sz2 - in - 1.f;
            }
        }
        break;
    case CK_FILL_WRAP:
        if (in < 0.f) {
            if (len <= 1) {
                in = 0.f;
            } else {
                const ptrdiff_t sz = len - 1;
                in += (float)len * (float)((ptrdiff_t)(-in / (float)sz) + 1);
            }
        } else if (in > hi) {
            if (len <= 1) {
                in = 0.f;
            } else {
                const ptrdiff_t sz = len - 1;
                in -= (float)len * (float)(ptrdiff_t)(in / (float)sz);
            }
        }
        break;
    case CK_FILL_CONSTANT:
        return in;
    default: /* nearest */
        break;
    }
    /* the clamp keeps a folded 3.5 of a length-4 axis from rounding to 4 */
    return in < 0.f ? 0.f : (in > hi ? hi : in);
}

/* Output values below which a resize runs on the caller's thread alone. */
#define CK_RESIZE_PARALLEL_MIN ((size_t)1 << 16)

/* A tap's integer index; anything far outside (or NaN) becomes -1, which
 * reads the fill value, so no out-of-range float is ever cast. */
CK_INLINE ptrdiff_t tap_index(float v)
{
    return (v > -2.f && v < 1073741824.f) ? (ptrdiff_t)v : -1;
}

#define real float
#define CK_SUF f32
#include "ck_image_layers_tmpl.h"
#undef real
#undef CK_SUF

#define real double
#define CK_SUF f64
#include "ck_image_layers_tmpl.h"
#undef real
#undef CK_SUF

#define real float
#define CK_SUF f32
#include "ck_image_tmpl.h"
#undef real
#undef CK_SUF

#define real double
#define CK_SUF f64
#include "ck_image_tmpl.h"
#undef real
#undef CK_SUF

/* ---------------------------------------------------------------------
 * Resize of one 8-bit image into float32 (image_dataset_from_directory):
 * the same sums as ck_resize_taps_f32 of the image cast to float, read
 * straight from the decoder's pixels (any row and pixel stride).
 * --------------------------------------------------------------------- */

/* Row `fr` (Wi pixels of Cx floats) along x into out (Wo*C floats), C a
 * constant where the caller passes one; the arithmetic of
 * resize_row_c/_c2 above. */
CK_INLINE void resize_row_u8(const float *fr, size_t Cx, size_t Wo, const ptrdiff_t *cidx,
                             const float *cw, size_t Kc, float *out, const size_t C)
{
    size_t q, b, k;
    if (Kc == 2) {
        for (q = 0; q < Wo; ++q) {
            const float w0 = cw[2 * q], w1 = cw[2 * q + 1];
            const float *s0 = fr + (size_t)cidx[2 * q] * Cx;
            const float *s1 = fr + (size_t)cidx[2 * q + 1] * Cx;
            float *o = out + q * C;
            for (k = 0; k < C; ++k) o[k] = w0 * s0[k] + w1 * s1[k];
        }
        return;
    }
    for (q = 0; q < Wo; ++q) {
        const float *w = cw + q * Kc;
        const ptrdiff_t *ix = cidx + q * Kc;
        float *o = out + q * C;
        const float *src = fr + (size_t)ix[0] * Cx;
        for (k = 0; k < C; ++k) o[k] = w[0] * src[k];
        for (b = 1; b < Kc; ++b) {
            const float wb = w[b];
            src = fr + (size_t)ix[b] * Cx;
            for (k = 0; k < C; ++k) o[k] += wb * src[k];
        }
    }
}

/* Two taps over 4-float pixels (Pillow keeps RGB as RGBX): the four lanes
 * are blended as one vector and stored whole; with C == 3 the fourth lane
 * lands on the next pixel's first channel, which that pixel then
 * overwrites (each row has one float of slack for the last pixel). */
CK_INLINE void resize_row_x4(const float *fr, size_t Wo, const ptrdiff_t *cidx,
                             const float *cw, float *out, const size_t C)
{
    size_t q, k;
    for (q = 0; q < Wo; ++q) {
        const float w0 = cw[2 * q], w1 = cw[2 * q + 1];
        const float *s0 = fr + (size_t)cidx[2 * q] * 4;
        const float *s1 = fr + (size_t)cidx[2 * q + 1] * 4;
        float v[4];
        for (k = 0; k < 4; ++k) v[k] = w0 * s0[k] + w1 * s1[k];
        memcpy(out + q * C, v, sizeof v);
    }
}

typedef struct {
    const unsigned char *x;
    ptrdiff_t xs_r, xs_c;
    size_t Wi, Wo, C, Cx, Kc;
    const ptrdiff_t *cidx;
    const float *cw;
    float *fr;   /* one input row as floats, Wi*Cx */
} u8_rows;

/* Input row i along x into out: the row is widened to floats first (one
 * contiguous, vectorised pass when its pixels are adjacent), so the
 * blends below read whole pixels. */
CK_INLINE void u8_row(const u8_rows *r, size_t i, float *out)
{
    const unsigned char *xr = r->x + (ptrdiff_t)i * r->xs_r;
    const size_t Cx = r->Cx, n = r->Wi * Cx;
    float *fr = r->fr;
    size_t q, k;
    if (r->xs_c == (ptrdiff_t)Cx) {
        for (q = 0; q < n; ++q) fr[q] = (float)xr[q];
    } else {
        for (q = 0; q < r->Wi; ++q)
            for (k = 0; k < Cx; ++k) fr[q * Cx + k] = (float)xr[(ptrdiff_t)q * r->xs_c + k];
    }
    if (r->Kc == 2 && Cx == 4 && r->C >= 3) {
        if (r->C == 3) resize_row_x4(fr, r->Wo, r->cidx, r->cw, out, 3);
        else resize_row_x4(fr, r->Wo, r->cidx, r->cw, out, 4);
        return;
    }
    switch (r->C) {
    case 1: resize_row_u8(fr, Cx, r->Wo, r->cidx, r->cw, r->Kc, out, 1); break;
    case 3: resize_row_u8(fr, Cx, r->Wo, r->cidx, r->cw, r->Kc, out, 3); break;
    case 4: resize_row_u8(fr, Cx, r->Wo, r->cidx, r->cw, r->Kc, out, 4); break;
    default: resize_row_u8(fr, Cx, r->Wo, r->cidx, r->cw, r->Kc, out, r->C); break;
    }
}

size_t ck_resize_u8_work_f32(size_t Hi, size_t Wi, size_t Cx, size_t Wo, size_t C, size_t Ho,
                             size_t Kr, size_t Kc)
{
    /* weights, one widened input row, at most Hi resampled rows of Wo*C + 1
     * floats (the slack of the 4-lane stores), then their row tags */
    return (Ho * Kr + Wo * Kc + Wi * Cx + Hi * (Wo * C + 1)) * sizeof(float)
           + Hi * sizeof(ptrdiff_t) + sizeof(ptrdiff_t);
}

/* Cloned for AVX2/AVX-512: the row passes are long contiguous loops.
 * Input row s, resampled along x, is kept in slot s % R of a ring of R
 * rows, R the widest span of one output row's taps (a few rows for every
 * tf.image.resize method), so the ring stays in L1/L2 instead of a
 * resampled copy of the whole image going through memory. The rows of
 * one output row then sit in distinct slots; a slot holding another row is
 * refilled, so any taps are right, and monotone taps (TensorFlow's) fill
 * each input row once. */
CK_TARGET_CLONES
static void resize_u8_rows(const u8_rows *r, size_t Ho, size_t Kr, const ptrdiff_t *ridx,
                           const float *rw, float *ring, size_t R, size_t rowstep,
                           ptrdiff_t *tag, float *y)
{
    const size_t rowlen = r->Wo * r->C;
    size_t i, a, q;
    for (i = 0; i < R; ++i) tag[i] = -1;
    for (i = 0; i < Ho; ++i) {
        float *yr = y + i * rowlen;
        const ptrdiff_t *ix = ridx + i * Kr;
        const float *w = rw + i * Kr;
        for (a = 0; a < Kr; ++a) {
            const size_t slot = (size_t)ix[a] % R;
            if (tag[slot] != ix[a]) {
                u8_row(r, (size_t)ix[a], ring + slot * rowstep);
                tag[slot] = ix[a];
            }
        }
        {
            const float *src0 = ring + ((size_t)ix[0] % R) * rowstep;
            const float w0 = w[0], w1 = Kr > 1 ? w[1] : 0.f;
            if (w1 != 0) {
                const float *src1 = ring + ((size_t)ix[1] % R) * rowstep;
                for (q = 0; q < rowlen; ++q) yr[q] = w0 * src0[q] + w1 * src1[q];
            } else {
                for (q = 0; q < rowlen; ++q) yr[q] = w0 * src0[q];
            }
        }
        for (a = 2; a < Kr; ++a) {
            const float wa = w[a];
            const float *src = ring + ((size_t)ix[a] % R) * rowstep;
            if (wa == 0) continue;
            for (q = 0; q < rowlen; ++q) yr[q] += wa * src[q];
        }
    }
}

int ck_resize_u8_f32(size_t Hi, size_t Wi, size_t C, size_t Cx, const unsigned char *x,
                     ptrdiff_t xs_r, ptrdiff_t xs_c, size_t Ho, size_t Wo, size_t Kr,
                     const ptrdiff_t *ridx, const double *rw, size_t Kc, const ptrdiff_t *cidx,
                     const double *cw, void *work, float *y)
{
    size_t i, a, R = 1;
    float *rwf, *cwf, *ring;
    ptrdiff_t *tag;
    unsigned char *p;
    u8_rows r;
    if (Ho == 0 || Wo == 0 || C == 0) return CK_OK;
    if (Hi == 0 || Wi == 0 || Kr == 0 || Kc == 0 || Cx < C) return CK_ERR_ARG;
    if (x == NULL || y == NULL || ridx == NULL || rw == NULL || cidx == NULL || cw == NULL
        || work == NULL)
        return CK_ERR_ARG;
    for (i = 0; i < Ho; ++i) {
        ptrdiff_t lo = ridx[i * Kr], hi = lo;
        for (a = 0; a < Kr; ++a) {
            const ptrdiff_t v = ridx[i * Kr + a];
            if (v < 0 || (size_t)v >= Hi) return CK_ERR_ARG;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if ((size_t)(hi - lo) + 1 > R) R = (size_t)(hi - lo) + 1;
    }
    for (i = 0; i < Wo * Kc; ++i)
        if (cidx[i] < 0 || (size_t)cidx[i] >= Wi) return CK_ERR_ARG;
    /* `work` is pointer-aligned: the floats first, then the tags, whose
     * offset is rounded up to a pointer's alignment */
    rwf = (float *)work;
    cwf = rwf + Ho * Kr;
    r.fr = cwf + Wo * Kc;
    ring = r.fr + Wi * Cx;
    p = (unsigned char *)(ring + R * (Wo * C + 1));
    p += (sizeof(ptrdiff_t) - (size_t)(p - (unsigned char *)work) % sizeof(ptrdiff_t))
         % sizeof(ptrdiff_t);
    tag = (ptrdiff_t *)p;
    for (i = 0; i < Ho * Kr; ++i) rwf[i] = (float)rw[i];
    for (i = 0; i < Wo * Kc; ++i) cwf[i] = (float)cw[i];
    r.x = x; r.xs_r = xs_r; r.xs_c = xs_c; r.Wi = Wi; r.Wo = Wo; r.C = C; r.Cx = Cx; r.Kc = Kc;
    r.cidx = cidx; r.cw = cwf;
    resize_u8_rows(&r, Ho, Kr, ridx, rwf, ring, R, Wo * C + 1, tag, y);
    return CK_OK;
}

/* ---------------------------------------------------------------------
 * Spline interpolation of orders 0..5 (SciPy's ndimage model: prefilter
 * the image into B-spline coefficients, then evaluate the spline).
 * --------------------------------------------------------------------- */

/* Poles of the B-spline prefilter of each order (Unser, Aldroubi & Eden,
 * "Fast B-spline transforms for continuous image representation and
 * interpolation", 1991): the roots inside the unit circle of the sampled
 * B-spline's z-transform. Returns how many there are (0: no filter). */
static int spline_poles(int order, double z[2])
{
    switch (order) {
    case 2:
        z[0] = sqrt(8.0) - 3.0;
        return 1;
    case 3:
        z[0] = sqrt(3.0) - 2.0;
        return 1;
    case 4:
        z[0] = sqrt(664.0 - sqrt(438976.0)) + sqrt(304.0) - 19.0;
        z[1] = sqrt(664.0 + sqrt(438976.0)) - sqrt(304.0) - 19.0;
        return 2;
    case 5:
        z[0] = sqrt(67.5 - sqrt(4436.25)) + sqrt(26.25) - 6.5;
        z[1] = sqrt(67.5 + sqrt(4436.25)) - sqrt(26.25) - 6.5;
        return 2;
    default:
        return 0;
    }
}

/* The B-spline prefilter runs on blocks of `ni` lines stored side by side:
 * sample k of line q is x[k*ni + q], so every step of the recursions is a
 * contiguous row operation (for any image layout some such blocking
 * exists, see ck_image.h). Each line sees exactly the arithmetic of a
 * one-line filter. `work` holds ni doubles. */

/* Start of the causal pass c+[k] = c[k] + z c+[k-1] over the whole-sample
 * symmetric extension (period 2n - 2), summed in closed form into row 0. */
static void causal_start_mirror(double *x, size_t n, size_t ni, double z)
{
    const double zn1 = pow(z, (double)(n - 1));
    const double *last = x + (n - 1) * ni;
    double zk = z;
    size_t k, q;
    for (q = 0; q < ni; ++q) x[q] += zn1 * last[q];
    for (k = 1; k + 1 < n; ++k) {
        const double *a = x + k * ni, *b = x + (n - 1 - k) * ni;
        for (q = 0; q < ni; ++q) x[q] += zk * (a[q] + zn1 * b[q]);
        zk *= z;
    }
    zk = 1.0 - zn1 * zn1;
    for (q = 0; q < ni; ++q) x[q] /= zk;
}

/* The same over the half-sample symmetric extension (period 2n). SciPy
 * (checked against 1.17.1) accumulates this sum in place in c[0] and reads
 * c[0] again for the last term, so that term is z^(2n-1) times the partial
 * sum instead of z^(2n-1) * c[0]. We reproduce it to give SciPy's numbers;
 * the difference is O(z^(2n-1)), invisible on lines longer than ~20. */
static void causal_start_reflect(double *x, size_t n, size_t ni, double z,
                                 double *partial)
{
    const double zn = pow(z, (double)n);
    const double *last = x + (n - 1) * ni;
    const double f = z / (1.0 - zn * zn);
    double zk = z;
    size_t k, q;
    for (q = 0; q < ni; ++q) partial[q] = x[q] + zn * last[q];
    for (k = 1; k + 1 < n; ++k) {
        const double *a = x + k * ni, *b = x + (n - 1 - k) * ni;
        for (q = 0; q < ni; ++q) partial[q] += zk * (a[q] + zn * b[q]);
        zk *= z;
    }
    /* zk = z^(n-1) here */
    for (q = 0; q < ni; ++q)
        x[q] += (partial[q] + zk * (last[q] + zn * partial[q])) * f;
}

/* In-place prefilter of one block (n >= 2): the gain, then per pole a
 * causal and an anticausal first-order recursion. */
static void spline_filter_block(double *x, size_t n, size_t ni, const double *z,
                                int npoles, int boundary, double *work)
{
    double gain = 1.0;
    size_t k, q;
    int p;
    for (p = 0; p < npoles; ++p) gain *= (1.0 - z[p]) * (1.0 - 1.0 / z[p]);
    for (k = 0; k < n * ni; ++k) x[k] *= gain;
    for (p = 0; p < npoles; ++p) {
        const double zp = z[p];
        double *last = x + (n - 1) * ni;
        if (boundary == CK_SPLINE_REFLECT)
            causal_start_reflect(x, n, ni, zp, work);
        else
            causal_start_mirror(x, n, ni, zp);
        for (k = 1; k < n; ++k) {
            double *cur = x + k * ni;
            const double *prev = cur - ni;
            for (q = 0; q < ni; ++q) cur[q] += zp * prev[q];
        }
        /* Start of the anticausal pass, again per extension. */
        if (boundary == CK_SPLINE_REFLECT) {
            const double f = zp / (zp - 1.0);
            for (q = 0; q < ni; ++q) last[q] *= f;
        } else {
            const double *prev = last - ni;
            const double f = zp * zp - 1.0;
            for (q = 0; q < ni; ++q) last[q] = (zp * prev[q] + last[q]) * zp / f;
        }
        for (k = n - 1; k-- > 0;) {
            double *cur = x + k * ni;
            const double *next = cur + ni;
            for (q = 0; q < ni; ++q) cur[q] = zp * (next[q] - cur[q]);
        }
    }
}

int ck_spline_filter_f64(double *x, size_t n_outer, size_t len, size_t n_inner,
                         int order, int boundary, double *work)
{
    double z[2];
    const int npoles = spline_poles(order, z);
    size_t o;
    if (npoles == 0 || boundary < 0 || boundary >= CK_SPLINE_NBOUNDARIES)
        return CK_ERR_ARG;
    if (len < 2 || n_outer == 0 || n_inner == 0) return CK_OK;
    if (x == NULL || work == NULL) return CK_ERR_ARG;
    for (o = 0; o < n_outer; ++o)
        spline_filter_block(x + o * len * n_inner, len, n_inner, z, npoles,
                            boundary, work);
    return CK_OK;
}

/* Centred B-spline of `order` (1..5) at distance y >= 0 from its centre. */
CK_INLINE double bspline(int order, double y)
{
    double t;
    switch (order) {
    case 1:
        return y < 1.0 ? 1.0 - y : 0.0;
    case 2:
        if (y < 0.5) return 0.75 - y * y;
        if (y < 1.5) {
            t = 1.5 - y;
            return 0.5 * t * t;
        }
        return 0.0;
    case 3:
        if (y < 1.0) return (y * y * (3.0 * y - 6.0) + 4.0) / 6.0;
        if (y < 2.0) {
            t = 2.0 - y;
            return t * t * t / 6.0;
        }
        return 0.0;
    case 4:
        if (y < 0.5) {
            t = y * y;
            return t * (0.25 * t - 0.625) + 115.0 / 192.0;
        }
        if (y < 1.5)
            return y * (y * (y * (5.0 - y) / 6.0 - 1.25) + 5.0 / 24.0) + 55.0 / 96.0;
        if (y < 2.5) {
            t = (2.5 - y) * (2.5 - y);
            return t * t / 24.0;
        }
        return 0.0;
    case 5:
        if (y < 1.0) {
            t = y * y;
            return t * (t * (0.25 - y / 12.0) - 0.5) + 0.55;
        }
        if (y < 2.0)
            return y * (y * (y * (y * (y / 24.0 - 0.375) + 1.25) - 1.75) + 0.625)
                   + 0.425;
        if (y < 3.0) {
            t = 3.0 - y;
            return t * t * t * t * t / 120.0;
        }
        return 0.0;
    default:
        return 0.0;
    }
}

/* SciPy's 'reflect' folding of a sample coordinate into the image
 * (half-sample symmetric, period 2*len; truncating integer arithmetic). */
static double fold_reflect(double in, ptrdiff_t len)
{
    const ptrdiff_t p = 2 * len;
    if (len <= 1) return 0.0;
    /* The same remainder as below, exactly (see CK_COORD_EXACT). */
    if (in < -CK_COORD_EXACT || in > CK_COORD_EXACT) in = fmod(in, (double)p);
    if (in < 0) {
        if (in < (double)-p) in += (double)p * (double)(ptrdiff_t)(-in / (double)p);
        if (in < (double)-len) return in + (double)p;
        /* SciPy keeps -in - 1 strictly above -1 for tiny negative inputs. */
        return (in > -1e-15 ? 1e-15 : -in) - 1.0;
    }
    if (in > (double)(len - 1)) {
        in -= (double)p * (double)(ptrdiff_t)(in / (double)p);
        if (in >= (double)len) in = (double)p - in - 1.0;
    }
    return in;
}

/* In-range sample index for a spline tap, per fill mode: clamped for
 * 'nearest', half-sample symmetric for 'reflect', whole-sample symmetric
 * for 'wrap' and 'constant' (SciPy's rules for the taps). */
CK_INLINE ptrdiff_t spline_tap(ptrdiff_t k, ptrdiff_t len, int mode)
{
    if (k >= 0 && k < len) return k;
    if (len <= 1) return 0;
    if (mode == CK_FILL_NEAREST) return k < 0 ? 0 : len - 1;
    if (mode == CK_FILL_REFLECT) {
        const ptrdiff_t p = 2 * len;
        k %= p;
        if (k < 0) k += p;
        return k < len ? k : p - 1 - k;
    }
    return mirror_index(k, len);
}

/* Indices and weights of the order + 1 taps along one axis for sample
 * coordinate `in`. Returns 0 when the output is the fill value (constant
 * mode outside [0, len - 1], or a non-finite coordinate). */
CK_INLINE int spline_axis(double in, ptrdiff_t len, int order, int mode,
                          ptrdiff_t *idx, double *w)
{
    ptrdiff_t start;
    int k;
    if (!isfinite(in)) return 0;
    switch (mode) {
    case CK_FILL_CONSTANT:
        if (in < 0.0 || in > (double)(len - 1)) return 0;
        break;
    case CK_FILL_WRAP:
        in = fold_coordinate(in, len, mode);
        break;
    case CK_FILL_REFLECT:
        in = fold_reflect(in, len);
        break;
    default:
        /* 'nearest' is not folded (its taps are clamped); bounding the
         * coordinate only keeps the integer conversion below defined, as
         * every tap beyond the edge reads the same sample anyway. */
        if (in < -1e9) in = -1e9;
        else if (in > 1e9 + (double)len) in = 1e9 + (double)len;
        break;
    }
    /* Odd orders centre the taps on floor(in), even orders on the nearest
     * sample, rounding halves up (floor(in + 0.5)) as SciPy does. */
    start = (ptrdiff_t)floor((order & 1) ? in : in + 0.5) - order / 2;
    for (k = 0; k <= order; ++k) {
        idx[k] = spline_tap(start + k, len, mode);
        w[k] = order == 0 ? 1.0 : bspline(order, fabs(in - (double)(start + k)));
    }
    return 1;
}

/* real_in: the input samples (image values, or the double coefficients of
 * a float image); real: the output. */
#define real_in float
#define real float
#define CK_SUF f32
#include "ck_image_spline_tmpl.h"
#undef real_in
#undef real
#undef CK_SUF

#define real_in double
#define real double
#define CK_SUF f64
#include "ck_image_spline_tmpl.h"
#undef real_in
#undef real
#undef CK_SUF

#define real_in double
#define real float
#define CK_SUF f64_f32
#include "ck_image_spline_tmpl.h"
#undef real_in
#undef real
#undef CK_SUF
