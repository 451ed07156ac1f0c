/* The AVX-512 register tiles of float LSTMs (ck_rnn_avx512.h): the
 * batch-1 step's gates held in registers, and batch-major training's
 * per-step products over weights packed once per call (OpenBLAS repacks
 * them on every step). Batched inference has its own tiles in
 * ck_rnn_infer_avx512.c. */
#include "ck_rnn_avx512.h"

#include <string.h>

#if defined(CK_RNN_AVX512)
#include <immintrin.h>
#endif

#include "ck_rnn.h"
#include "ck_rnn_infer_avx512.h"

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

/* ------------------------------------------------ batch-major training */
/* The per-step products of batch-major training, C (M x N) += A (M x K)
 * times a B operand packed once per call into column panels of 64 (the
 * last narrower, N % 16 == 0): panel p starts at P + 64 p Ktot and holds
 * (k, j) at k * w + j, w its width. OpenBLAS repacks B on every step
 * call (M = 32 here), which held the (32 x 128)(128 x 512) step near 60%
 * of sgemm; a 6-row x 64-column register tile (24 accumulators) reads
 * each packed row once per 6 rows. */
#define CK_RNN_MR 6

/* Rows of the row tile at r0 of n rows cut into as few tiles as 6-row
 * ones would need, as even as can be (16 = 6 + 5 + 5): a 4-row tile read
 * its panel from L2 for fewer FMAs than it could hide the reads behind. */
static size_t rnn_tile_rows(size_t n, size_t r0)
{
    const size_t nt = (n + CK_RNN_MR - 1) / CK_RNN_MR, base = n / nt, extra = n % nt;
    /* the first extra tiles take base + 1 rows */
    return r0 < extra * (base + 1) ? base + 1 : base;
}

/* The tile: mr rows x nv vectors of 16 columns over two A segments, K1
 * then K2 deep (the packed rows follow in that order). Row r reads A1 + r
 * lda1, then A2 + r lda2 (one broadcast per row and k); vector v starts
 * from I + r ldi + coff[v] (I may be NULL: zero; ldi 0: a bias row) and
 * ends in C + r ldc + coff[v]. */
typedef struct {
    size_t K1, lda1, K2, lda2, w, ldi, ldc;
    const float *A1, *A2;
    const float *P, *I;
    float *C;
    const size_t *coff;
    const float *M; /* not NULL: C = C + M . (A P), M laid out as C */
} rnn_tile_args;

__attribute__((target("arch=x86-64-v4"), optimize("fp-contract=fast"), always_inline))
static inline void rnn_tile_body_f32(const rnn_tile_args *t, const int mr, const int nv)
{
    ck_v16 acc[CK_RNN_MR][4], bv[4];
    const float *restrict P = t->P;
    const size_t w = t->w;
    size_t k;
    int r, v, seg;
    for (r = 0; r < mr; ++r)
        for (v = 0; v < nv; ++v) {
            if (t->I != NULL && t->M == NULL)
                memcpy(&acc[r][v], t->I + r * t->ldi + t->coff[v], sizeof(ck_v16));
            else
                acc[r][v] = (ck_v16){0};
        }
    for (seg = 0; seg < 2; ++seg) {
        const size_t K = seg ? t->K2 : t->K1, lda = seg ? t->lda2 : t->lda1;
        const float *A = seg ? t->A2 : t->A1;
        for (k = 0; k < K; ++k) {
            for (v = 0; v < nv; ++v) memcpy(&bv[v], P + k * w + 16 * v, sizeof(ck_v16));
            for (r = 0; r < mr; ++r) {
                const float s = A[r * lda + k];
                for (v = 0; v < nv; ++v) acc[r][v] += s * bv[v];
            }
        }
        P += K * w;
    }
    if (t->M != NULL)
        for (r = 0; r < mr; ++r)
            for (v = 0; v < nv; ++v) {
                ck_v16 c, m;
                memcpy(&c, t->C + r * t->ldc + t->coff[v], sizeof(ck_v16));
                memcpy(&m, t->M + r * t->ldc + t->coff[v], sizeof(ck_v16));
                acc[r][v] = c + m * acc[r][v];
            }
    for (r = 0; r < mr; ++r)
        for (v = 0; v < nv; ++v)
            memcpy(t->C + r * t->ldc + t->coff[v], &acc[r][v], sizeof(ck_v16));
}

