#include "ck_attention.h"

#include <string.h>

#include "ck_act.h"
#include "ck_attention_avx512.h"
#include "ck_blas.h"
#include "ck_threads.h"
#include "ck_tmpl.h"

/* Whether a float call runs on the register tiles: AVX-512 and S, H, Hv
 * multiples of 16 (whole vectors, no tails). */
static int attention_tiles(size_t S, size_t H, size_t Hv)
{
#if defined(CK_ATTENTION_AVX512)
    return ck_attention_tiled && S % 16 == 0 && H % 16 == 0 && Hv % 16 == 0
        && ck_attention_avx512();
#else
    (void)S; (void)H; (void)Hv;
    return 0;
#endif
}

/* C = alpha op(A) op(B) of one head, row-major as ck_gemm (beta 0). With
 * tiles B is first copied into pack (K x N, contiguous): the rows of q, k,
 * v and their gradients lie a power-of-two multiple of 256 bytes apart, so
 * in place a head's rows would share a few L1 sets and evict each other. */
static int attention_mm_f32(int tiles, int ta, int tb, size_t M, size_t N, size_t K,
                            float alpha, const float *A, size_t lda, const float *B,
                            size_t ldb, float *C, size_t ldc, float *pack)
{
#if defined(CK_ATTENTION_AVX512)
    if (tiles) {
        size_t n, kk;
        if (tb) {
            for (n = 0; n < N; ++n)
                for (kk = 0; kk < K; ++kk) pack[kk * N + n] = B[n * ldb + kk];
        } else {
            for (kk = 0; kk < K; ++kk) memcpy(pack + kk * N, B + kk * ldb, N * sizeof(float));
        }
        B = pack;
        ldb = N;
        ck_attention_mm_f32(M, N, K, alpha, A, ta ? 1 : lda, ta ? lda : 1, B, ldb, C, ldc);
        return CK_OK;
    }
#else
    (void)tiles; (void)pack;
#endif
    return ck_gemm_f32(ta, tb, M, N, K, alpha, A, lda, B, ldb, 0.0f, C, ldc);
}

/* The tiled path's softmax passes (float only: tiles is 0 for double). */
static void attention_tiled_softmax_f32(size_t T, size_t S, const unsigned char *mask,
                                        float *p)
{
#if defined(CK_ATTENTION_AVX512)
    ck_attention_softmax_f32(T, S, mask, p);
#else
    (void)T; (void)S; (void)mask; (void)p;
#endif
}

static void attention_tiled_softmax_bwd_f32(size_t T, size_t S, const float *p,
                                            const float *dprobs, float *dp)
{
#if defined(CK_ATTENTION_AVX512)
    ck_attention_softmax_bwd_f32(T, S, p, dprobs, dp);
#else
    (void)T; (void)S; (void)p; (void)dprobs; (void)dp;
#endif
}

static void attention_tiled_softmax_f64(size_t T, size_t S, const unsigned char *mask,
                                        double *p)
{
    (void)T; (void)S; (void)mask; (void)p;
}

static void attention_tiled_softmax_bwd_f64(size_t T, size_t S, const double *p,
                                            const double *dprobs, double *dp)
{
    (void)T; (void)S; (void)p; (void)dprobs; (void)dp;
}

static int attention_mm_f64(int tiles, int ta, int tb, size_t M, size_t N, size_t K,
                            double alpha, const double *A, size_t lda, const double *B,
                            size_t ldb, double *C, size_t ldc, double *pack)
{
    (void)tiles; (void)pack;
    return ck_gemm_f64(ta, tb, M, N, K, alpha, A, lda, B, ldb, 0.0, C, ldc);
}

#define real float
#define CK_SUF f32
#include "ck_attention_tmpl.h"
#undef real
#undef CK_SUF

#define real double
#define CK_SUF f64
#include "ck_attention_tmpl.h"
#undef real
#undef CK_SUF

size_t ck_attention_work_size(size_t T, size_t S, size_t H, size_t Hv)
{
    const size_t P = H > Hv ? H : Hv, L = T > S ? T : S;
    return 2 * (T * S + P * L);
}
