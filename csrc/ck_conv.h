/* Convolution and pooling on channels_last (NDHWC) arrays, kernels DHWIO.
 *
 * Convolution is im2col + GEMM: the im2col matrix is built in row blocks of
 * about CK_CONV_BLOCK_BYTES, each block is multiplied by
 * kernel.reshape(KD*KH*KW*C, O), and bias and activation are applied to the
 * block's output rows right away. A 1x1x1, stride-1, unpadded convolution
 * needs no im2col: x already is the matrix. A 3x3, stride-1, undilated 2-D
 * convolution with at least 16 input and output channels runs Winograd
 * F(2x2, 3x3) instead (16 GEMMs over transformed 4x4 patches, 2.25x fewer
 * multiplies), its blocks of tiles split between the caller and ckeras's
 * helper thread (ck_threads.h) when the helper is enabled. Its backward
 * computes dx the same way (a 3x3 stride-1 convolution of dz with the
 * flipped window) and dw through the same transforms (16 GEMMs of V^T dP
 * per block of tiles); other layers' dw is im2col + GEMM.
 *
 * Work the caller would otherwise do alone is shared with the helper too:
 * the direct first-layer path's tiles, pooling rows, and the weight
 * gradients, which are summed in up to 4 parts of whole blocks (partial dw
 * and db added in part order). Every split is fixed by the shape alone, so
 * results are bit-identical whether the helper takes part or not.
 *
 * The kernels are 3-D; 2-D is the D == 1 case and 1-D the D == H == 1 case.
 * The ck_conv2d_* / ck_pool2d_* entries take the 2-D shape struct and run
 * the 3-D kernels with D == 1. The caller resolves 'valid'/'same'/'causal'
 * into the leading pads (PF, PT, PL) and the output sizes (OD, OH, OW); the
 * trailing pads are implied. Every buffer is allocated by the caller; `col`
 * holds ck_conv3d_col_size() elements (NULL when that is 0).
 */
#ifndef CK_CONV_H
#define CK_CONV_H

#include "ck_common.h"

/* 4 MiB: measured on 2 cores (2 MiB L2 each), 1 MiB blocks left the GEMMs too
 * thin for 2 BLAS threads (31-53% of sgemm); 4 MiB gives 73-85% with 2 threads
 * and 86-95% with 1; 8 MiB falls back (56-81%) as blocks leave the caches. */
#define CK_CONV_BLOCK_BYTES ((size_t)1 << 22)
/* With one BLAS thread the GEMM is fastest on blocks that stay in the core's
 * L2: measured at K = 288, O = 64, 1024-row blocks (1.2 MB) ran at 117-122
 * GF/s where 3640-row (4 MB) ones ran at 79-90. The kernels then walk the
 * caller's col buffer (sized by CK_CONV_BLOCK_BYTES) in blocks of this size. */
#define CK_CONV_BLOCK1_BYTES ((size_t)1 << 20)

typedef struct ck_conv3d_shape {
    size_t N, D, H, W, C;   /* input (N, D, H, W, C) */
    size_t KD, KH, KW, O;   /* kernel (KD, KH, KW, C, O) */
    size_t SD, SH, SW;      /* strides */
    size_t DD, DH, DW;      /* dilations */
    size_t PF, PT, PL;      /* zero padding before planes / rows / columns */
    size_t OD, OH, OW;      /* output (N, OD, OH, OW, O) */
} ck_conv3d_shape;

/* The 2-D shape: the 3-D one with D == KD == OD == 1. */
typedef struct ck_conv2d_shape {
    size_t N, H, W, C;   /* input (N, H, W, C) */
    size_t KH, KW, O;    /* kernel (KH, KW, C, O) */
    size_t SH, SW;       /* strides */
    size_t DH, DW;       /* dilations */
    size_t PT, PL;       /* zero padding before rows / columns */
    size_t OH, OW;       /* output (N, OH, OW, O) */
} ck_conv2d_shape;

/* Rows per im2col block for element size `elem` (0: no im2col needed). */
size_t ck_conv3d_col_rows(const ck_conv3d_shape *s, size_t elem);
size_t ck_conv2d_col_rows(const ck_conv2d_shape *s, size_t elem);

/* Elements of the caller's `col` scratch for one forward or backward call
 * (0: none needed): the im2col blocks, or what the Winograd path of 3x3
 * stride-1 layers needs, whichever is larger. */
size_t ck_conv3d_col_size(const ck_conv3d_shape *s, size_t elem);

/* s as the 3-D shape with D == 1. */
ck_conv3d_shape ck_conv2d_as_3d(const ck_conv2d_shape *s);

