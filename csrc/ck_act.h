/* Activations: forward, and backward from the saved forward OUTPUT y.
 *
 * The scalar functions below are `static inline` so other kernels (LSTM/GRU
 * gates) can fuse them into their own loops; written branch-free (ternary
 * selects, exponent bits built with integer ops) so GCC vectorizes them.
 * Build with -fno-trapping-math, never -ffast-math: reassociation would undo
 * the Cody-Waite split.
 */
#ifndef CK_ACT_H
#define CK_ACT_H

#include <math.h> /* HUGE_VAL only: nothing here calls libm */
#include <stdint.h>

#include "ck_common.h"

/* Activation codes, mirrored in Python (ckeras.backend._reference.ACT_*). */
enum {
    CK_ACT_LINEAR = 0,
    CK_ACT_RELU = 1,
    CK_ACT_SIGMOID = 2,
    CK_ACT_TANH = 3,
    CK_ACT_SOFTMAX = 4,     /* row-wise over the last dim: needs rows/cols */
    CK_ACT_HARD_SIGMOID = 5 /* clip(0.2 x + 0.5, 0, 1), the Keras 2 definition */
};
#define CK_ACT_NCODES 6

typedef union { float f; int32_t i; uint32_t u; } ck_bits32;
typedef union { double f; uint64_t u; } ck_bits64;

/* exp(x - n ln2) for n = fn (integral): the Cody-Waite reduction, with ln2
 * split into a part exact in a few bits (so fn*C1 is exact) and a tail, and
 * a degree-5 polynomial (Cephes expf) on |r| <= ln2/2. */
CK_INLINE float ck_act_exp_reduced_f32(float x, float fn)
{
    float r, p;
    r = x - fn * 0.693359375f;
    r = r - fn * -2.12194440e-4f;
    p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    return p * (r * r) + r + 1.0f;
}

/* exp(x) for float: x = n ln2 + r, exp(r) by ck_act_exp_reduced_f32, and
 * 2^n assembled from exponent bits. Max error about 1.5 ulp. Results below
 * FLT_MIN are returned as 0 rather than subnormals: subnormals are ~40x
 * slower downstream. NaN counts as an overflow: +inf (its conversion to
 * int would be undefined; the softmax, the one caller, turns a row that
 * held one into NaN). The comparisons are written so NaN fails them: GCC
 * then compiles the clamps into the same blends as for the plain overflow
 * test, where an explicit NaN result measured ~10% slower. */
CK_INLINE float ck_act_exp_f32(float x)
{
    const float hi = 88.72283905206835f;  /* ln(FLT_MAX) */
    const float lo = -87.33654475055310f; /* ln(FLT_MIN) */
    float xc, t, fn, p;
    int32_t n, n1;
    ck_bits32 s1, s2;
    xc = x < hi ? x : hi;
    xc = xc < lo ? lo : xc;
    t = xc * 1.44269504088896341f;
    /* floor(t + 0.5) through truncation of a positive number; a plain cast
     * vectorizes where floorf/rintf would become libm calls at SSE2. */
    n = (int32_t)(t + 128.5f) - 128;
    fn = (float)n;
    p = ck_act_exp_reduced_f32(xc, fn);
    /* 2^n as two factors: n reaches 128 near ln(FLT_MAX), one factor would
     * hit the infinity exponent. */
    n1 = n / 2;
    s1.i = (n1 + 127) << 23;
    s2.i = (n - n1 + 127) << 23;
    p = (p * s1.f) * s2.f;
    p = x <= hi ? p : (float)HUGE_VAL;
    p = x < lo ? 0.0f : p;
    return p;
}

/* sigmoid through e = exp(-|x|): never overflows, and keeps relative
 * accuracy in the left tail (e/(1+e)) where 1 - 1/(1+e) would cancel.
 * The exp is ck_act_exp_f32's reduction and polynomial specialised to
 * arguments <= 0: no overflow clamp, n rounded with the 1.5*2^23 shifter
 * (no float/int conversions) and 2^n as one factor, since n >= -126. It
 * is a third cheaper, which the LSTM/GRU gates feel; results within 2e-7
 * relative. Below ln(FLT_MIN) the result is 0, as in ck_act_exp_f32. */
