/* Recurrent kernels (see ck_rnn.h). The float and double bodies come from
 * one template, ck_rnn_tmpl.h. */
#include "ck_rnn.h"

#include "ck_act.h"
#include "ck_blas.h"

#define CK_RNN_CAT_(a, b) a##b
#define CK_RNN_CAT(a, b) CK_RNN_CAT_(a, b)

/* Elementwise activations only: softmax has no per-unit meaning in a gate. */
static int ck_rnn_code_ok(int code)
{
    return code == CK_ACT_LINEAR || code == CK_ACT_RELU || code == CK_ACT_SIGMOID
        || code == CK_ACT_TANH || code == CK_ACT_HARD_SIGMOID;
}

size_t ck_lstm_bwd_ws(size_t B, size_t T, size_t U)
{
    /* dG, Hp, two U-vectors, and R^T (4U x U) for the per-step dh GEMM. */
    return B * T * 4 * U + B * T * U + 2 * U + 4 * U * U;
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

size_t ck_gru_fwd_ws(size_t B, size_t U, int reset_after)
{
    return reset_after ? B * 3 * U : B * U;
}

size_t ck_lstm_infer_ws(size_t B, size_t T, size_t F, size_t U, int transposed)
{
    /* Transposed: [W;R;b]^T, the stacked step input [x_t; h; 1]^T, gates,
     * c, and the new h and c kept apart while a mask decides which columns
     * take them. Batch-major: the gates of every step. */
    if (!transposed) return B * T * 4 * U;
    return 4 * U * (F + U + 1) + (F + U + 1) * B + 4 * U * B + 3 * U * B;
}

#define T float
#define CK_SUF f32
#include "ck_rnn_tmpl.h"
#undef T
#undef CK_SUF

#define T double
#define CK_SUF f64
#include "ck_rnn_tmpl.h"
#undef T
#undef CK_SUF