/* y = act(conv(x, w) + b); b may be NULL. */
int ck_conv3d_fwd_f32(const ck_conv3d_shape *s, const float *x, const float *w,
                      const float *b, int code, float *col, float *y);
int ck_conv3d_fwd_f64(const ck_conv3d_shape *s, const double *x, const double *w,
                      const double *b, int code, double *col, double *y);
int ck_conv2d_fwd_f32(const ck_conv2d_shape *s, const float *x, const float *w,
                      const float *b, int code, float *col, float *y);
int ck_conv2d_fwd_f64(const ck_conv2d_shape *s, const double *x, const double *w,
                      const double *b, int code, double *col, double *y);

/* Backward from the saved output y and dy. dz (N*OD*OH*OW*O) is scratch
 * for dy * act'(y) (only its head is used when dx is not wanted and the
 * window is small); it may be NULL only for the linear code (dy is used).
 * dx, dw, db may each be NULL (not wanted); x may be NULL when dw is. */
int ck_conv3d_bwd_f32(const ck_conv3d_shape *s, const float *x, const float *w,
                      const float *y, const float *dy, int code, float *dz,
                      float *col, float *dx, float *dw, float *db);
int ck_conv3d_bwd_f64(const ck_conv3d_shape *s, const double *x, const double *w,
                      const double *y, const double *dy, int code, double *dz,
                      double *col, double *dx, double *dw, double *db);
int ck_conv2d_bwd_f32(const ck_conv2d_shape *s, const float *x, const float *w,
                      const float *y, const float *dy, int code, float *dz,
                      float *col, float *dx, float *dw, float *db);
int ck_conv2d_bwd_f64(const ck_conv2d_shape *s, const double *x, const double *w,
                      const double *y, const double *dy, int code, double *dz,
                      double *col, double *dx, double *dw, double *db);

/* Pooling windows (KD, KH, KW), the same shape structs with O unused (== C). */
enum { CK_POOL_MAX = 0, CK_POOL_AVG = 1 };

/* Max pooling as TensorFlow's CPU kernel computes it: y is the largest
 * entry of the window that is not NaN, and at least the lowest finite value
 * (-FLT_MAX, -DBL_MAX): NaN and -inf never win, so a window of only NaN or
 * -inf gives the lowest finite value, whatever the positions. Padded
 * entries are not part of the window. idx (N*OD*OH*OW*C, may be NULL)
 * receives the flat position (id*H + ih)*W + iw (ih*W + iw in 2-D) of the
 * first maximum, or of the window's first entry when nothing exceeds the
 * lowest finite value; an empty window (impossible for valid/same) gives
 * y = 0 and idx = -1 (CK_ERR_TOO_LARGE when D*H*W does not fit an int). */
int ck_pool3d_max_fwd_f32(const ck_conv3d_shape *s, const float *x, float *y, int *idx);
int ck_pool3d_max_fwd_f64(const ck_conv3d_shape *s, const double *x, double *y, int *idx);
int ck_pool3d_max_bwd_f32(const ck_conv3d_shape *s, const int *idx, const float *dy, float *dx);
int ck_pool3d_max_bwd_f64(const ck_conv3d_shape *s, const int *idx, const double *dy, double *dx);
int ck_pool2d_max_fwd_f32(const ck_conv2d_shape *s, const float *x, float *y, int *idx);
int ck_pool2d_max_fwd_f64(const ck_conv2d_shape *s, const double *x, double *y, int *idx);
int ck_pool2d_max_bwd_f32(const ck_conv2d_shape *s, const int *idx, const float *dy, float *dx);
int ck_pool2d_max_bwd_f64(const ck_conv2d_shape *s, const int *idx, const double *dy, double *dx);
/* Average pooling over the non-padded entries of each window (TF rule). */
int ck_pool3d_avg_fwd_f32(const ck_conv3d_shape *s, const float *x, float *y);
int ck_pool3d_avg_fwd_f64(const ck_conv3d_shape *s, const double *x, double *y);
int ck_pool3d_avg_bwd_f32(const ck_conv3d_shape *s, const float *dy, float *dx);
int ck_pool3d_avg_bwd_f64(const ck_conv3d_shape *s, const double *dy, double *dx);
int ck_pool2d_avg_fwd_f32(const ck_conv2d_shape *s, const float *x, float *y);
int ck_pool2d_avg_fwd_f64(const ck_conv2d_shape *s, const double *x, double *y);
int ck_pool2d_avg_bwd_f32(const ck_conv2d_shape *s, const float *dy, float *dx);
int ck_pool2d_avg_bwd_f64(const ck_conv2d_shape *s, const double *dy, double *dx);

#endif /* CK_CONV_H */
