/* The AVX-512 float exp core shared by the attention softmax
 * (ck_attention_avx512.c) and the LSTM inference cell
 * (ck_rnn_infer_avx512.c): ck_act.h's Cody-Waite reduction and Cephes
 * polynomial on 16 lanes. Each caller rounds n and scales by 2^n its own
 * way (they clamp different ranges), so only the parts whose bits must
 * agree with ck_act_exp_f32 live here. Include only inside a block
 * compiled for AVX-512 (CK_ATTENTION_AVX512 or CK_RNN_AVX512). */
#ifndef CK_EXP_AVX512_H
#define CK_EXP_AVX512_H

#include <immintrin.h>

/* r = x - n ln 2, ln 2 split in two so n ln 2's high part is exact. */
__attribute__((target("arch=x86-64-v4"), always_inline))
static inline __m512 ck_exp512_reduce(__m512 x, __m512 n)
{
    const __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    return _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
}

/* p(r) with e^r ~ 1 + r + r^2 p(r) on |r| <= ln 2 / 2. */
__attribute__((target("arch=x86-64-v4"), always_inline))
static inline __m512 ck_exp512_poly(__m512 r)
{
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    return _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
}

/* The same two on the negated argument, for e^-x without negating x: with
 * n = round(-x log2 e), rn = x + n ln 2 is -r exactly (the ln 2 parts as
 * above), and ck_exp512_poly_neg(rn) is ck_exp512_poly(r), the odd
 * coefficients negated (every partial sum is the other's negation, so the
 * bits agree). */
__attribute__((target("arch=x86-64-v4"), always_inline))
static inline __m512 ck_exp512_reduce_neg(__m512 x, __m512 n)
{
    const __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    return _mm512_fmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
}

__attribute__((target("arch=x86-64-v4"), always_inline))
static inline __m512 ck_exp512_poly_neg(__m512 rn)
{
    __m512 p = _mm512_set1_ps(-1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, rn, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, rn, _mm512_set1_ps(-8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, rn, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, rn, _mm512_set1_ps(-1.6666665459e-1f));
    return _mm512_fmadd_ps(p, rn, _mm512_set1_ps(5.0000001201e-1f));
}

#endif /* CK_EXP_AVX512_H */
