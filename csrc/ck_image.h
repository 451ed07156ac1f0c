/* Affine resampling of multi-channel 2-D images, as used by the image
 * augmentation of ckeras.preprocessing.image.
 *
 * For every output pixel (i, j) the input is sampled at
 *     r = m[0]*i + m[1]*j + m[2],   c = m[3]*i + m[4]*j + m[5]
 * with linear interpolation (spline order 1) and the boundary rules of
 * scipy.ndimage.affine_transform(order=1) for the fill modes below (same
 * coordinate folding, same neighbour mirroring, same accumulation order in
 * double, so results agree with SciPy to the last bit in practice).
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

int ck_affine_f32(size_t H, size_t W, size_t C, const float *x,
                  ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,
                  const double m[6], int mode, double cval, float *y,
                  ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch);
int ck_affine_f64(size_t H, size_t W, size_t C, const double *x,
                  ptrdiff_t xs_r, ptrdiff_t xs_c, ptrdiff_t xs_ch,
                  const double m[6], int mode, double cval, double *y,
                  ptrdiff_t ys_r, ptrdiff_t ys_c, ptrdiff_t ys_ch);

#endif /* CK_IMAGE_H */
