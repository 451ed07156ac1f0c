/* The AVX-512 step of float LSTM inference over a range of batch columns
 * (ck_rnn_infer_avx512.c). Internal to the rnn family: not part of the C
 * API of ck_rnn.h. */
#ifndef CK_RNN_INFER_AVX512_H
#define CK_RNN_INFER_AVX512_H

#include <stdint.h>

#include "ck_common.h"
#include "ck_rnn_avx512.h"

#if defined(CK_RNN_AVX512)
/* One transposed step over w columns (w % 16 == 0), every buffer w wide:
 * the gates of all units from the panels P (ck_lstm_infer_pack_f32)
 * against XH (K x w: x_t, h_{t-1} from row F, and a row of ones with a
 * bias), then the cell: c in place in Ct (U x w), the new h into Hn (U x
 * w). A column j with on != NULL and on[j] == 0 keeps its c and h. zt
 * holds CK_RNN_TILE floats. Each column's values depend on that column
 * alone, computed the same way whatever w: splitting a batch into ranges
 * changes no bit. */
/* [W; R; b] (K = F + U rows, plus 1 with a bias) of the pairs of units
 * [p0, p1) (all: 0, CK_RNN_UPAD(U) / 2) in panels: panel p holds units 2p
 * and 2p + 1 as rows du * 4 + gate ([i f c o]), stored [k][8] so that row
 * k of the product reads 8 consecutive weights; the rows of a padding unit
 * (U odd) are zero. P holds 4 CK_RNN_UPAD(U) K floats. */
void ck_lstm_infer_pack_f32(size_t F, size_t U, const float *W, const float *R,
                            const float *b, size_t K, size_t p0, size_t p1, float *P);
/* ck_lstm_infer_cell_f32's update (gate blocks of n values, c in place)
 * for n % 16 == 0, on AVX-512 vectors: within 2e-7 of it, about twice as
 * fast. */
void ck_lstm_infer_cell16_f32(size_t n, const float *z, float *c, float *h);
/* The training forward's default-activation cell on w units (w % 16 ==
 * 0) of n rows: z (gate blocks gs apart, rows ldz apart) activated in
 * place; c and h (rows ldh apart) from cp (rows ldp apart). zn (may be
 * NULL): the next step's z rows, fetched on the way with the next step's
 * c and h (gs after this step's). */
void ck_lstm_train_cells16_f32(size_t n, size_t w, float *z, size_t ldz, size_t gs,
                               const float *cp, size_t ldp, float *c, float *h, size_t ldh,
                               const float *zn);
/* The training backward's default-activation cell of n rows (U % 16 ==
 * 0; g, cr, cpr, dz rows ldg, ldc, ldp, ldz apart, dh and dc U apart):
 * gate gradients into dz and added to db, dc updated, dh zeroed; rows
 * with m[r mst] == 0 (m may be NULL) get dz = 0 and keep dh, dc. gn, cn
 * (may be NULL): the next step's rows of g and cr, fetched on the way. */
void ck_lstm_train_bwd_rows_f32(size_t n, size_t U, const float *g, size_t ldg,
                                const float *cr, size_t ldc, const float *cpr, size_t ldp,
                                float *dh, float *dc, float *dz, size_t ldz, float *db,
                                const uint8_t *m, size_t mst, const float *gn, const float *cn);
/* dst (cols x rows, ld ldd) = src^T (rows x cols, ld lds): the template's
 * rnn_transpose for float, 16 x 16 blocks in registers. */
void ck_rnn_transpose_f32(size_t rows, size_t cols, const float *src, size_t lds, float *dst,
                          size_t ldd);
/* The same with row i at src[i] (rows <= 16): rows gathered from anywhere
 * without a copy first. */
void ck_rnn_transpose_rows_f32(size_t rows, size_t cols, const float *const *src, float *dst,
                               size_t ldd);
void ck_lstm_infer_step_f32(size_t F, size_t K, size_t U, size_t w, const float *P,
                            const float *XH, float *Ct, float *Hn, const uint8_t *on,
                            float *zt);
#endif

#endif /* CK_RNN_INFER_AVX512_H */
