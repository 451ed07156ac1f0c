/* Convolution (im2col + GEMM, fused bias/activation) and pooling kernels;
 * see ck_conv.h. The float and double versions share ck_conv_tmpl.h. */
#include "ck_conv.h"

#include <float.h>
#include <limits.h>
#include <string.h>

#include "ck_act.h"
#include "ck_blas.h"
#include "ck_threads.h"
#include "ck_tmpl.h"

/* The direct path (ck_conv_tmpl.h) takes windows of at most CK_CONV_DIRECT_K
 * entries (KD*KH*KW*C: 3x3 over 3 channels is 27). Its forward tiles hold
 * CK_CONV_TILE output rows by one 64-byte vector of channels: 8 AVX-512
 * accumulators, enough independent FMAs to cover their latency. The weight
 * gradient keeps CK_CONV_KG window entries by one vector in registers over
 * tiles of CK_CONV_DW_TILE rows. GCC/clang vector types lower to whatever
 * the target_clones variant has (SSE2 at the baseline); elsewhere plain
 * loops run. fp-contract is on there: -std=c99 turns FMA contraction off. */
#define CK_CONV_DIRECT_K 32
/* im2col's interior rows copy at most this many KD x KH segments from a
 * table of offsets (7x7 windows use 49); larger windows take the general
 * loop. */
#define CK_IM2COL_MAX_SEGS 64
#define CK_CONV_TILE 8
#define CK_CONV_KG 8
#define CK_CONV_DW_TILE 64
#if defined(__GNUC__) || defined(__clang__)
#define CK_CONV_VEC 1
typedef float ck_conv_vec_f32 __attribute__((vector_size(64)));
typedef double ck_conv_vec_f64 __attribute__((vector_size(64)));
typedef int ck_conv_mask_f32 __attribute__((vector_size(64)));
typedef long long ck_conv_mask_f64 __attribute__((vector_size(64)));
#define CK_CONV_FMA __attribute__((optimize("fp-contract=fast")))
#define CK_INLINE_FN __inline__ __attribute__((always_inline))
#else
#define CK_CONV_FMA
#define CK_INLINE_FN
#endif

/* Work split with the helper (ck_threads_run_chunks) by the kernels whose
 * passes would otherwise run on the caller alone (the direct path, pooling):
 * only above CK_CONV_SPLIT_WORK flops (or bytes for pooling), since posting
 * a job and waking the helper costs a few microseconds, in chunks of about
 * CK_CONV_CHUNK_WORK, at most CK_CONV_MAX_CHUNKS, so that a helper that starts
 * late still finds chunks to take. */
#define CK_CONV_SPLIT_WORK 1.0e6
#define CK_CONV_CHUNK_WORK 2.5e5
#define CK_CONV_MAX_CHUNKS 32

/* Items per chunk for n items costing `work` in all; n for no split. */
static size_t ck_conv_split_chunk(size_t n, double work)
{
    size_t chunks;
    if (work < CK_CONV_SPLIT_WORK || n < 2) return n;
    chunks = (size_t)(work / CK_CONV_CHUNK_WORK);
    if (chunks > CK_CONV_MAX_CHUNKS) chunks = CK_CONV_MAX_CHUNKS;
    if (chunks > n) chunks = n;
    if (chunks < 2) chunks = 2;
    return (n + chunks - 1) / chunks;
}

size_t ck_conv3d_col_rows(const ck_conv3d_shape *s, size_t elem)
{
    const size_t M = s->N * s->OD * s->OH * s->OW, K = s->KD * s->KH * s->KW * s->C;
    size_t r;
    if (s->KD == 1 && s->KH == 1 && s->KW == 1 && s->SD == 1 && s->SH == 1 &&
        s->SW == 1 && s->PF == 0 && s->PT == 0 && s->PL == 0 && s->OD == s->D &&
        s->OH == s->H && s->OW == s->W)
        return 0;
    if (M == 0 || K == 0) return 0;
    r = CK_CONV_BLOCK_BYTES / (K * elem);
    if (r < 32) r = 32; /* GEMMs thinner than this waste the packing */
    return r < M ? r : M;
}

/* The rows per im2col block a kernel call uses: the caller's buffer holds
 * ck_conv3d_col_rows(); with one BLAS thread, L2-sized blocks (see
 * CK_CONV_BLOCK1_BYTES), never more than the buffer holds. */
