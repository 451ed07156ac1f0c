/* Fused scaled-dot-product attention, forward and backward.
 *
 * Layouts are those of Keras' MultiHeadAttention after its projections, so
 * no transpose is needed: q (B, T, N, H), k (B, S, N, H), v (B, S, N, Hv),
 * probabilities (B, N, T, S), output (B, T, N, Hv); C-contiguous but for
 * the row strides of q, k and v (ck_attention_ld).
 * Per batch and head: P = softmax(scale * q k^T + adder), out = P v, where
 * the adder is CK_ATTENTION_MASKED (-1e9) at positions whose mask byte is 0
 * (mask (B, T, S), or NULL), as tf-keras' Softmax layer masks: a fully
 * masked row becomes uniform rather than NaN. Two products per head, with
 * ck_act's row softmax between them, in place on P: for float on AVX-512
 * CPUs with S, H and Hv multiples of 16 on register tiles
 * (ck_attention_avx512.c), else through ck_blas.
 *
 * With threads > 1 the (batch, head) pairs are shared with the helper
 * thread (ck_threads.h); results are bit-identical with it or without. Pass
 * 1 when each GEMM already runs on several threads of the BLAS's own pool:
 * two callers of that pool only wait for each other.
 */
#ifndef CK_ATTENTION_H
#define CK_ATTENTION_H

#include "ck_common.h"

#define CK_ATTENTION_MASKED (-1e9)

/* Row strides (elements between consecutive positions t or s) of q, k and v,
 * and of dq, dk and dv in the backward: q, k and v may be column blocks of
 * one packed projection (B, T, ld). NULL: each is packed (N * H, N * H,
 * N * Hv). A stride below its row's width is CK_ERR_ARG. */
typedef struct {
    size_t q, k, v;
} ck_attention_ld;

/* Elements of the `work` both directions take: per running range (at most
 * two) a head's T x S block and a copy of one operand, max(H, Hv) x
 * max(T, S). */
size_t ck_attention_work_size(size_t T, size_t S, size_t H, size_t Hv);

/* probs NULL: the probabilities are not kept (inference), each head's lives
 * in `work` while it is used, so it stays in cache. */
int ck_attention_fwd_f32(size_t B, size_t T, size_t S, size_t N, size_t H, size_t Hv,
                         const ck_attention_ld *ld, int threads, const float *q,
                         const float *k, const float *v, const unsigned char *mask, double scale, float *probs,
                         float *work, float *out);
int ck_attention_fwd_f64(size_t B, size_t T, size_t S, size_t N, size_t H, size_t Hv,
                         const ck_attention_ld *ld, int threads, const double *q,
                         const double *k, const double *v, const unsigned char *mask, double scale, double *probs,
                         double *work, double *out);

/* Gradients from the saved probabilities: dout (B, T, N, Hv), dprobs
 * (B, N, T, S) or NULL; work as the forward's. dq, dk, dv are written
 * (never read). */
int ck_attention_bwd_f32(size_t B, size_t T, size_t S, size_t N, size_t H, size_t Hv,
                         const ck_attention_ld *ld, int threads, const float *q,
                         const float *k, const float *v, const float *probs, const float *dout, const float *dprobs,
                         double scale, float *work, float *dq, float *dk, float *dv);
int ck_attention_bwd_f64(size_t B, size_t T, size_t S, size_t N, size_t H, size_t Hv,
                         const ck_attention_ld *ld, int threads, const double *q,
                         const double *k, const double *v, const double *probs, const double *dout, const double *dprobs,
                         double scale, double *work, double *dq, double *dk, double *dv);

#endif /* CK_ATTENTION_H */
