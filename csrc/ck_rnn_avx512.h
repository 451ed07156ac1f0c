/* The AVX-512 register tiles of float LSTM inference (ck_rnn_avx512.c) and
 * what they share with ck_rnn.c. Internal to the rnn family: not part of
 * the C API of ck_rnn.h. */
#ifndef CK_RNN_AVX512_H
#define CK_RNN_AVX512_H

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

/* [W; R; b] of every pair of units packed into 8-row panels (K = F + U,
 * plus 1 with a bias). */
void ck_lstm_pack_panels_f32(size_t F, size_t U, const float *W, const float *R,
                             const float *b, size_t K, float *P);
/* One unmasked transposed step: gates, c (in place in Ct) and h (into Hn)
 * of all units for Bp columns; zt holds CK_RNN_TILE floats. */
void ck_lstm_fused_step_f32(size_t K, size_t U, size_t Bp, const float *P, const float *XH,
                            float *Ct, float *Hn, float *zt);
/* The batch-1 step's gates of 64 units, accumulated in registers. */
void ck_lstm_z64_f32(size_t F, size_t U, size_t ld, size_t gs, const float *xt,
                     const float *W, const float *R, const float *h, const float *b,
                     float *z);
#endif

#endif /* CK_RNN_AVX512_H */
