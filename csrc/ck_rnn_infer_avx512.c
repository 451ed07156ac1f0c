/* The AVX-512 step of float LSTM inference over a range of batch columns
 * (ck_rnn_infer_avx512.h).
 *
 * Batched inference splits the batch between the caller and the helper
 * thread, each running the whole time loop on its own columns with no
 * exchange between steps; this is the step each of them runs. The register
 * tile is the idea of the fused step of ck_rnn_avx512.c (8 gate rows of two
 * units against 32 or 16 columns, the panel weights broadcast from L1), but
 * the step works on buffers exactly as wide as its range and takes per
 * column masks, so a masked step stays on the tiles (and a column's bits do
 * not depend on which range or path computed it). */
#include "ck_rnn_infer_avx512.h"

#include <string.h>

#if defined(CK_RNN_AVX512)
#include <immintrin.h>

#include "ck_exp_avx512.h"
/* zt (4 gates x 2 units x 16 nv columns, gate-major, the layout of
 * ck_lstm_infer_cell_f32 with n = 32 nv) = panel (8 x K) times X (K x
 * 16 nv, rows ldx apart). Intrinsics, so the accumulators go from
 * registers straight to zt (vector-extension arrays went through a zeroed
 * stack copy: ~7% of a tile), and loops over the accumulators unrolled
 * before GCC decides where they live: rolled, it kept a zeroed stack copy
 * of them for K == 0 (a rep stos and 16 spills and reloads a call). */
__attribute__((target("arch=x86-64-v4"), always_inline))
static inline void infer_tile_body(size_t K, const float *restrict P,
                                   const float *restrict X, size_t ldx,
                                   float *restrict zt, const int nv)
{
    __m512 a[8][2], xv[2];
    size_t k;
    int r, v;
    #pragma GCC unroll 16
    for (r = 0; r < 8; ++r)
        #pragma GCC unroll 16
        for (v = 0; v < nv; ++v) a[r][v] = _mm512_setzero_ps();
    for (k = 0; k < K; ++k) {
        const float *wk = P + k * 8;
        #pragma GCC unroll 16
        for (v = 0; v < nv; ++v) xv[v] = _mm512_loadu_ps(X + k * ldx + 16 * v);
        #pragma GCC unroll 16
        for (r = 0; r < 8; ++r) {
            const __m512 wr = _mm512_set1_ps(wk[r]);
            #pragma GCC unroll 16
            for (v = 0; v < nv; ++v) a[r][v] = _mm512_fmadd_ps(wr, xv[v], a[r][v]);
        }
    }
    #pragma GCC unroll 16
    for (r = 0; r < 8; ++r)
        #pragma GCC unroll 16
        for (v = 0; v < nv; ++v)
            _mm512_storeu_ps(zt + ((r % 4) * 2 + r / 4) * (16 * nv) + 16 * v, a[r][v]);
}

__attribute__((target("arch=x86-64-v4")))
static void infer_tile32(size_t K, const float *P, const float *X, size_t ldx, float *zt)
{
    infer_tile_body(K, P, X, ldx, zt, 2);
}

__attribute__((target("arch=x86-64-v4")))
static void infer_tile16(size_t K, const float *P, const float *X, size_t ldx, float *zt)
{
    infer_tile_body(K, P, X, ldx, zt, 1);
}

/* Two pairs (panels P0, P1) against 16 columns: 16 accumulators where
 * infer_tile16 has 8, enough to cover the FMA latency on both ports. Each
 * lane sums in the same order as the other tiles. zt: the gates of the
 * four units, gate-major (one cell pass over n = 64). */
__attribute__((target("arch=x86-64-v4")))
static void infer_tile16x2(size_t K, const float *restrict P0, const float *restrict P1,
                           const float *restrict X, size_t ldx, float *restrict zt)
{
    __m512 a[16], xv;
    size_t k;
    int r;
    #pragma GCC unroll 16
    for (r = 0; r < 16; ++r) a[r] = _mm512_setzero_ps();
    for (k = 0; k < K; ++k) {
        const float *w0 = P0 + k * 8, *w1 = P1 + k * 8;
        xv = _mm512_loadu_ps(X + k * ldx);
        #pragma GCC unroll 16
        for (r = 0; r < 8; ++r) {
            a[r] = _mm512_fmadd_ps(_mm512_set1_ps(w0[r]), xv, a[r]);
            a[8 + r] = _mm512_fmadd_ps(_mm512_set1_ps(w1[r]), xv, a[8 + r]);
        }
    }
    #pragma GCC unroll 16
    for (r = 0; r < 8; ++r) {
        _mm512_storeu_ps(zt + ((r % 4) * 4 + r / 4) * 16, a[r]);
        _mm512_storeu_ps(zt + ((r % 4) * 4 + 2 + r / 4) * 16, a[8 + r]);
    }
}