CK_INLINE float ck_act_sigmoid_f32(float x)
{
    const float shifter = 12582912.0f;
    const float lo = -87.33654475055310f; /* ln(FLT_MIN): n stays >= -126 */
    const float m = x < 0.0f ? x : -x;
    const float mc = m < lo ? lo : m;
    float fn, p, e, s;
    ck_bits32 k, scale;
    k.f = mc * 1.44269504088896341f + shifter;
    fn = k.f - shifter;
    p = ck_act_exp_reduced_f32(mc, fn);
    /* k's low mantissa bits hold n (two's complement); the shifter's
     * exponent bits are removed before n + 127 is moved into place.
     * Unsigned, so a NaN's bits wrap (its result is NaN through p) where
     * int arithmetic would overflow, which is undefined. */
    scale.u = (k.u - 0x4B400000u + 127u) * 8388608u;
    e = m < lo ? 0.0f : p * scale.f;
    s = 1.0f / (1.0f + e);
    return x < 0.0f ? e * s : s;
}

/* tanh as a 13/6 odd rational minimax fit on [-7.9, 7.9] (the form Eigen
 * uses); beyond that float tanh is 1 to within an ulp. Max abs error about
 * 4e-7. Not 2*sigmoid(2x)-1, which cancels near 0. */
CK_INLINE float ck_act_tanh_f32(float x)
{
    const float clamp = 7.90531110763549805f;
    float xc, x2, p, q, y;
    xc = x > clamp ? clamp : x;
    xc = xc < -clamp ? -clamp : xc;
    x2 = xc * xc;
    p = -2.76076847742355e-16f;
    p = p * x2 + 2.00018790482477e-13f;
    p = p * x2 + -8.60467152213735e-11f;
    p = p * x2 + 5.12229709037114e-08f;
    p = p * x2 + 1.48572235717979e-05f;
    p = p * x2 + 6.37261928875436e-04f;
    p = p * x2 + 4.89352455891786e-03f;
    p = xc * p;
    q = 1.19825839466702e-06f;
    q = q * x2 + 1.18534705686654e-04f;
    q = q * x2 + 2.26843463243900e-03f;
    q = q * x2 + 4.89352518554385e-03f;
    y = p / q;
    y = y > 1.0f ? 1.0f : y;
    y = y < -1.0f ? -1.0f : y;
    /* Below 4e-4 tanh(x) == x in float; returning x keeps tiny inputs exact. */
    return (x < 4e-4f && x > -4e-4f) ? x : y;
}

/* exp(x) for double: Cody-Waite reduction and Cephes' Pade form
 * exp(r) = 1 + 2 r P(r^2) / (Q(r^2) - r P(r^2)), about 1 ulp. The 13/6 float
 * rational is not accurate enough for double, and libm's exp does not
 * vectorize without -ffast-math. Rounding uses the 1.5*2^52 shifter so n
 * comes out in the low mantissa bits: only 64-bit add/shift are needed,
 * which AVX2 has (double->int64 conversion needs AVX-512DQ). */
CK_INLINE double ck_act_exp_f64(double x)
{
    const double hi = 709.782712893383973;  /* ln(DBL_MAX) */
    const double lo = -708.396418532264107; /* ln(DBL_MIN) */
    const double shifter = 6755399441055744.0; /* 1.5 * 2^52 */
    double xc, fn, fn1, r, r2, px, q, y;
    ck_bits64 k1, k2, s1, s2;
    xc = x > hi ? hi : x;
    xc = xc < lo ? lo : xc;
    fn = (xc * 1.4426950408889634074 + shifter) - shifter; /* round to nearest */
    r = xc - fn * 6.93145751953125e-1;
    r = r - fn * 1.42860682030941723212e-6;
    r2 = r * r;
    px = 1.26177193074810590878e-4;
    px = px * r2 + 3.02994407707441961300e-2;
    px = px * r2 + 9.99999999999999999910e-1;
    px = r * px;
    q = 3.00198505138664455042e-6;
    q = q * r2 + 2.52448340349684104192e-3;
    q = q * r2 + 2.27265548208155028766e-1;
    q = q * r2 + 2.00000000000000000009e0;
    y = px / (q - px);
    y = 1.0 + 2.0 * y;
    /* 2^n as two factors (n can reach 1024). bits(k + shifter) holds k in
     * its low bits and the shifter's bits vanish under the << 52. */
    fn1 = (fn * 0.5 + shifter) - shifter;
    k1.f = fn1 + shifter;
    k2.f = (fn - fn1) + shifter;
    s1.u = (k1.u + 1023u) << 52;
    s2.u = (k2.u + 1023u) << 52;
    y = (y * s1.f) * s2.f;
    y = x > hi ? HUGE_VAL : y;
    y = x < lo ? 0.0 : y;
    return y;
}

