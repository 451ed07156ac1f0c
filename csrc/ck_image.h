/* Affine resampling of multi-channel 2-D images, as used by the image
 * augmentation of ckeras.preprocessing.image.
 *
 * For every output pixel (i, j) the input is sampled at
 *     r = (m[2] + m[0]*i) + m[1]*j,   c = (m[5] + m[3]*i) + m[4]*j
 * (SciPy's summation order) with the boundary rules of
 * scipy.ndimage.affine_transform for the fill modes below: same coordinate
 * folding, same handling of taps that leave the image, same accumulation
 * order in double, so results agree with SciPy to rounding.
 *
 * ck_affine_* is the linear (spline order 1) kernel. ck_affine_spline_*
 * handles every order 0..5: order 0 is nearest-neighbour on the raw image;
 * orders 2..5 evaluate a B-spline whose coefficients the caller computed
 * with ck_spline_filter_f64 (after padding the image by
 * CK_SPLINE_NEAREST_PAD edge copies for 'nearest', as SciPy does).
 *
 * Images are H x W x C addressed through element strides (row, column,
 * channel), so channels-last and channels-first layouts share one kernel.
 * Input and output must not overlap. */
#ifndef CK_IMAGE_H
#define CK_IMAGE_H

#include "ck_common.h"

enum {
    CK_FILL_NEAREST = 0,
    CK_FILL_WRAP = 1,     /* scipy 'wrap': period len - 1 (ends overlap) */
    CK_FILL_REFLECT = 2,  /* scipy 'reflect': half-sample symmetric */
    CK_FILL_CONSTANT = 3, /* cval outside [0, len - 1], no edge blending */
    CK_FILL_NCODES = 4
};

/* Boundary rule of the spline prefilter (SciPy's choice per fill mode:
 * 'reflect' and the padded 'nearest' use REFLECT, 'wrap' and 'constant'
 * use MIRROR). */
enum {
    CK_SPLINE_MIRROR = 0,  /* whole-sample symmetric: d c b | a b c d | c b a */
    CK_SPLINE_REFLECT = 1, /* half-sample symmetric:  c b a | a b c d | d c b */
    CK_SPLINE_NBOUNDARIES = 2
};

/* Edge copies added on each side before prefiltering for 'nearest'. */
#define CK_SPLINE_NEAREST_PAD 12

int ck_affine_f32(size_t H, size_t W, size_t C, const float *x,
                  ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,
                  const double m[6], int mode, double cval, float *y,
                  ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch);
int ck_affine_f64(size_t H, size_t W, size_t C, const double *x,
                  ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,
                  const double m[6], int mode, double cval, double *y,
                  ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch);

/* Turns image values into B-spline coefficients of `order` (2..5), in
 * place, along one axis of x viewed as n_outer x len x n_inner (C order):
 * the lines are x[(o*len + k)*n_inner + q], k = 0..len-1. Any axis of a
 * C-ordered image has such a view (e.g. rows of H x W x C: 1 x H x W*C;
 * columns: H x W x C). `work` holds n_inner doubles. Lines of length 1 are
 * left alone (as in SciPy). */
int ck_spline_filter_f64(double *x, size_t n_outer, size_t len, size_t n_inner,
                         int order, int boundary, double *work);

/* Resample through the 2x3 matrix `m` with a spline of `order` (0..5):
 * input Hi x Wi x C (spline coefficients for order >= 2, image values for
 * 0 and 1), output Ho x Wo x C. `pad` is added to both sample coordinates
 * (the edge copies of a padded 'nearest' input, else 0). Suffix: input and
 * output types (f64_f32: double coefficients, float output). */
int ck_affine_spline_f32(size_t Hi, size_t Wi, size_t C, const float *x,
                         ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,
                         size_t Ho, size_t Wo, const double m[6], int order,
                         int mode, double cval, double pad, float *y,
                         ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch);
int ck_affine_spline_f64(size_t Hi, size_t Wi, size_t C, const double *x,
                         ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,
                         size_t Ho, size_t Wo, const double m[6], int order,
                         int mode, double cval, double pad, double *y,
                         ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch);
int ck_affine_spline_f64_f32(size_t Hi, size_t Wi, size_t C, const double *x,
                             ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,
                             size_t Ho, size_t Wo, const double m[6],
                             int order, int mode, double cval, double pad,
                             float *y, ptrdiff_t ys_r, ptrdiff_t ys_c,
                             ptrdiff_t ys_ch);