/* The default-activation cell on whole vectors. The scalar forms of
 * ck_act.h (ck_lstm_infer_cell_f32) took ~40% as long as the tiles'
 * products: their divisions become a reciprocal estimate refined by one
 * Newton step (within 1e-7 relative), and 2^n comes from vscalefps. The
 * approximations are ck_act.h's: exp through Cody-Waite and the Cephes
 * polynomial, tanh as the 13/6 rational. */
#define CK_V4 __attribute__((target("arch=x86-64-v4"), optimize("fp-contract=fast")))

CK_V4 static inline __m512 v_recip(__m512 d)
{
    const __m512 r = _mm512_rcp14_ps(d);
    return _mm512_fmadd_ps(r, _mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0f)), r);
}

CK_V4 static inline __m512 v_sigmoid(__m512 x)
{
    /* 1 / (1 + e^-x) with x clamped to [-80, 80]: e^80 and its reciprocal
     * stay normal floats, and beyond 80 the sigmoid is 0 or 1 to within
     * 2e-35. A reciprocal keeps relative accuracy in the left tail, so no
     * e/(1+e) branch is needed. The clamps take x second, so a NaN stays
     * NaN (vrangeps would clamp in one operation, 13% off the cell, but
     * turns NaN into 80). n = round(-x log2 e) by the 1.5 * 2^23 shifter: two operations
     * on either FMA port where vrndscaleps took two on port 0 alone. The
     * reduction and the polynomial run on -r (ck_exp512_reduce_neg), which
     * saves negating x. With v_tanh's trims the cell went from 1.43 to
     * 1.17 ns a value (CPU time, 64-value calls from L1). */
    const __m512 xc = _mm512_min_ps(_mm512_set1_ps(80.0f),
                                    _mm512_max_ps(_mm512_set1_ps(-80.0f), x));
    const __m512 shift = _mm512_set1_ps(12582912.0f);
    const __m512 n = _mm512_sub_ps(
        _mm512_fmadd_ps(xc, _mm512_set1_ps(-1.44269504088896341f), shift), shift);
    const __m512 rn = ck_exp512_reduce_neg(xc, n);
    __m512 p = ck_exp512_poly_neg(rn);
    /* e^r = 1 + r + r^2 p(r), r = -rn */
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(rn, rn), _mm512_sub_ps(_mm512_set1_ps(1.0f), rn));
    return v_recip(_mm512_add_ps(_mm512_scalef_ps(p, n), _mm512_set1_ps(1.0f)));
}

CK_V4 static inline __m512 v_tanh(__m512 x)
{
    /* x clamped (second, so a NaN stays NaN) where the rational reaches
     * 1 - 2^-24. Its result needs no clamp to [-1, 1] and no x for |x| <
     * 4e-4 (the scalar form's steps): over |x| in [1e-13, 10] the error
     * stays within 3.2e-7 relative and |y| < 1 without them. */
    const __m512 clamp = _mm512_set1_ps(7.90531110763549805f);
    const __m512 xc = _mm512_min_ps(clamp, _mm512_max_ps(_mm512_set1_ps(-7.90531110763549805f),
                                                         x));
    const __m512 x2 = _mm512_mul_ps(xc, xc);
    __m512 p, q;
    p = _mm512_set1_ps(-2.76076847742355e-16f);
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(2.00018790482477e-13f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-8.60467152213735e-11f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(5.12229709037114e-08f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(1.48572235717979e-05f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(6.37261928875436e-04f));
    p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(4.89352455891786e-03f));
    p = _mm512_mul_ps(xc, p);
    q = _mm512_set1_ps(1.19825839466702e-06f);
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(1.18534705686654e-04f));
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(2.26843463243900e-03f));
    q = _mm512_fmadd_ps(q, x2, _mm512_set1_ps(4.89352518554385e-03f));
    return _mm512_mul_ps(p, v_recip(q));
}

