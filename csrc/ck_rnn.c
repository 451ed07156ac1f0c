/* Recurrent kernels (see ck_rnn.h). The float and double bodies come from
 * three templates: training (ck_rnn_train_tmpl.h), LSTM inference
 * (ck_rnn_infer_tmpl.h) and its batch-1 split between two threads
 * (ck_rnn_split_tmpl.h); the AVX-512 tiles of float inference are in
 * ck_rnn_infer_avx512.c (batched steps and the cell) and ck_rnn_avx512.c
 * (the batch-1 gate block), those of float training in ck_rnn_avx512.c. */
#include "ck_rnn.h"

#include <string.h>

#include "ck_act.h"
#include "ck_blas.h"
#include "ck_rnn_avx512.h"
#include "ck_rnn_infer_avx512.h"
#include "ck_threads.h"
#include "ck_tmpl.h"

/* Elementwise activations only: softmax has no per-unit meaning in a gate. */
static int ck_rnn_code_ok(int code)
{
    return code == CK_ACT_LINEAR || code == CK_ACT_RELU || code == CK_ACT_SIGMOID
        || code == CK_ACT_TANH || code == CK_ACT_HARD_SIGMOID;
}

/* What every recurrent kernel checks first: CK_ERR_CODE for an activation
 * that is not elementwise, CK_OK when there is nothing to compute (`empty`),
 * CK_ERR_ARG for a missing input; else CK_RNN_RUN, and the kernel goes on to
 * check its own buffers. */
#define CK_RNN_RUN 1
static int ck_rnn_check(int act, int ract, int empty, size_t F, const void *x,
                        const void *W, const void *R, const void *h0)
{
    if (!ck_rnn_code_ok(act) || !ck_rnn_code_ok(ract)) return CK_ERR_CODE;
    if (empty) return CK_OK;
    if (W == NULL || R == NULL || h0 == NULL || (F > 0 && x == NULL)) return CK_ERR_ARG;
    return CK_RNN_RUN;
}

/* The gradients a backward kernel returns when there is nothing to compute
 * (B or U is 0): no step contributes, so dx, dW, dR and db are zero (the
 * caller's buffers are uninitialised). NULL ones are not wanted. */
static void ck_rnn_zero_grads(size_t size, size_t ndx, size_t ndW, size_t ndR, size_t ndb,
                              void *dx, void *dW, void *dR, void *db)
{
    if (dx != NULL) memset(dx, 0, ndx * size);
    if (dW != NULL) memset(dW, 0, ndW * size);
    if (dR != NULL) memset(dR, 0, ndR * size);
    if (db != NULL) memset(db, 0, ndb * size);
}

/* Steps per chunk of the tiled LSTM backward's [dW; dR] accumulation: a
 * half's chunk of dG rows (8 steps x 16 samples x 4U at U = 128: 256 KB)
 * is still in L2 when its product runs. */
#define CK_RNN_WR_STEPS 8

size_t ck_lstm_bwd_ws(size_t B, size_t T, size_t F, size_t U)
{
    /* dG (rows 4U + 16 apart in the tiles' path), R^T (4U x U) for the per-step dh product, the bias gradient's
     * sums of each half of the batch, two U-vectors; then for the BLAS
     * path the rows [x_t, h_{t-1}] (or h_{t-1} alone), [dW; dR] and the
     * rows under a gate's dropout masks, or for the tiles each half's
     * [dW; dR], its chunk's rows, their transpose and under dropout that
     * under one gate's masks, and its ring of dG rows (see
     * ck_rnn_train_tmpl.h). */
    const size_t K = F + U, steps = T < CK_RNN_WR_STEPS ? T : CK_RNN_WR_STEPS;
    const size_t blas = 2 * B * T * K + K * 4 * U, tiles = 2 * K * 4 * U + 6 * steps * (B + 1) * K
                       + CK_RNN_WR_STEPS * (B + 1) * (4 * U + 16);
    return B * T * (4 * U + 16) + 4 * U * U + 8 * U + 2 * U + (blas > tiles ? blas : tiles);
}

size_t ck_gru_bwd_ws(size_t B, size_t T, size_t U, int reset_after)
{
    if (reset_after) return 2 * B * T * 3 * U + B * T * U;
    return B * T * 3 * U + 2 * B * T * U + B * U;
}

size_t ck_simple_bwd_ws(size_t B, size_t T, size_t U)
{
    return 2 * B * T * U;
}

size_t ck_rnn_dropout_ws(size_t B, size_t T, size_t F, size_t U)
{
    /* The masked inputs or states of every step (or dx's per-gate term), one
     * at a time; a step's masked h (B x U) fits in it too. */
    return B * T * (F > U ? F : U);
}

size_t ck_gru_fwd_ws(size_t B, size_t U, int reset_after)
{
    return reset_after ? B * 3 * U : B * U;
}

/* ck_lstm_infer pads the batch of its transposed buffers to a multiple of
 * 16 (one AVX-512 vector of floats). */
#define CK_RNN_BPAD(B) (((B) + 15) / 16 * 16)

/* Floats per 16 batch columns of the AVX-512 inference ranges: two step
 * inputs [x_t; h; 1] (a step reads one and writes h into the other), c,
 * the tile and the range's column flags. */