static size_t ck_conv_block_rows(const ck_conv3d_shape *s, size_t elem)
{
    const size_t R = ck_conv3d_col_rows(s, elem);
    const size_t K = s->KD * s->KH * s->KW * s->C;
    size_t r1;
    if (R == 0 || ck_blas_get_num_threads() != 1) return R;
    r1 = CK_CONV_BLOCK1_BYTES / (K * elem);
    if (r1 < 32) r1 = 32;
    return r1 < R ? r1 : R;
}

/* The weight gradient over im2col blocks (ck_conv_tmpl.h) is summed in up
 * to CK_DW_MAX_PARTS parts of whole blocks, two per thread, so that a helper
 * that starts late still finds one to take; below CK_CONV_SPLIT_WORK flops
 * it is one part. */
#define CK_DW_MAX_PARTS 4

static size_t ck_dw_parts(const ck_conv3d_shape *s, size_t R)
{
    const size_t M = s->N * s->OD * s->OH * s->OW, K = s->KD * s->KH * s->KW * s->C;
    const size_t nblk = R ? (M + R - 1) / R : 0;
    if (2.0 * (double)M * (double)K * (double)s->O < CK_CONV_SPLIT_WORK || nblk < 2) return 1;
    return nblk < CK_DW_MAX_PARTS ? nblk : CK_DW_MAX_PARTS;
}

/* Parts of the first layer's weight gradient (the direct path, no dx):
 * tiles of CK_CONV_DW_TILE rows, the scratch (two tiles and the partials)
 * taken from the caller's dz of M rows. */
static size_t ck_direct_dw_parts(const ck_conv3d_shape *s)
{
    const size_t M = s->N * s->OD * s->OH * s->OW, K = s->KD * s->KH * s->KW * s->C;
    const size_t ntiles = (M + CK_CONV_DW_TILE - 1) / CK_CONV_DW_TILE;
    size_t parts = ntiles < CK_DW_MAX_PARTS ? ntiles : CK_DW_MAX_PARTS;
    if (2.0 * (double)M * (double)K * (double)s->O < CK_CONV_SPLIT_WORK) return 1;
    while (parts > 1 && 2 * CK_CONV_DW_TILE * s->O + (parts - 1) * (K + 1) * s->O > M * s->O)
        --parts;
    return parts ? parts : 1;
}

/* Winograd F(2x2, 3x3) (ck_conv_tmpl.h) takes 3x3, stride-1, undilated
 * 2-D windows with enough channels that the transforms are cheap next to
 * the 16 GEMMs. Its blocks hold CK_WINO_BYTES of transformed inputs and
 * products per worker: they stay in L2 between the transforms and GEMMs. */
#define CK_WINO_MIN_C 16
#define CK_WINO_MIN_O 16
#define CK_WINO_BYTES ((size_t)1 << 20)

static int ck_wino_applies(const ck_conv3d_shape *s)
{
    return s->D == 1 && s->KD == 1 && s->KH == 3 && s->KW == 3 && s->SH == 1 && s->SW == 1 &&
           s->DH == 1 && s->DW == 1 && s->C >= CK_WINO_MIN_C && s->O >= CK_WINO_MIN_O &&
           s->N * s->OH * s->OW > 0;
}

/* Tiles per Winograd block. */
static size_t ck_wino_tiles(const ck_conv3d_shape *s, size_t elem)
{
    const size_t ntiles = s->N * ((s->OH + 1) / 2) * ((s->OW + 1) / 2);
    size_t t = CK_WINO_BYTES / (16 * (s->C + s->O) * elem);
    if (t < 16) t = 16;
    /* A layer of one block (batch 1) still gets two, one per thread: at
     * 50-150 us a layer, the helper (awake between back-to-back layers)
     * halves it. The blocks depend on the shape alone, so the bits do not
     * depend on who computes them. */
    if (t >= ntiles && ntiles >= 32) t = (ntiles + 1) / 2;
    return t < ntiles ? t : ntiles;
}

/* The stride between the 16 planes of a block (n elements each): an odd
 * number of 64-byte lines, so that the 16 planes a transform reads or writes
 * together fall into 16 different L1 sets, not one (block sizes are often
 * multiples of 4 KiB). */
static size_t ck_wino_ld(size_t n, size_t elem)
{
    size_t lines = (n * elem + 63) / 64;
    if (lines % 2 == 0) ++lines;
    return lines * 64 / elem;
}

