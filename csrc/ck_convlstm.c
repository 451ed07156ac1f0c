/* ConvLSTM time loop and BPTT; see ck_convlstm.h. The float and double
 * versions share ck_convlstm_tmpl.h. */
#include "ck_convlstm.h"

#include <string.h>

#include "ck_act.h"
#include "ck_blas.h"
#include "ck_threads.h"
#include "ck_tmpl.h"

/* 1 MiB im2col blocks: with the gate rows of the block beside them they
 * stay in a core's 2 MiB L2 (measured 13% faster than 4 MiB blocks). */
#define CK_CONVLSTM_BLOCK_BYTES ((size_t)1 << 20)
/* A block's row loops (im2col, gates) are shared with the helper thread
 * from this many state values (rows * F) on, in chunks of this many rows. */
#define CK_CONVLSTM_SPLIT_MIN ((size_t)1 << 13)
#define CK_CONVLSTM_CHUNK_ROWS ((size_t)64)

/* Rows of an im2col block whose rows are Kc values long. */
static size_t cl_block_rows(size_t M, size_t Kc, size_t elem)
{
    size_t r;
    if (M == 0 || Kc == 0) return 0;
    r = CK_CONVLSTM_BLOCK_BYTES / (Kc * elem);
    if (r < 32) r = 32;
    return r < M ? r : M;
}

/* The im2col row length: x's window, the bias column, the state's window. */
static size_t cl_fused_cols(const ck_convlstm_shape *s, const ck_convlstm_input *in)
{
    const size_t KK = s->KD * s->KH * s->KW;
    return KK * in->C + 1 + KK * s->F;
}

size_t ck_convlstm_work_elems_x(const ck_convlstm_shape *s, const ck_convlstm_input *in,
                                size_t elem)
{
    const size_t M = s->N * s->D * s->H * s->W, F = s->F, Kc = cl_fused_cols(s, in);
    return cl_block_rows(M, Kc, elem) * (Kc + 4 * F) + 4 * M * F;
}

#define real float
#define CK_SUF f32
#include "ck_convlstm_tmpl.h"
#undef real
#undef CK_SUF

#define real double
#define CK_SUF f64
#include "ck_convlstm_tmpl.h"
#undef real
#undef CK_SUF