CK_V4 static inline void cell16(size_t n, size_t k, const float *restrict z,
                                float *restrict c, float *restrict h)
{
    const __m512 i = v_sigmoid(_mm512_loadu_ps(z + k));
    const __m512 f = v_sigmoid(_mm512_loadu_ps(z + n + k));
    const __m512 g = v_tanh(_mm512_loadu_ps(z + 2 * n + k));
    const __m512 o = v_sigmoid(_mm512_loadu_ps(z + 3 * n + k));
    const __m512 cn = _mm512_fmadd_ps(f, _mm512_loadu_ps(c + k), _mm512_mul_ps(i, g));
    _mm512_storeu_ps(c + k, cn);
    _mm512_storeu_ps(h + k, _mm512_mul_ps(o, v_tanh(cn)));
}

CK_V4 void ck_lstm_infer_cell16_f32(size_t n, const float *restrict z, float *restrict c,
                                    float *restrict h)
{
    size_t k;
    /* Two vectors a round: their long dependency chains interleave. */
    for (k = 0; k + 32 <= n; k += 32) {
        cell16(n, k, z, c, h);
        cell16(n, k + 16, z, c, h);
    }
    if (k < n) cell16(n, k, z, c, h);
}

/* Rows [0, K) of the panels of the 8 pairs from unit u0 (u0 + 16 <= U):
 * each row's 16 units of the four gates, transposed in registers to
 * [i f c o] per unit, two units to a panel row. About 5x the scalar copy
 * (LSTM(128) packed in ~25 us, a few percent of a batch-16 call). */
__attribute__((target("arch=x86-64-v4")))
static void pack_pairs8(size_t F, size_t U, const float *W, const float *R, const float *b,
                        size_t K, size_t u0, float *P)
{
    /* [a.lane l, b.lane l] for lanes 0 and 1, then for lanes 2 and 3 */
    const __m512i lo = _mm512_set_epi32(23, 22, 21, 20, 7, 6, 5, 4, 19, 18, 17, 16, 3, 2, 1, 0);
    const __m512i hi = _mm512_set_epi32(31, 30, 29, 28, 15, 14, 13, 12, 27, 26, 25, 24, 11, 10,
                                        9, 8);
    const size_t G4 = 4 * U;
    size_t k;
    int j;
    for (k = 0; k < K; ++k) {
        const float *src = (k < F ? W + k * G4 : k < F + U ? R + (k - F) * G4 : b) + u0;
        const __m512 vi = _mm512_loadu_ps(src), vf = _mm512_loadu_ps(src + U);
        const __m512 vc = _mm512_loadu_ps(src + 2 * U), vo = _mm512_loadu_ps(src + 3 * U);
        const __m512 t0 = _mm512_unpacklo_ps(vi, vf), t1 = _mm512_unpackhi_ps(vi, vf);
        const __m512 t2 = _mm512_unpacklo_ps(vc, vo), t3 = _mm512_unpackhi_ps(vc, vo);
        /* per 128-bit lane l: unit 4l + d's [i f c o] in ud */
        const __m512 a0 = _mm512_shuffle_ps(t0, t2, 0x44), a1 = _mm512_shuffle_ps(t0, t2, 0xEE);
        const __m512 a2 = _mm512_shuffle_ps(t1, t3, 0x44), a3 = _mm512_shuffle_ps(t1, t3, 0xEE);
        /* panel 2l holds units 4l, 4l + 1; panel 2l + 1 units 4l + 2, 4l + 3 */
        const __m512 e[4] = {_mm512_permutex2var_ps(a0, lo, a1), _mm512_permutex2var_ps(a0, hi, a1),
                             _mm512_permutex2var_ps(a2, lo, a3),
                             _mm512_permutex2var_ps(a2, hi, a3)};
        float *row = P + (u0 / 2) * K * 8 + k * 8;
        for (j = 0; j < 2; ++j) {
            /* e[j]: lanes 2j, 2j + 1 of the even panels; e[2 + j]: of the odd */
            _mm256_storeu_ps(row + (4 * j) * K * 8, _mm512_castps512_ps256(e[j]));
            _mm256_storeu_ps(row + (4 * j + 2) * K * 8, _mm512_extractf32x8_ps(e[j], 1));
            _mm256_storeu_ps(row + (4 * j + 1) * K * 8, _mm512_castps512_ps256(e[2 + j]));
            _mm256_storeu_ps(row + (4 * j + 3) * K * 8, _mm512_extractf32x8_ps(e[2 + j], 1));
        }
    }
}

