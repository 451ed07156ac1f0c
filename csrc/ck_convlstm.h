/* The ConvLSTM recurrence: time loop and backpropagation through time.
 *
 * Channels-last arrays with up to 3 spatial axes (D, H, W; 1 for the axes a
 * layer does not have, so ConvLSTM1D/2D/3D share one loop), P = D*H*W
 * positions, F filters, gate order [i, f, c, o] (Keras):
 *   xz (N, T, P, 4F)  the input convolution of every step, bias included
 *                     (the caller runs it as one batched convolution)
 *   R  (KD, KH, KW, F, 4F)  the recurrent kernel: a stride-1 'same'
 *                     convolution of the state (TF's split: (k-1)/2 before)
 *   h0, c0 (N, P, F); H, C (N, T, P, F) in processing order (step s reads
 *   input time t = T-1-s when go_backwards); G (N, T, P, 4F) the activated
 *   gates in input time order.
 *   mask (N, T) or NULL: a masked (n, t) carries sample n's states.
 *   rmask (4, N, P, F) or NULL: recurrent dropout, gate g convolves
 *   h * rmask[g] (Keras 2's rule), which costs four thinner GEMMs a step.
 * The recurrent convolution is im2col + GEMM in row blocks, as in ck_conv
 * (ck_conv's im2col is 2-D with contiguous batches; the state of step s-1
 * lives inside H with a sample stride of T*P*F, so the loop has its own
 * N-D im2col reading through that stride instead of copying the state).
 * Each block's gates (forward) or gate gradients (backward) are computed
 * right after or before its GEMMs, while the block is in cache. A zero h0
 * (the default state) skips the first step's recurrent GEMMs.
 * The caller allocates everything; `work` holds ck_convlstm_work_elems()
 * elements. The backward never writes into a forward array.
 */
#ifndef CK_CONVLSTM_H
#define CK_CONVLSTM_H

#include "ck_common.h"

typedef struct ck_convlstm_shape {
    size_t N, T;      /* batch, timesteps */
    size_t D, H, W;   /* state spatial sizes */
    size_t F;         /* filters */
    size_t KD, KH, KW; /* recurrent window */
} ck_convlstm_shape;

/* Rows of one im2col block for element size `elem`. */
size_t ck_convlstm_col_rows(const ck_convlstm_shape *s, size_t elem);
/* Elements of the workspace either direction needs. */
size_t ck_convlstm_work_elems(const ck_convlstm_shape *s, size_t elem);

int ck_convlstm_fwd_f32(const ck_convlstm_shape *s, const float *xz, const float *R,
                        const float *h0, const float *c0, const unsigned char *mask,
                        const float *rmask, int go_backwards, int act, int ract,
                        float *work, float *H, float *C, float *G);
int ck_convlstm_fwd_f64(const ck_convlstm_shape *s, const double *xz, const double *R,
                        const double *h0, const double *c0, const unsigned char *mask,
                        const double *rmask, int go_backwards, int act, int ract,
                        double *work, double *H, double *C, double *G);
/* G may be xz itself: each step overwrites the input projections it has
 * read with the gates (a caller that no longer needs xz saves a buffer). */

/* dH (N, T, P, F) or NULL: the gradient on H; dh, dc (N, P, F): on the
 * final states. Writes dxz (N, T, P, 4F; may be NULL), dR (may be NULL) and
 * the gradients on the initial states dh0 (may be NULL: not computed, which
 * skips the first step's state-gradient GEMM) and dc0. */
int ck_convlstm_bwd_f32(const ck_convlstm_shape *s, const float *R, const float *h0,
                        const float *c0, const unsigned char *mask, const float *rmask,
                        int go_backwards, int act, int ract, const float *G,
                        const float *H, const float *C, const float *dH, const float *dh,
                        const float *dc, float *work, float *dxz, float *dR, float *dh0,
                        float *dc0);
int ck_convlstm_bwd_f64(const ck_convlstm_shape *s, const double *R, const double *h0,
                        const double *c0, const unsigned char *mask, const double *rmask,
                        int go_backwards, int act, int ract, const double *G,
                        const double *H, const double *C, const double *dH, const double *dh,
                        const double *dc, double *work, double *dxz, double *dR, double *dh0,
                        double *dc0);

/* The fused path: the input convolution runs inside the time loop, one
 * GEMM a step over the rows [im2col(x_t), 1, im2col(h_{t-1})] against
 *   Wc (Kx + 1 + Kh, 4F) = [kernel (*K, Cin, 4F); bias; recurrent kernel]
 * (Kx = KD*KH*KW*Cin, Kh = KD*KH*KW*F; a zero bias row for no bias), so the
 * (N, T, P, 4F) input projections and their gradient are never stored, and
 * the backward's one GEMM a step gives the kernel, bias and recurrent
 * gradients together. x (N, T, XD, XH, XW, Cin); the input convolution's
 * geometry is `in` (the state sizes of s are its output sizes). xmask
 * (4, N, XD, XH, XW, Cin) or NULL: input dropout, gate g convolves
 * x_t * xmask[g]. G is a separate (N, T, P, 4F) array here, or NULL when
 * no backward follows (inference): the gates are then not stored. */
typedef struct ck_convlstm_input {
    size_t C;            /* input channels */
    size_t D, H, W;      /* input spatial sizes */
    size_t sd, sh, sw;   /* strides */
    size_t dd, dh, dw;   /* dilations */
    size_t pd, ph, pw;   /* zero padding before each axis */
} ck_convlstm_input;

size_t ck_convlstm_work_elems_x(const ck_convlstm_shape *s, const ck_convlstm_input *in,
                                size_t elem);

int ck_convlstm_fwdx_f32(const ck_convlstm_shape *s, const ck_convlstm_input *in,
                         const float *x, const float *Wc, const float *h0, const float *c0,
                         const unsigned char *mask, const float *xmask, const float *rmask,
                         int go_backwards, int act, int ract, float *work, float *H, float *C,
                         float *G);
int ck_convlstm_fwdx_f64(const ck_convlstm_shape *s, const ck_convlstm_input *in,
                         const double *x, const double *Wc, const double *h0, const double *c0,
                         const unsigned char *mask, const double *xmask, const double *rmask,
                         int go_backwards, int act, int ract, double *work, double *H,
                         double *C, double *G);
/* Writes dx (N, T, XD, XH, XW, Cin; may be NULL), dWc (may be NULL), dh0
 * (may be NULL) and dc0, as ck_convlstm_bwd does. */
int ck_convlstm_bwdx_f32(const ck_convlstm_shape *s, const ck_convlstm_input *in,
                         const float *x, const float *Wc, const float *h0, const float *c0,
                         const unsigned char *mask, const float *xmask, const float *rmask,
                         int go_backwards, int act, int ract, const float *G, const float *H,
                         const float *C, const float *dH, const float *dh, const float *dc,
                         float *work, float *dx, float *dWc, float *dh0, float *dc0);
int ck_convlstm_bwdx_f64(const ck_convlstm_shape *s, const ck_convlstm_input *in,
                         const double *x, const double *Wc, const double *h0, const double *c0,
                         const unsigned char *mask, const double *xmask, const double *rmask,
                         int go_backwards, int act, int ract, const double *G, const double *H,
                         const double *C, const double *dH, const double *dh, const double *dc,
                         double *work, double *dx, double *dWc, double *dh0, double *dc0);

#endif /* CK_CONVLSTM_H */
