/* The AVX-512 register tiles of float LSTM inference (ck_rnn_avx512.c) and
 * what they share with ck_rnn.c. Internal to the rnn family: not part of
 * the C API of ck_rnn.h. */
#ifndef CK_RNN_AVX512_H
#define CK_RNN_AVX512_H

#include <stdint.h>

#include "ck_common.h"

/* ck_lstm_infer pads the units of its transposed buffers to an even count
 * (the fused step's tiles hold two units); CK_RNN_TILE floats hold one
 * tile's 8 x 32 gates and 2 x 32 values of c and of h. */
#define CK_RNN_UPAD(U) ((U) + ((U) & 1))
#define CK_RNN_TILE (8 * 32 + 2 * 32 + 2 * 32)

/* The default-activation gate pass of ck_rnn_infer_tmpl.h, which the fused
 * step runs on each tile. */
void ck_lstm_infer_cell_f32(size_t n, const float *z, float *c, float *h);

#if defined(CK_X86_DISPATCH)
#define CK_RNN_AVX512 1

/* Nonzero when the CPU has the AVX-512 subsets the tiles are built for. */
int ck_rnn_avx512(void);

/* The batch-1 step's gates of 64 units, accumulated in registers. */
void ck_lstm_z64_f32(size_t F, size_t U, size_t ld, size_t gs, const float *xt,
                     const float *W, const float *R, const float *h, const float *b,
                     float *z);

/* Batch-major training (see ck_rnn_avx512.c): B operands (K x N, N % 16
 * == 0, Bm[k, n] or with trans Bm[n, k], rows ldb apart) packed into
 * column panels of 64, and C (M x N, ldc) = A (M x K, lda) times rows
 * [k0, k0 + K) of such a packing of Ktot rows, plus C when beta; with a
 * mask Mk (laid out as C), C += Mk . (A P) instead: the backward's dh
 * under recurrent dropout without a pass over a scratch product. */
void ck_rnn_pack_f32(size_t K, size_t N, const float *Bm, size_t ldb, int trans, float *P);
void ck_rnn_gemm_packed_f32(size_t M, size_t N, size_t K, size_t k0, size_t Ktot,
                            const float *A, size_t lda, const float *P, float *C, size_t ldc,
                            int beta, const float *Mk);
/* C (M x N, ldc; N % 16 == 0) += A Bm, A (M x nseg len, lda) and row k of
 * segment q of Bm at Bm + q segb + k ldb: the backward's [dW; dR] +=
 * [x_t, h_{t-1}]^T dG over a chunk of steps, the transposed rows in A and
 * the dG rows read in place (a run of len steps of each of nseg samples). */
void ck_rnn_gemm_tn_acc_f32(size_t M, size_t N, size_t nseg, size_t len, const float *A,
                            size_t lda, const float *Bm, size_t ldb, size_t segb, float *C,
                            size_t ldc);
/* ck_rnn_gemm_tn_acc_f32 with A's rows under dropout masks constant
 * along each segment: row i of segment b is scaled by m1[b ld1 + i] for i
 * < M1, else by m2[b ld2 + i - M1] (a NULL mask scales by 1), the masked
 * rows written to Am (M x nseg len floats; NULL: no masks, A read as it
 * is). The backward's per-gate [dW; dR] under input and recurrent
 * dropout. */
void ck_rnn_gemm_tn_acc_runs_f32(size_t M, size_t N, size_t nseg, size_t len, const float *A,
                                 size_t lda, size_t M1, const float *m1, size_t ld1,
                                 const float *m2, size_t ld2, const float *Bm, size_t ldb,
                                 size_t segb, float *C, size_t ldc, float *Am);
/* [W; R] (F + U rows of 4U, U % 16 == 0) packed for
 * ck_lstm_train_step_f32: per 16 units a panel of 64 columns, the units'
 * [i f c o] gate columns. */
void ck_lstm_pack_gates_f32(size_t F, size_t U, const float *W, const float *R, float *P);
/* The same [W; R] packed per 64 units (the last block narrower) and per
 * gate: ck_lstm_train_step_drop_f32's layout. */
void ck_lstm_pack_gate_major_f32(size_t F, size_t U, const float *W, const float *R,
                                 float *P);
/* One training step for the default activations: the gate rows Gt (B x
 * 4U, ldg) get bias + x_t W + h_{t-1} R from the rows X (ldx apart) and
 * hp (ldp), and are activated in place; c into Cs, h into Hs (rows ldh
 * apart) from the previous hp, cp. A row r with m[r * mst] == 0 (m may be
 * NULL) carries hp, cp over. Gn: the next step's gate rows (prefetched
 * with the next H and C rows), or NULL at the last step. P is packed by
 * ck_lstm_pack_gates_f32. */
void ck_lstm_train_step_f32(size_t B, size_t F, size_t U, const float *P, const float *X,
                            size_t ldx, const float *bias, const float *hp, const float *cp,
                            size_t ldp, float *Gt, size_t ldg, float *Hs, float *Cs,
                            size_t ldh, const uint8_t *m, size_t mst, const float *Gn);
/* The operands of a training step under dropout (gate g reads X[g], rows
 * ldx apart, and A[g], lda), and what ck_lstm_train_step_drop_f32 writes
 * for the next step while the new rows are in L1: Xn[g] = xn . mx[g]
 * (rows F apart, xn's ldxn; xn NULL: none, the last step or no input
 * masks) and An[g] = h . mh[g] (rows U apart; NULL: none). Zero-filled
 * members are unused. */
typedef struct {
    const float *X[4], *A[4];
    size_t ldx, lda;
    const float *xn;
    size_t ldxn;
    const float *mx[4], *mh[4];
    float *Xn[4], *An[4];
} ck_lstm_drop_ops;
/* The training step under dropout on the operands of o, P packed by
 * ck_lstm_pack_gate_major_f32 (the other arguments as in
 * ck_lstm_train_step_f32), writing o's next operands. */
void ck_lstm_train_step_drop_f32(size_t B, size_t F, size_t U, const float *P,
                                 const ck_lstm_drop_ops *o, const float *bias, const float *hp,
                                 const float *cp, size_t ldp, float *Gt, size_t ldg, float *Hs,
                                 float *Cs, size_t ldh, const uint8_t *m, size_t mst,
                                 const float *Gn);
#endif

#endif /* CK_RNN_AVX512_H */