void ck_lstm_infer_pack_f32(size_t F, size_t U, const float *W, const float *R,
                            const float *b, size_t K, size_t p0, size_t p1, float *P)
{
    const size_t G4 = 4 * U;
    size_t k0, u0, k, g;
    /* Whole blocks of 8 real pairs on vectors (the caller runs on AVX-512) */
    for (; p0 + 8 <= p1 && 2 * p0 + 16 <= U; p0 += 8) pack_pairs8(F, U, W, R, b, K, 2 * p0, P);
    /* Blocks of 16 rows: their source lines stay in L1 while every panel
     * gets its 16 rows (512 contiguous bytes). Row by row the panels'
     * writes scatter; panel by panel the rows' lines fall out of L1. */
    for (k0 = 0; k0 < K; k0 += 16) {
        const size_t k1 = k0 + 16 < K ? k0 + 16 : K;
        for (u0 = 2 * p0; u0 < 2 * p1; u0 += 2) {
            float *panel = P + (u0 / 2) * K * 8;
            const int two = u0 + 1 < U;
            for (k = k0; k < k1; ++k) {
                const float *src = k < F ? W + k * G4 : k < F + U ? R + (k - F) * G4 : b;
                for (g = 0; g < 4; ++g) {
                    panel[k * 8 + g] = src[g * U + u0];
                    panel[k * 8 + 4 + g] = two ? src[g * U + u0 + 1] : 0.0f;
                }
            }
        }
    }
}

/* dst (16 x 16, rows ldd apart) = src^T (rows lds apart) in registers:
 * 32-bit and 64-bit interleaves, then 128-bit lanes. Row 4L + k of the
 * result is lane L of u[k], u[4 + k], u[8 + k], u[12 + k]. */
