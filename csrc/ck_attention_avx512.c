/* The AVX-512 register tiles of the float attention kernel
 * (ck_attention_avx512.h).
 *
 * A head's products are small (T x S x H = 128 x 128 x 32 in a Transformer
 * block): OpenBLAS reached ~40-58 GF/s on them. These tiles keep 12 x 32 or
 * 6 x 64 outputs in registers over the whole sum, read A by broadcast
 * (through its strides, so a transposed A is not copied) and B from a
 * contiguous copy made once per product (ck_attention.c). The softmax and
 * its backward run on whole vectors of a row, the mask folded in. */
#include "ck_attention_avx512.h"

int ck_attention_tiled = 1;

#if defined(CK_ATTENTION_AVX512)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "ck_exp_avx512.h"

int ck_attention_avx512(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}

typedef float ck_v16 __attribute__((vector_size(64)));

/* mr rows by nv vectors of C, the sum over all K in registers. */
__attribute__((target("arch=x86-64-v4"), optimize("fp-contract=fast"), always_inline))
static inline void attn_tile_f32(size_t K, const float *restrict A, size_t ars, size_t aks,
                                 const float *restrict B, size_t ldb, float alpha,
                                 float *restrict C, size_t ldc, const int mr, const int nv)
{
    ck_v16 acc[12][4], b[4];
    size_t k;
    int r, v;
    for (r = 0; r < mr; ++r)
        for (v = 0; v < nv; ++v) acc[r][v] = (ck_v16){0};
    for (k = 0; k < K; ++k) {
        const float *a = A + k * aks;
        for (v = 0; v < nv; ++v) memcpy(&b[v], B + k * ldb + 16 * v, sizeof(ck_v16));
        for (r = 0; r < mr; ++r) {
            const float s = a[r * ars];
            for (v = 0; v < nv; ++v) acc[r][v] += s * b[v];
        }
    }
    for (r = 0; r < mr; ++r)
        for (v = 0; v < nv; ++v) {
            const ck_v16 c = alpha * acc[r][v];
            memcpy(C + r * ldc + 16 * v, &c, sizeof(ck_v16));
        }
}

/* exp(x) for x <= 0 (or NaN, which stays NaN): ck_act_exp_f32's
 * reduction and polynomial, n rounded with the 1.5 * 2^23 shifter, 2^n as
 * one factor (n >= -126 above ln(FLT_MIN)), 0 below ln(FLT_MIN). */
__attribute__((target("arch=x86-64-v4"), always_inline))
static inline __m512 attn_exp_neg(__m512 x)
{
    const __m512 lo = _mm512_set1_ps(-87.33654475055310f);
    const __m512 shifter = _mm512_set1_ps(12582912.0f);
    const __m512 xc = _mm512_max_ps(lo, x);   /* NaN passes through */
    const __m512 k = _mm512_fmadd_ps(xc, _mm512_set1_ps(1.44269504088896341f), shifter);
    const __m512 fn = _mm512_sub_ps(k, shifter);
    const __m512 r = ck_exp512_reduce(xc, fn);
    __m512 p = ck_exp512_poly(r);
    __m512i e;
    p = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    /* k's low mantissa bits hold n; minus the shifter's bits, plus the bias */
    e = _mm512_sub_epi32(_mm512_castps_si512(k), _mm512_set1_epi32(0x4B400000 - 127));
    p = _mm512_mul_ps(p, _mm512_castsi512_ps(_mm512_slli_epi32(e, 23)));
    return _mm512_mask_mov_ps(p, _mm512_cmp_ps_mask(x, lo, _CMP_LT_OQ), _mm512_setzero_ps());
}

/* One head's T rows of S (S % 16 == 0) scores in place: the -1e9 adder
 * where mask (T x S bytes, or NULL) is 0, then the row softmax. A row with
 * a NaN or +inf becomes NaN, as ck_act_softmax_fwd_f32 makes it. */
