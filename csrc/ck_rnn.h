/* Recurrent layers over a whole batch-major sequence: LSTM, GRU (both
 * reset_after variants) and SimpleRNN, forward and backward through time.
 *
 * Shapes (row-major): x (B,T,F); kernel W (F,G*U); recurrent R (U,G*U);
 * states (B,U); mask (B,T) of 0/1 bytes in INPUT time order, or NULL.
 * Step s reads input time t = go_backwards ? T-1-s : s. Per-timestep arrays
 * named "input time" are indexed by t, arrays named "processing order" by s
 * (H is the layer's return_sequences output before masking of the leading
 * fully-masked steps, which the caller applies).
 * At a masked (b, t) the states of row b are carried over unchanged.
 * act/ract are activation codes of ck_act.h: linear, relu, sigmoid, tanh,
 * hard_sigmoid (not softmax).
 *
 * Forward saves, for the backward:
 *   G   (B,T,G*U) input time: the activated gates,
 *   H   (B,T,U)   processing order: h after each step,
 *   C   (B,T,U)   processing order: LSTM cell state after each step,
 *   HZH (B,T,U)   input time: GRU reset_after, h_prev.R_h + b1_h.
 * Backward inputs dH (B,T,U) processing order (gradient on H, may be NULL),
 * dh (B,U) and for LSTM dc (B,U): gradient on the final states on entry,
 * gradient on the initial states on return (they are the running buffers).
 * dx/dW/dR/db may be NULL when not needed; with B or U = 0 they are zeroed
 * (nothing else is read or written). ws is a workspace of
 * ck_<unit>_bwd_ws(B,T,U) elements (LSTM: ck_lstm_bwd_ws(B,T,F,U)).
 *
 * Dropout (Keras' dropout/recurrent_dropout, training): dpx (ng,B,F) holds
 * one input mask per gate, dph (ng,B,U) one recurrent mask per gate (ng =
 * 4 LSTM [i f c o], 3 GRU [z r h], 1 SimpleRNN), the same at every step;
 * gate k reads x_t . dpx_k and h_{t-1} . dph_k (GRU reset_before: its
 * candidate reads r . (h_{t-1} . dph_h)). NULL for none. With either, dws
 * is a scratch of ck_rnn_dropout_ws(B,T,F,U) elements (else unused, may be
 * NULL). The states themselves (and the GRU's z h_{t-1}) are not masked.
 * ck_lstm_fwd's ws (ck_lstm_fwd_ws(B,T,F,U) elements) is that scratch and
 * more: with it, float steps on AVX-512 CPUs with U % 16 == 0 and the
 * default activations run register tiles over R packed once per call
 * (the gates' cell pass fused in; the backward's dh product the same way);
 * it may be NULL without dropout (then OpenBLAS runs every step). From B = 4
 * these tiles run each half of the batch through the whole time loop on
 * its own, the caller and the helper thread of ck_threads.h one half each
 * (the caller both when the helper is busy or disabled): the halves depend
 * on B alone, so results are the same bits either way.
 *
 * ck_lstm_infer is the forward without the saved arrays, for inference: it
 * writes H (processing order, may be NULL) and the final h and c (B,U),
 * with a workspace of ck_lstm_infer_ws(B,T,F,U,transposed) elements.
 * `transposed` picks the step layout: gate rows of B values (padded to a
 * multiple of 16) with the input and recurrent products as one GEMM, or
 * for float on AVX-512 CPUs fused product-and-cell tiles (see ck_rnn_fused)
 * with the batch split in two halves between the caller and the helper
 * thread of ck_threads.h, each running every step of its own columns (the
 * same bits whoever runs which half); fast from B ~ 16. Otherwise the training kernel's batch-major rows, or at
 * B = 1 a step split by units between the caller and the helper thread of
 * ck_threads.h (the caller does it all when the helper is busy or disabled).
 * Results equal ck_lstm_fwd's up to summation order.
 */
#ifndef CK_RNN_H
#define CK_RNN_H

#include <stdint.h>

#include "ck_common.h"

size_t ck_lstm_bwd_ws(size_t B, size_t T, size_t F, size_t U);
size_t ck_gru_bwd_ws(size_t B, size_t T, size_t U, int reset_after);
size_t ck_simple_bwd_ws(size_t B, size_t T, size_t U);
size_t ck_rnn_dropout_ws(size_t B, size_t T, size_t F, size_t U);
size_t ck_lstm_fwd_ws(size_t B, size_t T, size_t F, size_t U);
/* Nonzero (the default where the CPU has AVX-512): ck_lstm_infer_f32's
 * transposed steps run the fused product-and-cell tiles (masked steps
 * too) instead of sgemm + the gate pass, its default-activation cells
 * the AVX-512 form, and the float training kernels their register tiles
 * (see ws above); tests clear it to reach the other paths. Not for use
 * while kernels run. */
extern int ck_rnn_fused;

/* Nonzero (tests only): batch-1 LSTM inference that got the helper thread
 * leaves it every step's upper units instead of claiming them when the
 * helper is late, so the two-thread exchange is what runs. Not for use
 * while kernels run. */
extern int ck_rnn_split_strict;

/* Tests only: nonzero makes float LSTM inference on the AVX-512 tiles
 * (transposed, see ck_lstm_infer) run its batch in ranges of this many
 * 16-column chunks instead of two halves, so that a test can check that a
 * split changes no bit without depending on when the helper comes. Not
 * for use while kernels run. */
extern int ck_rnn_batch_chunk;

/* Tests only: nonzero makes the float LSTM training kernels' two halves
 * (see ck_lstm_fwd's ws) run one on the caller and one on the helper
 * thread whenever the helper can start, the caller waiting for the
 * helper's half instead of taking it, so that a test can check that the
 * split changes no bit; ck_rnn_train_strict_runs counts the halves the
 * helper ran so. Not for use while kernels run. */
