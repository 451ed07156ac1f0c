/* The AVX-512 register tiles of float LSTM inference (ck_rnn_avx512.h).
 *
 * The fused transposed step: the product of the
 * gate rows of two units with the step input, kept in registers, and their
 * cell update right after, on a tile still in L1. The weights are packed
 * once per call into panels (OpenBLAS repacks them on every step: ~10% of
 * the step), and this 8-row x 32-column micro-kernel runs at the machine's
 * FMA peak where sgemm on the (4U x K)(K x B) step reached ~75%. */
#include "ck_rnn_avx512.h"

#include <string.h>

#include "ck_rnn.h"

#if defined(CK_RNN_AVX512)
/* On unless a test turns it off to reach the BLAS step on the same
 * machine. */
int ck_rnn_fused = 1;

int ck_rnn_avx512(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}

typedef float ck_v16 __attribute__((vector_size(64)));

/* Panel p holds units 2p and 2p+1 as rows r = du*4 + gate ([i f c o]),
 * stored [k][8] so that step k reads 8 consecutive weights; rows of a
 * padding unit are zero. */
void ck_lstm_pack_panels_f32(size_t F, size_t U, const float *W, const float *R,
                             const float *b, size_t K, float *P)
{
    const size_t G4 = 4 * U, Up = CK_RNN_UPAD(U);
    size_t k, u, g;
    for (k = 0; k < K; ++k) {
        const float *src = k < F ? W + k * G4 : k < F + U ? R + (k - F) * G4 : b;
        for (u = 0; u < Up; ++u)
            for (g = 0; g < 4; ++g)
                P[((u / 2) * K + k) * 8 + (u % 2) * 4 + g] = u < U ? src[g * U + u] : 0.0f;
    }
}

/* zt (4 gates x 2 units x w columns, gate-major: the layout of
 * ck_lstm_infer_cell_f32 with n = 2w) = panel (8 x K) times X (K x w, ld ldx). */
__attribute__((target("arch=x86-64-v4"), optimize("fp-contract=fast"), always_inline))
static inline void lstm_tile_body_f32(size_t K, const float *restrict P,
                                      const float *restrict X, size_t ldx,
                                      float *restrict zt, const int nv)
{
    ck_v16 a[8][2], xv[2];
    size_t k;
    int r, v;
    for (r = 0; r < 8; ++r)
        for (v = 0; v < nv; ++v) a[r][v] = (ck_v16){0};
    for (k = 0; k < K; ++k) {
        const float *w = P + k * 8;
        for (v = 0; v < nv; ++v) memcpy(&xv[v], X + k * ldx + 16 * v, sizeof(ck_v16));
        for (r = 0; r < 8; ++r)
            for (v = 0; v < nv; ++v) a[r][v] += w[r] * xv[v];
    }
    for (r = 0; r < 8; ++r)
        for (v = 0; v < nv; ++v)
            memcpy(zt + ((r % 4) * 2 + r / 4) * (16 * nv) + 16 * v, &a[r][v], sizeof(ck_v16));
}

__attribute__((target("arch=x86-64-v4"), optimize("fp-contract=fast")))
static void lstm_tile32_f32(size_t K, const float *P, const float *X, size_t ldx, float *zt)
{
    lstm_tile_body_f32(K, P, X, ldx, zt, 2);
}

__attribute__((target("arch=x86-64-v4"), optimize("fp-contract=fast")))
static void lstm_tile16_f32(size_t K, const float *P, const float *X, size_t ldx, float *zt)
{
    lstm_tile_body_f32(K, P, X, ldx, zt, 1);
}

/* One unmasked step: for every pair of units and every chunk of 32 (or 16)
 * columns, the tile product and its cell update; c in place in Ct, the new
 * h into Hn (the product of later tiles still reads the old h in XH). */
void ck_lstm_fused_step_f32(size_t K, size_t U, size_t Bp, const float *P, const float *XH,
                            float *Ct, float *Hn, float *zt)
{
    const size_t Up = CK_RNN_UPAD(U);
    float *ct = zt + 8 * 32, *ht = ct + 2 * 32;
    size_t u0, c0, j;
    for (u0 = 0; u0 < Up; u0 += 2) {
        const float *panel = P + (u0 / 2) * K * 8;
        const size_t nu = u0 + 1 < U ? 2 : 1;
        for (c0 = 0; c0 < Bp; c0 += 32) {
            const size_t w = Bp - c0 >= 32 ? 32 : 16;
            if (w == 32)
                lstm_tile32_f32(K, panel, XH + c0, Bp, zt);
            else
                lstm_tile16_f32(K, panel, XH + c0, Bp, zt);
            if (w == Bp && nu == 2) {
                /* one chunk: the two units' rows of Ct and Hn are adjacent */
                ck_lstm_infer_cell_f32(2 * w, zt, Ct + u0 * Bp, Hn + u0 * Bp);
                continue;
            }
            for (j = 0; j < w; ++j) {
                ct[j] = Ct[u0 * Bp + c0 + j];
                ct[w + j] = nu == 2 ? Ct[(u0 + 1) * Bp + c0 + j] : 0.0f;
            }
            ck_lstm_infer_cell_f32(2 * w, zt, ct, ht);
            for (j = 0; j < w; ++j) {
                Ct[u0 * Bp + c0 + j] = ct[j];
                Hn[u0 * Bp + c0 + j] = ht[j];
                if (nu == 2) {
                    Ct[(u0 + 1) * Bp + c0 + j] = ct[w + j];
                    Hn[(u0 + 1) * Bp + c0 + j] = ht[w + j];
                }
            }
        }
    }
}

/* The batch-1 step's gates for 64 units (z as lstm_units lays it out, 4
 * gates x 64), from x_t against W, h against R and the bias, with the 16
 * accumulators in registers. W and R (layout of lstm_cols: rows ld apart,
 * gates gs apart) and b (gates U apart) point at the block's first unit. */
__attribute__((target("arch=x86-64-v4"), optimize("fp-contract=fast")))
void ck_lstm_z64_f32(size_t F, size_t U, size_t ld, size_t gs, const float *xt,
                     const float *W, const float *R, const float *h, const float *b,
                     float *z)
{
    ck_v16 a[16], w;
    size_t k;
    int g, v;
    for (g = 0; g < 4; ++g)
        for (v = 0; v < 4; ++v) {
            if (b != NULL)
                memcpy(&a[4 * g + v], b + g * U + 16 * v, sizeof(ck_v16));
            else
                a[4 * g + v] = (ck_v16){0};
        }
    for (k = 0; k < F + U; ++k) {
        const float s = k < F ? xt[k] : h[k - F];
        const float *row = k < F ? W + k * ld : R + (k - F) * ld;
        for (g = 0; g < 4; ++g)
            for (v = 0; v < 4; ++v) {
                memcpy(&w, row + g * gs + 16 * v, sizeof(ck_v16));
                a[4 * g + v] += s * w;
            }
    }
    for (g = 0; g < 16; ++g) memcpy(z + 16 * g, &a[g], sizeof(ck_v16));
}
#else
int ck_rnn_fused = 0;
#endif
