/* The AVX-512 register tiles of the float attention kernel
 * (ck_attention_avx512.c). Internal to the attention family: not part of
 * the C API of ck_attention.h. */
#ifndef CK_ATTENTION_AVX512_H
#define CK_ATTENTION_AVX512_H

#include "ck_common.h"

/* On unless a test turns it off to reach the BLAS path on the same machine. */
extern int ck_attention_tiled;

#if defined(CK_X86_DISPATCH)
#define CK_ATTENTION_AVX512 1

/* Nonzero when the CPU has the AVX-512 subsets the tiles are built for. */
int ck_attention_avx512(void);

/* C (M x N, rows ldc apart) = alpha * A B, N % 16 == 0: A (M x K) element
 * (r, k) at A[r * ars + k * aks], so a transposed A is ars = 1, aks = lda;
 * B (K x N) row-major, rows ldb apart. C is written, never read. */
void ck_attention_mm_f32(size_t M, size_t N, size_t K, float alpha, const float *A,
                         size_t ars, size_t aks, const float *B, size_t ldb, float *C,
                         size_t ldc);

/* One head's T x S (S % 16 == 0) scores in place: tf-keras' -1e9 adder
 * where mask (T x S bytes, or NULL) is 0, then the row softmax. */
void ck_attention_softmax_f32(size_t T, size_t S, const unsigned char *mask, float *p);

/* The softmax backward of one head in place on dP: dS = P (G - rowsum(G P))
 * with G = dP + dprobs (dprobs T x S or NULL). */
void ck_attention_softmax_bwd_f32(size_t T, size_t S, const float *p, const float *dprobs,
                                  float *dp);
#endif

#endif /* CK_ATTENTION_AVX512_H */
