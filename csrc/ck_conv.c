/* Convolution (im2col + GEMM, fused bias/activation) and pooling kernels;
 * see ck_conv.h. The float and double versions share ck_conv_tmpl.h. */
#include "ck_conv.h"

#include <float.h>
#include <limits.h>
#include <string.h>

#include "ck_act.h"
#include "ck_blas.h"
#include "ck_tmpl.h"

size_t ck_conv2d_col_rows(const ck_conv2d_shape *s, size_t elem)
{
    const size_t M = s->N * s->OH * s->OW, K = s->KH * s->KW * s->C;
    size_t r;
    if (s->KH == 1 && s->KW == 1 && s->SH == 1 && s->SW == 1 && s->PT == 0 &&
        s->PL == 0 && s->OH == s->H && s->OW == s->W)
        return 0;
    if (M == 0 || K == 0) return 0;
    r = CK_CONV_BLOCK_BYTES / (K * elem);
    if (r < 32) r = 32; /* GEMMs thinner than this waste the packing */
    return r < M ? r : M;
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