typedef void (*rnn_tile_fn)(const rnn_tile_args *t);

/* Each (mr, nv) shape of a register tile as its own function, so the
 * accumulators' counts are constants and stay in registers: NAME_mr_nv
 * runs BODY(t, mr, nv) on ARGS; CK_RNN_SHAPE_PTRS(NAME, nv) lists one nv's six. */
#define CK_RNN_SHAPE_FN(name, body, args, mr, nv)                                       \
    __attribute__((target("arch=x86-64-v4"), optimize("fp-contract=fast")))           \
    static void name##_##mr##_##nv(const args *t)                                       \
    {                                                                                   \
        body(t, mr, nv);                                                                \
    }
#define CK_RNN_SHAPES(name, body, args, nv)                                             \
    CK_RNN_SHAPE_FN(name, body, args, 1, nv) CK_RNN_SHAPE_FN(name, body, args, 2, nv)   \
    CK_RNN_SHAPE_FN(name, body, args, 3, nv) CK_RNN_SHAPE_FN(name, body, args, 4, nv)   \
    CK_RNN_SHAPE_FN(name, body, args, 5, nv) CK_RNN_SHAPE_FN(name, body, args, 6, nv)
#define CK_RNN_SHAPE_PTRS(name, nv)                                                     \
    {name##_1_##nv, name##_2_##nv, name##_3_##nv, name##_4_##nv, name##_5_##nv,         \
     name##_6_##nv}
/* Every shape of BODY for nv = 1..4 and the table TABLE[nv - 1][mr - 1]
 * of them, of function type FN. */
#define CK_RNN_SHAPE_TABLE(table, fn, name, body, args)                                 \
    CK_RNN_SHAPES(name, body, args, 1)                                                  \
    CK_RNN_SHAPES(name, body, args, 2)                                                  \
    CK_RNN_SHAPES(name, body, args, 3)                                                  \
    CK_RNN_SHAPES(name, body, args, 4)                                                  \
    static const fn table[4][CK_RNN_MR] = {                                             \
        CK_RNN_SHAPE_PTRS(name, 1), CK_RNN_SHAPE_PTRS(name, 2),                         \
        CK_RNN_SHAPE_PTRS(name, 3), CK_RNN_SHAPE_PTRS(name, 4)};
CK_RNN_SHAPE_TABLE(rnn_tiles, rnn_tile_fn, rnn_tile, rnn_tile_body_f32, rnn_tile_args)

void ck_rnn_pack_f32(size_t K, size_t N, const float *Bm, size_t ldb, int trans, float *P)
{
    size_t n0, k, j;
    for (n0 = 0; n0 < N; n0 += 64) {
        const size_t w = N - n0 < 64 ? N - n0 : 64;
        float *panel = P + n0 * K;
        if (trans) {
            /* 16 x 16 blocks in registers: the strided gather per value
             * was ~1% of the backward, packed on every call */
            ck_rnn_transpose_f32(w, K, Bm + n0 * ldb, ldb, panel, w);
            continue;
        }
        for (k = 0; k < K; ++k)
            for (j = 0; j < w; ++j) panel[k * w + j] = Bm[k * ldb + n0 + j];
    }
}

/* Depth per pass of ck_rnn_gemm_packed_f32 without a mask: a 64-column
 * panel of 128 packed rows (32 KB) stays in L1 while every row tile of C
 * passes over it; the whole depth (the backward's 4U = 512) streamed the
 * panel from L2 once per row tile. */
#define CK_RNN_KC 128

void ck_rnn_gemm_packed_f32(size_t M, size_t N, size_t K, size_t k0, size_t Ktot,
                            const float *A, size_t lda, const float *P, float *C, size_t ldc,
                            int beta, const float *Mk)
{
    /* With a mask each pass adds Mk . (its part of A P) to C: the sum of
     * the passes' masked parts is the masked product, so the mask keeps
     * the depth's L1 blocking too. */
    const size_t kc = CK_RNN_KC;
    size_t n0, r0, ka, mr;
    rnn_tile_args t;
    t.lda1 = lda;
    t.K2 = 0;
    t.lda2 = 0;
    t.ldi = ldc;
    t.ldc = ldc;
    for (n0 = 0; n0 < N; n0 += 64) {
        const size_t w = N - n0 < 64 ? N - n0 : 64, nv = w / 16;
        const size_t coff[4] = {n0, n0 + 16, n0 + 32, n0 + 48};
        t.w = w;
        t.coff = coff;
        for (ka = 0; ka < K; ka += kc) {
            t.K1 = K - ka < kc ? K - ka : kc;
            t.P = P + n0 * Ktot + (k0 + ka) * w;
            for (r0 = 0; r0 < M; r0 += mr) {
                mr = rnn_tile_rows(M, r0);
                t.A1 = A + r0 * lda + ka;
                t.A2 = t.A1;
                t.C = C + r0 * ldc;
                t.I = beta || ka > 0 ? t.C : NULL;
                t.M = Mk == NULL ? NULL : Mk + r0 * ldc;
                rnn_tiles[nv - 1][mr - 1](&t);
            }
        }
    }
}

/* The backward's [dW; dR] accumulation, C (M x N) += A Bm over an inner
 * index of nseg segments of len: A (M rows, lda) holds it along its rows,
 * row k of segment q of Bm is at Bm + q segb + k ldb (N values, N % 16 ==
 * 0, read unpacked: a chunk of dG rows hot in L2, read once per 6 rows of
 * C). A 6 x 64 register tile again. */
typedef struct {
    size_t nseg, len, lda, ldb, segb, ldc;
    const float *A, *Bm;
    float *C;
} rnn_acc_args;

__attribute__((target("arch=x86-64-v4"), optimize("fp-contract=fast"), always_inline))
static inline void rnn_acc_body_f32(const rnn_acc_args *t, const int mr, const int nv)
{
    ck_v16 acc[CK_RNN_MR][4], bv[4];
    const size_t n = t->nseg * t->len, len = t->len, lda = t->lda, ldb = t->ldb;
    const size_t skip = t->segb - len * ldb;
    const float *restrict A = t->A, *restrict Bm = t->Bm;
    size_t q = 0, k;
    int r, v;
    /* C joins at the end: loaded first, every accumulator's first FMA
     * waited on a line of C from L2. */
    for (r = 0; r < mr; ++r)
        for (v = 0; v < nv; ++v) acc[r][v] = (ck_v16){0};
    /* One flat loop over the inner index (the segments' A rows are
     * contiguous): with a loop per segment GCC spilled the accumulators
     * between segments. */
    for (k = 0; k < n; ++k) {
        for (v = 0; v < nv; ++v) memcpy(&bv[v], Bm + 16 * v, sizeof(ck_v16));
        for (r = 0; r < mr; ++r) {
            const float s = A[r * lda + k];
            for (v = 0; v < nv; ++v) acc[r][v] += s * bv[v];
        }
        Bm += ldb;
        if (++q == len) {
            q = 0;
            Bm += skip;
        }
    }
    for (r = 0; r < mr; ++r)
        for (v = 0; v < nv; ++v) {
            ck_v16 c;
            memcpy(&c, t->C + r * t->ldc + 16 * v, sizeof(ck_v16));
            c += acc[r][v];
            memcpy(t->C + r * t->ldc + 16 * v, &c, sizeof(ck_v16));
        }
}

typedef void (*rnn_acc_fn)(const rnn_acc_args *t);

CK_RNN_SHAPE_TABLE(rnn_accs, rnn_acc_fn, rnn_acc, rnn_acc_body_f32, rnn_acc_args)

/* Rows [r0, r0 + mr) of A (n = nseg len values each) into the same rows
 * of Am, each sample's run of len values scaled by its mask: row i reads
 * m1[b ld1 + i] below M1, else m2[b ld2 + i - M1] (NULL: unscaled). */
__attribute__((target("arch=x86-64-v4")))
static void rnn_mask_tile_rows(size_t mr, size_t r0, size_t nseg, size_t len, const float *A,
                               size_t lda, size_t M1, const float *m1, size_t ld1,
                               const float *m2, size_t ld2, float *Am)
{
    typedef float v8 __attribute__((vector_size(32)));
    const size_t n = nseg * len;
    size_t r, b, q;
    for (r = 0; r < mr; ++r) {
        const size_t i = r0 + r, ms = i < M1 ? ld1 : ld2;
        const float *m = i < M1 ? (m1 == NULL ? NULL : m1 + i) : (m2 == NULL ? NULL : m2 + i - M1);
        const float *src = A + i * lda;
        float *dst = Am + i * n;
        if (m == NULL) {
            memcpy(dst, src, n * sizeof(float));
        } else if (len == 8) {
            /* the chunk's usual run: one 8-wide product per sample */
            for (b = 0; b < nseg; ++b) {
                v8 v;
                memcpy(&v, src + 8 * b, sizeof v);
                v *= m[b * ms];
                memcpy(dst + 8 * b, &v, sizeof v);
            }
        } else {
            for (b = 0; b < nseg; ++b)
                for (q = 0; q < len; ++q) dst[b * len + q] = m[b * ms] * src[b * len + q];
        }
    }
}

void ck_rnn_gemm_tn_acc_runs_f32(size_t M, size_t N, size_t nseg, size_t len, const float *A,
                                 size_t lda, size_t M1, const float *m1, size_t ld1,
                                 const float *m2, size_t ld2, const float *Bm, size_t ldb,
                                 size_t segb, float *C, size_t ldc, float *Am)
{
    const size_t n = nseg * len;
    size_t n0, r0, i;
    rnn_acc_args t;
    t.nseg = nseg;
    t.len = len;
    t.lda = Am == NULL ? lda : n;
    t.ldb = ldb;
    t.segb = segb;
    t.ldc = ldc;
    /* Panels outer: one panel's rows of Bm (64 columns) stay in L1 while
     * every row tile of C passes over them. Under masks the first panel's
     * row tiles mask their rows into Am just before their product (the
     * next tile's rows fetched meanwhile); the other panels read them
     * back. */
    for (n0 = 0; n0 < N; n0 += 64) {
        const size_t nv = (N - n0 < 64 ? N - n0 : 64) / 16;
        t.Bm = Bm + n0;
        for (r0 = 0; r0 < M; r0 += CK_RNN_MR) {
            const size_t mr = M - r0 < CK_RNN_MR ? M - r0 : CK_RNN_MR;
            if (Am != NULL && n0 == 0) {
                rnn_mask_tile_rows(mr, r0, nseg, len, A, lda, M1, m1, ld1, m2, ld2, Am);
                for (i = r0 + mr; i < r0 + mr + CK_RNN_MR && i < M; ++i) {
                    size_t k;
                    for (k = 0; k < n; k += 16) __builtin_prefetch(A + i * lda + k, 0, 3);
                }
            }
            t.A = Am == NULL ? A + r0 * lda : Am + r0 * n;
            t.C = C + r0 * ldc + n0;
            rnn_accs[nv - 1][mr - 1](&t);
        }
    }
}

void ck_rnn_gemm_tn_acc_f32(size_t M, size_t N, size_t nseg, size_t len, const float *A,
                            size_t lda, const float *Bm, size_t ldb, size_t segb, float *C,
                            size_t ldc)
{
    ck_rnn_gemm_tn_acc_runs_f32(M, N, nseg, len, A, lda, 0, NULL, 0, NULL, 0, Bm, ldb, segb, C,
                                ldc, NULL);
}

void ck_lstm_pack_gates_f32(size_t F, size_t U, const float *W, const float *R, float *P)
{
    const size_t G4 = 4 * U, K = F + U;
    size_t u0, k, g, j;
    for (u0 = 0; u0 < U; u0 += 16) {
        float *panel = P + u0 * 4 * K;
        for (k = 0; k < K; ++k) {
            const float *src = k < F ? W + k * G4 : R + (k - F) * G4;
            for (g = 0; g < 4; ++g)
                for (j = 0; j < 16; ++j) panel[k * 64 + g * 16 + j] = src[g * U + u0 + j];
        }
    }
}

void ck_lstm_pack_gate_major_f32(size_t F, size_t U, const float *W, const float *R, float *P)
{
    const size_t G4 = 4 * U, K = F + U;
    size_t u0, g, k, j;
    for (u0 = 0; u0 < U; u0 += 64) {
        const size_t w = U - u0 < 64 ? U - u0 : 64;
        for (g = 0; g < 4; ++g) {
            float *panel = P + (u0 * 4 + g * w) * K;
            for (k = 0; k < K; ++k) {
                const float *src = (k < F ? W + k * G4 : R + (k - F) * G4) + g * U + u0;
                for (j = 0; j < w; ++j) panel[k * w + j] = src[j];
            }
        }
    }
}

/* The rows' cells of units [u0, u0 + w) after their gates' products, with
 * the next step's rows (gate rows in Gn, NULL: none) fetched and masked
 * rows carrying hp, cp over. */
static void lstm_train_cells_f32(size_t r0, size_t r1, size_t u0, size_t w, size_t U,
                                 const float *hp, const float *cp, size_t ldp, float *Gt,
                                 size_t ldg, float *Hs, float *Cs, size_t ldh,
                                 const uint8_t *m, size_t mst, const float *Gn)
{
    size_t r;
    if (m == NULL) {
        ck_lstm_train_cells16_f32(r1 - r0, w, Gt + r0 * ldg + u0, ldg, U, cp + r0 * ldp + u0,
                                  ldp, Cs + r0 * ldh + u0, Hs + r0 * ldh + u0, ldh,
                                  Gn == NULL ? NULL : Gn + r0 * ldg + u0);
        return;
    }
    for (r = r0; r < r1; ++r) {
        float *hr = Hs + r * ldh + u0, *cr = Cs + r * ldh + u0;
        if (!m[r * mst]) {
            memcpy(hr, hp + r * ldp + u0, w * sizeof(float));
            memcpy(cr, cp + r * ldp + u0, w * sizeof(float));
            continue;
        }
        ck_lstm_train_cells16_f32(1, w, Gt + r * ldg + u0, ldg, U, cp + r * ldp + u0, ldp, cr,
                                  hr, ldh, Gn == NULL ? NULL : Gn + r * ldg + u0);
    }
}

/* dst[g] rows = src rows . m[g] rows for each gate g with a mask: rows
 * [0, n) of w values, src rows lds apart, the others ld apart. */
__attribute__((target("arch=x86-64-v4")))
static void lstm_mask_gates(size_t n, size_t w, const float *src, size_t lds,
                            const float *const *m, float *const *dst, size_t ld)
{
    size_t g, r, j;
    for (g = 0; g < 4; ++g) {
        const float *restrict mg = m[g];
        float *restrict dg = dst[g];
        if (mg == NULL) continue;
        for (r = 0; r < n; ++r)
            for (j = 0; j < w; ++j) dg[r * ld + j] = src[r * lds + j] * mg[r * ld + j];
    }
}

/* Under dropout every gate reads its own masked x and h: with the 16-unit
 * panels of all four gates each row would need four broadcasts per k (the
 * tile that did so ran load-bound at ~47% of sgemm). Gate-major panels of
 * 64 units give each gate's product one operand, as without dropout. Each
 * gate's panel (K x 64) serves every row tile while it is in L1 (taken per
 * row tile, the four panels streamed from L2 once per tile), then the
 * block's cells run and, the new h still in L1, its masked copies for the
 * next step are written (and with the first block the next step's masked
 * x rows). */
void ck_lstm_train_step_drop_f32(size_t B, size_t F, size_t U, const float *P,
                                 const ck_lstm_drop_ops *o, const float *bias, const float *hp,
                                 const float *cp, size_t ldp, float *Gt, size_t ldg, float *Hs,
                                 float *Cs, size_t ldh, const uint8_t *m, size_t mst,
                                 const float *Gn)
{
    const size_t K = F + U;
    size_t u0, r0, g, mr;
    rnn_tile_args t;
    t.K1 = F;
    t.lda1 = o->ldx;
    t.K2 = U;
    t.lda2 = o->lda;
    t.ldi = 0;
    t.ldc = ldg;
    t.M = NULL;
    for (u0 = 0; u0 < U; u0 += 64) {
        const size_t w = U - u0 < 64 ? U - u0 : 64;
        const size_t coff[4] = {u0, u0 + 16, u0 + 32, u0 + 48};
        t.w = w;
        t.coff = coff;
        for (g = 0; g < 4; ++g) {
            t.P = P + (u0 * 4 + g * w) * K;
            t.I = bias == NULL ? NULL : bias + g * U;
            for (r0 = 0; r0 < B; r0 += mr) {
                mr = rnn_tile_rows(B, r0);
                t.A1 = o->X[g] + r0 * o->ldx;
                t.A2 = o->A[g] + r0 * o->lda;
                t.C = Gt + r0 * ldg + g * U;
                rnn_tiles[w / 16 - 1][mr - 1](&t);
            }
        }
        lstm_train_cells_f32(0, B, u0, w, U, hp, cp, ldp, Gt, ldg, Hs, Cs, ldh, m, mst, Gn);
        if (o->An[0] != NULL || o->An[1] != NULL || o->An[2] != NULL || o->An[3] != NULL) {
            const float *mh[4];
            float *An[4];
            for (g = 0; g < 4; ++g) {
                mh[g] = o->An[g] == NULL ? NULL : o->mh[g] + u0;
                An[g] = o->An[g] == NULL ? NULL : o->An[g] + u0;
            }
            lstm_mask_gates(B, w, Hs + u0, ldh, mh, An, U);
        }
        if (u0 == 0 && o->xn != NULL) lstm_mask_gates(B, F, o->xn, o->ldxn, o->mx, o->Xn, F);
    }
}

void ck_lstm_train_step_f32(size_t B, size_t F, size_t U, const float *P, const float *X,
                            size_t ldx, const float *bias, const float *hp, const float *cp,
                            size_t ldp, float *Gt, size_t ldg, float *Hs, float *Cs,
                            size_t ldh, const uint8_t *m, size_t mst, const float *Gn)
{
    const size_t coff[4] = {0, U, 2 * U, 3 * U}, K = F + U;
    size_t u0, r0, mr;
    rnn_tile_args t;
    t.K1 = F;
    t.lda1 = ldx;
    t.K2 = U;
    t.lda2 = ldp;
    t.w = 64;
    t.ldi = 0;
    t.ldc = ldg;
    t.coff = coff;
    t.M = NULL;
    for (u0 = 0; u0 < U; u0 += 16) {
        t.P = P + u0 * 4 * K;
        t.I = bias == NULL ? NULL : bias + u0;
        for (r0 = 0; r0 < B; r0 += mr) {
            mr = rnn_tile_rows(B, r0);
            t.A1 = X + r0 * ldx;
            t.A2 = hp + r0 * ldp;
            t.C = Gt + r0 * ldg + u0;
            rnn_tiles[3][mr - 1](&t);
            lstm_train_cells_f32(r0, r0 + mr, u0, 16, U, hp, cp, ldp, Gt, ldg, Hs, Cs, ldh, m,
                                 mst, Gn);
        }
    }
}
#else
int ck_rnn_fused = 0;
#endif