CK_INLINE double ck_act_sigmoid_f64(double x)
{
    const double mabs = x < 0.0 ? x : -x;
    const double e = ck_act_exp_f64(mabs);
    const double s = 1.0 / (1.0 + e);
    return x < 0.0 ? e * s : s;
}

/* tanh for double, Cephes' split: a rational in x^2 for |x| <= 0.625, and
 * 1 - 2/(exp(2|x|)+1) above, where the result is >= 0.55 so the
 * subtraction cannot cancel. Both branches are computed and one selected
 * so the loop stays vectorizable. */
CK_INLINE double ck_act_tanh_f64(double x)
{
    const double ax = x < 0.0 ? -x : x;
    const double x2 = x * x;
    double p, q, small, e, big;
    p = -9.64399179425052238628e-1;
    p = p * x2 + -9.92877231001918586564e1;
    p = p * x2 + -1.61468768441708447952e3;
    q = x2 + 1.12811678491632931402e2;
    q = q * x2 + 2.23548839060100448583e3;
    q = q * x2 + 4.84406305325125486048e3;
    small = x + x * x2 * (p / q);
    e = ck_act_exp_f64(2.0 * ax);
    big = 1.0 - 2.0 / (e + 1.0);
    big = x < 0.0 ? -big : big;
    return ax <= 0.625 ? small : big;
}

/* Elementwise activations over n values; y may be x (in place).
 * CK_ACT_SOFTMAX is not elementwise: it returns CK_ERR_CODE here, use
 * ck_act_softmax_fwd_*. */
int ck_act_fwd_f32(int code, size_t n, const float *x, float *y);
int ck_act_fwd_f64(int code, size_t n, const double *x, double *y);

/* dx = dy * act'(.) computed from the forward output y (every code except
 * softmax has a derivative expressible in y). dx must not alias y. */
int ck_act_bwd_f32(int code, size_t n, const float *y, const float *dy, float *dx);
int ck_act_bwd_f64(int code, size_t n, const double *y, const double *dy, double *dx);

/* Row-wise softmax over a (rows, cols) row-major array; y may be x. */
int ck_act_softmax_fwd_f32(size_t rows, size_t cols, const float *x, float *y);
int ck_act_softmax_fwd_f64(size_t rows, size_t cols, const double *x, double *y);
/* The same softmax, also giving each row's max m (rows,) and the sum s
 * (rows,) of its exp(x - m): log(s) + m is the row's log-sum-exp. */
int ck_act_softmax_stats_fwd_f32(size_t rows, size_t cols, const float *x, float *y, float *m,
                                 float *s);
int ck_act_softmax_stats_fwd_f64(size_t rows, size_t cols, const double *x, double *y,
                                 double *m, double *s);
/* dx = y * (dy - sum(dy * y, row)). dx must not alias y. */
int ck_act_softmax_bwd_f32(size_t rows, size_t cols, const float *y, const float *dy, float *dx);
int ck_act_softmax_bwd_f64(size_t rows, size_t cols, const double *y, const double *dy, double *dx);

/* The fused passes the dense kernel uses, any code including softmax:
 * forward in place, y[i,:] = act(y[i,:] + b) with b (cols,) or NULL;
 * backward dz = dy * act'(y) into its own buffer, and db (cols,) or NULL
 * overwritten with the column sums of dz in the same pass. */
int ck_act_bias_fwd_f32(int code, size_t rows, size_t cols, const float *b, float *y);
int ck_act_bias_fwd_f64(int code, size_t rows, size_t cols, const double *b, double *y);
int ck_act_bias_bwd_f32(int code, size_t rows, size_t cols, const float *y,
                        const float *dy, float *dz, float *db);
int ck_act_bias_bwd_f64(int code, size_t rows, size_t cols, const double *y,
                        const double *dy, double *dz, double *db);

#endif /* CK_ACT_H */