extern int ck_rnn_train_strict;
extern long ck_rnn_train_strict_runs;

/* LSTM inference workspace (see ck_lstm_infer). */
size_t ck_lstm_infer_ws(size_t B, size_t T, size_t F, size_t U, int transposed);
/* GRU forward workspace: (B,3U) for reset_after, (B,U) otherwise. */
size_t ck_gru_fwd_ws(size_t B, size_t U, int reset_after);

int ck_lstm_fwd_f32(size_t B, size_t T, size_t F, size_t U, const float *x, const float *W,
                    const float *R, const float *b, const float *h0, const float *c0,
                    const uint8_t *mask, int go_backwards, int act, int ract,
                    const float *dpx, const float *dph, float *G,
                    float *H, float *C, float *ws);
int ck_lstm_fwd_f64(size_t B, size_t T, size_t F, size_t U, const double *x,
                    const double *W, const double *R, const double *b, const double *h0,
                    const double *c0, const uint8_t *mask, int go_backwards, int act,
                    int ract, const double *dpx, const double *dph, double *G, double *H,
                    double *C, double *ws);
int ck_lstm_bwd_f32(size_t B, size_t T, size_t F, size_t U, const float *x, const float *W,
                    const float *R, const float *h0, const float *c0, const uint8_t *mask,
                    int go_backwards, int act, int ract, const float *dpx, const float *dph,
                    const float *G, const float *H,
                    const float *C, const float *dH, float *dh, float *dc, float *dx,
                    float *dW, float *dR, float *db, float *ws, float *dws);
int ck_lstm_bwd_f64(size_t B, size_t T, size_t F, size_t U, const double *x,
                    const double *W, const double *R, const double *h0, const double *c0,
                    const uint8_t *mask, int go_backwards, int act, int ract,
                    const double *dpx, const double *dph,
                    const double *G, const double *H, const double *C, const double *dH,
                    double *dh, double *dc, double *dx, double *dW, double *dR, double *db,
                    double *ws, double *dws);
int ck_lstm_infer_f32(size_t B, size_t T, size_t F, size_t U, const float *x,
                      const float *W, const float *R, const float *b, const float *h0,
                      const float *c0, const uint8_t *mask, int go_backwards, int act,
                      int ract, int transposed, float *H, float *h, float *c, float *ws);
int ck_lstm_infer_f64(size_t B, size_t T, size_t F, size_t U, const double *x,
                      const double *W, const double *R, const double *b, const double *h0,
                      const double *c0, const uint8_t *mask, int go_backwards, int act,
                      int ract, int transposed, double *H, double *h, double *c,
                      double *ws);
int ck_gru_fwd_f32(size_t B, size_t T, size_t F, size_t U, int reset_after, const float *x,
                   const float *W, const float *R, const float *b, const float *h0,
                   const uint8_t *mask, int go_backwards, int act, int ract, const float *dpx,
                   const float *dph, float *G,
                   float *H, float *HZH, float *ws, float *dws);
int ck_gru_fwd_f64(size_t B, size_t T, size_t F, size_t U, int reset_after,
                   const double *x, const double *W, const double *R, const double *b,
                   const double *h0, const uint8_t *mask, int go_backwards, int act,
                   int ract, const double *dpx, const double *dph, double *G, double *H,
                   double *HZH, double *ws, double *dws);
int ck_gru_bwd_f32(size_t B, size_t T, size_t F, size_t U, int reset_after, const float *x,
                   const float *W, const float *R, const float *h0, const uint8_t *mask,
                   int go_backwards, int act, int ract, const float *dpx, const float *dph,
                   const float *G, const float *H,
                   const float *HZH, const float *dH, float *dh, float *dx, float *dW,
                   float *dR, float *db, float *ws, float *dws);
int ck_gru_bwd_f64(size_t B, size_t T, size_t F, size_t U, int reset_after,
                   const double *x, const double *W, const double *R, const double *h0,
                   const uint8_t *mask, int go_backwards, int act, int ract,
                   const double *dpx, const double *dph,
                   const double *G, const double *H, const double *HZH, const double *dH,
                   double *dh, double *dx, double *dW, double *dR, double *db, double *ws,
                   double *dws);
int ck_simple_fwd_f32(size_t B, size_t T, size_t F, size_t U, const float *x,
                      const float *W, const float *R, const float *b, const float *h0,
                      const uint8_t *mask, int go_backwards, int act, const float *dpx,
                      const float *dph, float *G, float *H, float *dws);
int ck_simple_fwd_f64(size_t B, size_t T, size_t F, size_t U, const double *x,
                      const double *W, const double *R, const double *b, const double *h0,
                      const uint8_t *mask, int go_backwards, int act, const double *dpx,
                      const double *dph, double *G,
                      double *H, double *dws);
int ck_simple_bwd_f32(size_t B, size_t T, size_t F, size_t U, const float *x,
                      const float *W, const float *R, const float *h0, const uint8_t *mask,
                      int go_backwards, int act, const float *dpx, const float *dph,
                      const float *H, const float *dH,
                      float *dh, float *dx, float *dW, float *dR, float *db, float *ws,
                      float *dws);
int ck_simple_bwd_f64(size_t B, size_t T, size_t F, size_t U, const double *x,
                      const double *W, const double *R, const double *h0,
                      const uint8_t *mask, int go_backwards, int act, const double *dpx,
                      const double *dph, const double *H,
                      const double *dH, double *dh, double *dx, double *dW, double *dR,
                      double *db, double *ws, double *dws);

#endif /* CK_RNN_H */