__attribute__((target("arch=x86-64-v4")))
__attribute__((target("arch=x86-64-v4"), always_inline))
static inline void transpose16_core(const float *src, size_t lds, const float *const *rows,
                                    size_t j, float *dst, size_t ldd)
{
    __m512 t[16], u[16];
    int i, k;
    #pragma GCC unroll 16
    for (i = 0; i < 8; ++i) {
        const __m512 a = _mm512_loadu_ps(rows != NULL ? rows[2 * i] + j : src + 2 * i * lds);
        const __m512 b = _mm512_loadu_ps(rows != NULL ? rows[2 * i + 1] + j
                                                      : src + (2 * i + 1) * lds);
        t[2 * i] = _mm512_unpacklo_ps(a, b);
        t[2 * i + 1] = _mm512_unpackhi_ps(a, b);
    }
    #pragma GCC unroll 16
    for (i = 0; i < 4; ++i) {
        const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 2]);
        const __m512d c = _mm512_castps_pd(t[4 * i + 1]), d = _mm512_castps_pd(t[4 * i + 3]);
        u[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
        u[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
        u[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
        u[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
    }
    #pragma GCC unroll 16
    for (k = 0; k < 4; ++k) {
        const __m512 a = _mm512_shuffle_f32x4(u[k], u[4 + k], 0x44);
        const __m512 b = _mm512_shuffle_f32x4(u[k], u[4 + k], 0xEE);
        const __m512 c = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0x44);
        const __m512 d = _mm512_shuffle_f32x4(u[8 + k], u[12 + k], 0xEE);
        _mm512_storeu_ps(dst + k * ldd, _mm512_shuffle_f32x4(a, c, 0x88));
        _mm512_storeu_ps(dst + (4 + k) * ldd, _mm512_shuffle_f32x4(a, c, 0xDD));
        _mm512_storeu_ps(dst + (8 + k) * ldd, _mm512_shuffle_f32x4(b, d, 0x88));
        _mm512_storeu_ps(dst + (12 + k) * ldd, _mm512_shuffle_f32x4(b, d, 0xDD));
    }
}

__attribute__((target("arch=x86-64-v4")))
static void transpose16(const float *src, size_t lds, float *dst, size_t ldd)
{
    transpose16_core(src, lds, NULL, 0, dst, ldd);
}

/* The 16 rows from their own pointers (columns from j on). */
__attribute__((target("arch=x86-64-v4")))
static void transpose16_rows(const float *const *rows, size_t j, float *dst, size_t ldd)
{
    transpose16_core(NULL, 0, rows, j, dst, ldd);
}

void ck_rnn_transpose_f32(size_t rows, size_t cols, const float *src, size_t lds, float *dst,
                          size_t ldd)
{
    const size_t r16 = rows / 16 * 16, c16 = cols / 16 * 16;
    size_t i, j;
    for (i = 0; i < r16; i += 16)
        for (j = 0; j < c16; j += 16) transpose16(src + i * lds + j, lds, dst + j * ldd + i, ldd);
    /* the edges: the columns past c16 of every row, then the rows past r16 */
    for (i = 0; i < r16; ++i)
        for (j = c16; j < cols; ++j) dst[j * ldd + i] = src[i * lds + j];
    for (i = r16; i < rows; ++i)
        for (j = 0; j < cols; ++j) dst[j * ldd + i] = src[i * lds + j];
}

void ck_rnn_transpose_rows_f32(size_t rows, size_t cols, const float *const *src, float *dst,
                               size_t ldd)
{
    const size_t c16 = cols / 16 * 16;
    size_t i, j;
    if (rows == 16)
        for (j = 0; j < c16; j += 16) transpose16_rows(src, j, dst + j * ldd, ldd);
    for (i = 0; i < rows; ++i)
        for (j = rows == 16 ? c16 : 0; j < cols; ++j) dst[j * ldd + i] = src[i][j];
}

/* The cell of units [u0, u0 + nu) for columns [c0, c0 + wt) from their
 * tile's gates z (gate-major, `slots` units of wt values per gate, nu <=
 * slots); ct and ht: slots wt floats of scratch. */
static void infer_cell(size_t F, size_t w, size_t c0, size_t wt, size_t u0, size_t nu,
                       size_t slots, const float *z, const float *XH, float *Ct, float *Hn,
                       const uint8_t *on, float *ct, float *ht)
{
    size_t j, du;
    if (on == NULL && nu == slots && wt == w) {
        /* The units' rows are adjacent: update them in place. */
        ck_lstm_infer_cell16_f32(slots * wt, z, Ct + u0 * w, Hn + u0 * w);
        return;
    }
    for (du = 0; du < slots; ++du)
        for (j = 0; j < wt; ++j) ct[du * wt + j] = du < nu ? Ct[(u0 + du) * w + c0 + j] : 0.0f;
    ck_lstm_infer_cell16_f32(slots * wt, z, ct, ht);
    for (du = 0; du < nu; ++du) {
        float *cr = Ct + (u0 + du) * w + c0, *hr = Hn + (u0 + du) * w + c0;
        const float *hold = XH + (F + u0 + du) * w + c0;
        for (j = 0; j < wt; ++j) {
            const int keep = on != NULL && !on[c0 + j];
            cr[j] = keep ? cr[j] : ct[du * wt + j];
            hr[j] = keep ? hold[j] : ht[du * wt + j];
        }
    }
}

void ck_lstm_infer_step_f32(size_t F, size_t K, size_t U, size_t w, const float *P,
                            const float *XH, float *Ct, float *Hn, const uint8_t *on,
                            float *zt)
{
    const size_t Up = CK_RNN_UPAD(U);
    float *ct = zt + 8 * 32, *ht = ct + 2 * 32;
    size_t u0, c0;
    for (c0 = 0; c0 < w; c0 += 32) {
        const size_t wt = w - c0 >= 32 ? 32 : 16;
        for (u0 = 0; u0 < Up; u0 += 2) {
            const float *panel = P + (u0 / 2) * K * 8;
            if (wt == 16 && u0 + 2 < Up) {
                infer_tile16x2(K, panel, panel + K * 8, XH + c0, w, zt);
                infer_cell(F, w, c0, wt, u0, U - u0 < 4 ? U - u0 : 4, 4, zt, XH, Ct, Hn, on,
                           ct, ht);
                u0 += 2;
                continue;
            }
            if (wt == 32)
                infer_tile32(K, panel, XH + c0, w, zt);
            else
                infer_tile16(K, panel, XH + c0, w, zt);
            infer_cell(F, w, c0, wt, u0, u0 + 1 < U ? 2 : 1, 2, zt, XH, Ct, Hn, on, ct, ht);
        }
    }
}

/* The training forward's cells: the gates activated in place (the
 * backward reads them), c from cp, h. The inference cell's vector forms:
 * the scalar ones of ck_act.h took a quarter of the training forward. */
CK_V4 static inline void train_cell16(float *restrict z, size_t gs, const float *restrict cp,
                                      float *restrict c, float *restrict h)
{
    const __m512 i = v_sigmoid(_mm512_loadu_ps(z));
    const __m512 f = v_sigmoid(_mm512_loadu_ps(z + gs));
    const __m512 g = v_tanh(_mm512_loadu_ps(z + 2 * gs));
    const __m512 o = v_sigmoid(_mm512_loadu_ps(z + 3 * gs));
    const __m512 cn = _mm512_fmadd_ps(f, _mm512_loadu_ps(cp), _mm512_mul_ps(i, g));
    _mm512_storeu_ps(z, i);
    _mm512_storeu_ps(z + gs, f);
    _mm512_storeu_ps(z + 2 * gs, g);
    _mm512_storeu_ps(z + 3 * gs, o);
    _mm512_storeu_ps(c, cn);
    _mm512_storeu_ps(h, _mm512_mul_ps(o, v_tanh(cn)));
}

CK_V4 void ck_lstm_train_cells16_f32(size_t n, size_t w, float *z, size_t ldz, size_t gs,
                                     const float *cp, size_t ldp, float *c, float *h,
                                     size_t ldh, const float *zn)
{
    size_t r, k;
    for (r = 0; r < n; r += 2) {
        const int two = r + 1 < n;
        float *z0 = z + r * ldz, *c0 = c + r * ldh, *h0 = h + r * ldh;
        const float *p0 = cp + r * ldp;
        for (k = 0; k < w; k += 16) {
            if (zn != NULL) {
                /* the lines the next step will write, cold (a timestep of
                 * every sample apart): to L2, a few per vector, as a
                 * burst per row stalled on the fill buffers */
                int j;
                for (j = 0; j <= two; ++j) {
                    const float *q = zn + (r + j) * ldz + k;
                    _mm_prefetch((const char *)q, _MM_HINT_T1);
                    _mm_prefetch((const char *)(q + gs), _MM_HINT_T1);
                    _mm_prefetch((const char *)(q + 2 * gs), _MM_HINT_T1);
                    _mm_prefetch((const char *)(q + 3 * gs), _MM_HINT_T1);
                    _mm_prefetch((const char *)(h0 + j * ldh + gs + k), _MM_HINT_T1);
                    _mm_prefetch((const char *)(c0 + j * ldh + gs + k), _MM_HINT_T1);
                }
            }
            /* two rows a round: their long dependency chains interleave */
            train_cell16(z0 + k, gs, p0 + k, c0 + k, h0 + k);
            if (two) train_cell16(z0 + ldz + k, gs, p0 + ldp + k, c0 + ldh + k, h0 + ldh + k);
        }
    }
}

/* One vector of the backward's cell for one row (rows as in
 * ck_lstm_train_bwd_rows_f32, offset to the vector's units), in the
 * generic lstm_bwd_row's operation order with tanh(c_t) recomputed by the
 * vector form; the gate gradients also added to b[0..3]. */
CK_V4 static inline void train_bwd16(size_t U, const float *restrict g,
                                     const float *restrict cr, const float *restrict cpr,
                                     float *restrict dhr, float *restrict dcr,
                                     float *restrict dz, __m512 *b)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 gi = _mm512_loadu_ps(g), gf = _mm512_loadu_ps(g + U);
    const __m512 gc = _mm512_loadu_ps(g + 2 * U), go = _mm512_loadu_ps(g + 3 * U);
    const __m512 a = v_tanh(_mm512_loadu_ps(cr)), dh = _mm512_loadu_ps(dhr);
    const __m512 dct = _mm512_add_ps(
        _mm512_loadu_ps(dcr),
        _mm512_mul_ps(_mm512_mul_ps(dh, go), _mm512_sub_ps(one, _mm512_mul_ps(a, a))));
    const __m512 zo = _mm512_mul_ps(_mm512_mul_ps(dh, a),
                                    _mm512_mul_ps(go, _mm512_sub_ps(one, go)));
    const __m512 zi = _mm512_mul_ps(_mm512_mul_ps(dct, gc),
                                    _mm512_mul_ps(gi, _mm512_sub_ps(one, gi)));
    const __m512 zc = _mm512_mul_ps(_mm512_mul_ps(dct, gi),
                                    _mm512_sub_ps(one, _mm512_mul_ps(gc, gc)));
    const __m512 zf = _mm512_mul_ps(_mm512_mul_ps(dct, _mm512_loadu_ps(cpr)),
                                    _mm512_mul_ps(gf, _mm512_sub_ps(one, gf)));
    _mm512_storeu_ps(dz, zi);
    _mm512_storeu_ps(dz + U, zf);
    _mm512_storeu_ps(dz + 2 * U, zc);
    _mm512_storeu_ps(dz + 3 * U, zo);
    b[0] = _mm512_add_ps(b[0], zi);
    b[1] = _mm512_add_ps(b[1], zf);
    b[2] = _mm512_add_ps(b[2], zc);
    b[3] = _mm512_add_ps(b[3], zo);
    _mm512_storeu_ps(dcr, _mm512_mul_ps(dct, gf));
    _mm512_storeu_ps(dhr, _mm512_setzero_ps()); /* refilled by the dh product */
}

