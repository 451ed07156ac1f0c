/* The ConvLSTM recurrence: time loop and backpropagation through time,
 * with the input convolution of every step inside the loop.
 *
 * Channels-last arrays with up to 3 spatial axes (D, H, W; 1 for the axes a
 * layer does not have, so ConvLSTM1D/2D/3D share one loop), P = D*H*W
 * state positions, F filters, gate order [i, f, c, o] (Keras):
 *   x (N, T, XD, XH, XW, Cin)  the input; the input convolution's geometry
 *                     is `in`, the state sizes of s are its output sizes
 *   Wc (Kx + 1 + Kh, 4F) = [kernel (*K, Cin, 4F); bias; recurrent kernel
 *                     (*K, F, 4F)] (Kx = KD*KH*KW*Cin, Kh = KD*KH*KW*F; a
 *                     zero bias row for no bias); the recurrent convolution
 *                     is stride-1 'same' (TF's split: (k-1)/2 before)
 *   h0, c0 (N, P, F); H, C (N, T, P, F) in processing order (step s reads
 *   input time t = T-1-s when go_backwards); G (N, T, P, 4F) the activated
 *   gates in input time order.
 *   mask (N, T) or NULL: a masked (n, t) carries sample n's states.
 *   xmask (4, N, XD, XH, XW, Cin) or NULL: input dropout, gate g convolves
 *   x_t * xmask[g]; rmask (4, N, P, F) or NULL: recurrent dropout, gate g
 *   convolves h * rmask[g] (Keras 2's rules), which costs four thinner
 *   GEMMs a step.
 * A step is one GEMM over the im2col rows [im2col(x_t), 1, im2col(h_{t-1})]
 * against Wc, in row blocks, so the (N, T, P, 4F) input projections and
 * their gradient are never stored, and the backward's one GEMM a step gives
 * the kernel, bias and recurrent gradients together. The loop has its own
 * N-D im2col (the state of step s-1 lives inside H with a sample stride of
 * T*P*F: read through that stride instead of copied). Each block's gates
 * (forward) or gate gradients (backward) are computed right after or before
 * its GEMMs, while the block is in cache. A zero h0 (the default state)
 * skips the first step's recurrent columns.
 * The caller allocates everything; `work` holds ck_convlstm_work_elems_x()
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

/* The input convolution's geometry. */
typedef struct ck_convlstm_input {
    size_t C;            /* input channels */
    size_t D, H, W;      /* input spatial sizes */
    size_t sd, sh, sw;   /* strides */
    size_t dd, dh, dw;   /* dilations */
    size_t pd, ph, pw;   /* zero padding before each axis */
} ck_convlstm_input;

/* Elements of the workspace either direction needs. */
size_t ck_convlstm_work_elems_x(const ck_convlstm_shape *s, const ck_convlstm_input *in,
                                size_t elem);

/* G may be NULL when no backward follows (inference): the gates are then
 * not stored. */
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
/* dH (N, T, P, F) or NULL: the gradient on H; dh, dc (N, P, F): on the
 * final states. Writes dx (N, T, XD, XH, XW, Cin; may be NULL), dWc (may be
 * NULL), the gradients on the initial states dh0 (may be NULL: not
 * computed, which skips the first step's state-gradient GEMM) and dc0. */
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