#define CK_RNN_CHUNK_WS(K, U) (16 * (2 * (K) + (U)) + CK_RNN_TILE + 16)

/* Batch-1 LSTM inference splits a step between two threads from this many
 * weights (4U(F+U)); below it the exchange of h costs more than it saves. */
#define CK_RNN_SPLIT_MIN 16384
/* Units per block of the split step (the AVX-512 z64 tile's width). */
#define CK_RNN_UBLK 64
/* Packing the split step's weights pays for itself over this many steps. */
#define CK_RNN_PACK_MIN_T 8

int ck_rnn_split_strict = 0;
int ck_rnn_batch_chunk = 0;
int ck_rnn_train_strict = 0;
long ck_rnn_train_strict_runs = 0;

#if defined(CK_RNN_AVX512)
/* The strict split of ck_rnn_train_strict: the helper runs half 1. */
typedef struct {
    ck_job job;
    void (*fn)(void *ctx, size_t lo, size_t hi);
    void *ctx;
    int done;
} ck_rnn_strict_job;

static void ck_rnn_strict_run(ck_job *job)
{
    ck_rnn_strict_job *j = (ck_rnn_strict_job *)job;
    j->fn(j->ctx, 1, 2);
    CK_STORE(&j->done, 1);
}

/* fn over the halves [0, nh) of a training call: through
 * ck_threads_run_chunks, or under ck_rnn_train_strict (and nh == 2) one
 * half on each thread when the helper starts. */
static void ck_rnn_run_halves(void (*fn)(void *ctx, size_t lo, size_t hi), void *ctx,
                              size_t nh)
{
    if (ck_rnn_train_strict && nh == 2) {
        ck_rnn_strict_job j = {{ck_rnn_strict_run}, fn, ctx, 0};
        if (ck_threads_start(&j.job)) {
            unsigned spins = 0;
            fn(ctx, 0, 1);
            while (!CK_LOAD(&j.done)) ck_spin_pause(&spins);
            ck_threads_finish();
            ++ck_rnn_train_strict_runs;
            return;
        }
    }
    ck_threads_run_chunks(fn, ctx, nh, 1);
}
#endif

size_t ck_lstm_infer_ws(size_t B, size_t T, size_t F, size_t U, int transposed)
{
    const size_t Bp = CK_RNN_BPAD(B), K = F + U + 1;
    size_t blas, tiles;
    /* Transposed: for BLAS steps the stacked step input [x_t; h; 1]^T,
     * gates, c, the new h and c and [W;R;b]^T. Batch-major: the gates of every
     * step, or at batch 1 what the split step needs if more: h of alternate
     * steps and the packed [W;R] of both halves, each aligned to 64 bytes. */
    if (!transposed) {
        const size_t rows = B * T * 4 * U, one = 2 * U + 4 * U * (F + U) + 32;
        return B == 1 && one > rows ? one : rows;
    }
    blas = K * Bp + 4 * U * Bp + 3 * U * Bp + 4 * U * K;
    /* The AVX-512 ranges: the panels, then the chunks' buffers (see
     * CK_RNN_CHUNK_WS), each start aligned to 64 bytes. */
    tiles = 16 + 4 * CK_RNN_UPAD(U) * K + 16 + Bp / 16 * CK_RNN_CHUNK_WS(K, U);
    return blas > tiles ? blas : tiles;
}

size_t ck_lstm_fwd_ws(size_t B, size_t T, size_t F, size_t U)
{
    /* The dropout scratch, then [W; R] packed for the training step's
     * tiles, and h_{t-1} and x_t under each gate's dropout mask, two of
     * each (a step writes the next one's). */
    return ck_rnn_dropout_ws(B, T, F, U) + 4 * U * (F + U) + 8 * B * U + 8 * B * F;
}

#if defined(CK_RNN_AVX512)
static int ck_rnn_fused_usable(int act, int ract)
{
    return ck_rnn_fused && act == CK_ACT_TANH && ract == CK_ACT_SIGMOID && ck_rnn_avx512();
}

/* The float training kernels' register tiles: U % 16 == 0 is checked by
 * the caller. The backward's dh product does not depend on the
 * activations, but its cell pass is only vectorized well for the default
 * ones, so both paths switch together. */
static int ck_rnn_train_tiles(int act, int ract)
{
    return ck_rnn_fused_usable(act, ract);
}
#endif

/* Shorthands of the templates, expanded per precision. */
#define GEMM CK_S(ck_gemm)
#define ACT CK_S(ck_act_fwd)

#define real float
#define CK_SUF f32
#if defined(CK_RNN_AVX512)
#define CK_LSTM_FUSED 1
#endif
#include "ck_rnn_train_tmpl.h"
#include "ck_rnn_infer_tmpl.h"
#include "ck_rnn_split_tmpl.h"
#undef CK_LSTM_FUSED
#undef real
#undef CK_SUF

#define real double
#define CK_SUF f64
#include "ck_rnn_train_tmpl.h"
#include "ck_rnn_infer_tmpl.h"
#include "ck_rnn_split_tmpl.h"
#undef real
#undef CK_SUF
