/* ConvLSTM time loop and BPTT; see ck_convlstm.h. The float and double
 * versions share ck_convlstm_tmpl.h. */
#include "ck_convlstm.h"

#include <string.h>

#include "ck_act.h"
#include "ck_blas.h"
#include "ck_tmpl.h"

/* 4 MiB im2col blocks, the size ck_conv measured best on this machine. */
#define CK_CONVLSTM_BLOCK_BYTES ((size_t)1 << 22)

size_t ck_convlstm_col_rows(const ck_convlstm_shape *s, size_t elem)
{
    const size_t M = s->N * s->D * s->H * s->W;
    const size_t K = s->KD * s->KH * s->KW * s->F;
    size_t r;
    if (M == 0 || K == 0) return 0;
    r = CK_CONVLSTM_BLOCK_BYTES / (K * elem);
    if (r < 32) r = 32;
    return r < M ? r : M;
}

size_t ck_convlstm_work_elems(const ck_convlstm_shape *s, size_t elem)
{
    const size_t M = s->N * s->D * s->H * s->W, F = s->F;
    const size_t K = s->KD * s->KH * s->KW * F;
    /* a block of im2col rows and of their gate (gradient) rows, a 4F row
     * scratch, and the backward's four (M, F) state gradients */
    return ck_convlstm_col_rows(s, elem) * (K + 4 * F) + 4 * F + 4 * M * F;
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