/* Scratch elements of the Winograd forward (layout in ck_conv_tmpl.h). */
static size_t ck_wino_need(const ck_conv3d_shape *s, size_t elem)
{
    const size_t T = ck_wino_tiles(s, elem);
    return 16 * ck_wino_ld(s->C * s->O, elem) + s->C +
           2 * 16 * (ck_wino_ld(T * s->C, elem) + ck_wino_ld(T * s->O, elem));
}

/* Parts of the Winograd weight gradient: up to CK_DW_MAX_PARTS, each of
 * whole blocks of tiles. */
static size_t ck_wino_dw_parts(const ck_conv3d_shape *s)
{
    const size_t ntiles = s->N * ((s->OH + 1) / 2) * ((s->OW + 1) / 2);
    const size_t T = ck_wino_tiles(s, sizeof(float)), nblk = (ntiles + T - 1) / T;
    if (32.0 * (double)ntiles * (double)s->C * (double)s->O < CK_CONV_SPLIT_WORK) return 1;
    return nblk < CK_DW_MAX_PARTS ? nblk : CK_DW_MAX_PARTS;
}

/* Scratch elements of the Winograd weight gradient: the forward's, the
 * zeros sized for the larger channel count, and the partial dU (and db) of
 * parts 1.. . */
static size_t ck_wino_dw_need(const ck_conv3d_shape *s, size_t elem)
{
    const size_t big = s->C > s->O ? s->C : s->O;
    return ck_wino_need(s, elem) - s->C + big +
           (CK_DW_MAX_PARTS - 1) * (16 * ck_wino_ld(s->C * s->O, elem) + s->O);
}

/* The data gradient of a 3x3 stride-1 convolution is a 3x3 stride-1
 * convolution of dz with the flipped window and in/out channels swapped,
 * padded by 2 - PT, 2 - PL: t is that problem when Winograd takes it. */
static int ck_wino_dx_shape(const ck_conv3d_shape *s, ck_conv3d_shape *t)
{
    if (s->D != 1 || s->KD != 1 || s->KH != 3 || s->KW != 3 || s->SH != 1 || s->SW != 1 ||
        s->DH != 1 || s->DW != 1 || s->PT > 2 || s->PL > 2)
        return 0;
    *t = *s;
    t->H = s->OH; t->W = s->OW; t->C = s->O; t->O = s->C;
    t->PT = 2 - s->PT; t->PL = 2 - s->PL;
    t->OH = s->H; t->OW = s->W;
    return ck_wino_applies(t);
}

size_t ck_conv3d_col_size(const ck_conv3d_shape *s, size_t elem)
{
    const size_t K = s->KD * s->KH * s->KW * s->C;
    size_t n = ck_conv3d_col_rows(s, elem) * K, wn;
    ck_conv3d_shape t;
    /* the weight gradient's two blocks and partial sums */
    if (n > 0) n = 2 * n + (CK_DW_MAX_PARTS - 1) * (K * s->O + s->O);
    if (ck_wino_applies(s)) {
        wn = ck_wino_dw_need(s, elem);
        if (wn > n) n = wn;
    }
    if (ck_wino_dx_shape(s, &t)) { /* and the flipped window after it */
        wn = ck_wino_need(&t, elem) + 9 * s->C * s->O;
        if (wn > n) n = wn;
    }
    return n;
}

ck_conv3d_shape ck_conv2d_as_3d(const ck_conv2d_shape *s)
{
    ck_conv3d_shape t;
    t.N = s->N; t.D = 1; t.H = s->H; t.W = s->W; t.C = s->C;
    t.KD = 1; t.KH = s->KH; t.KW = s->KW; t.O = s->O;
    t.SD = 1; t.SH = s->SH; t.SW = s->SW;
    t.DD = 1; t.DH = s->DH; t.DW = s->DW;
    t.PF = 0; t.PT = s->PT; t.PL = s->PL;
    t.OD = 1; t.OH = s->OH; t.OW = s->OW;
    return t;
}

size_t ck_conv2d_col_rows(const ck_conv2d_shape *s, size_t elem)
{
    const ck_conv3d_shape t = ck_conv2d_as_3d(s);
    return ck_conv3d_col_rows(&t, elem);
}

#define real float
#define CK_SUF f32
#define CK_REAL_LOWEST (-FLT_MAX)
#include "ck_conv_tmpl.h"
#undef real
#undef CK_SUF
#undef CK_REAL_LOWEST

#define real double
#define CK_SUF f64
#define CK_REAL_LOWEST (-DBL_MAX)
#include "ck_conv_tmpl.h"
#undef real
#undef CK_SUF
#undef CK_REAL_LOWEST
