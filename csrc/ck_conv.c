/* Convolution (im2col + GEMM, fused bias/activation) and pooling kernels;
 * see ck_conv.h. The float and double versions share ck_conv_tmpl.h. */
#include "ck_conv.h"

#include <float.h>
#include <limits.h>
#include <string.h>

#include "ck_act.h"
#include "ck_blas.h"
#include "ck_tmpl.h"

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