/* The backward's default-activation cell of n rows (U % 16 == 0), two
 * rows a round: their chains interleave, and db's vectors stay in
 * registers across the pair (summed in row order, as row by row did) for
 * half the loads and stores (the stores, with dz's, filled the store
 * buffer). Units inside rows: the rows sit a multiple of 4 KB apart, and
 * units outer across all the rows thrashed their L1 sets. The next step's
 * lines (gn, cn: rows as g's and cr's; NULL: none) go to L2 a few per
 * vector, where a row's 40 in one burst filled the fill buffers and
 * stalled; the next pair's to L1. Rows with m[r mst] == 0 (m may be NULL)
 * get dz = 0 and keep dh, dc. */
CK_V4 void ck_lstm_train_bwd_rows_f32(size_t n, size_t U, const float *restrict g,
                                      size_t ldg, const float *restrict cr, size_t ldc,
                                      const float *restrict cpr, size_t ldp,
                                      float *restrict dh, float *restrict dc,
                                      float *restrict dz, size_t ldz, float *restrict db,
                                      const uint8_t *m, size_t mst, const float *gn,
                                      const float *cn)
{
    size_t k, r, j, q;
    for (r = 0; r < n; r += 2) {
        const size_t nr = n - r < 2 ? n - r : 2;
        for (k = 0; k < U; k += 16) {
            __m512 b[4];
            for (q = 0; q < 4; ++q) b[q] = _mm512_loadu_ps(db + q * U + k);
            for (j = r; j < r + nr; ++j) {
                float *dzr = dz + j * ldz + k;
                if (gn != NULL)
                    for (q = 0; q < 4; ++q)
                        _mm_prefetch((const char *)(gn + j * ldg + q * U + k), _MM_HINT_T1);
                if (cn != NULL) _mm_prefetch((const char *)(cn + j * ldc + k), _MM_HINT_T1);
                if (j + 2 < n) {
                    for (q = 0; q < 4; ++q)
                        _mm_prefetch((const char *)(g + (j + 2) * ldg + q * U + k),
                                     _MM_HINT_T0);
                    _mm_prefetch((const char *)(cr + (j + 2) * ldc + k), _MM_HINT_T0);
                    _mm_prefetch((const char *)(cpr + (j + 2) * ldp + k), _MM_HINT_T0);
                }
                if (m != NULL && !m[j * mst]) {
                    for (q = 0; q < 4; ++q) _mm512_storeu_ps(dzr + q * U, _mm512_setzero_ps());
                    continue;
                }
                train_bwd16(U, g + j * ldg + k, cr + j * ldc + k, cpr + j * ldp + k,
                            dh + j * U + k, dc + j * U + k, dzr, b);
            }
            for (q = 0; q < 4; ++q) _mm512_storeu_ps(db + q * U + k, b[q]);
        }
    }
}
#endif