/* ---- Kernels of the image preprocessing layers (TensorFlow's rules). ----
 * Batches of C-ordered N x H x W x C images. */

enum {
    CK_INTERP_NEAREST = 0,
    CK_INTERP_BILINEAR = 1,
    CK_INTERP_NCODES = 2
};

/* Separable resampling through precomputed taps (Resizing): output pixel
 * (i, j) is sum_a rw[i*Kr + a] * sum_b cw[j*Kc + b] * x[ridx[i*Kr + a],
 * cidx[j*Kc + b]], computed in the element type (TensorFlow resizes in
 * float too): each input row along x first, then the rows blended. Every
 * index must lie inside the input (CK_ERR_ARG otherwise). `work` is 8-byte
 * aligned scratch of ck_resize_taps_work_* bytes. Batches share the work
 * with the helper thread (ck_threads.h), one image at a time. */
size_t ck_resize_taps_work_f32(size_t Hi, size_t Wo, size_t C, size_t Ho, size_t Kr,
                               size_t Kc);
size_t ck_resize_taps_work_f64(size_t Hi, size_t Wo, size_t C, size_t Ho, size_t Kr,
                               size_t Kc);
int ck_resize_taps_f32(size_t N, size_t Hi, size_t Wi, size_t C, const float *x,
                       size_t Ho, size_t Wo, size_t Kr, const ptrdiff_t *ridx,
                       const double *rw, size_t Kc, const ptrdiff_t *cidx,
                       const double *cw, void *work, float *y);
int ck_resize_taps_f64(size_t N, size_t Hi, size_t Wi, size_t C, const double *x,
                       size_t Ho, size_t Wo, size_t Kr, const ptrdiff_t *ridx,
                       const double *rw, size_t Kc, const ptrdiff_t *cidx,
                       const double *cw, void *work, double *y);

/* One 8-bit image resized into float32 through taps, as ck_resize_taps_f32
 * of the image cast to float (the same sums, rounded alike). x is Hi x Wi
 * pixels of Cx bytes (channels adjacent), rows xs_r and pixels xs_c bytes
 * apart; the first C <= Cx channels are resampled, and with xs_c == Cx ==
 * 4 all four bytes of a pixel are read. y is C-ordered Ho x Wo x C, every
 * element written. `work` is pointer-aligned scratch of
 * ck_resize_u8_work_f32 bytes (an upper bound: the kernel touches a ring
 * of a few resampled rows of it). Runs on the calling thread only. */
size_t ck_resize_u8_work_f32(size_t Hi, size_t Wi, size_t Cx, size_t Wo, size_t C, size_t Ho,
                             size_t Kr, size_t Kc);
int ck_resize_u8_f32(size_t Hi, size_t Wi, size_t C, size_t Cx, const unsigned char *x,
                     ptrdiff_t xs_r, ptrdiff_t xs_c, size_t Ho, size_t Wo, size_t Kr,
                     const ptrdiff_t *ridx, const double *rw, size_t Kc, const ptrdiff_t *cidx,
                     const double *cw, void *work, float *y);

/* TensorFlow's ImageProjectiveTransformV3 (the Random* layers): output
 * pixel (row i, col j) samples the input at x' = (t0*j + t1*i + t2) / k,
 * y' = (t3*j + t4*i + t5) / k, k = t6*j + t7*i + 1, with the transform of
 * its image (n_transforms == N) or one shared transform (n_transforms ==
 * 1), 8 floats each; fill modes are CK_FILL_* with TensorFlow's folding
 * (see map_coord_tf in ck_image.c); interpolation CK_INTERP_*. */
int ck_projective_f32(size_t N, size_t H, size_t W, size_t C, const float *x,
                      const float *transforms, size_t n_transforms, size_t Ho,
                      size_t Wo, int interpolation, int mode, float fill_value,
                      float *y);
int ck_projective_f64(size_t N, size_t H, size_t W, size_t C, const double *x,
                      const float *transforms, size_t n_transforms, size_t Ho,
                      size_t Wo, int interpolation, int mode, float fill_value,
                      double *y);

#endif /* CK_IMAGE_H */