__attribute__((target("arch=x86-64-v4")))
void ck_attention_softmax_f32(size_t T, size_t S, const unsigned char *mask, float *p)
{
    const __m512 adder = _mm512_set1_ps(-1e9f);
    size_t i, j;
    for (i = 0; i < T; ++i) {
        float *row = p + i * S;
        __m512 mx = _mm512_set1_ps(-HUGE_VALF), sum = _mm512_setzero_ps(), m, inv;
        float s;
        for (j = 0; j < S; j += 16) {
            __m512 v = _mm512_loadu_ps(row + j);
            if (mask != NULL) {
                const __m128i mb = _mm_loadu_si128((const __m128i *)(mask + i * S + j));
                v = _mm512_mask_add_ps(v, _mm_cmpeq_epi8_mask(mb, _mm_setzero_si128()), v,
                                       adder);
                _mm512_storeu_ps(row + j, v);
            }
            mx = _mm512_max_ps(mx, v);
        }
        m = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
        for (j = 0; j < S; j += 16) {
            const __m512 e = attn_exp_neg(_mm512_sub_ps(_mm512_loadu_ps(row + j), m));
            sum = _mm512_add_ps(sum, e);
            _mm512_storeu_ps(row + j, e);
        }
        s = _mm512_reduce_add_ps(sum);
        if (!(s < HUGE_VALF)) {
            for (j = 0; j < S; ++j) row[j] = NAN;
            continue;
        }
        inv = _mm512_set1_ps(1.0f / s);
        for (j = 0; j < S; j += 16)
            _mm512_storeu_ps(row + j, _mm512_mul_ps(_mm512_loadu_ps(row + j), inv));
    }
}

/* dS = P (dP + dprobs - rowsum((dP + dprobs) P)) in place on dP (T x S,
 * S % 16 == 0); dprobs may be NULL. */
__attribute__((target("arch=x86-64-v4")))
void ck_attention_softmax_bwd_f32(size_t T, size_t S, const float *p, const float *dprobs,
                                  float *dp)
{
    size_t i, j;
    for (i = 0; i < T; ++i) {
        const float *pr = p + i * S;
        float *g = dp + i * S;
        __m512 acc = _mm512_setzero_ps(), dot;
        if (dprobs != NULL)
            for (j = 0; j < S; j += 16)
                _mm512_storeu_ps(g + j, _mm512_add_ps(_mm512_loadu_ps(g + j),
                                                      _mm512_loadu_ps(dprobs + i * S + j)));
        for (j = 0; j < S; j += 16)
            acc = _mm512_fmadd_ps(_mm512_loadu_ps(g + j), _mm512_loadu_ps(pr + j), acc);
        dot = _mm512_set1_ps(_mm512_reduce_add_ps(acc));
        for (j = 0; j < S; j += 16) {
            const __m512 pv = _mm512_loadu_ps(pr + j);
            _mm512_storeu_ps(g + j, _mm512_mul_ps(pv, _mm512_sub_ps(_mm512_loadu_ps(g + j),
                                                                    dot)));
        }
    }
}

/* All M rows of one column block of nv vectors: blocks of mr rows (at most
 * 24 accumulators, two FMA chains per port), then single rows. */
#define CK_ATTN_ROWS(nv, mr)                                                              \
    __attribute__((target("arch=x86-64-v4"), optimize("fp-contract=fast")))               \
    static void attn_rows##nv##_f32(size_t M, size_t K, const float *A, size_t ars,       \
                                    size_t aks, const float *B, size_t ldb, float alpha,  \
                                    float *C, size_t ldc)                                 \
    {                                                                                     \
        size_t m = 0;                                                                     \
        for (; m + (mr) <= M; m += (mr))                                                  \
            attn_tile_f32(K, A + m * ars, ars, aks, B, ldb, alpha, C + m * ldc, ldc,      \
                          (mr), (nv));                                                    \
        for (; m + 4 <= M; m += 4)                                                        \
            attn_tile_f32(K, A + m * ars, ars, aks, B, ldb, alpha, C + m * ldc, ldc, 4,   \
                          (nv));                                                          \
        for (; m < M; ++m)                                                                \
            attn_tile_f32(K, A + m * ars, ars, aks, B, ldb, alpha, C + m * ldc, ldc, 1,   \
                          (nv));                                                          \
    }
CK_ATTN_ROWS(1, 12)
CK_ATTN_ROWS(2, 12)
CK_ATTN_ROWS(3, 6)
CK_ATTN_ROWS(4, 6)
#undef CK_ATTN_ROWS

void ck_attention_mm_f32(size_t M, size_t N, size_t K, float alpha, const float *A,
                         size_t ars, size_t aks, const float *B, size_t ldb, float *C,
                         size_t ldc)
{
    size_t c0;
    for (c0 = 0; c0 < N; c0 += 64) {
        const size_t nv = N - c0 >= 64 ? 4 : (N - c0) / 16;
        if (nv == 4)
            attn_rows4_f32(M, K, A, ars, aks, B + c0, ldb, alpha, C + c0, ldc);
        else if (nv == 3)
            attn_rows3_f32(M, K, A, ars, aks, B + c0, ldb, alpha, C + c0, ldc);
        else if (nv == 2)
            attn_rows2_f32(M, K, A, ars, aks, B + c0, ldb, alpha, C + c0, ldc);
        else
            attn_rows1_f32(M, K, A, ars, aks, B + c0, ldb, alpha, C + c0, ldc);
    }
}
#endif
